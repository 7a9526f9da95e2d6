"""The auth epoch: one shared value that changes after every committed change to what a credential
resolves to (API keys, login tokens, users, memberships, workspaces, teams).

A copy of a credential's rows kept in the shared cache (``publishing/services/credential_cache.py``)
is used only while the epoch it was read under is still the current one. The epoch changes after
the change commits and before the request (or job) that made it goes on, so once a revoke, a role
change or a removal has answered, every web node reads the database again.

Every way the ORM writes these tables changes it: ``save`` and ``delete`` (cascades and the admin
panel included) through the signals below, ``QuerySet.update``, ``bulk_create`` and
``bulk_update`` through ``AuthStateQuerySet``; ``migrate`` (each release) changes it too, so copies
the old code stored are not read by the new. A write the ORM does not see (SQL typed into a
database shell) is seen when the copies expire, ``CREDENTIAL_CACHE_SECONDS`` after they were read.

The epoch is a random value rather than a counter: if Redis loses it (a restart, an eviction), the
next one can never equal a value some old copy was stored under.
"""

import functools
import logging
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

import redis
from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger("publishing.auth")

EPOCH_KEY = "pinboard:auth-epoch"
# What the shared cache raises when Redis is down or slow.
CACHE_ERRORS = (RedisError, OSError)
# A Redis that does not answer within this costs each request this much before the database answers.
REDIS_TIMEOUT_SECONDS = 0.5
# Columns whose writes change nothing a credential resolves to: the use stamp written at most once a
# minute per credential, and Django's login time. Changing the epoch for them would empty the cache
# every minute.
UNTRACKED_FIELDS = frozenset({"last_used_at", "last_login"})


def credential_cache_enabled() -> bool:
    """Reading through the cache: only with one every web node and worker shares (with process
    memory, a change made in one process would go unseen by the others)."""
    return settings.CREDENTIAL_CACHE_SECONDS > 0 and bool(settings.CACHE_REDIS_URL)


def epoch_kept() -> bool:
    """Changing the epoch: wherever Redis is configured, whether or not this process reads through the
    cache. A worker, a shell or a node with ``CREDENTIAL_CACHE_SECONDS=0`` still changes what the
    others have cached."""
    return bool(settings.CACHE_REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS)


def shared_redis() -> redis.Redis:
    """The cache's Redis (``CACHE_REDIS_URL``), one thread-safe client per process. Not through
    Django's cache API: its Redis backend builds a new client on every call, which cost more than
    the rest of a cached ``/v1/auth/me``."""
    return _client_for(settings.CACHE_REDIS_URL)


def epoch_new() -> str:
    return secrets.token_hex(8)


def epoch_advance() -> None:
    try:
        shared_redis().set(EPOCH_KEY, epoch_new())
    except CACHE_ERRORS:  # the change has committed: report the cache, do not fail the request after the fact
        logger.exception("The auth epoch could not be changed: cached credentials stay in use until they "
                         "expire (CREDENTIAL_CACHE_SECONDS)")


def epoch_advance_on_commit(using: str | None) -> None:
    if epoch_kept():
        # robust: a callback registered before it that raises (a broker call) must not skip it.
        transaction.on_commit(epoch_advance, using=using, robust=True)


def _tracks(fields: Iterable[str] | None) -> bool:
    return fields is None or not set(fields) <= UNTRACKED_FIELDS


class AuthStateQuerySet(models.QuerySet):
    """The QuerySet of every table a credential resolves through: its bulk writes change the epoch."""

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        if rows and _tracks(kwargs):
            epoch_advance_on_commit(self.db)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]  # as Django marks its own

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            epoch_advance_on_commit(self.db)
        return created

    def bulk_update(self, objs: Iterable[Any], fields: Sequence[str], *args: Any, **kwargs: Any) -> int:
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows and _tracks(fields):
            epoch_advance_on_commit(self.db)
        return rows


def _saved(sender, instance, created, update_fields, using, **kwargs) -> None:
    if _tracks(update_fields):
        epoch_advance_on_commit(using)


def _saved_credential(sender, instance, created, update_fields, using, **kwargs) -> None:
    if not created:  # a new key or token is in nobody's cache yet, and changes no other credential
        _saved(sender, instance, created, update_fields, using)


def _deleted(sender, instance, using, **kwargs) -> None:
    epoch_advance_on_commit(using)


def _deleted_credential(sender, instance, using, **kwargs) -> None:
    # A revoked or expired key or token is refused with or without its row: removing it (retention's
    # pruning, in batches) changes nothing, and must not empty every node's cache row by row.
    expired = instance.expires_at is not None and instance.expires_at <= timezone.now()
    if instance.revoked_at is None and not expired:
        epoch_advance_on_commit(using)


def _migrated(**kwargs: Any) -> None:
    # A release may change these tables' columns: copies stored before it are not read after it.
    if epoch_kept():
        epoch_advance()


def track_auth_state(*tables: type[models.Model], credentials: bool = False) -> None:
    """Change the epoch after each save and delete of ``tables`` (their QuerySets must be
    ``AuthStateQuerySet``s, for the bulk writes); for ``credentials``, not when a row is created nor
    when a dead one (revoked, expired) is deleted. A
    delete signal also keeps Django from deleting these rows in bulk without it, so rows a cascade
    removes are seen too."""
    for table in tables:
        if not isinstance(table._default_manager.get_queryset(), AuthStateQuerySet):
            raise TypeError(f"{table.__name__}'s QuerySet must be an AuthStateQuerySet")
        post_save.connect(_saved_credential if credentials else _saved, sender=table,
                          dispatch_uid=f"auth-state-save-{table._meta.label}")
        post_delete.connect(_deleted_credential if credentials else _deleted, sender=table,
                            dispatch_uid=f"auth-state-delete-{table._meta.label}")
    post_migrate.connect(_migrated, dispatch_uid="auth-state-migrated")
