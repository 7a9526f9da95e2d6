"""Pinterest-style identifiers: decimal digit strings, random so they reveal no counts."""

import re
import secrets

DIGITS = re.compile(r"^\d+$")


def new_pinterest_id() -> str:
    """An 18-digit id, the length Pinterest's board and pin ids have."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


def is_pinterest_id(value: str) -> bool:
    return bool(DIGITS.fullmatch(value or ""))
