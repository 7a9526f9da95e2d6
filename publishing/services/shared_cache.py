"""What the caches on Redis share: sealed entries, reads checked against an epoch, and one warning
a minute while Redis is unavailable (``credential_cache.py``, ``list_cache.py``; the epochs are in
``publishing/models/epochs.py``).

An entry is a pickled dict sealed with an HMAC of ``SECRET_KEY``. Redis is shared with the broker
and the pacing buckets: a value Pinboard did not seal is never unpickled (unpickling runs code), as
django-q2 signs its tasks.
"""

import logging
import pickle
import time
from typing import Any

from django.utils.crypto import constant_time_compare, salted_hmac

from publishing.models.epochs import Epoch, shared_values

_SEAL_BYTES = 32  # HMAC-SHA256
_WARN_EVERY_SECONDS = 60.0


def sealed(salt: str, entry: dict[str, Any]) -> bytes:
    data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    return salted_hmac(salt, data, algorithm="sha256").digest() + data


def opened(salt: str, blob: bytes | None, logger: logging.Logger) -> dict[str, Any] | None:
    """The stored entry, or None: absent, or not sealed with this installation's ``SECRET_KEY``."""
    if blob is None:
        return None
    seal, data = blob[:_SEAL_BYTES], blob[_SEAL_BYTES:]
    if not constant_time_compare(seal, salted_hmac(salt, data, algorithm="sha256").digest()):
        return None
    try:
        entry: dict[str, Any] = pickle.loads(data)  # sealed by this installation, checked above
    except Exception:  # written by other code (a rolling upgrade moved a class): read the database
        logger.info("A cached entry (%s) could not be read back; reading the database", salt)
        return None
    return entry


def epoch_read(epoch: Epoch, cache_key: str, salt: str,
               logger: logging.Logger) -> tuple[bytes | None, dict[str, Any] | None]:
    """The current epoch and, when it was stored under that epoch, the entry at ``cache_key`` (one
    round trip). Call it *before* reading the database, and store what the database gives under
    the epoch it answers. Raises what Redis raises (``CACHE_ERRORS``)."""
    current, stored = shared_values(epoch.key, cache_key)
    if current is None:
        return epoch.current(), None
    entry = opened(salt, stored, logger)
    return current, entry if entry is not None and entry["epoch"] == current else None


class UnavailableWarning:
    """Requests go on with the database while Redis is unavailable: say so once a minute, not on
    every request."""

    def __init__(self, logger: logging.Logger, message: str) -> None:
        self.logger = logger
        self.message = message
        self.last = 0.0

    def __call__(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self.last >= _WARN_EVERY_SECONDS:
            self.last = now
            self.logger.warning("%s: the cache is unavailable (%s)", self.message, type(error).__name__)
