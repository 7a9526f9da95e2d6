"""OAuth 2.0 with Pinterest: the authorize URL, the code exchange and token refresh.

    url = authorize_url(endpoints, redirect_uri=..., state=state)        # send the browser here
    with PinterestOAuth(endpoints) as oauth:
        grant = oauth.exchange_code(code=code, redirect_uri=...)       # on the callback
        grant = oauth.refresh(refresh_token=saved_refresh_token)       # before the token expires

Every refresh answers with a *new* refresh token (rotation): save ``grant.refresh_token`` and
``grant.refresh_token_expires_at`` together with the access token, in the same transaction.
Tokens are ``SecretStr``: they never appear in reprs, logs or error messages.
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from publishing.pinterest import errors
from publishing.pinterest.config import PinterestEndpoints, pinterest_endpoints
from publishing.pinterest.models import TokenGrant
from publishing.pinterest.transport import CREATED, Call, EventHooks, Session, SessionOptions

# What Pinboard needs: read the profile, list and manage boards (public and secret), publish pins.
DEFAULT_SCOPES = (
    "user_accounts:read",
    "boards:read",
    "boards:read_secret",
    "boards:write",
    "boards:write_secret",
    "pins:read",
    "pins:read_secret",
    "pins:write",
    "pins:write_secret",
)


class GrantRejected(errors.AuthenticationFailed):
    """The token endpoint refused the code or refresh token (used, expired, rotated away, or
    the app's credentials are wrong). The account must be connected again."""

    error_code = "oauth_grant_rejected"


def authorize_url(
    endpoints: PinterestEndpoints, *, redirect_uri: str, state: str, scopes: tuple[str, ...] = DEFAULT_SCOPES
) -> str:
    """The Pinterest page to send the browser to. ``state`` must be unguessable and checked on
    the way back (it is the CSRF protection of the round trip)."""
    if not state:
        raise ValueError("An OAuth state is required")
    query = urlencode(
        {
            "client_id": endpoints.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes),  # Pinterest wants commas, not the RFC's spaces
            "state": state,
        }
    )
    scheme, netloc, path, existing, fragment = urlsplit(endpoints.authorize_url)
    return urlunsplit((scheme, netloc, path, f"{existing}&{query}" if existing else query, fragment))


class PinterestOAuth(Session):
    """Talks to ``POST /v5/oauth/token``: form body, the app's id and secret as HTTP Basic auth."""

    def __init__(
        self,
        endpoints: PinterestEndpoints,
        *,
        timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            SessionOptions(
                endpoints.api_base,
                timeout if timeout is not None else endpoints.timeout_seconds,
                httpx.BasicAuth(endpoints.app_id, endpoints.app_secret),
                event_hooks,
                transport,
            )
        )

    @classmethod
    def for_environment(
        cls,
        environment: str,
        *,
        timeout: float | None = None,
        event_hooks: EventHooks | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Self:
        return cls(
            pinterest_endpoints(environment), timeout=timeout, event_hooks=event_hooks, transport=transport
        )

    def __repr__(self) -> str:
        return f"PinterestOAuth({self._options.base_url!r})"

    def exchange_code(self, *, code: str, redirect_uri: str, continuous_refresh: bool = True) -> TokenGrant:
        """Trade the callback's one-time ``code`` for tokens. ``redirect_uri`` must be the same
        one the authorize URL carried. ``continuous_refresh`` asks for the 60-day refresh token
        that renews on every refresh (apps created before 2025-09-25 must ask for it)."""
        if not code or not redirect_uri:
            raise errors.InvalidRequest("An authorization code and its redirect_uri are required")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if continuous_refresh:
            form["continuous_refresh"] = "true"
        return self._token(form)

    def refresh(
        self, *, refresh_token: str, scopes: tuple[str, ...] | None = None, continuous_refresh: bool = True
    ) -> TokenGrant:
        """A new access token, and a new refresh token that replaces the one passed in.

        ``continuous_refresh`` goes with the refresh as well as with the code: Pinterest's
        documents disagree on which grant carries it, and the token endpoint ignores it where
        it does not apply. ``scopes`` may only narrow what the user granted.

        A timeout raises OutcomeUnknown: the old refresh token may already be spent, so try it
        once more and, if Pinterest refuses it, ask the user to reconnect.
        """
        if not refresh_token:
            raise errors.InvalidRequest("A refresh token is required")
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scopes:
            form["scope"] = ",".join(scopes)
        if continuous_refresh:
            form["continuous_refresh"] = "true"
        return self._token(form)

    def _token(self, form: dict[str, str]) -> TokenGrant:
        call = Call("oauth/token", "POST", "oauth/token", success=CREATED, form=form)
        try:
            return self._call(call, TokenGrant)
        except (errors.AuthenticationFailed, errors.InvalidRequest, errors.Forbidden) as exc:
            raise GrantRejected(
                exc.message, status=exc.status, code=exc.code, request_id=exc.request_id
            ) from None
