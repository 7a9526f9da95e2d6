"""/v1 list pages from the shared cache instead of the database, while nothing on them can have
changed.

A page of ``GET /v1/pins`` is one statement for its rows, one for its count and the JSON of 50
pins: about twice what a request with its credential from the cache costs the web node, where an
integration that polls its pins asks the same question again and again. With Redis configured
(``API_LIST_CACHE_SECONDS``), the first answer to a question is stored under the current pin list
epoch (``publishing.models.pins.PIN_LIST_EPOCH``), and later requests fetch the epoch and the page
in one round trip and answer with the page only when it was stored under the current epoch. Every
committed write to any pin changes that epoch on every node, before the request or job that made
it goes on: a pin's new status is never answered from an older page once its change has answered.

The question is the whole of what decides the page: the workspace, the accounts the caller may see
(a key's allow-list), every filter and the page bounds as validated, and ``SITE_URL`` (media URLs).
The caller's right to ask is checked on every request, before the cache is read.

The epoch is read before the database, never after (``shared_cache.epoch_read``). One epoch for
every workspace: a write to any pin retires every cached page, so a busy installation reads the
database more often, never a stale page. Without Redis, or with Redis unavailable, each request
reads the database.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from publishing.models.epochs import CACHE_ERRORS, Epoch, shared_redis
from publishing.services.shared_cache import UnavailableWarning, epoch_read, sealed

logger = logging.getLogger("publishing.api")

_SEAL_SALT = "publishing.list_cache"
_cache_unavailable = UnavailableWarning(logger, "Lists are read from the database")


@dataclass(frozen=True)
class ListPage:
    """One answered page: its JSON body and the headers that go with it (``X-Total-Count``...)."""

    content: bytes
    headers: dict[str, str]


def list_cache_enabled() -> bool:
    """Reading through the cache: only with one every web node and worker shares."""
    return settings.API_LIST_CACHE_SECONDS > 0 and bool(settings.CACHE_REDIS_URL)


def question_key(name: str, question: dict[str, Any]) -> str:
    """The cache key of one question (``question`` is JSON-serialisable; its order does not matter)."""
    text = json.dumps({**question, "site_url": settings.SITE_URL}, sort_keys=True)
    return f"pinboard:list:{name}:{hashlib.sha256(text.encode()).hexdigest()}"


def list_page_read(epoch: Epoch, name: str, question: dict[str, Any], render: Callable[[], ListPage]) -> ListPage:
    """The page ``question`` asks for: the cached one when it was stored under ``epoch``'s current
    value, else ``render()`` (the database), then stored. Without the cache, or with Redis
    unavailable, ``render()`` alone, and nothing stored."""
    if not list_cache_enabled():
        return render()
    cache_key = question_key(name, question)
    try:
        current, entry = epoch_read(epoch, cache_key, _SEAL_SALT, logger)
    except CACHE_ERRORS as error:
        _cache_unavailable(error)
        return render()
    if entry is not None:
        page: ListPage = entry["page"]
        return page
    page = render()
    if current is not None:
        try:
            shared_redis().set(cache_key, sealed(_SEAL_SALT, {"epoch": current, "page": page}),
                               ex=settings.API_LIST_CACHE_SECONDS)
        except CACHE_ERRORS as error:
            _cache_unavailable(error)
    return page
