"""Pinterest accounts: connect through OAuth (the built-in sandbox in sandbox workspaces), health and
token expiry, reconnect, disconnect, and each account's boards."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from publishing.access import team_context_or_404
from publishing.forms import BoardCreateForm, BoardEditForm
from publishing.lookups import account_for_workspace_or_404
from publishing.models import Board, PinterestAccount
from publishing.services.boards import (
    BoardsRefreshState,
    board_create,
    board_delete,
    board_list_refresh,
    board_update,
    boards_refresh_states,
)
from publishing.services.errors import DomainError
from publishing.services.pinterest_accounts import (
    account_disconnect,
    account_oauth_complete,
    account_oauth_start,
)
from publishing.views.common import attempt, render_page, submit

TEMPLATE = "publishing/accounts/list.html"
# How long before the refresh token's expiry the page starts warning: after it, Pinterest refuses to
# renew the access token and every pin of the account fails until someone reconnects it.
RENEWAL_WARNING = timedelta(days=7)


@dataclass(frozen=True)
class AccountHealth:
    """What the account page says about one connection: ``level`` is ok, info, warning or error."""

    level: str
    title: str
    detail: str


def account_health(account: PinterestAccount, now: datetime) -> AccountHealth:
    """What really happens to this account's pins now (services/delivery.py and pinterest_access.py):
    a revoked or unrenewable token fails them (they are not retried by themselves); an access token
    that has run out is renewed before the next pin publishes."""
    if account.reconnect_required:
        return AccountHealth("error", "Reconnect required", (
            f"{account.health_message or 'Pinterest no longer accepts this account’s tokens.'} "
            "Until it is reconnected, each pin for it fails (token_revoked when Pinterest refused the token, "
            "account_reconnect_required for pins that come after) and is not retried by itself. Reconnect, then "
            "retry the failed pins from the pins list (Status: Failed)."))
    renewal_ends = account.refresh_token_expires_at
    if renewal_ends is not None and renewal_ends <= now:
        return AccountHealth("error", "Connection expired", (
            f"Pinboard could renew this account’s access until {renewal_ends:%-d %b %Y, %H:%M} UTC; the next pin will "
            "fail with account_reconnect_required. Reconnect now; failed pins can then be retried."))
    if renewal_ends is not None and renewal_ends - now <= RENEWAL_WARNING:
        days = max(1, (renewal_ends - now).days + (1 if (renewal_ends - now).seconds else 0))
        return AccountHealth("warning", "Reconnect soon", (
            f"This connection can be renewed for {days} more day{'s' if days != 1 else ''}, until "
            f"{renewal_ends:%-d %b %Y, %H:%M} UTC. Reconnect before then: after it, pins for this account fail "
            "with account_reconnect_required until someone reconnects."))
    if account.token_expires_at is not None and account.token_expires_at <= now:
        return AccountHealth("info", "Renewal pending", (
            "The access token has run out; Pinboard renews it with the refresh token before the next pin publishes. "
            "Nothing to do: if Pinterest cannot be reached then, the pin is deferred and tried again by itself."))
    return AccountHealth("ok", "Healthy", "Pinboard renews the access token by itself.")


def accounts_page(request, ctx, *, failed_board_form=None, failed_account=None, failed_edit=None, status=200):
    """``failed_edit``: (board, form) of a board edit that was refused, shown open with its errors."""
    live_boards = Board.objects.filter(deleted_at__isnull=True).order_by("name", "id")
    accounts = list(
        PinterestAccount.objects.for_workspace(ctx.workspace)
        .select_related("connected_by")
        .prefetch_related(Prefetch("boards", queryset=live_boards, to_attr="live_boards"))
    )
    now = timezone.now()
    refresh_states = boards_refresh_states(accounts)
    for account in accounts:
        account.health = account_health(account, now)
        account.boards_refresh = refresh_states.get(account.pk, BoardsRefreshState())
        # Each account's form gets its own ids; the one that just failed keeps its input and errors.
        if account == failed_account:
            account.board_form = failed_board_form
        else:
            account.board_form = BoardCreateForm(auto_id=f"board-{account.public_id}-%s")
        for board in account.live_boards:
            if failed_edit is not None and failed_edit[0].pk == board.pk:
                board.edit_form, board.edit_failed = failed_edit[1], True
            else:
                board.edit_form = board_edit_form(board)
    return render_page(request, TEMPLATE, {"ctx": ctx, "accounts": accounts, "failed_account": failed_account},
                       status=status, fragment="accounts_area")


@login_required
def account_list(request):
    return accounts_page(request, team_context_or_404(request))


@login_required
@require_POST
def account_connect(request):
    """Start the OAuth round trip (also how an account is reconnected) and send the browser to Pinterest."""
    ctx = team_context_or_404(request)
    pinterest_page = account_oauth_start(actor=ctx.actor)
    return HttpResponseClientRedirect(pinterest_page) if request.htmx else redirect(pinterest_page)


@login_required
def account_oauth_callback(request):
    """Pinterest sends the browser back here with ``code`` and ``state`` (or ``error``)."""
    ctx = team_context_or_404(request, "account.connect")
    if request.GET.get("error"):
        messages.error(request, "The Pinterest connection was not approved, so nothing was connected.")
        return redirect("accounts")
    connected = attempt(lambda: account_oauth_complete(state=request.GET.get("state", ""),
                                                       code=request.GET.get("code", ""), user=ctx.user))
    if isinstance(connected, DomainError):
        messages.error(request, connected.message)
    else:
        messages.success(request, f"Connected the Pinterest account {connected}.")
    return redirect("accounts")


@login_required
@require_POST
def account_disconnect_view(request, public_id):
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    canceled = attempt(lambda: account_disconnect(account=account, actor=ctx.actor))
    if isinstance(canceled, DomainError):
        messages.error(request, canceled.message)
    else:
        messages.success(
            request, f"Disconnected {account}" + (f" and canceled {canceled} schedule(s)." if canceled else ".")
        )
    return HttpResponseClientRedirect(reverse("accounts")) if request.htmx else redirect("accounts")


@login_required
@require_http_methods(["GET", "POST"])
def account_boards_refresh(request, public_id):
    """POST: ask a job to refresh the account's boards; the page shows the stored ones meanwhile.
    GET (the page's poll while it refreshes): 204 until the refresh has an outcome, then the area."""
    ctx = team_context_or_404(request)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    if request.method == "GET":
        if boards_refresh_states([account]).get(account.pk, BoardsRefreshState()).refreshing:
            return HttpResponse(status=204)
        if not request.htmx:
            return redirect("accounts")
        # The poll sits in one account's card; the outcome replaces the whole area, as the POST did.
        return retarget(reswap(accounts_page(request, ctx), "outerHTML"), "#accounts-area")
    refused = attempt(lambda: board_list_refresh(account=account, actor=ctx.actor))
    if isinstance(refused, DomainError):
        messages.error(request, refused.message)
    return accounts_page(request, ctx)


@login_required
@require_POST
def account_board_create(request, public_id):
    ctx = team_context_or_404(request, "board.create")
    account = account_for_workspace_or_404(ctx.actor, public_id)
    form = BoardCreateForm(request.POST, auto_id=f"board-{account.public_id}-%s")
    board = submit(form, lambda: board_create(account=account, actor=ctx.actor, **form.cleaned_data))
    if board is not None:
        messages.success(request, f"Created the board {board.name}.")
        return accounts_page(request, ctx)
    return accounts_page(request, ctx, failed_board_form=form, failed_account=account, status=422)


def board_edit_form(board: Board, data=None) -> BoardEditForm:
    return BoardEditForm(data, auto_id=f"board-edit-{board.pk}-%s",
                         initial={"name": board.name, "description": board.description, "privacy": board.privacy})


def _board_request(request, public_id, board_id: str, action: str):
    """(ctx, account, board) for a board action: the access check, the caller's account, its live board."""
    ctx = team_context_or_404(request, action)
    account = account_for_workspace_or_404(ctx.actor, public_id)
    board = Board.objects.filter(account=account, pinterest_board_id=board_id, deleted_at__isnull=True).first()
    if board is None:
        raise Http404("No such board on this account.")
    return ctx, account, board


@login_required
@require_POST
def account_board_edit(request, public_id, board_id):
    """Rename a board or change its description or privacy, on Pinterest (``board_update``)."""
    ctx, account, board = _board_request(request, public_id, board_id, "board.update")
    form = board_edit_form(board, request.POST)
    updated = submit(form, lambda: board_update(account=account, actor=ctx.actor, board_id=board.pinterest_board_id,
                                                **form.cleaned_data))
    if updated is not None:
        messages.success(request, f"Saved the board {updated.name}.")
        return accounts_page(request, ctx)
    return accounts_page(request, ctx, failed_edit=(board, form), status=422)


@login_required
@require_POST
def account_board_delete(request, public_id, board_id):
    """Delete a board on Pinterest, with its pins (``board_delete``); the page asked to confirm."""
    ctx, account, board = _board_request(request, public_id, board_id, "board.delete")
    if not request.htmx and request.POST.get("confirm") != "yes":
        # Without JavaScript there was no hx-confirm: ask on a page of its own first.
        return render(request, "publishing/accounts/board_delete.html",
                      {"ctx": ctx, "account": account, "board": board})
    deleted = attempt(lambda: board_delete(account=account, actor=ctx.actor, board_id=board.pinterest_board_id))
    if isinstance(deleted, DomainError):
        messages.error(request, f"The board {board.name} was not deleted: {deleted.message}")
        return accounts_page(request, ctx, status=422)
    messages.success(request, f"Deleted the board {board.name} on Pinterest.")
    return accounts_page(request, ctx)
