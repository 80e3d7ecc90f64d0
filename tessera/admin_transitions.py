"""Transition buttons in the admin: django-fsm-2's FSMAdminMixin, applied through services.

FSMAdminMixin finds the transitions allowed now, permitted to the user (the transition's
``permission``) and marked ``custom={"admin": True}`` (settings.FSM_ADMIN_FORCE_PERMIT). Each
becomes a button on the object's page that opens the mixin's transition page with a form (a
reason, or a confirmation), posted back to that page. Where the mixin would then call the
model's transition method and save the row, this calls the service named in
``transition_services``: it locks the rows in order, checks the state again and writes the audit
event, as the partner API does. A transition with a page of its own (a refund) links there.

Three private parts of django-fsm-2's FSMAdminMixin are relied on, and only here:
``_apply_fsm_transition(obj=, transition_name=, request=, kwargs=)``, the one call of its
``fsm_transition_view`` (and ``response_change``) that changes state, overridden to call the
service; ``_get_fsm_extra_context(request=, obj=)``, which yields the allowed transitions; and its
``change_view``, skipped since it only reads the object again for that context.
tests/test_upstream_contracts.py checks their names and signatures, so a django-fsm-2 upgrade that
changes them fails a test, not a staff member's click.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django_fsm.admin import FSMAdminMixin

from tessera.errors import TesseraError


class ConfirmForm(forms.Form):
    """A transition that needs no reason: the page asks to confirm it."""


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, widget=forms.Textarea(attrs={"rows": 3}))


class ServiceTransitionsMixin(FSMAdminMixin):
    fsm_fields = ["status"]
    fsm_transition_form_template = "admin/fsm_transition.html"
    change_form_template = "admin/fsm_change_form.html"
    # transition name -> name of an admin method (request, obj, data) -> success message
    transition_services: dict[str, str] = {}
    # transition name -> URL name of a page of its own, given the object's pk
    transition_pages: dict[str, str] = {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Past FSMAdminMixin's change_view, which reads the object once more for a context this
        # page does not use: the buttons are added where the page has the object already.
        return super(FSMAdminMixin, self).change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["transition_buttons"] = self.transition_buttons(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _startable(self, request, obj) -> list:
        """The transitions the user may start on ``obj`` now (as FSMAdminMixin finds them)."""
        return [
            transition
            for block in self._get_fsm_extra_context(request=request, obj=obj)
            for transition in block.available_transitions
        ]

    def transition_buttons(self, request, obj) -> list[tuple[str, str]]:
        """(label, url) of each transition the user may start on ``obj`` now."""
        if obj is None:
            return []
        return [(t.label, self.transition_url(obj, t.name)) for t in self._startable(request, obj)]

    def transition_url(self, obj, name: str) -> str:
        if name in self.transition_pages:
            return reverse(self.transition_pages[name], args=[obj.pk])
        meta = self.model._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_transition", args=[obj.pk, name])

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such object.")
        if transition_name in self.transition_pages:
            return redirect(self.transition_url(obj, transition_name))
        if transition_name not in self.transition_services:
            raise Http404("No such transition.")
        if transition_name not in {t.name for t in self._startable(request, obj)}:
            messages.error(request, f"“{transition_name}” is not allowed now, or not to you.")
            meta = self.model._meta
            return redirect(f"admin:{meta.app_label}_{meta.model_name}_change", obj.pk)
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        """The mixin's one place that changes state: here a service, never the raw transition."""
        service = getattr(self, self.transition_services[transition_name])
        try:
            done = service(request, obj, dict(kwargs or {}))
        except TesseraError as exc:
            messages.error(request, exc.detail)
            return False
        messages.success(request, done)
        return True
