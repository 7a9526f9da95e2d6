"""Helpers for the demo command and tests: sandbox accounts with boards, and tokens for them
without going through the authorize page.

    from pinterest_sandbox.seed import sandbox_user_create, sandbox_tokens_issue
    user = sandbox_user_create(username="acme_demo", boards=300)
    tokens = sandbox_tokens_issue(user=user)            # every scope
    tokens.access_token, tokens.refresh_token           # plaintexts (pina_..., pinr_...)
    sandbox_pin_backdate(pinterest_id=pin_id, days=30)  # a pin with 30 days of history
    sandbox_pin_engagement_set(pinterest_id=pin_id, factor=3.0)  # its audience engages 3x as much
"""

from datetime import datetime, timedelta

from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import Pin, SandboxUser
from pinterest_sandbox.services.accounts import sandbox_user_create  # noqa: F401 - part of this API
from pinterest_sandbox.services.boards import board_section_create  # noqa: F401 - part of this API
from pinterest_sandbox.services.oauth import SCOPES, IssuedTokens, tokens_issue

# What Pinboard asks for when it connects an account.
PUBLISHING_SCOPES = [
    "boards:read",
    "boards:write",
    "boards:read_secret",
    "boards:write_secret",
    "pins:read",
    "pins:write",
    "pins:read_secret",
    "pins:write_secret",
    "user_accounts:read",
]


def sandbox_tokens_issue(*, user: SandboxUser, scopes: list[str] | None = None) -> IssuedTokens:
    """An access/refresh token pair for ``user`` (default: every scope there is)."""
    return tokens_issue(user=user, scopes=list(scopes if scopes is not None else SCOPES))


def sandbox_pin_backdate(*, pinterest_id: str, days: float) -> datetime:
    """Move a sandbox pin's creation ``days`` back from sandbox time, as if it had been published
    then: its analytics (deterministic from its age) cover those days, zero before them. Seeding only
    (a demo account with a history); the API never changes a pin's creation time. Returns the new
    creation time; an unknown ``pinterest_id`` raises ``Pin.DoesNotExist``."""
    if days < 0:
        raise ValueError("A pin can only be backdated into the past")
    created_at = sandbox_now() - timedelta(days=days)
    if not Pin.objects.filter(pinterest_id=pinterest_id).update(created_at=created_at):
        raise Pin.DoesNotExist(pinterest_id)
    return created_at


def sandbox_pin_engagement_set(*, pinterest_id: str, factor: float) -> None:
    """Scale a sandbox pin's analytics by ``factor`` (1.0: an ordinary pin), as if its audience engaged
    that much more with it: a planted pattern for tests and demos (e.g. pins posted at one hour doing
    better). Seeding only; the API never sets it. An unknown ``pinterest_id`` raises
    ``Pin.DoesNotExist``; a negative factor ``ValueError``."""
    if factor < 0:
        raise ValueError("An engagement factor cannot be negative")
    if not Pin.objects.filter(pinterest_id=pinterest_id).update(engagement_factor=factor):
        raise Pin.DoesNotExist(pinterest_id)
