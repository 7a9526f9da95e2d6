"""A /v1 list answered through the list cache (``publishing/services/list_cache.py``)."""

from collections.abc import Callable
from typing import Any, Protocol

from django.http import HttpResponse

from publishing.access import Actor
from publishing.models.epochs import Epoch
from publishing.services.list_cache import ListPage, list_page_read

# What a list answers besides its body (``set_total_count``): kept with the body.
PAGE_HEADERS = ("X-Total-Count", "X-Total-Count-Exact")


class ListFilters(Protocol):
    """A /v1 list's validated query (``PinFilters``...): its page bounds among its filters."""

    offset: int

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def caller_question(who: Actor, filters: ListFilters) -> dict[str, Any]:
    """Everything about the caller and the query that decides a page: the workspace, the accounts
    the caller may see, and the filters and page bounds as validated."""
    allowed = who.allowed_account_ids
    return {"workspace": who.workspace.pk, "accounts": None if allowed is None else sorted(allowed),
            "filters": filters.model_dump(mode="json")}


def cached_list(response: HttpResponse, epoch: Epoch, name: str, who: Actor, filters: ListFilters,
                render: Callable[[], HttpResponse]) -> HttpResponse:
    """``response`` with the page ``render()`` writes into it (body and ``PAGE_HEADERS``), or the
    same page from the cache. Check the caller's access before: the cache is keyed by what the page
    shows, not by who may see it.

    Only a first page (``offset`` 0) is kept: what an integration polls. A walk through every page
    (100,000 pins are 500 pages of 200) would fill Redis, which the broker shares, with pages nobody
    asks for twice."""
    if filters.offset:
        return render()

    def rendered() -> ListPage:
        render()
        return ListPage(response.content,
                        {header: response[header] for header in PAGE_HEADERS if response.has_header(header)})

    page = list_page_read(epoch, name, caller_question(who, filters), rendered)
    response.content = page.content
    for header, value in page.headers.items():
        response[header] = value
    return response
