"""Workspace settings (admins): the time zone, the team's approval rules and each account's
posting slots, on one page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from publishing.access import team_context_or_404
from publishing.forms import ApprovalRulesForm, PostingSlotsForm, TimeZoneForm
from publishing.lookups import account_for_workspace_or_404
from publishing.models import PinterestAccount
from publishing.services.posting_queue import (
    posting_slots_of,
    posting_slots_set,
    queue_free_slots,
    workspace_time_zone_set,
)
from publishing.views.best_times import best_times_panel
from publishing.views.common import render_page, submit

TEMPLATE = "publishing/settings/workspace.html"


def slots_prefix(account: PinterestAccount) -> str:
    return f"slots-{account.public_id}"


def settings_page(request, ctx, *, zone_form=None, failed_slots=None, status=200):
    """The page; ``failed_slots``: (account, bound form with its errors) to show in place."""
    rows = []
    for account in PinterestAccount.objects.for_workspace(ctx.workspace).order_by("username", "id"):
        if failed_slots is not None and failed_slots[0].pk == account.pk:
            form = failed_slots[1]
        else:
            form = PostingSlotsForm(prefix=slots_prefix(account), slots=posting_slots_of(account))
        rows.append({"account": account, "form": form, "next_free": queue_free_slots(account, count=3),
                     "best_times": best_times_panel(ctx, account, back="settings")})
    return render_page(request, TEMPLATE, {
        "ctx": ctx,
        "zone_form": zone_form or TimeZoneForm(initial={"time_zone": ctx.workspace.timezone}),
        "rules_form": ApprovalRulesForm(instance=ctx.team),
        "accounts": rows,
    }, status=status)


@login_required
def workspace_settings(request):
    return settings_page(request, team_context_or_404(request, "workspace.time_zone"))


@login_required
@require_POST
def workspace_time_zone(request):
    ctx = team_context_or_404(request, "workspace.time_zone")
    form = TimeZoneForm(request.POST)
    outcome = submit(form, lambda: workspace_time_zone_set(actor=ctx.actor, time_zone=form.cleaned_data["time_zone"]))
    if outcome is None:
        return settings_page(request, ctx, zone_form=form, status=422)
    workspace, changed = outcome
    if changed:
        messages.success(request, f"The time zone is now {workspace.timezone}. Scheduled pins keep their moment in "
                                  f"UTC, so the calendar shows them at their {workspace.timezone} time; posting slots "
                                  f"are now read in {workspace.timezone}.")
    else:
        messages.info(request, f"The time zone was already {workspace.timezone}.")
    return redirect("workspace_settings")


@login_required
@require_POST
def account_slots(request, public_id):
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    form = PostingSlotsForm(request.POST, prefix=slots_prefix(account))
    if submit(form, lambda: posting_slots_set(actor=ctx.actor, account=account, slots=form.slots())) is None:
        return settings_page(request, ctx, failed_slots=(account, form), status=422)
    messages.success(request, f"Saved the posting slots of {account}.")
    return redirect(f"{reverse('workspace_settings')}#slots-{account.public_id}")
