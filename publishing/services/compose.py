"""One Compose submission to several boards (and accounts): one pin, or one schedule, for each.

All or nothing: every board's pin (or schedule) is made through the one create path
(``pin_create`` / ``schedule_create``) inside one transaction, and if any board refuses, the
transaction is rolled back (with the jobs and notifications it would have sent on commit) and
every board's refusal is reported together, so the form can show each beside its board.

Repeats: each board gets its own idempotency key derived from the form's key and the board, so a
double submit returns the same pins instead of making more. A submission to one board keeps the
form's key as it is (as Compose always did).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from publishing.access import AccessRefused, Actor, authorize
from publishing.content import PinContent
from publishing.models import Pin, Schedule
from publishing.services.errors import DomainError, ValidationError
from publishing.services.pins import pin_create
from publishing.services.posting_queue import queue_add
from publishing.services.schedules import schedule_create

# The refusals that belong to one board rather than to the content every board shares.
BOARD_FIELDS = ("account_id", "board_id")


@dataclass(frozen=True)
class BoardTarget:
    """Where one copy goes: an account (public id) and one of its boards (Pinterest id)."""

    account_id: str
    board_id: str

    @property
    def choice(self) -> str:
        """How a form names it (``<account id>:<board id>``)."""
        return f"{self.account_id}:{self.board_id}"


class BoardsRefused(ValidationError):
    """At least one board refused: nothing was made. ``by_board`` holds each refusing board's error;
    ``fields`` the content fields' errors (the same for every board, so named once)."""

    def __init__(self, by_board: dict[BoardTarget, DomainError]) -> None:
        self.by_board = by_board
        fields: dict[str, str] = {}
        for error in by_board.values():
            for name, message in error.fields.items():
                if name not in BOARD_FIELDS:
                    fields.setdefault(name, message)
        first = next(iter(by_board.values()))
        message = first.message if len(by_board) == 1 else (
            f"{len(by_board)} of the chosen boards refused the pin; nothing was published.")
        super().__init__(first.code if len(by_board) == 1 else "validation_error", message,
                         field=first.field, fields=fields)


def board_idempotency_key(key: str, target: BoardTarget) -> str:
    """The form's key, made one board's: stable for the same key and board, within PinContent's limit."""
    suffix = hashlib.sha256(target.choice.encode()).hexdigest()[:16]
    return f"{key[:PinContent.idempotency_key.max_length - len(suffix) - 1]}~{suffix}"


def pin_create_on_boards(*, actor: Actor, data: Mapping[str, Any], targets: Sequence[BoardTarget],
                         source: str = Pin.Source.DASHBOARD, run_at_local: datetime | None = None,
                         run_at_fold: int | None = None, to_queue: bool = False) -> list[Pin] | list[Schedule]:
    """A pin for each target (or, with ``run_at_local``, a schedule for each; with ``to_queue``, a
    schedule at each account's next free posting slot), all or none.

    ``data`` is the shared content with the form's ``idempotency_key``; ``account_id`` and
    ``board_id`` come from each target. Raises ``BoardsRefused`` naming every board that refused
    (with one target, that target's own error).
    """
    authorize(actor, "queue.add" if to_queue else "schedule.create" if run_at_local is not None else "pin.create")
    unique = list(dict.fromkeys(targets))
    if not unique:
        raise ValidationError("required", "Choose at least one board.", field="board_id")
    key = str(data.get("idempotency_key") or "")
    refusals: dict[BoardTarget, DomainError] = {}
    made: list[Any] = []
    with transaction.atomic():
        for target in unique:
            item = {**data, "account_id": target.account_id, "board_id": target.board_id,
                    "idempotency_key": key if len(unique) == 1 or not key else board_idempotency_key(key, target)}
            try:
                if to_queue:
                    made.append(queue_add(actor=actor, data=item))
                elif run_at_local is None:
                    made.append(pin_create(actor=actor, source=source, data=item))
                else:
                    made.append(schedule_create(actor=actor, data={
                        **item, "run_at_local": run_at_local, "run_at_fold": run_at_fold}))
            except AccessRefused:
                raise
            except DomainError as error:
                refusals[target] = error
        if refusals:
            # Everything made so far goes, with what it queued for after the commit.
            transaction.set_rollback(True)
    if refusals:
        if len(unique) == 1:
            raise refusals[unique[0]]  # one board: its refusal as pin_create gave it, fields and all
        raise BoardsRefused(refusals)
    return made
