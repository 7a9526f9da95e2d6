"""The auth epoch: one shared value that changes after every committed change to what a credential
resolves to (API keys, login tokens, users, memberships, workspaces, teams).

A copy of a credential's rows kept in the shared cache (``publishing/services/credential_cache.py``)
is used only while the epoch it was read under is still the current one (``publishing/models/epochs.py``
says how every ORM write changes it). Once a revoke, a role change or a removal has answered, every
web node reads the database again. A write the ORM does not see is seen when the copies expire,
``CREDENTIAL_CACHE_SECONDS`` after they were read.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from publishing.models.epochs import Epoch

EPOCH_KEY = "pinboard:auth-epoch"
# Columns whose writes change nothing a credential resolves to: the use stamp written at most once a
# minute per credential, and Django's login time. Changing the epoch for them would empty the cache
# every minute.
UNTRACKED_FIELDS = frozenset({"last_used_at", "last_login"})
AUTH_EPOCH = Epoch(EPOCH_KEY, name="auth epoch", untracked_fields=UNTRACKED_FIELDS, logger_name="publishing.auth",
                   stale="cached credentials stay in use until they expire (CREDENTIAL_CACHE_SECONDS)")


def credential_cache_enabled() -> bool:
    """Reading through the cache: only with one every web node and worker shares (with process
    memory, a change made in one process would go unseen by the others)."""
    return settings.CREDENTIAL_CACHE_SECONDS > 0 and bool(settings.CACHE_REDIS_URL)


def _live_credential(instance: models.Model) -> bool:
    # A revoked or expired key or token is refused with or without its row: removing it (retention's
    # pruning, in batches) changes nothing, and must not empty every node's cache row by row.
    expires_at = getattr(instance, "expires_at", None)
    return getattr(instance, "revoked_at", None) is None and (expires_at is None or expires_at > timezone.now())


def track_auth_state(*tables: type[models.Model], credentials: bool = False) -> None:
    """Change the auth epoch after each save and delete of ``tables``; for ``credentials``, not when a
    row is created (a new key or token is in nobody's cache yet, and changes no other credential)
    nor when a dead one (revoked, expired) is deleted."""
    AUTH_EPOCH.track(*tables, creates=not credentials, delete_counts=_live_credential if credentials else None)
