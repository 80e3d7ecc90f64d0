"""The sandbox bank's hosted page: the customer pays, fails (card declined) or cancels, once."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from payments.models import SandboxBankSession, SandboxSessionState
from sandbox import bank as sandbox_bank


def _render(request, session: SandboxBankSession, *, status: int = 200, **context):
    return render(
        request,
        "sandbox_bank/session.html",
        {
            "session": session,
            "merchant": sandbox_bank.MERCHANT_NAME,
            "open": session.state == SandboxSessionState.OPEN,
            **context,
        },
        status=status,
    )


@never_cache
@require_GET
def bank_page(request, session_id: str):
    return _render(request, get_object_or_404(SandboxBankSession, pk=session_id))


@never_cache
@require_POST
def bank_decide(request, session_id: str):
    decision = request.POST.get("decision", "")
    if decision not in sandbox_bank.DECISIONS:
        session = get_object_or_404(SandboxBankSession, pk=session_id)
        return _render(request, session, status=400, error=_("Choose Pay, Decline or Cancel."))
    try:
        session = sandbox_bank.session_decide(session_id=session_id, decision=decision)
    except SandboxBankSession.DoesNotExist:
        raise Http404 from None
    except sandbox_bank.AlreadyDecided as exc:
        return _render(request, exc.session, status=409, refused=True)
    return HttpResponseRedirect(session.return_url)
