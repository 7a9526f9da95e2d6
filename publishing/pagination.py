"""Keyset pagination for long lists (pins, assets, the audit log).

Pages are ordered newest first by ``(created_at, id)`` and addressed by the public id of the
row at a page boundary, so page 4,000 costs what page 1 costs (an index range scan instead of
OFFSET), and no integer id ever reaches a URL. Totals are counted only up to a bound.

The /v1 lists keep the SDK's ``limit`` and ``offset`` (``offset_page``); their totals are exact up to
a bound and estimated beyond it.
"""

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import connections
from django.db.models import Model, Q, QuerySet

from publishing.models.shaped_reads import ShapedReads

COUNT_BOUND = 1000

Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[Row]):
    items: list[Row]
    next_cursor: UUID | None
    previous_cursor: UUID | None


def keyset_page(queryset: QuerySet[Row], *, size: int, after: UUID | None = None,
                before: UUID | None = None) -> KeysetPage[Row]:
    """One page of ``queryset`` after (older than) or before (newer than) the row with that public id.

    A cursor that is not in ``queryset`` (deleted, or another team's) starts from the first page.
    """
    cursor = after or before
    anchor = queryset.filter(public_id=cursor).values_list("created_at", "id").first() if cursor else None
    if anchor is None:
        rows = list(queryset.order_by("-created_at", "-id")[: size + 1])
        return KeysetPage(rows[:size], rows[size - 1].public_id if len(rows) > size else None, None)
    created_at, row_id = anchor
    # The plain range on created_at comes first so the database can start the index scan at the
    # cursor; the OR only breaks ties between rows created in the same microsecond.
    if after:
        older = Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=row_id))
        rows = list(queryset.filter(older).order_by("-created_at", "-id")[: size + 1])
        items = rows[:size]
        return KeysetPage(
            items, items[-1].public_id if len(rows) > size else None, items[0].public_id if items else None
        )
    newer = Q(created_at__gte=created_at) & (Q(created_at__gt=created_at) | Q(id__gt=row_id))
    rows = list(queryset.filter(newer).order_by("created_at", "id")[: size + 1])
    items = rows[:size][::-1]
    return KeysetPage(items, items[-1].public_id if items else None, items[0].public_id if len(rows) > size else None)


@dataclass(frozen=True)
class BoundedCount:
    value: int
    more: bool

    def __str__(self) -> str:
        return f"more than {self.value:,}" if self.more else f"{self.value:,}"


def bounded_count(queryset: QuerySet[Any], bound: int = COUNT_BOUND) -> BoundedCount:
    """How many rows, counting no further than ``bound`` (COUNT(*) over a LIMITed subquery)."""
    counted = queryset.order_by()[: bound + 1].count()
    return BoundedCount(min(counted, bound), counted > bound)


# /v1 lists (X-Total-Count, the assets list's total): exact up to this many matching rows.
EXACT_TOTAL_LIMIT = 1000


@dataclass(frozen=True)
class OffsetPage(Generic[Row]):
    """One page of a /v1 list (``limit`` and ``offset``) and the total matching rows: exact when
    ``total_exact``, else PostgreSQL's estimate, kept consistent with what the page proves."""

    items: list[Row]
    total: int
    total_exact: bool


def offset_page(queryset: QuerySet[Any], *, offset: int, limit: int, columns: tuple[str, ...] | None = None,
                shapes: ShapedReads | None = None) -> OffsetPage[Any]:
    """``limit`` rows from ``offset``, and how many rows match, at a cost that does not grow with them.

    With ``columns`` the rows are dicts of those columns (``values()``); counting and estimating
    still read ``queryset``, without the joins the columns bring. With ``shapes`` too (the call site's
    ``ShapedReads``) the page and the count run SQL written once per shape of query.

    A page that ends the list gives the total for free. Otherwise the rows are counted up to
    ``EXACT_TOTAL_LIMIT`` (COUNT(*) over a LIMITed subquery); beyond that, PostgreSQL's planner
    estimates them (its statistics, no scan). The estimate is raised or lowered to what the page
    proves, so ``offset + len(items) < total`` (the SDK's ``has_more``) is true exactly when more
    rows follow. Other databases count exactly.
    """
    if columns and shapes is not None:
        rows = shapes.values(queryset, columns, offset, offset + limit + 1)
    else:
        rows = list((queryset.values(*columns) if columns else queryset)[offset:offset + limit + 1])
    items, more = rows[:limit], len(rows) > limit
    if not more and (items or offset == 0):
        return OffsetPage(items, offset + len(items), True)
    if shapes is not None:
        counted = shapes.count(queryset, EXACT_TOTAL_LIMIT + 1)
    else:
        counted = queryset.order_by()[:EXACT_TOTAL_LIMIT + 1].count()
    if counted <= EXACT_TOTAL_LIMIT:
        return OffsetPage(items, counted, True)
    estimate = planner_row_estimate(queryset)
    if estimate is None:
        return OffsetPage(items, queryset.count(), True)
    at_least = EXACT_TOTAL_LIMIT + 1
    if more:
        return OffsetPage(items, max(estimate, at_least, offset + len(items) + 1), False)
    # An empty page past the end: the rows end at or before ``offset``.
    return OffsetPage(items, min(max(estimate, at_least), offset), False)


def planner_row_estimate(queryset: QuerySet[Any]) -> int | None:
    """How many rows PostgreSQL's planner expects ``queryset`` to match (EXPLAIN, nothing is read);
    None on another database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # a driver that does not decode json
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
