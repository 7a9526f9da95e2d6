"""OAuth for the sandbox: authorization codes, access and refresh tokens.

Only SHA-256 hashes of codes and tokens are stored; the plaintext exists in the answer that
hands it out and nowhere else.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction

from pinterest_sandbox import conf
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.errors import authentication_failed, invalid
from pinterest_sandbox.models import AccessToken, AuthorizationCode, RefreshToken, SandboxUser

# Every scope Pinterest's OpenAPI document defines, with its description there.
SCOPES = {
    "ads:read": "See all of your advertising data, including ads, ad groups, campaigns etc.",
    "ads:write": "Create, update, or delete ads, ad groups, campaigns etc.",
    "billing:read": "See all of your billing data, billing profile, etc.",
    "billing:write": "Create, update, or delete billing data, billing profiles, etc.",
    "biz_access:read": "See business access data",
    "biz_access:write": "Create, update, or delete business access data",
    "boards:read": "See your public boards, including group boards you join",
    "boards:read_secret": "See your secret boards",
    "boards:write": "Create, update, or delete your public boards",
    "boards:write_secret": "Create, update, or delete your secret boards",
    "catalogs:read": "See all of your catalogs data",
    "catalogs:write": "Create, update, or delete your catalogs data",
    "msot:write": "Create measurement source of truth events",
    "pins:read": "See your public Pins",
    "pins:read_secret": "See your secret Pins",
    "pins:write": "Create, update, or delete your public Pins",
    "pins:write_secret": "Create, update, or delete your secret Pins",
    "user_accounts:read": "See your user accounts and followers",
    "user_accounts:write": "Update your user accounts and followers",
}


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_parse(raw: str) -> list[str]:
    """Pinterest separates scopes with commas; spaces are accepted too. Raises on unknown ones."""
    scopes = [s for s in raw.replace(" ", ",").split(",") if s]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope: {', '.join(unknown)}")
    return list(dict.fromkeys(scopes))


def _without_query(uri: str) -> tuple[str, str, str]:
    parts = urlsplit(uri)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path or "/"


def redirect_uri_registered(redirect_uri: str) -> bool:
    """Whether the app registered this redirect URI: scheme, host, port and path must match one
    exactly (the query may carry the app's own parameters)."""
    wanted = _without_query(redirect_uri)
    return any(_without_query(registered) == wanted for registered in conf.registered_redirect_uris())


def client_credentials_valid(client_id: str, client_secret: str) -> bool:
    return secrets.compare_digest(client_id.encode(), conf.app_id().encode()) and secrets.compare_digest(
        client_secret.encode(), conf.app_secret().encode()
    )


def authorization_code_create(
    *, user: SandboxUser, client_id: str, redirect_uri: str, scopes: list[str]
) -> str:
    """Issue a single-use code; returns its plaintext (only its hash is kept)."""
    code = secrets.token_urlsafe(32)
    now = sandbox_now()
    AuthorizationCode.objects.create(
        code_hash=secret_hash(code),
        user=user,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=",".join(scopes),
        created_at=now,
        expires_at=now + timedelta(seconds=conf.AUTHORIZATION_CODE_SECONDS),
    )
    return code


@dataclass
class IssuedTokens:
    access_token: str
    access_row: AccessToken
    refresh_token: str
    refresh_row: RefreshToken


def _token_create(model, *, prefix: str, lifetime: int, now: datetime, **fields):
    """A new token row; returns its plaintext (``pina_``/``pinr_`` as Pinterest's) and the row."""
    plaintext = prefix + secrets.token_urlsafe(48)
    row = model.objects.create(
        token_hash=secret_hash(plaintext),
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        **fields,
    )
    return plaintext, row


def _access_token_create(*, now, **fields):
    return _token_create(AccessToken, prefix="pina_", lifetime=conf.ACCESS_TOKEN_SECONDS, now=now, **fields)


def _refresh_token_create(*, now, **fields):
    return _token_create(RefreshToken, prefix="pinr_", lifetime=conf.REFRESH_TOKEN_SECONDS, now=now, **fields)


@transaction.atomic
def tokens_issue(
    *, user: SandboxUser, scopes: list[str], client_id: str | None = None, authorization_code=None
) -> IssuedTokens:
    """A fresh access token and refresh token pair (the code grant, and the seeding helper)."""
    now = sandbox_now()
    client_id = client_id or conf.app_id()
    joined = ",".join(scopes)
    refresh, refresh_row = _refresh_token_create(
        user=user, client_id=client_id, scopes=joined, now=now, authorization_code=authorization_code
    )
    access, access_row = _access_token_create(
        user=user,
        client_id=client_id,
        scopes=joined,
        now=now,
        authorization_code=authorization_code,
        refresh_token=refresh_row,
    )
    return IssuedTokens(access, access_row, refresh, refresh_row)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@transaction.atomic
def token_exchange_code(*, client_id: str, code: str, redirect_uri: str) -> dict | None:
    """``grant_type=authorization_code``: the answer body of ``POST /v5/oauth/token``.

    A replayed code returns None after revoking what the code bought (the caller answers 401
    without rolling the revocation back); other refusals raise 401 code 2."""
    now = sandbox_now()
    row = AuthorizationCode.objects.select_for_update().filter(code_hash=secret_hash(code)).first()
    if row is None or row.client_id != client_id or row.redirect_uri != redirect_uri or row.expires_at <= now:
        raise authentication_failed()
    claimed = AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if not claimed:
        # A replayed code means it leaked: what it bought is no longer trustworthy (RFC 6749 §4.1.2).
        AccessToken.objects.filter(authorization_code=row, revoked_at__isnull=True).update(revoked_at=now)
        RefreshToken.objects.filter(authorization_code=row, revoked_at__isnull=True).update(revoked_at=now)
        return None
    issued = tokens_issue(
        user=row.user, scopes=row.scopes.split(","), client_id=client_id, authorization_code=row
    )
    return {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": conf.ACCESS_TOKEN_SECONDS,
        "scope": row.scopes,
        "refresh_token": issued.refresh_token,
        "refresh_token_expires_in": conf.REFRESH_TOKEN_SECONDS,
        "refresh_token_expires_at": _epoch(issued.refresh_row.expires_at),
        "response_type": "authorization_code",
    }


@transaction.atomic
def token_refresh(*, client_id: str, refresh_token: str, scope: str | None, continuous_refresh: bool) -> dict:
    """``grant_type=refresh_token``. With ``continuous_refresh`` the refresh token rotates: a new
    one (60 fresh days) comes back and the old one stops working, unless
    SANDBOX_ROTATED_REFRESH_TOKEN_STAYS_VALID. Without it the same refresh token comes back."""
    now = sandbox_now()
    row = RefreshToken.objects.select_for_update().filter(token_hash=secret_hash(refresh_token)).first()
    if (
        row is None
        or row.client_id != client_id
        or row.revoked_at is not None
        or row.expires_at <= now
        or (row.rotated_at is not None and not conf.rotated_refresh_token_stays_valid())
    ):
        raise authentication_failed()
    granted = row.scopes.split(",")
    if scope:
        try:
            wanted = scopes_parse(scope)
        except ValueError as exc:
            raise invalid(str(exc)) from exc
        if not set(wanted) <= set(granted):
            raise invalid("scope: a refresh can only narrow the scopes the user granted")
    else:
        wanted = granted
    answer_refresh, answer_row = refresh_token, row
    if continuous_refresh:
        answer_refresh, answer_row = _refresh_token_create(
            user=row.user,
            client_id=client_id,
            scopes=row.scopes,
            now=now,
            authorization_code=row.authorization_code,
        )
        row.rotated_at = now
        row.replaced_by = answer_row
        row.save(update_fields=["rotated_at", "replaced_by"])
    access, _ = _access_token_create(
        user=row.user,
        client_id=client_id,
        scopes=",".join(wanted),
        now=now,
        authorization_code=row.authorization_code,
        refresh_token=answer_row,
    )
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": conf.ACCESS_TOKEN_SECONDS,
        "scope": ",".join(wanted),
        "refresh_token": answer_refresh,
        "refresh_token_expires_in": max(0, int((answer_row.expires_at - now).total_seconds())),
        "refresh_token_expires_at": _epoch(answer_row.expires_at),
        "response_type": "refresh_token",
    }


def access_token_authenticate(raw: str, *, now: datetime) -> AccessToken:
    """The live token behind a bearer value, or 401 code 2."""
    row = (
        AccessToken.objects.select_related("user").filter(token_hash=secret_hash(raw)).first()
        if raw
        else None
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise authentication_failed()
    return row


def access_token_revoke(*, access_token: str | None = None, user: SandboxUser | None = None) -> int:
    """Revoke one token by its plaintext, or every token of a user. Returns how many."""
    tokens = AccessToken.objects.filter(revoked_at__isnull=True)
    if access_token is not None:
        tokens = tokens.filter(token_hash=secret_hash(access_token))
    elif user is not None:
        tokens = tokens.filter(user=user)
    else:
        raise ValueError("Name the token or the user")
    return tokens.update(revoked_at=sandbox_now())


def access_token_expire(*, access_token: str) -> int:
    return AccessToken.objects.filter(token_hash=secret_hash(access_token)).update(expires_at=sandbox_now())


def refresh_token_expire(*, refresh_token: str | None = None, user: SandboxUser | None = None) -> int:
    """Make a refresh token (or all of a user's) expired as of now, sandbox time."""
    if refresh_token is not None:
        tokens = RefreshToken.objects.filter(token_hash=secret_hash(refresh_token))
    elif user is not None:
        tokens = RefreshToken.objects.filter(user=user)
    else:
        raise ValueError("Name the token or the user")
    return tokens.update(expires_at=sandbox_now())
