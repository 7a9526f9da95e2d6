"""/v1/pinterest: connecting accounts (OAuth), the account list, boards (cached) and board edits."""

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from ninja import Query, Router, Status

from publishing.api.analytics import ANALYTICS_DESCRIPTION, analytics_for
from publishing.api.errors import not_available
from publishing.api.schemas.analytics import AnalyticsFilters, AnalyticsOut
from publishing.api.schemas.common import BoardId, SafeStr, responses
from publishing.api.schemas.pinterest import (
    BoardAccessOut,
    BoardCreateIn,
    BoardOut,
    BoardUpdateIn,
    OAuthCallbackOut,
    OAuthStartOut,
    PinterestAccountOut,
    account_out,
    board_out,
)
from publishing.api.security import NotAuthenticated, actor_of, resolve_caller
from publishing.lookups import account_for_workspace_or_404
from publishing.models import Board, PinterestAccount
from publishing.services import boards as board_services
from publishing.services import pinterest_accounts as account_services
from publishing.services.errors import DomainError

router = Router(tags=["pinterest"])

# Boards are read from our cache; a job refreshes it from Pinterest when it is older than this.
BOARDS_CACHE_TTL = timedelta(minutes=10)


def api_redirect_uri() -> str:
    return f"{settings.SITE_URL}/v1/pinterest/oauth/callback"


@router.get("/oauth/start", response=responses({200: OAuthStartOut}, 403))
def start_oauth(request):
    """The Pinterest page to send the user to; Pinterest then redirects to /oauth/callback."""
    url = account_services.account_oauth_start(actor=actor_of(request),
                                               redirect_uri=api_redirect_uri())
    return {"authorization_url": url}


@router.get("/oauth/callback", response=responses({200: OAuthCallbackOut}, 400, 404, 409, 502), auth=None)
def oauth_callback(request, code: SafeStr, state: SafeStr):
    """Completes a connection for whoever started it: the same API key or user (bearer token, or
    the dashboard's session when Pinterest sends the browser back here). Without a credential it
    is a 401 saying how to finish: ``pinterest.oauth_callback(code=..., state=...)`` with it."""
    who = resolve_caller(request)
    if who is None:
        raise NotAuthenticated("not_authenticated", "Finish connecting with the credential that started it: "
                               "call pinterest.oauth_callback(code=..., state=...) with the same API key or bearer "
                               "token, or open this link while logged in to the dashboard.")
    account = account_services.account_oauth_complete(state=state, code=code, user=who.user, api_key=who.api_key)
    return {"status": "connected", "message": f"Pinterest account {account.username or account.pinterest_user_id} "
            "is connected.", "account_id": str(account.public_id)}


@router.get("/accounts", response=responses({200: list[PinterestAccountOut]}, 403))
def list_accounts(request):
    who = actor_of(request, "workspace.read")
    accounts = who.filter_accounts(PinterestAccount.objects.for_workspace(who.workspace).select_related("workspace"))
    return [account_out(account) for account in accounts]


@router.delete("/accounts/{account_id}", response=responses({204: None}, 403, 404))
def revoke_account(request, account_id: UUID):
    """Disconnect the account here (its tokens are erased, its pending schedules canceled)."""
    who = actor_of(request)
    account_services.account_disconnect(account=account_for_workspace_or_404(who, account_id), actor=who)
    return Status(204, None)


def _boards(account: PinterestAccount, *, fresh: bool) -> tuple[list[Board], str]:
    """The account's boards and where they came from (``cache`` or ``pinterest``).

    Only ``fresh=true`` or a list never fetched asks Pinterest within the request (bounded by
    ``PINTEREST_REQUEST_TIMEOUT_SECONDS``); a stale list is served as stored while a job refreshes it."""
    if fresh or account.boards_synced_at is None:
        return board_services.boards_refresh(account), "pinterest"
    if account.boards_synced_at < timezone.now() - BOARDS_CACHE_TTL:
        board_services.boards_refresh_request(account)
    return list(Board.objects.for_account(account)), "cache"


@router.get("/boards", response=responses({200: list[BoardOut]}, 403, 404, 409, 502))
def list_boards(request, account_id: UUID):
    who = actor_of(request, "workspace.read")
    boards, _ = _boards(account_for_workspace_or_404(who, account_id), fresh=False)
    return [board_out(board) for board in boards]


@router.get("/boards/{board_id}/access", response=responses({200: BoardAccessOut}, 403, 404))
def check_board_access(request, board_id: BoardId, account_id: UUID, fresh: bool = False):
    """Whether the account can publish to the board, and why not. A bad board never raises."""
    who = actor_of(request, "workspace.read")
    account = account_for_workspace_or_404(who, account_id)
    now = timezone.now()
    health = {"status": account.health_status, "message": account.health_message or None,
              "reconnect_required": account.reconnect_required}
    body = {"account_id": account.public_id, "board_id": board_id, "checked_at": now, "account_health": health}
    if account.reconnect_required:
        return {**body, "publishable": False, "status": "failed", "code": "account_reconnect_required",
                "message": "The Pinterest account must be reconnected before it can publish.",
                "remediation": "Reconnect the account from the dashboard.", "source": "cache"}
    try:
        boards, source = _boards(account, fresh=fresh)
    except DomainError as exc:
        return {
            **body,
            "publishable": False,
            "status": "failed",
            "code": exc.code,
            "message": exc.message,
            "source": "pinterest",
            "retry_after_seconds": getattr(exc, "retry_after", None) and int(exc.retry_after),
        }
    board = next((b for b in boards if b.pinterest_board_id == board_id), None)
    if board is None:
        return {**body, "publishable": False, "status": "failed", "code": "board_not_found",
                "message": "The account has no board with this id.", "source": source,
                "remediation": "Pick one of the account's boards (GET /v1/pinterest/boards)."}
    return {**body, "publishable": True, "status": "ok", "message": "The account can publish to this board.",
            "source": source, "board": board_out(board)}


@router.post("/boards", response=responses({201: BoardOut}, 403, 404, 409, 502))
def create_board(request, data: BoardCreateIn):
    who = actor_of(request)
    board = board_services.board_create(account=account_for_workspace_or_404(who, data.account_id), name=data.name,
                                          description=data.description,
                                          privacy=data.privacy.upper() if data.privacy else None,
                                          actor=who)
    return Status(201, board_out(board))


@router.patch("/boards/{board_id}", response=responses({200: BoardOut}, 403, 404, 409, 502))
def update_board(request, board_id: BoardId, data: BoardUpdateIn):
    who = actor_of(request)
    board = board_services.board_update(account=account_for_workspace_or_404(who, data.account_id), board_id=board_id,
                                          name=data.name, description=data.description,
                                          privacy=data.privacy.upper() if data.privacy else None,
                                          actor=who)
    return board_out(board)


@router.delete("/boards/{board_id}", response=responses({204: None}, 403, 404, 409, 502))
def delete_board(request, board_id: BoardId, account_id: UUID):
    who = actor_of(request)
    board_services.board_delete(account=account_for_workspace_or_404(who, account_id), board_id=board_id, actor=who)
    return Status(204, None)


@router.get("/accounts/{account_id}/analytics", response=responses({200: AnalyticsOut}, 403, 404, 409, 429, 502),
            description=ANALYTICS_DESCRIPTION)
def account_analytics(request, account_id: UUID, filters: Query[AnalyticsFilters]):
    who = actor_of(request, "workspace.read")
    return analytics_for(who, filters, account=account_for_workspace_or_404(who, account_id))


@router.get("/terms/related", response=responses({200: dict}, 403, 404))
def related_terms(request, account_id: UUID):
    actor_of(request, "workspace.read")
    not_available("Related terms need Pinterest's terms API, which Pinboard does not use.")
