"""Suggested posting times (publishing/services/best_times.py) on the dashboard: a panel with the
evidence, or what data is missing, on each account's page of suggestions (any member) and in the
posting slots of the workspace settings (admins); "Apply" adds them to the account's slots for
managers and admins (htmx swaps the panel; without JavaScript the form posts and comes back)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from publishing.access import TeamContext, team_context_or_404
from publishing.lookups import account_for_workspace_or_404
from publishing.models import PinterestAccount
from publishing.services.best_times import best_times, best_times_apply
from publishing.services.errors import DomainError
from publishing.views.common import attempt, render_page

PANEL = "publishing/settings/_best_times.html"


def best_times_panel(ctx: TeamContext, account: PinterestAccount, *, back: str = "page", **extra) -> dict:
    """What the panel shows: the suggestions (or what is missing) and whether this member may apply them."""
    return {"account": account, "found": best_times(actor=ctx.actor, account=account), "back": back,
            "can_apply": ctx.actor.may("account.slots_apply_suggested", account=account), **extra}


def _back_url(account: PinterestAccount, back: str) -> str:
    if back == "settings":
        return f"{reverse('workspace_settings')}#slots-{account.public_id}"
    return reverse("account_best_times", args=[account.public_id])


@login_required
def account_best_times(request, public_id):
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    return render_page(request, "publishing/settings/best_times.html",
                       {"ctx": ctx, "account": account, "panel": best_times_panel(ctx, account)})


@login_required
@require_POST
def account_best_times_apply(request, public_id):
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    back = "settings" if request.POST.get("back") == "settings" else "page"
    outcome = attempt(lambda: best_times_apply(actor=ctx.actor, account=account))  # a refusal: the 403 page
    failed = isinstance(outcome, DomainError)
    note = outcome.message
    if request.htmx:
        return render(request, PANEL, best_times_panel(ctx, account, back=back, note=note, note_failed=failed))
    (messages.error if failed else messages.success)(request, note)
    return redirect(_back_url(account, back))
