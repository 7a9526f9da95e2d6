"""Boards: the cache of each Pinterest account's boards, and board changes made on Pinterest."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import TypeGuard, overload

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import AuditEvent, Board, PinterestAccount
from publishing.pinterest.client import PinterestClient
from publishing.pinterest.models import Board as PinterestBoard
from publishing.pinterest.models import BoardUpdatePrivacy
from publishing.services.audit import audit_record
from publishing.services.errors import Conflict, DomainError, NotFound, ValidationError
from publishing.services.pinterest_access import pinterest_for
from publishing.services.queue import task_enqueue

BOARD_NAME_MAX = Board._meta.get_field("name").max_length
BOARD_PRIVACY_VALUES: tuple[BoardUpdatePrivacy, ...] = ("PUBLIC", "SECRET")

def boards_refresh(account: PinterestAccount) -> list[Board]:
    """Page every board of the account from Pinterest into the cache; boards gone from Pinterest
    are marked deleted. Returns the live boards."""
    with pinterest_for(account) as client:
        remote = list(client.boards_iter())
    now = timezone.now()
    with transaction.atomic():
        rows = [
            Board(account=account, pinterest_board_id=board.id, name=board.name[:BOARD_NAME_MAX],
                  description=board.description or "", privacy=board.privacy or "PUBLIC", synced_at=now,
                  deleted_at=None)
            for board in remote
        ]
        Board.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["account", "pinterest_board_id"],
            update_fields=["name", "description", "privacy", "synced_at", "deleted_at"],
        )
        Board.objects.filter(account=account, deleted_at__isnull=True).exclude(
            pinterest_board_id__in=[board.id for board in remote]
        ).update(deleted_at=now)
        PinterestAccount.objects.filter(pk=account.pk).update(boards_synced_at=now, updated_at=now)
    account.boards_synced_at = now
    return list(Board.objects.for_account(account))


# Text given comes back as text (or is refused); only text not given comes back as None.
@overload
def _clean_text(value: str, field: str, *, max_length: int | None = None, required: bool = False) -> str: ...
@overload
def _clean_text(value: str | None, field: str, *, max_length: int | None = None,
                required: bool = False) -> str | None: ...
def _clean_text(value: str | None, field: str, *, max_length: int | None = None, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ValidationError("validation_error", f"{field} is required.", field=field)
        return None
    if "\x00" in value:
        raise ValidationError("validation_error", f"{field} must not contain NUL characters.", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError("validation_error", f"{field} must not be empty.", field=field)
    if max_length is not None and len(value) > max_length:
        raise ValidationError("validation_error", f"{field} must be at most {max_length} characters.", field=field)
    return value


def _is_board_privacy(value: str) -> TypeGuard[BoardUpdatePrivacy]:
    return value in BOARD_PRIVACY_VALUES


def _clean_privacy(account: PinterestAccount, given: str | None) -> BoardUpdatePrivacy | None:
    if given is None:
        return None
    privacy = given.upper()
    if not _is_board_privacy(privacy):
        raise ValidationError("validation_error", "privacy must be PUBLIC or SECRET.", field="privacy")
    if privacy == "SECRET" and "boards:write_secret" not in account.scopes.split(","):
        raise Conflict("scope_missing", "Secret boards need the boards:write_secret permission; reconnect the account.")
    return privacy


def _board_upsert(account: PinterestAccount, remote: PinterestBoard) -> Board:
    board, _ = Board.objects.update_or_create(
        account=account, pinterest_board_id=remote.id,
        defaults={"name": remote.name[:BOARD_NAME_MAX], "description": remote.description or "",
                  "privacy": remote.privacy or "PUBLIC", "deleted_at": None},
    )
    return board


# A background refresh's story, in the audit log (so it is in the database, seen by every web
# process): asked for by someone, then either ``boards_synced_at`` moves past it or it failed.
BOARDS_REFRESH_REQUESTED = "pinterest_account.boards_refresh_requested"
BOARDS_REFRESH_FAILED = "pinterest_account.boards_refresh_failed"
# A stale cache read by the API asks for one refresh per account in this many seconds, not one per read.
STALE_REFRESH_REQUEST_INTERVAL_SECONDS = 60
# A refresh asked for this long ago with no outcome is reported as not finished (its job was lost,
# or the worker died): the page offers the button again instead of "refreshing" for ever.
REFRESH_OUTCOME_EXPIRY = timedelta(minutes=5)
REFRESH_NOT_FINISHED = "The refresh did not finish; try again."


def board_list_refresh(*, account: PinterestAccount, actor: Actor) -> None:
    """Refresh the account's boards from Pinterest in a job (the dashboard's refresh button): the
    page keeps showing the stored boards, and ``boards_refresh_states`` says it is refreshing."""
    authorize(actor, "board.refresh", workspace=account.workspace, account=account)
    with transaction.atomic():
        audit_record(team=account.workspace.team, workspace=account.workspace, action=BOARDS_REFRESH_REQUESTED,
                     actor=actor, target=account)
        task_enqueue("publishing.tasks.refresh_boards", account.pk)


def boards_refresh_request(account: PinterestAccount) -> bool:
    """Ask a job to refresh a stale cache (the API's board reads serve the stored list meanwhile).
    At most once per account per ``STALE_REFRESH_REQUEST_INTERVAL_SECONDS``; returns whether it asked."""
    if not cache.add(f"boards-refresh-requested:{account.public_id}", True, STALE_REFRESH_REQUEST_INTERVAL_SECONDS):
        return False
    task_enqueue("publishing.tasks.refresh_boards", account.pk)
    return True


def boards_refresh_run(*, account_id: int) -> str:
    """The refresh job: ``boards_refresh``; a refusal or failure of Pinterest is recorded (the page
    shows it in place of "refreshing") rather than raised. A disconnected account is left alone."""
    account = (PinterestAccount.objects.select_related("workspace__team")
               .filter(pk=account_id, revoked_at__isnull=True).first())
    if account is None:
        return "no such connected account"
    try:
        boards = boards_refresh(account)
    except DomainError as error:
        _refresh_failed(account, error.code, error.message)
        return f"failed: {error.code}"
    except Exception:
        # Any other error still ends the "refreshing" the page shows; the job fails as it would.
        _refresh_failed(account, "internal_error", REFRESH_NOT_FINISHED)
        raise
    return f"{len(boards)} boards"


def _refresh_failed(account: PinterestAccount, code: str, message: str) -> None:
    audit_record(team=account.workspace.team, workspace=account.workspace, action=BOARDS_REFRESH_FAILED,
                 actor=Actor.system(account.workspace, job="boards refresh"), target=account,
                 details={"code": code, "message": message})


@dataclass(frozen=True)
class BoardsRefreshState:
    """``refreshing``: a refresh was asked for and has no outcome yet; ``failure``: the message of
    the last refresh, when it failed after the last sync ("" otherwise)."""

    refreshing: bool = False
    failure: str = ""
    requested_at: datetime | None = None


def boards_refresh_states(accounts: Iterable[PinterestAccount]) -> dict[int, BoardsRefreshState]:
    """Each account's refresh state (accounts with none are left out), in one query: only events
    newer than the account's last sync matter."""
    accounts = list(accounts)
    if not accounts:
        return {}
    newer_than_sync = reduce(or_, (
        Q(target_id=str(account.public_id)) & (Q(created_at__gt=account.boards_synced_at)
                                               if account.boards_synced_at else Q())
        for account in accounts))
    events = (AuditEvent.objects.filter(target_type="pinterestaccount",
                                        action__in=[BOARDS_REFRESH_REQUESTED, BOARDS_REFRESH_FAILED])
              .filter(newer_than_sync).order_by("created_at", "id").values_list("target_id", "action", "details",
                                                                                  "created_at"))
    by_public_id = {str(account.public_id): account.pk for account in accounts}
    expired_before = timezone.now() - REFRESH_OUTCOME_EXPIRY
    states: dict[int, BoardsRefreshState] = {}
    for target_id, action, details, created_at in events:  # oldest first: the last word wins
        account_pk = by_public_id[target_id]
        if action == BOARDS_REFRESH_REQUESTED and created_at < expired_before:
            states[account_pk] = BoardsRefreshState(failure=REFRESH_NOT_FINISHED)
        elif action == BOARDS_REFRESH_REQUESTED:
            states[account_pk] = BoardsRefreshState(refreshing=True, requested_at=created_at)
        else:
            states[account_pk] = BoardsRefreshState(failure=str(details.get("message", "")) or "Pinterest refused.")
    return states


def _board_audit(account: PinterestAccount, action: str, board: Board, actor: Actor, **details: object) -> None:
    audit_record(
        team=account.workspace.team, workspace=account.workspace, action=action, actor=actor, target=account,
        details={"board_id": board.pinterest_board_id, "name": board.name, **details},
    )


def board_create(
    *, account: PinterestAccount, actor: Actor, name: str, description: str | None = None, privacy: str | None = None,
) -> Board:
    """Create a board on Pinterest and in the cache."""
    authorize(actor, "board.create", workspace=account.workspace, account=account)
    name = _clean_text(name, "name", max_length=BOARD_NAME_MAX, required=True)
    description = _clean_text(description, "description", max_length=500)
    privacy = _clean_privacy(account, privacy)
    with pinterest_for(account) as client:
        remote = client.board_create(name=name, description=description or None, privacy=privacy)
    with transaction.atomic():
        board = _board_upsert(account, remote)
        _board_audit(account, "board.created", board, actor)
    return board


def board_update(
    *, account: PinterestAccount, actor: Actor, board_id: str, name: str | None = None,
    description: str | None = None, privacy: str | None = None,
) -> Board:
    """Rename a board or change its description or privacy, on Pinterest and in the cache."""
    authorize(actor, "board.update", workspace=account.workspace, account=account)
    name = _clean_text(name, "name", max_length=BOARD_NAME_MAX, required=name is not None)
    description = _clean_text(description, "description", max_length=500)
    privacy = _clean_privacy(account, privacy)
    if name is None and description is None and privacy is None:
        raise ValidationError("validation_error", "Give at least one of name, description or privacy.", field="name")
    board_id = _board_id(board_id)
    with _existing_board(account, board_id) as client:
        remote = client.board_update(board_id, name=name, description=description, privacy=privacy)
    with transaction.atomic():
        board = _board_upsert(account, remote)
        changed = {key: value for key, value in (("name", name), ("description", description), ("privacy", privacy))
                   if value is not None}
        _board_audit(account, "board.updated", board, actor, changed=sorted(changed))
    return board


def board_delete(*, account: PinterestAccount, actor: Actor, board_id: str) -> None:
    """Delete a board on Pinterest (with its pins) and mark it deleted in the cache."""
    authorize(actor, "board.delete", workspace=account.workspace, account=account)
    board_id = _board_id(board_id)
    with _existing_board(account, board_id) as client:
        client.board_delete(board_id)
    with transaction.atomic():
        board = _board_forget(account, board_id) or Board(pinterest_board_id=board_id, name="")
        _board_audit(account, "board.deleted", board, actor)


@contextlib.contextmanager
def _existing_board(account: PinterestAccount, board_id: str) -> Iterator[PinterestClient]:
    """``pinterest_for`` for a call about one board; a board Pinterest no longer has leaves the cache."""
    try:
        with pinterest_for(account) as client:
            yield client
    except NotFound:
        _board_forget(account, board_id)
        raise NotFound("board_not_found", "This board does not exist on Pinterest (any more).") from None


def _board_id(board_id: str) -> str:
    if not isinstance(board_id, str) or not board_id.isascii() or not board_id.isdigit() or len(board_id) > 64:
        raise NotFound("board_not_found", "Board ids are strings of digits; no such board.")
    return board_id


def _board_forget(account: PinterestAccount, board_id: str) -> Board | None:
    board = Board.objects.filter(account=account, pinterest_board_id=board_id).first()
    if board is not None and board.deleted_at is None:
        board.deleted_at = timezone.now()
        board.save(update_fields=["deleted_at", "synced_at"])
    return board


