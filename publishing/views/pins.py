from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import team_context_or_404
from publishing.analytics_report import pin_report
from publishing.forms import (
    PinBulkForm,
    PinCommentForm,
    PinDeleteForm,
    PinEditForm,
    PinFilterForm,
    ReviewLinkForm,
    workspace_boards,
)
from publishing.lookups import pin_for_workspace_or_404
from publishing.models import (
    ApprovalState,
    Board,
    Pin,
    PinComment,
    PinStatus,
    PinterestAccount,
    Schedule,
)
from publishing.pagination import bounded_count, keyset_page
from publishing.services.approvals import approval_step_refusal
from publishing.services.errors import DomainError
from publishing.services.pins import (
    pin_bulk_approve,
    pin_bulk_delete,
    pin_bulk_retry,
    pin_delete,
    pin_edit,
    pin_retry,
)
from publishing.services.schedules import schedule_run_at
from publishing.views.comments import comment_post, version_diff_context
from publishing.views.common import attempt, render_page, submit, uuid_or_none

PAGE_SIZE = 25


def board_name(pin: Pin) -> str:
    board = Board.objects.filter(account_id=pin.account_id, pinterest_board_id=pin.board_id).only("name").first()
    return board.name if board else pin.board_id


@login_required
def pin_list(request):
    """Filters, search and keyset pages: the same handful of queries at 10 pins or 100,000."""
    return pins_list_page(request, team_context_or_404(request))


def pins_list_page(request, ctx, *, bulk: dict | None = None, bulk_form: PinBulkForm | None = None,
                   status: int = 200) -> HttpResponse:
    """The list as the query string filters it, with the bulk bar's outcome (``bulk``) or errors."""
    accounts = list(PinterestAccount.objects.filter(workspace=ctx.workspace).order_by("username", "id"))
    boards = list(workspace_boards(ctx.workspace))
    form = PinFilterForm(request.GET or None, accounts=accounts, boards=boards)
    pins = form.filter(Pin.objects.for_workspace(ctx.workspace))
    page = keyset_page(
        pins,
        size=PAGE_SIZE,
        after=uuid_or_none(request.GET.get("after")),
        before=uuid_or_none(request.GET.get("before")),
    )
    board_names = {(board.account_id, board.pinterest_board_id): board.name for board in boards}
    for pin in page.items:
        pin.board_name = board_names.get((pin.account_id, pin.board_id), pin.board_id)
    return render_page(
        request,
        "publishing/pins/list.html",
        {
            "ctx": ctx,
            "form": form,
            "page": page,
            "total": bounded_count(pins),
            "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
            "has_accounts": bool(accounts),
            # The bulk bar offers only what this member may do; a viewer gets no checkboxes at all.
            "bulk_actions": bulk_actions_for(ctx),
            "bulk": bulk,
            "bulk_form": bulk_form or PinBulkForm(),
        },
        fragment="results",
        status=status,
    )


def bulk_actions_for(ctx) -> list[str]:
    """The bulk bar's actions this member may take (the one access table); none for a viewer."""
    return [name for name, action in PinBulkForm.ACTIONS.items() if ctx.actor.may(action)]


BULK_SERVICES = {"retry": pin_bulk_retry, "approve": pin_bulk_approve, "delete": pin_bulk_delete}
BULK_DONE = {"retry": "Retried", "retry_at": "Requeued", "approve": "Approved", "delete": "Deleted"}


def retry_at_utc(ctx, form: PinBulkForm):
    """The form's "Retry at" wall-clock time as a moment, placed in the workspace's zone by the
    schedules' one rule (a time the clocks skip or repeat is refused the same way); raises ValidationError."""
    return schedule_run_at(workspace=ctx.workspace, data={"run_at_local": form.cleaned_data["run_at"]})


@login_required
@require_POST
def pin_bulk_view(request):
    """Retry (now or at a chosen time), approve or delete the ticked pins through the bulk services (the
    API's bulk-* operations), then show the list again (filtered by the query string) with one result line per pin."""
    form = PinBulkForm(request.POST)
    chosen = request.POST.get("action")
    ctx = team_context_or_404(request, PinBulkForm.ACTIONS.get(chosen or "", "pin.retry"))
    if not form.is_valid():
        return pins_list_page(request, ctx, bulk_form=form, status=422)
    action = form.cleaned_data["action"]
    if action == "delete" and not request.htmx and request.POST.get("confirm") != "yes":
        # Without JavaScript there was no hx-confirm: ask on a page of its own first.
        return render_page(request, "publishing/pins/bulk_delete.html", {"ctx": ctx, "ids": form.cleaned_data["ids"]})
    if action == "retry_at":
        outcome = submit(form, lambda: pin_bulk_retry(pin_ids=form.cleaned_data["ids"], actor=ctx.actor,
                                                      at=retry_at_utc(ctx, form)))
        if outcome is None:  # a bad time: inline, on the field
            return pins_list_page(request, ctx, bulk_form=form, status=422)
    else:
        outcome = BULK_SERVICES[action](pin_ids=form.cleaned_data["ids"], actor=ctx.actor)
    titles = {str(public_id): title for public_id, title in Pin.objects.filter(workspace=ctx.workspace).filter(
        public_id__in=[uuid_or_none(item["id"]) for item in outcome["results"] if uuid_or_none(item["id"])]
    ).values_list("public_id", "title")}
    for item in outcome["results"]:
        item["title"] = titles.get(item["id"])  # type: ignore[typeddict-unknown-key]
    at = retry_at_utc(ctx, form) if action == "retry_at" else None
    return pins_list_page(request, ctx, bulk={"action": action, "done": BULK_DONE[action], "at": at, **outcome})


@login_required
def pin_row(request, public_id):
    """One row of the pins list; rows of pins still on their way poll this until they settle."""
    ctx = team_context_or_404(request)
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    pin.board_name = board_name(pin)
    return render_page(request, "publishing/pins/list.html#pin_row",
                       {"ctx": ctx, "pin": pin, "bulk_actions": bulk_actions_for(ctx)})


@login_required
def pin_detail(request, public_id):
    ctx = team_context_or_404(request)
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    return pin_detail_page(request, ctx, pin, fragment="live_update")  # the status panel and its actions


def pin_detail_page(request, ctx, pin: Pin, *, fragment: str, comment_form: PinCommentForm | None = None,
                    status: int = 200) -> HttpResponse:
    pin.board_name = board_name(pin)
    schedule = Schedule.objects.filter(pin=pin).first()
    return render_page(
        request,
        "publishing/pins/detail.html",
        {
            "ctx": ctx,
            "pin": pin,
            "attempts": pin.attempts.order_by("number"),
            "schedule": schedule,
            "editable_statuses": EDITABLE_STATUSES,
            "comments": PinComment.objects.thread(pin),
            # The schedule that made the pin keeps its own thread (its versions count its own edits).
            "schedule_comments": PinComment.objects.thread(schedule) if schedule is not None else (),
            "comment_form": comment_form or PinCommentForm(),
            # Its stored Pinterest figures (publishing/analytics_report.py), None when there are none; not
            # read for htmx requests, whose fragments (the polled status panel, comments) do not show them.
            "analytics": None if request.htmx else pin_report(pin),
            # Why this member may not approve the step the pin waits for (their own pin, a guest's step,
            # a step they already filled): said instead of an Approve button that would be refused.
            "approval_refusal": (approval_step_refusal(pin, actor=ctx.actor, approved=True)
                                 if pin.approval_state == ApprovalState.PENDING else None),
            # Sending this pin to a guest reviewer (an approver's call; the pin must await approval).
            "review_link_form": (ReviewLinkForm() if pin.approval_state == ApprovalState.PENDING
                                 and ctx.actor.may("review_link.create") else None),
        },
        fragment=fragment,
        status=status,
    )


@login_required
@require_POST
def pin_comment_view(request, public_id):
    """Add to the pin's thread (see views/comments.py for what each kind of request gets back)."""
    ctx = team_context_or_404(request, "pin.comment")
    return comment_post(request, ctx, pin_for_workspace_or_404(ctx.actor, public_id), page=pin_detail_page,
                        page_url_name="pin_detail")


@login_required
def pin_version_diff(request, public_id, version: int):
    """What changed in the pin's content since ``version`` (the version an older comment was about)."""
    ctx = team_context_or_404(request)
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    return render_page(request, "publishing/pins/diff.html",
                       {"ctx": ctx, "pin": pin, **version_diff_context(pin, version)})


EDITABLE_STATUSES = (PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.FAILED)


def back_to_pin(request, pin) -> HttpResponse:
    target = reverse("pin_detail", args=[pin.public_id])
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@login_required
@require_POST
def pin_retry_view(request, public_id):
    ctx = team_context_or_404(request)
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    retried = attempt(lambda: pin_retry(pin=pin, actor=ctx.actor))
    if isinstance(retried, DomainError):
        messages.error(request, retried.message)
    else:
        messages.success(request, "Queued the pin again.")
    return back_to_pin(request, pin)


@login_required
def pin_edit_view(request, public_id):
    """Edit a pin that has not been published; a rejected pin goes back to its approvers."""
    ctx = team_context_or_404(request, "pin.edit")
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    boards = Board.objects.for_account(pin.account)
    initial = {name: getattr(pin, name) for name in ("board_id", "title", "description", "link_url", "alt_text")}
    form = PinEditForm(request.POST if request.method == "POST" else None, boards=boards, initial=initial)
    if request.method == "POST" and (edited := submit(form, lambda: pin_edit(pin=pin, actor=ctx.actor, data={
            name: value for name, value in form.cleaned_data.items() if value != initial[name]}))):
        messages.success(request, "Saved the pin." + after_edit_note(edited))
        return back_to_pin(request, edited)
    return render_page(request, "publishing/pins/edit.html", {"ctx": ctx, "pin": pin, "form": form},
                       status=422 if form.errors else 200)


def after_edit_note(pin: Pin) -> str:
    """What happens next to an edited pin that now needs approval (see ``pin_edit``)."""
    if pin.approval_state != ApprovalState.PENDING:
        return ""
    if pin.status == PinStatus.FAILED:
        return " A manager approves it when they retry it."
    return " It is back in the approval queue."


@login_required
def pin_delete_view(request, public_id):
    ctx = team_context_or_404(request, "pin.delete")
    pin = pin_for_workspace_or_404(ctx.actor, public_id)
    form = PinDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(form, lambda: pin_delete(
            pin=pin, actor=ctx.actor, delete_from_pinterest=form.cleaned_data["delete_from_pinterest"])):
        messages.success(request, f"Deleted “{pin.title}”.")
        return HttpResponseClientRedirect(reverse("pins")) if request.htmx else redirect("pins")
    return render_page(request, "publishing/pins/delete.html", {"ctx": ctx, "pin": pin, "form": form},
                       status=422 if form.errors else 200)
