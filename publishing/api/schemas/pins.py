"""/v1/pins: pins to publish now (one, a batch, a dry run), their listing, and imports of many."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, Field

from publishing.api.schemas.assets import asset_content_url_of
from publishing.api.schemas.common import (
    BoardId,
    FilterMoment,
    IdsIn,
    InSchema,
    Limit,
    Offset,
    or_none,
    refuse_nul,
)
from publishing.api.schemas.pin_content import (
    PinAltText,
    PinBoardId,
    PinCoverImageUrl,
    PinDescription,
    PinDominantColor,
    PinIdempotencyKey,
    PinImageUrl,
    PinLinkUrl,
    PinRelatedTerms,
    PinTitle,
)
from publishing.models import ImportJob, Pin
from publishing.services.imports import MAX_ROWS
from publishing.services.pins import REJECTION_REASON_LIMIT

PinSort = Literal["created_at_desc", "created_at_asc", "published_at_desc", "published_at_asc", "title_asc",
                  "title_desc", "status_asc", "status_desc"]
PinStatusName = Literal["queued", "deferred", "publishing", "published", "failed"]


class PinCreateIn(InSchema):
    account_id: UUID
    board_id: PinBoardId
    title: PinTitle
    description: PinDescription | None = None
    related_terms: PinRelatedTerms | None = None
    alt_text: PinAltText | None = None
    dominant_color: PinDominantColor | None = None
    cover_image_url: PinCoverImageUrl | None = None
    cover_image_asset_id: UUID | None = None
    link_url: PinLinkUrl | None = None
    image_url: PinImageUrl | None = None
    asset_id: UUID | None = None
    idempotency_key: PinIdempotencyKey

    def payload(self) -> dict[str, Any]:
        """What the pins service takes: the fields that were sent, ids as text."""
        return self.model_dump(mode="json", exclude_unset=True)


class PinBatchIn(InSchema):
    # Items are checked one by one by the service, so one bad item fails alone (per-item outcome).
    pins: list[dict[str, Any]] = Field(..., min_length=1, max_length=100)


class PinUpdateIn(InSchema):
    title: PinTitle | None = None
    description: PinDescription | None = None
    link_url: PinLinkUrl | None = None
    alt_text: PinAltText | None = None
    board_id: PinBoardId | None = None


class PinRetryIn(InSchema):
    board_id: PinBoardId | None = None
    account_id: UUID | None = None


# Pinboard extension: the reason the author sees, limited like the dashboard's reject form.
RejectionReason = Annotated[str, Field(min_length=1, max_length=REJECTION_REASON_LIMIT)]


class PinRejectIn(InSchema):
    reason: RejectionReason


class PinBulkRejectIn(IdsIn):
    reason: RejectionReason


class PinFilters(InSchema):
    limit: Limit = 50
    offset: Offset = 0
    account_id: UUID | None = None
    board_id: BoardId | None = None
    status: PinStatusName | None = None
    error_code: str | None = Field(None, max_length=64)
    since: FilterMoment | None = None
    until: FilterMoment | None = None
    q: str | None = Field(None, max_length=255)
    sort: PinSort = "created_at_desc"
    removed: bool | None = None


class PinOut(Schema):
    id: UUID
    workspace_id: UUID
    pinterest_account_id: UUID
    status: str
    approval_state: str
    media_type: str
    title: str
    description: str | None = None
    related_terms: list[str] | None = None
    alt_text: str | None = None
    dominant_color: str | None = None
    cover_image_url: str | None = None
    link_url: str | None = None
    media_url: str
    image_url: str
    asset_id: UUID | None = None
    board_id: str
    pinterest_pin_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    idempotency_key: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    failed_at: datetime | None = None
    removed_from_pinterest_at: datetime | None = None


class PinBatchItemOut(Schema):
    index: int
    idempotency_key: str | None = None
    status: str
    pin: PinOut | None = None
    error: dict[str, Any] | None = None


class PinBatchOut(Schema):
    created_count: int
    existing_count: int
    failed_count: int
    results: list[PinBatchItemOut]
    headroom: dict[str, Any] | None = None


class PinDeleteOut(Schema):
    id: UUID
    deleted: bool = True
    removed_from_pinterest: bool
    pinterest_pin_id: str | None = None
    reason: str | None = None


# The columns a pin's JSON is built from (``pin_row_out``): the list reads them with ``values()`` (no
# model instance per pin and per related row: a page of 50 pins was 250 instances of five models);
# the other pin responses read them from the instance they have (``pin_out``).
PIN_ROW_COLUMNS = (
    "public_id", "workspace__public_id", "account__public_id", "status", "approval_state", "asset__public_id",
    "asset__asset_type", "cover_image_asset__public_id", "title", "description", "related_terms", "alt_text",
    "dominant_color", "cover_image_url", "link_url", "image_url", "board_id", "pinterest_pin_id", "error_code",
    "error_message", "idempotency_key", "created_at", "updated_at", "published_at", "failed_at",
    "removed_from_pinterest_at",
)
_COLUMN_PATHS = [(column, column.split("__")) for column in PIN_ROW_COLUMNS]


def pin_out(pin: Pin) -> dict[str, Any]:
    """A pin as /v1 answers it: ``pin_row_out`` of the instance's ``PIN_ROW_COLUMNS`` (its related
    rows loaded with it), so every pin response and the list build the same JSON."""
    row: dict[str, Any] = {}
    for column, path in _COLUMN_PATHS:
        value: Any = pin
        for name in path:  # across an empty relation (no asset) the column is None, as values() answers
            value = None if value is None else getattr(value, name)
        row[column] = value
    return pin_row_out(row)


def pin_row_out(row: dict[str, Any]) -> dict[str, Any]:
    """A pin as /v1 answers it (the one definition of a pin's JSON), key for key and in PinOut's order
    (so a list renders it without validation), from a row of ``PIN_ROW_COLUMNS``."""
    asset_id, cover_asset_id = row["asset__public_id"], row["cover_image_asset__public_id"]
    media_url = asset_content_url_of(asset_id) if asset_id else row["image_url"]
    cover = row["cover_image_url"] or (asset_content_url_of(cover_asset_id) if cover_asset_id else "")
    return {
        "id": row["public_id"], "workspace_id": row["workspace__public_id"],
        "pinterest_account_id": row["account__public_id"], "status": row["status"],
        "approval_state": row["approval_state"], "media_type": row["asset__asset_type"] if asset_id else "image",
        "title": row["title"], "description": or_none(row["description"]),
        "related_terms": row["related_terms"] or None, "alt_text": or_none(row["alt_text"]),
        "dominant_color": or_none(row["dominant_color"]), "cover_image_url": or_none(cover),
        "link_url": or_none(row["link_url"]), "media_url": media_url,
        "image_url": row["image_url"] or cover or media_url, "asset_id": asset_id, "board_id": row["board_id"],
        "pinterest_pin_id": or_none(row["pinterest_pin_id"]), "error_code": or_none(row["error_code"]),
        "error_message": or_none(row["error_message"]), "idempotency_key": row["idempotency_key"],
        "created_at": row["created_at"], "updated_at": row["updated_at"], "published_at": row["published_at"],
        "failed_at": row["failed_at"], "removed_from_pinterest_at": row["removed_from_pinterest_at"],
    }


# --- imports: /v1/pins/imports, served by the pins router ------------------------------------------

# A bare JSON array of PinCreate-like rows (+ run_at); each row is checked on its own by the job.
ImportRows = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ROWS), AfterValidator(refuse_nul)]


class ImportFilters(InSchema):
    limit: Limit = 50
    offset: Offset = 0
    status: Literal["queued", "processing", "completed", "completed_with_errors", "failed"] | None = None
    source_type: Literal["json", "csv"] | None = None


class ImportRowOut(Schema):
    row_number: int
    status: str
    pin_id: UUID | None = None
    schedule_id: UUID | None = None
    idempotency_key: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class ImportJobOut(Schema):
    id: UUID
    workspace_id: UUID
    source_type: str
    status: str
    source_filename: str | None = None
    total_rows: int
    processed_rows: int
    created_rows: int
    existing_rows: int
    failed_rows: int
    results: list[ImportRowOut]
    error_message: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


def import_job_out(job: ImportJob) -> dict[str, Any]:
    return {"id": job.public_id, "workspace_id": job.workspace.public_id, "source_type": job.source_type,
            "status": job.status, "source_filename": job.source_filename or None, "total_rows": job.total_rows,
            "processed_rows": job.processed_rows, "created_rows": job.created_rows,
            "existing_rows": job.existing_rows, "failed_rows": job.failed_rows, "results": job.results,
            "error_message": job.error_message or None, "started_at": job.started_at,
            "completed_at": job.completed_at, "created_at": job.created_at, "updated_at": job.updated_at}
