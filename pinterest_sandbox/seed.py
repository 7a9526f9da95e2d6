"""Helpers for the demo command and tests: sandbox accounts with boards, and tokens for them
without going through the authorize page.

    from pinterest_sandbox.seed import sandbox_user_create, sandbox_tokens_issue
    user = sandbox_user_create(username="acme_demo", boards=300)
    tokens = sandbox_tokens_issue(user=user)            # every scope
    tokens.access_token, tokens.refresh_token           # plaintexts (pina_..., pinr_...)
"""

from pinterest_sandbox.models import SandboxUser
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
