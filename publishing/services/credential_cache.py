"""A credential's rows from the shared cache instead of the database, while nothing in them can have
changed.

Every API request that sends a key or a login token reads the credential with its workspace and
team (and, for a token, its user and membership), and ``/v1/auth/me`` then reads every team of the
user. With Redis configured (``CREDENTIAL_CACHE_SECONDS``), the first request stores what it read
under the current auth epoch (``publishing.models.auth_state``). Later requests fetch the epoch and
the copy in one round trip and use the copy only when it was stored under the current epoch: any
committed change to those rows has changed the epoch, on every node. The secret is still compared
with the stored hash, and the expiry with the clock, on every request: the cache saves the reading,
never the checks.

The epoch is read before the database, never after: a change that commits in between leaves a copy
newer than its epoch, which the change's new epoch then retires. Each request unpickles its own
copy, so no model instance is shared between threads or requests.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings

from publishing.models.auth_state import AUTH_EPOCH, credential_cache_enabled
from publishing.models.epochs import CACHE_ERRORS, shared_redis
from publishing.services.shared_cache import UnavailableWarning, epoch_read, sealed

logger = logging.getLogger("publishing.auth")

T = TypeVar("T")
_SEAL_SALT = "publishing.credential_cache"
_cache_unavailable = UnavailableWarning(logger, "Credentials are read from the database")


@dataclass(eq=False)
class CredentialCopy(Generic[T]):
    """One credential as read under one epoch (``epoch`` None: not stored), with values derived
    from its rows alone (``derived``, such as ``/v1/auth/me``'s body)."""

    record: T
    cache_key: str
    epoch: bytes | None = None
    derived: dict[str, Any] = field(default_factory=dict)

    def remember(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept with the copy until the epoch changes: it must read only what the epoch
        tracks (the credential, its user, teams, memberships and workspaces)."""
        if name not in self.derived:
            self.derived[name] = compute()
            self.store()
        return self.derived[name]

    def store(self) -> None:
        """Write the copy back (its use stamp moved, or a value was derived) without extending its life,
        and only while it is still there: a copy lives ``CREDENTIAL_CACHE_SECONDS`` from its read of
        the database, however often it is written back (the bound for changes no epoch saw)."""
        self._write(first=False)

    def _write(self, *, first: bool) -> None:
        if self.epoch is None:
            return
        entry = sealed(_SEAL_SALT, {"epoch": self.epoch, "record": self.record, "derived": self.derived})
        try:
            if first:
                shared_redis().set(self.cache_key, entry, ex=settings.CREDENTIAL_CACHE_SECONDS)
            else:
                shared_redis().set(self.cache_key, entry, xx=True, keepttl=True)
        except CACHE_ERRORS as error:
            _cache_unavailable(error)


def credential_read(name: str, load: Callable[[], T | None]) -> CredentialCopy[T] | None:
    """The credential's rows: the cached copy when its epoch is current, else ``load()`` (the
    database), then stored. None when ``load`` finds none (an unknown credential is never cached).
    Without the cache, or with Redis unavailable, ``load()`` alone, and nothing stored."""
    cache_key, epoch = f"pinboard:credential:{name}", None
    if credential_cache_enabled():
        try:
            epoch, entry = epoch_read(AUTH_EPOCH, cache_key, _SEAL_SALT, logger)
            if entry is not None:
                return CredentialCopy(entry["record"], cache_key, epoch, entry["derived"])
        except CACHE_ERRORS as error:
            _cache_unavailable(error)
            epoch = None
    record = load()
    if record is None:
        return None
    copy = CredentialCopy(record, cache_key, epoch)
    copy._write(first=True)  # nothing without an epoch
    return copy
