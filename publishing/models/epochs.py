"""Epochs: shared values in Redis that change after every committed change to the tables a cache
reads, so a copy stored under an epoch is used only while nothing it was read from can have changed.

Two caches use one each: the credential cache (``auth_state.AUTH_EPOCH``: keys, tokens, users,
memberships, workspaces, teams) and the /v1 list cache (``PIN_LISTS``: pins, and the assets a pin
loses when one is deleted). A reader fetches the epoch *before* the database, and stores what it read
under that epoch: a change that commits in between leaves a copy newer than its epoch, which the
change's own new epoch then retires.

Every way the ORM writes a tracked table changes the epoch: ``save`` and ``delete`` (cascades and
the admin panel included) through signals, ``QuerySet.update``, ``bulk_create`` and ``bulk_update``
through ``EpochQuerySet``; ``migrate`` (each release) changes every epoch too, so copies the old
code stored are not read by the new. The change happens in ``on_commit``, after the write commits
and before the request (or job) that made it goes on: once a write has answered, every web node
reads the database again. A commit hook registered before it that raises (Django then runs no
later hook) changes it first (``AdvancingOnError``). A write the ORM does not see (SQL typed into a
database shell) is seen when the copies expire, each cache's seconds after they were read.

An epoch is a random value rather than a counter: if Redis loses it (a restart, an eviction), the
next one can never equal a value some old copy was stored under.
"""

import functools
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

# What the shared cache raises when Redis is down or slow.
CACHE_ERRORS = (redis.RedisError, OSError)
# A Redis that does not answer within this costs each request this much before the database answers.
REDIS_TIMEOUT_SECONDS = 0.5


def epoch_kept() -> bool:
    """Changing epochs: wherever Redis is configured, whether or not this process reads through a
    cache. A worker, a shell or a node with a cache turned off still changes what the others keep."""
    return bool(settings.CACHE_REDIS_URL)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS)


def shared_redis() -> redis.Redis:
    """The caches' Redis (``CACHE_REDIS_URL``), one thread-safe client per process. Not through
    Django's cache API: its Redis backend builds a new client on every call, which cost more than
    the rest of a cached ``/v1/auth/me``."""
    return _client_for(settings.CACHE_REDIS_URL)


class _ThreadConnection(threading.local):
    """This thread's own connection to the caches' Redis, for ``shared_values``; the URL and process
    it was opened for (a test changes the setting; a forked child must not write to its parent's socket)."""

    connection: redis.connection.AbstractConnection | None = None
    opened_for: tuple[str, int] | None = None
    used = False


_thread_connection = _ThreadConnection()


def thread_connection() -> redis.connection.AbstractConnection:
    """This thread's connection to ``CACHE_REDIS_URL``, opened with the shared client's options."""
    local, opened_for = _thread_connection, (settings.CACHE_REDIS_URL, os.getpid())
    if local.connection is None or local.opened_for != opened_for:
        # A connection inherited across a fork is dropped, never disconnected: disconnecting shuts
        # the socket down for the parent too.
        pool = shared_redis().connection_pool
        local.connection = pool.connection_class(**pool.connection_kwargs)
        local.opened_for, local.used = opened_for, False
    return local.connection


def shared_values(*keys: str) -> list[bytes | None]:
    """The values at ``keys`` (MGET), on this thread's own connection. Every API request reads its
    credential, and the list it asks for, this way: the client's own path (a pool checkout that polls
    the socket first, a retry wrapper, metrics hooks) cost a gunicorn worker about as much CPU again
    as the round trip itself (docs/performance.md). Raises what Redis raises (``CACHE_ERRORS``)."""
    connection = thread_connection()
    try:
        connection.send_command("MGET", *keys)
        values: list[bytes | None] = connection.read_response()
    except redis.ConnectionError:
        connection.disconnect()
        if not _thread_connection.used:
            raise
        # It had served before: Redis closed it while it sat idle (a restart, a client timeout).
        # Once more, on a new connection, rather than sending this request to the database.
        _thread_connection.used = False
        return shared_values(*keys)
    except BaseException:
        connection.disconnect()  # a reply may still be on its way: never read it as the next one's
        raise
    _thread_connection.used = True
    return values


# How many of the latest commit hooks advance_on_commit looks through for its own.
_RECENT_ENTRIES = 4


def epoch_new() -> str:
    return secrets.token_hex(8)


class Epoch:
    """One epoch, kept in Redis under ``key``. Writes that touch only ``untracked_fields`` leave it.
    ``name`` and ``stale`` (what stays in use when it cannot change) are for the log."""

    def __init__(self, key: str, *, name: str, stale: str, untracked_fields: Iterable[str] = (),
                 logger_name: str = "publishing.cache") -> None:
        self.key = key
        self.name = name
        self.stale = stale
        self.untracked_fields = frozenset(untracked_fields)
        self.logger = logging.getLogger(logger_name)

    def __repr__(self) -> str:
        return f"Epoch({self.key!r})"

    def advance(self) -> None:
        try:
            shared_redis().set(self.key, epoch_new())
        except CACHE_ERRORS:  # the change has committed: report the cache, do not fail the request after the fact
            self.logger.exception("The %s could not be changed: %s", self.name, self.stale)

    def current(self) -> bytes | None:
        """The epoch, set first when Redis has none yet (first start, or it was lost)."""
        client = shared_redis()
        client.set(self.key, epoch_new(), nx=True)
        value: bytes | None = client.get(self.key)
        return value

    def advance_on_commit(self, using: str | None) -> None:
        if not epoch_kept():
            return
        connection = connections[using or DEFAULT_DB_ALIAS]
        if not connection.in_atomic_block:  # autocommit: the write has committed, change it now
            transaction.on_commit(self.advance, using=using, robust=True)
            return
        savepoints = set(connection.savepoint_ids)
        pending = connection.run_on_commit
        # Once per transaction, not once per row: a cascade that deletes 100,000 pins sends 100,000
        # signals. An entry (what ``transaction.on_commit`` appends: savepoint ids, callback, robust)
        # is skipped only after one of its own under the same savepoints, so a rollback that drops the
        # earlier entry drops the write that asked for this one too.
        if any(func == self.advance and ids == savepoints for ids, func, _ in pending[-_RECENT_ENTRIES:]):
            return
        # Django stops running the hooks at the first that raises (an enqueue while the broker is
        # down), and the write has committed whatever they do: each hook already registered that may
        # raise changes this epoch before its error goes on. Wrapped in place, so every entry keeps
        # its position (Django's test helper that runs captured hooks counts on it); newest first, up
        # to one an earlier call wrapped (those before it are wrapped too: a rollback keeps the order).
        for position in range(len(pending) - 1, -1, -1):
            ids, func, robust = pending[position]
            if robust:
                continue
            if isinstance(func, AdvancingOnError) and self in func.epochs:
                break
            pending[position] = (ids, AdvancingOnError.around(func, self), robust)
        transaction.on_commit(self.advance, using=using, robust=True)

    def tracks(self, fields: Iterable[str] | None) -> bool:
        return fields is None or not set(fields) <= self.untracked_fields

    def track(self, *tables: type[models.Model], creates: bool = True, saves: bool = True,
              delete_counts: Callable[[Any], bool] | None = None) -> None:
        """Change the epoch after each save (unless ``saves`` is False; for a new row only with
        ``creates``) and each delete of ``tables`` (unless ``delete_counts`` says that row's removal
        changes nothing). Saved tables' QuerySets must be ``EpochQuerySet``s, for the bulk writes. A
        delete signal also keeps Django from deleting the rows in bulk without it, so rows a cascade
        removes are seen too."""

        def saved(sender, instance, created, update_fields, using, **kwargs) -> None:
            if (creates or not created) and self.tracks(update_fields):
                self.advance_on_commit(using)

        def deleted(sender, instance, using, **kwargs) -> None:
            if delete_counts is None or delete_counts(instance):
                self.advance_on_commit(using)

        for table in tables:
            if saves:
                # The base manager too: related managers' add() and deletion's field updates use it.
                managers = (table._default_manager, table._base_manager)
                if not all(isinstance(manager.get_queryset(), EpochQuerySet) for manager in managers):
                    raise TypeError(f"{table.__name__}'s default and base managers must give EpochQuerySets "
                                    "(Meta.base_manager_name)")
                _EPOCHS_OF.setdefault(table, []).append(self)
                post_save.connect(saved, sender=table, weak=False, dispatch_uid=f"{self.key}-save-{table._meta.label}")
            post_delete.connect(deleted, sender=table, weak=False,
                                dispatch_uid=f"{self.key}-delete-{table._meta.label}")
        post_migrate.connect(self._migrated, weak=False, dispatch_uid=f"{self.key}-migrated")

    def _migrated(self, **kwargs: Any) -> None:
        # A release may change the tables' columns: copies stored before it are not read after it.
        if epoch_kept():
            self.advance()


class AdvancingOnError:
    """A commit hook that, if it raises, first changes the epochs whose own hooks come after it (and
    which Django will then not run)."""

    def __init__(self, hook: Callable[[], Any]) -> None:
        self.hook = hook
        self.epochs: list[Epoch] = []
        self.__qualname__ = getattr(hook, "__qualname__", type(hook).__qualname__)  # Django logs it

    @classmethod
    def around(cls, hook: Callable[[], Any], epoch: Epoch) -> "AdvancingOnError":
        wrapped = hook if isinstance(hook, cls) else cls(hook)
        if epoch not in wrapped.epochs:
            wrapped.epochs.append(epoch)
        return wrapped

    def __call__(self) -> Any:
        try:
            return self.hook()
        except Exception:
            for epoch in self.epochs:
                epoch.advance()
            raise


# The epochs whose tables' bulk writes a model's EpochQuerySet reports, filled by Epoch.track.
_EPOCHS_OF: dict[type[models.Model], list[Epoch]] = {}


class EpochQuerySet(models.QuerySet):
    """The QuerySet of a table some epoch tracks: its bulk writes change that epoch (``bulk_update``
    writes through ``update``)."""

    def _changed(self, fields: Iterable[str] | None) -> None:
        for epoch in _EPOCHS_OF.get(self.model, ()):
            if epoch.tracks(fields):
                epoch.advance_on_commit(self.db)

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        if rows:
            self._changed(kwargs)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]  # as Django marks its own

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            self._changed(None)
        return created
