"""Bulk operations: one action per id, each on its own, reported the way the SDK's
BulkOperationResponse expects (``succeeded`` / ``skipped`` / ``failed`` per id, with counts)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Literal, TypedDict, TypeVar

from publishing.services.errors import BadRequest, DomainError, InvalidState

# Refusals that mean "not applicable in this state": the item is skipped, not failed.
SKIPPED = (InvalidState, BadRequest)

Found = TypeVar("Found")
BulkStatus = Literal["succeeded", "skipped", "failed"]


class BulkItemResult(TypedDict):
    id: str
    status: BulkStatus
    error_code: str | None
    error_message: str | None


class BulkResult(TypedDict):
    succeeded_count: int
    skipped_count: int
    failed_count: int
    results: list[BulkItemResult]


def bulk_apply(ids: Iterable[uuid.UUID | str], *, find: Callable[[uuid.UUID], Found | None],
               action: Callable[[Found], object], not_found: str) -> BulkResult:
    """``find(public_id)`` (scoped to the caller, None when absent), then ``action(obj)`` for each id."""
    results: list[BulkItemResult] = []
    counts: dict[BulkStatus, int] = {"succeeded": 0, "skipped": 0, "failed": 0}

    def record(raw_id: uuid.UUID | str, status: BulkStatus, error: DomainError | None = None,
               code: str | None = None, message: str | None = None) -> None:
        counts[status] += 1
        results.append({"id": str(raw_id), "status": status, "error_code": error.code if error else code,
                        "error_message": error.message if error else message})

    for raw_id in ids:
        try:
            found = find(uuid.UUID(str(raw_id)))
        except ValueError:
            found = None
        if found is None:
            record(raw_id, "failed", code="not_found", message=not_found)
            continue
        try:
            action(found)
        except SKIPPED as error:
            record(raw_id, "skipped", error)
        except DomainError as error:
            record(raw_id, "failed", error)
        else:
            record(raw_id, "succeeded")
    return {"succeeded_count": counts["succeeded"], "skipped_count": counts["skipped"],
            "failed_count": counts["failed"], "results": results}
