"""Opaque credentials shared by API keys, login bearer tokens and invitations.

A credential is ``<kind>_<lookup>_<secret>``: the lookup part is stored in clear (it is how the
row is found), and only the SHA-256 of the whole string is stored. The secrets are 256-bit
random values, so a fast hash is enough; comparison is constant-time.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from publishing.models import AccessToken, ApiKey

LOOKUP_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32
LAST_USED_WRITE_INTERVAL = timedelta(minutes=1)
# Every credential we issue is made of these characters (token_hex and token_urlsafe). Anything
# else is refused before a query: PostgreSQL cannot even compare text holding a NUL.
CREDENTIAL_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Credential:
    plaintext: str
    prefix: str  # "<kind>_<lookup>": the part stored in clear
    digest: str


def credential_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def credential_new(kind: str) -> Credential:
    """``kind`` may itself contain underscores (``pb_live``); the lookup part never does."""
    prefix = f"{kind}_{secrets.token_hex(LOOKUP_BYTES)}"
    plaintext = f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return Credential(plaintext=plaintext, prefix=prefix, digest=credential_hash(plaintext))


def credential_prefix(plaintext: str, kind_parts: int) -> str | None:
    """The stored prefix of a presented credential, or None when it is not shaped like one."""
    if not CREDENTIAL_CHARACTERS.fullmatch(plaintext):
        return None
    parts = plaintext.split("_", kind_parts + 1)
    if len(parts) != kind_parts + 2 or not all(parts):
        return None
    return "_".join(parts[: kind_parts + 1])


def credential_matches(plaintext: str, digest: str) -> bool:
    return hmac.compare_digest(credential_hash(plaintext), digest)


def token_new() -> tuple[str, str]:
    """A random URL-safe token (for emailed links) and its hash."""
    token = secrets.token_urlsafe(SECRET_BYTES)
    return token, credential_hash(token)


def touch_last_used(model: type[ApiKey] | type[AccessToken], record: ApiKey | AccessToken,
                    now: datetime) -> bool:
    """Record a credential's use at most once a minute: a write on every request would serialise them.
    True when ``record.last_used_at`` moved (a copy of it kept in the cache is then stored again).

    ``record`` was just read, so a fresh ``last_used_at`` on it means no statement at all; the
    UPDATE's own condition keeps concurrent requests from writing twice in a minute.
    """
    oldest_fresh = now - LAST_USED_WRITE_INTERVAL
    if record.last_used_at is not None and record.last_used_at >= oldest_fresh:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=oldest_fresh)
    model.objects.filter(pk=record.pk).filter(stale).update(last_used_at=now)
    # Written now, or by a concurrent request within the minute: fresh either way, so a cached copy
    # of the record does not send the UPDATE again on every request.
    record.last_used_at = now
    return True
