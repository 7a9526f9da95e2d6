"""Keyset pagination for long lists (pins, assets, the audit log).

Pages are ordered newest first by ``(created_at, id)`` and addressed by the public id of the
row at a page boundary, so page 4,000 costs what page 1 costs (an index range scan instead of
OFFSET), and no integer id ever reaches a URL. Totals are counted only up to a bound.
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db.models import Model, Q, QuerySet

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
