"""Sandbox Pinterest accounts."""

import re
import secrets

from django.db import transaction

from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import Board, SandboxUser

# Pinterest usernames: 3 to 30 letters, digits and underscores.
USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")


def username_valid(username: str) -> bool:
    return bool(USERNAME.fullmatch(username))


def sandbox_user_create(
    *,
    username: str | None = None,
    boards: int = 3,
    account_type: str = SandboxUser.AccountType.BUSINESS,
    created_by_user_id: int | None = None,
) -> SandboxUser:
    """A sandbox account with ``boards`` boards named "Sandbox board 1", 2, ... (bulk-created,
    so 300 boards is one INSERT)."""
    if username is None:
        username = f"sandbox_{secrets.token_hex(5)}"
    if not username_valid(username):
        raise ValueError("A username is 3 to 30 letters, digits or underscores")
    if boards < 0:
        raise ValueError("boards cannot be negative")
    now = sandbox_now()
    with transaction.atomic():
        user = SandboxUser.objects.create(
            username=username,
            account_type=account_type,
            business_name=username if account_type == SandboxUser.AccountType.BUSINESS else "",
            created_by_user_id=created_by_user_id,
            created_at=now,
        )
        Board.objects.bulk_create(
            Board(owner=user, name=f"Sandbox board {n}", created_at=now, board_pins_modified_at=now)
            for n in range(1, boards + 1)
        )
    return user
