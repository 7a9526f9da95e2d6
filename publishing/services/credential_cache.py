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
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from publishing.models.auth_state import CACHE_ERRORS, EPOCH_KEY, credential_cache_enabled, epoch_new, shared_redis

logger = logging.getLogger("publishing.auth")

T = TypeVar("T")
_WARN_EVERY_SECONDS = 60.0
_last_warning = [0.0]


def _cache_unavailable(error: Exception) -> None:
    """Requests go on with the database; say so once a minute, not on every request."""
    now = time.monotonic()
    if now - _last_warning[0] >= _WARN_EVERY_SECONDS:
        _last_warning[0] = now
        logger.warning("Credentials are read from the database: the cache is unavailable (%s)",
                       type(error).__name__)


_SEAL_SALT = "publishing.credential_cache"
_SEAL_BYTES = 32  # HMAC-SHA256


def _sealed(entry: dict[str, Any]) -> bytes:
    data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    return salted_hmac(_SEAL_SALT, data, algorithm="sha256").digest() + data


def _opened(blob: bytes | None) -> dict[str, Any] | None:
    """The stored entry, or None: absent, or not sealed with this installation's ``SECRET_KEY``. Redis
    is shared with the broker and the pacing buckets; a value Pinboard did not seal is never
    unpickled (unpickling runs code), as django-q2 signs its tasks."""
    if blob is None:
        return None
    seal, data = blob[:_SEAL_BYTES], blob[_SEAL_BYTES:]
    if not constant_time_compare(seal, salted_hmac(_SEAL_SALT, data, algorithm="sha256").digest()):
        return None
    try:
        entry: dict[str, Any] = pickle.loads(data)  # sealed by this installation, checked above
    except Exception:  # written by other code (a rolling upgrade moved a class): read the database
        logger.info("A cached credential could not be read back; reading it from the database")
        return None
    return entry


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
        sealed = _sealed({"epoch": self.epoch, "record": self.record, "derived": self.derived})
        try:
            if first:
                shared_redis().set(self.cache_key, sealed, ex=settings.CREDENTIAL_CACHE_SECONDS)
            else:
                shared_redis().set(self.cache_key, sealed, xx=True, keepttl=True)
        except CACHE_ERRORS as error:
            _cache_unavailable(error)


def _current_epoch() -> bytes | None:
    """The epoch when Redis has none yet (first start, or it was lost): a new random one, set once."""
    client = shared_redis()
    client.set(EPOCH_KEY, epoch_new(), nx=True)
    return cast(bytes | None, client.get(EPOCH_KEY))


def credential_read(name: str, load: Callable[[], T | None]) -> CredentialCopy[T] | None:
    """The credential's rows: the cached copy when its epoch is current, else ``load()`` (the
    database), then stored. None when ``load`` finds none (an unknown credential is never cached).
    Without the cache, or with Redis unavailable, ``load()`` alone, and nothing stored."""
    cache_key, epoch = f"pinboard:credential:{name}", None
    if credential_cache_enabled():
        try:
            epoch, stored = cast(list[bytes | None], shared_redis().mget(EPOCH_KEY, cache_key))
            entry = _opened(stored)
            if epoch is not None and entry is not None and entry["epoch"] == epoch:
                return CredentialCopy(entry["record"], cache_key, epoch, entry["derived"])
            if epoch is None:
                epoch = _current_epoch()
        except CACHE_ERRORS as error:
            _cache_unavailable(error)
            epoch = None
    record = load()
    if record is None:
        return None
    copy = CredentialCopy(record, cache_key, epoch)
    copy._write(first=True)  # nothing without an epoch
    return copy
