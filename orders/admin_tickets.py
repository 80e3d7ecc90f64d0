"""Checking a ticket's QR code, for staff and venues holding ``orders.validate_ticket``.

Two ways in, one check (orders.services.ticket_validation):

* ``/admin/tickets/validate/``: a page of the back office with one field; a handheld scanner
  types the QR text into it and presses Enter, or staff paste it.
* ``/admin/tickets/validate.json``: for a scanning web app open in a browser logged in to the back
  office. POST ``{"payload": "TQ1...."}`` with the session cookie and the CSRF token in the
  ``X-CSRFToken`` header; the answer is the check as JSON. It uses the admin's own login and CSRF
  protection, so there is no second kind of credential to issue, leak or revoke: a venue gets a
  staff user whose only permission is this one.
"""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from orders.services.ticket_validation import ticket_check
from orders.ticket_signing import MAX_PAYLOAD_LENGTH
from tessera.actors import Actor

PERMISSION = "orders.validate_ticket"
MAX_BODY_BYTES = 4096


class TicketPayloadForm(forms.Form):
    payload = forms.CharField(
        label="QR code",
        max_length=MAX_PAYLOAD_LENGTH * 4,
        strip=True,
        help_text="Scan the ticket's QR code into this field, or paste the text it carries.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "size": 60}),
    )


def _validate_page(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = TicketPayloadForm(request.POST or None)
    check = None
    if request.method == "POST" and form.is_valid():
        check = ticket_check(payload=form.cleaned_data["payload"], actor=Actor.staff(request.user))
        form = TicketPayloadForm()  # an empty field, ready for the next scan
    context = {**admin.site.each_context(request), "title": "Check a ticket", "form": form, "check": check}
    return TemplateResponse(request, "admin/tickets/validate.html", context)


validate_page = admin.site.admin_view(_validate_page)


@never_cache
@require_POST
def validate_json(request):
    user = request.user
    if not (user.is_active and user.is_staff):
        return JsonResponse({"error": "Log in to the back office first."}, status=401)
    if not user.has_perm(PERMISSION):
        return JsonResponse({"error": "Checking tickets needs the “validate ticket” permission."}, status=403)
    payload = _payload_of(request)
    if payload is None:
        return JsonResponse({"error": 'Send a JSON object {"payload": "<the QR text>"}.'}, status=400)
    return JsonResponse(ticket_check(payload=payload, actor=Actor.staff(user)).as_json())


def _payload_of(request) -> str | None:
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    payload = body.get("payload") if isinstance(body, dict) else None
    return payload if isinstance(payload, str) and payload.strip() else None
