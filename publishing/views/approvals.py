"""Approvals: the queue managers and admins work through; editors see the decisions on their pins."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from publishing.access import team_context_or_404
from publishing.forms import BulkApproveForm, RejectForm, ReviewLinkForm
from publishing.lookups import pin_for_workspace_or_404, schedule_for_workspace_or_404
from publishing.models import ApprovalState, Pin, ReviewLink, Schedule
from publishing.services.errors import DomainError
from publishing.services.pins import pin_approve, pin_bulk_approve, pin_reject
from publishing.services.schedules import schedule_approve, schedule_reject
from publishing.views.common import attempt, render_page, submit

TEMPLATE = "publishing/approvals/queue.html"
QUEUE_LIMIT = 100
DECISIONS_LIMIT = 20
DECISIONS_WINDOW = timedelta(days=30)


REVIEW_LINKS_LIMIT = 20


def review_link_form(ctx, data=None) -> ReviewLinkForm:
    """Sending to a guest reviewer: every pin and schedule of the workspace awaiting approval to choose from."""
    pins = Pin.objects.for_workspace(ctx.workspace).awaiting_approval().order_by("created_at", "id")
    schedules = Schedule.objects.for_workspace(ctx.workspace).awaiting_approval().order_by("run_at", "id")
    return ReviewLinkForm(data, pins=pins, schedules=schedules)


def queue_context(ctx, **extra) -> dict:
    pins = Pin.objects.for_workspace(ctx.workspace)
    queue = pins.awaiting_approval().select_related("created_by").order_by("created_at", "id")
    decisions = pins.filter(
        approval_state__in=[ApprovalState.APPROVED, ApprovalState.REJECTED],
        decided_at__gte=timezone.now() - DECISIONS_WINDOW,
    ).select_related("approved_by").order_by("-decided_at", "-id")
    if not ctx.actor.may("pin.approve"):
        decisions = decisions.filter(created_by=ctx.user)  # editors follow their own pins
    schedules = (Schedule.objects.for_workspace(ctx.workspace).awaiting_approval().select_related("created_by")
                 .order_by("run_at", "id"))
    return {
        "ctx": ctx,
        "queue": queue[:QUEUE_LIMIT],
        "queue_count": queue.count(),
        "schedule_queue": schedules[:QUEUE_LIMIT],
        "schedule_queue_count": schedules.count(),
        "decisions": decisions[:DECISIONS_LIMIT],
        "reject_form": RejectForm(),
        **({"review_link_form": review_link_form(ctx),
            "review_links": ReviewLink.objects.for_workspace(ctx.workspace)[:REVIEW_LINKS_LIMIT]}
           if ctx.actor.may("review_link.create") else {}),
        **extra,
    }


@login_required
def approval_queue(request):
    ctx = team_context_or_404(request)
    return render_page(request, TEMPLATE, queue_context(ctx), fragment="queue_area")


@login_required
@require_POST
def approval_approve(request, public_id):
    ctx = team_context_or_404(request)
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    approved = attempt(lambda: pin_approve(pin=pin, actor=ctx.actor))
    response = _approval_answer(request, ctx, approved, lambda _: f"Approved “{pin.title}”.")
    if isinstance(approved, DomainError) or not request.htmx:
        return response
    return trigger_client_event(response, "pinApproved", {"pin": str(pin.public_id)})


def _approval_answer(request, ctx, approved, notice):
    """The queue after an approve: the refusal as its error, a redirect without htmx, else ``notice(approved)``."""
    if isinstance(approved, DomainError):
        return render_page(request, TEMPLATE, queue_context(ctx, error=approved.message), status=approved.status_hint,
                           fragment="queue_area")
    if not request.htmx:
        return redirect("approvals")
    return render_page(request, TEMPLATE, queue_context(ctx, notice=notice(approved)), fragment="queue_area")


@login_required
@require_POST
def approval_reject(request, public_id):
    ctx = team_context_or_404(request, "pin.reject")
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    form = RejectForm(request.POST)
    if submit(form, lambda: pin_reject(pin=pin, actor=ctx.actor, reason=form.cleaned_data["reason"])):
        if not request.htmx:
            return redirect("approvals")
        notice = (
            f"Rejected “{pin.title}”; {pin.created_by.get_full_name() if pin.created_by else 'its author'} sees why."
        )
        return render_page(request, TEMPLATE, queue_context(ctx, notice=notice), fragment="queue_area")
    context = queue_context(ctx, failed_reject_form=form, failed_reject_pin=pin.public_id)
    return render_page(request, TEMPLATE, context, status=422, fragment="queue_area")


@login_required
@require_POST
def approval_bulk_approve(request):
    ctx = team_context_or_404(request, "pin.approve")
    waiting = Pin.objects.for_workspace(ctx.workspace).awaiting_approval().values_list("public_id", flat=True)
    form = BulkApproveForm(request.POST, pin_ids=list(waiting))
    if not form.is_valid():
        return render_page(request, TEMPLATE, queue_context(ctx, error=" ".join(form.errors["ids"])), status=422,
                           fragment="queue_area")
    outcome = pin_bulk_approve(pin_ids=form.cleaned_data["ids"], actor=ctx.actor)
    problems = [result["error_message"] for result in outcome["results"] if result["status"] != "succeeded"]
    notice = f"Approved {outcome['succeeded_count']} pin{'s' if outcome['succeeded_count'] != 1 else ''}."
    return render_page(
        request, TEMPLATE, queue_context(ctx, notice=notice, error="; ".join(problems) if problems else None),
        fragment="queue_area",
    )


@login_required
@require_POST
def approval_schedule_approve(request, public_id):
    """Approve a schedule before its pin exists (it then publishes at its time)."""
    ctx = team_context_or_404(request)
    schedule = schedule_for_workspace_or_404(ctx.actor, public_id)
    approved = attempt(lambda: schedule_approve(schedule=schedule, actor=ctx.actor))
    return _approval_answer(request, ctx, approved, lambda done: (
        f"Approved the schedule “{schedule.title}”." if done.approval_state != ApprovalState.PENDING
        else f"Approved step {done.approval_steps_done} of “{schedule.title}”; the next is still needed."))


@login_required
@require_POST
def approval_schedule_reject(request, public_id):
    """Reject a schedule before its pin exists: it will not run, and its author may edit it."""
    ctx = team_context_or_404(request, "schedule.reject")
    schedule = schedule_for_workspace_or_404(ctx.actor, public_id)
    form = RejectForm(request.POST)
    if submit(form, lambda: schedule_reject(schedule=schedule, actor=ctx.actor, reason=form.cleaned_data["reason"])):
        if not request.htmx:
            return redirect("approvals")
        return render_page(request, TEMPLATE, queue_context(ctx, notice=f"Rejected the schedule “{schedule.title}”."),
                           fragment="queue_area")
    context = queue_context(ctx, failed_reject_form=form, failed_reject_pin=schedule.public_id)
    return render_page(request, TEMPLATE, context, status=422, fragment="queue_area")
