"""Pinterest accounts and boards, assets, pins, jobs and webhooks as the SDK reads and sends them."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, Field

from publishing.api.schemas.common import BoardId, FilterMoment, InSchema, Limit, Offset, SafeStr, refuse_nul
from publishing.content import PinContent
from publishing.models import Asset, Board, Pin, PinterestAccount, Schedule, Webhook
from publishing.services.imports import MAX_ROWS

# --- Pinterest accounts and boards ---------------------------------------------------------


class OAuthStartOut(Schema):
    authorization_url: str


class OAuthCallbackOut(Schema):
    status: str
    message: str
    account_id: str | None = None


class PinterestAccountOut(Schema):
    id: UUID
    workspace_id: UUID
    pinterest_user_id: str
    display_name: str | None = None
    username: str | None = None
    scopes: str
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    token_expires_at: datetime | None = None
    health_status: str | None = None
    health_message: str | None = None
    health_checked_at: datetime | None = None
    reconnect_required: bool = False
    missing_scopes: list[str] = []
    boards_synced_at: datetime | None = None


class BoardOut(Schema):
    id: str
    name: str
    description: str | None = None
    privacy: str | None = None


class BoardAccessOut(Schema):
    account_id: UUID
    board_id: str
    publishable: bool
    status: str
    code: str | None = None
    message: str
    remediation: str | None = None
    checked_at: datetime
    source: str
    board: dict[str, Any] | None = None
    account_health: dict[str, Any] | None = None
    retry_after_seconds: int | None = None


Privacy = Literal["PUBLIC", "SECRET", "public", "secret"]


class BoardCreateIn(InSchema):
    account_id: UUID
    name: str = Field(..., min_length=1, max_length=180)
    description: str | None = Field(None, max_length=500)
    privacy: Privacy | None = None


class BoardUpdateIn(InSchema):
    account_id: UUID
    name: str | None = Field(None, min_length=1, max_length=180)
    description: str | None = Field(None, max_length=500)
    privacy: Privacy | None = None


# Pinterest's scopes a publishing account needs; reported as missing_scopes when absent.
REQUIRED_SCOPES = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")


def account_out(account: PinterestAccount) -> dict:
    granted = set(filter(None, account.scopes.split(",")))
    return {
        "id": account.public_id, "workspace_id": account.workspace.public_id,
        "pinterest_user_id": account.pinterest_user_id, "display_name": account.display_name or None,
        "username": account.username or None, "scopes": account.scopes, "created_at": account.created_at,
        "updated_at": account.updated_at, "revoked_at": account.revoked_at,
        "token_expires_at": account.token_expires_at, "health_status": account.health_status,
        "health_message": account.health_message or None, "health_checked_at": account.health_checked_at,
        "reconnect_required": account.reconnect_required,
        "missing_scopes": [scope for scope in REQUIRED_SCOPES if scope not in granted],
        "boards_synced_at": account.boards_synced_at,
    }


def board_out(board: Board) -> dict:
    return {"id": board.pinterest_board_id, "name": board.name, "description": board.description or None,
            "privacy": board.privacy}


# --- assets -------------------------------------------------------------------------------------

AssetSort = Literal["created_at_desc", "created_at_asc", "name_asc", "name_desc", "size_desc", "size_asc"]


class AssetFilters(InSchema):
    sort: AssetSort = "created_at_desc"
    limit: Limit = 50
    offset: Offset = 0
    workspace_id: UUID | None = None
    q: str | None = Field(None, max_length=255)
    asset_type: Literal["image", "video"] | None = None
    in_use: bool | None = None
    since: FilterMoment | None = None
    until: FilterMoment | None = None


class AssetOut(Schema):
    id: UUID
    workspace_id: UUID
    workspace_environment: str
    asset_type: str
    original_filename: str
    stored_filename: str
    content_type: str
    file_size_bytes: int
    file_size_display: str
    referenced_by_pin_count: int = 0
    public_url: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    checksum_sha256: str
    created_at: datetime
    updated_at: datetime


class AssetListOut(Schema):
    assets: list[AssetOut]
    total: int
    storage_used_bytes: int
    storage_quota_bytes: int
    storage_used_percent: int


class AssetDeleteOut(Schema):
    deleted: bool
    requires_confirmation: bool
    referenced_pin_count: int
    freed_bytes: int


class BulkAssetDeleteIn(InSchema):
    asset_ids: list[UUID] = Field(..., min_length=1, max_length=500)
    confirm: bool = False


class BulkAssetDeleteItemOut(Schema):
    asset_id: UUID
    workspace_id: UUID
    workspace_environment: str
    original_filename: str
    file_size_bytes: int
    referenced_pin_count: int
    freed_bytes: int


class BulkAssetDeleteOut(Schema):
    deleted: list[UUID]
    requires_confirmation: list[UUID]
    not_found: list[UUID]
    total_freed_bytes: int
    deleted_items: list[BulkAssetDeleteItemOut]
    requires_confirmation_items: list[BulkAssetDeleteItemOut]


def size_display(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover - the loop always returns


def asset_content_url(asset: Asset) -> str:
    return f"{settings.SITE_URL}/v1/assets/{asset.public_id}/content"


def asset_out(asset: Asset) -> dict:
    return {
        "id": asset.public_id, "workspace_id": asset.workspace.public_id,
        "workspace_environment": asset.workspace.environment, "asset_type": asset.asset_type,
        "original_filename": asset.original_filename, "stored_filename": asset.file.name.rsplit("/", 1)[-1],
        "content_type": asset.content_type, "file_size_bytes": asset.size_bytes,
        "file_size_display": size_display(asset.size_bytes),
        "referenced_by_pin_count": getattr(asset, "referenced_pin_count", 0) or 0,
        "public_url": asset_content_url(asset), "width": asset.width, "height": asset.height,
        "duration_seconds": asset.duration_seconds, "checksum_sha256": asset.checksum_sha256,
        "created_at": asset.created_at, "updated_at": asset.updated_at,
    }


# --- pins ---------------------------------------------------------------------------------------

PinSort = Literal["created_at_desc", "created_at_asc", "published_at_desc", "published_at_asc", "title_asc",
                  "title_desc", "status_asc", "status_desc"]
PinStatusName = Literal["queued", "deferred", "publishing", "published", "failed"]


class PinCreateIn(InSchema):
    account_id: UUID
    board_id: str = Field(..., min_length=1, max_length=PinContent.board_id.max_length)
    title: str = Field(..., max_length=PinContent.title.max_length)
    description: str | None = Field(None, max_length=PinContent.description.max_length)
    related_terms: list[str] | None = Field(None, max_length=PinContent.related_terms.max_items)
    alt_text: str | None = Field(None, max_length=PinContent.alt_text.max_length)
    dominant_color: str | None = Field(None, max_length=PinContent.dominant_color.max_length)
    cover_image_url: str | None = Field(None, max_length=PinContent.cover_image_url.max_length)
    cover_image_asset_id: UUID | None = None
    link_url: str | None = Field(None, max_length=PinContent.link_url.max_length)
    image_url: str | None = Field(None, max_length=PinContent.image_url.max_length)
    asset_id: UUID | None = None
    idempotency_key: str = Field(..., min_length=1, max_length=PinContent.idempotency_key.max_length)

    def payload(self) -> dict:
        """What the pins service takes: the fields that were sent, ids as text."""
        return self.model_dump(mode="json", exclude_unset=True)


class PinBatchIn(InSchema):
    # Items are checked one by one by the service, so one bad item fails alone (per-item outcome).
    pins: list[dict[str, Any]] = Field(..., min_length=1, max_length=100)


class PinUpdateIn(InSchema):
    title: str | None = Field(None, max_length=PinContent.title.max_length)
    description: str | None = Field(None, max_length=PinContent.description.max_length)
    link_url: str | None = Field(None, max_length=PinContent.link_url.max_length)
    alt_text: str | None = Field(None, max_length=PinContent.alt_text.max_length)
    board_id: str | None = Field(None, min_length=1, max_length=PinContent.board_id.max_length)


class PinRetryIn(InSchema):
    board_id: str | None = Field(None, min_length=1, max_length=PinContent.board_id.max_length)
    account_id: UUID | None = None


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


class PinValidationCheckOut(Schema):
    name: str
    status: str
    code: str | None = None
    message: str
    remediation: str | None = None
    details: dict[str, Any] | None = None


class PinValidationOut(Schema):
    valid: bool
    dry_run: bool = True
    checks: list[PinValidationCheckOut]
    resolved: dict[str, Any] | None = None
    existing_pin_id: UUID | None = None
    headroom: dict[str, Any] | None = None


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


class JobStatusOut(Schema):
    job_id: UUID
    pin_id: UUID
    status: str
    submitted_at: datetime
    completed_at: datetime | None = None
    pinterest_pin_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class AnalyticsFilters(InSchema):
    start_date: date | None = None
    end_date: date | None = None
    metrics: str | None = Field(None, max_length=500)
    source: Literal["auto", "stored", "live"] | None = None
    include_daily: bool | None = None


def _or_none(value):
    return value or None


def pin_out(pin: Pin) -> dict:
    asset = pin.asset if pin.asset_id else None
    media_url = asset_content_url(asset) if asset else pin.image_url
    cover = pin.cover_image_url or (asset_content_url(pin.cover_image_asset) if pin.cover_image_asset_id else "")
    return {
        "id": pin.public_id, "workspace_id": pin.workspace.public_id, "pinterest_account_id": pin.account.public_id,
        "status": pin.status, "approval_state": pin.approval_state, "media_type": pin.media_type,
        "title": pin.title, "description": _or_none(pin.description), "related_terms": pin.related_terms or None,
        "alt_text": _or_none(pin.alt_text), "dominant_color": _or_none(pin.dominant_color),
        "cover_image_url": _or_none(cover), "link_url": _or_none(pin.link_url), "media_url": media_url,
        # The SDK requires image_url even for videos: their cover (or the video itself) stands in.
        "image_url": pin.image_url or cover or media_url,
        "asset_id": asset.public_id if asset else None, "board_id": pin.board_id,
        "pinterest_pin_id": _or_none(pin.pinterest_pin_id), "error_code": _or_none(pin.error_code),
        "error_message": _or_none(pin.error_message), "idempotency_key": pin.idempotency_key,
        "created_at": pin.created_at, "updated_at": pin.updated_at, "published_at": pin.published_at,
        "failed_at": pin.failed_at, "removed_from_pinterest_at": pin.removed_from_pinterest_at,
    }


def job_out(pin: Pin) -> dict:
    completed = pin.published_at if pin.status == "published" else pin.failed_at if pin.status == "failed" else None
    return {"job_id": pin.public_id, "pin_id": pin.public_id, "status": pin.status, "submitted_at": pin.created_at,
            "completed_at": completed, "pinterest_pin_id": _or_none(pin.pinterest_pin_id),
            "error_code": _or_none(pin.error_code), "error_message": _or_none(pin.error_message)}


# --- webhooks -------------------------------------------------------------------------------


class WebhookCreateIn(InSchema):
    url: str = Field(..., min_length=1, max_length=2048)
    secret: str = Field(..., min_length=16, max_length=255)
    events: list[SafeStr] = Field(default_factory=lambda: ["pin.published", "pin.failed"], max_length=20)
    is_enabled: bool = True


class WebhookUpdateIn(InSchema):
    url: str | None = Field(None, min_length=1, max_length=2048)
    secret: str | None = Field(None, min_length=16, max_length=255)
    events: list[SafeStr] | None = Field(None, max_length=20)
    is_enabled: bool | None = None


class WebhookOut(Schema):
    id: UUID
    workspace_id: UUID
    url: str
    events: list[str]
    is_enabled: bool
    created_at: datetime
    updated_at: datetime


def webhook_out(webhook: Webhook) -> dict:
    # Never the secret: it was shown to nobody but the one who chose it.
    return {"id": webhook.public_id, "workspace_id": webhook.workspace.public_id, "url": webhook.url,
            "events": webhook.events, "is_enabled": webhook.is_enabled, "created_at": webhook.created_at,
            "updated_at": webhook.updated_at}


# --- schedules --------------------------------------------------------------------------------

ScheduleSort = Literal["run_at_desc", "run_at_asc", "created_at_desc", "created_at_asc", "title_asc",
                       "title_desc", "status_asc", "status_desc"]
ScheduleStatusName = Literal["scheduled", "queued", "deferred", "running", "done", "failed", "canceled"]


class ScheduleCreateIn(InSchema):
    account_id: UUID
    run_at: datetime
    board_id: str = Field(..., min_length=1, max_length=PinContent.board_id.max_length)
    title: str = Field(..., max_length=PinContent.title.max_length)
    description: str | None = Field(None, max_length=PinContent.description.max_length)
    alt_text: str | None = Field(None, max_length=PinContent.alt_text.max_length)
    link_url: str | None = Field(None, max_length=PinContent.link_url.max_length)
    image_url: str | None = Field(None, max_length=PinContent.image_url.max_length)
    asset_id: UUID | None = None
    cover_image_url: str | None = Field(None, max_length=PinContent.cover_image_url.max_length)
    cover_image_asset_id: UUID | None = None

    def payload(self) -> dict:
        return self.model_dump(mode="json", exclude_unset=True)


class ScheduleUpdateIn(InSchema):
    run_at: datetime | None = None
    board_id: str | None = Field(None, min_length=1, max_length=PinContent.board_id.max_length)
    title: str | None = Field(None, max_length=PinContent.title.max_length)
    description: str | None = Field(None, max_length=PinContent.description.max_length)
    link_url: str | None = Field(None, max_length=PinContent.link_url.max_length)
    image_url: str | None = Field(None, max_length=PinContent.image_url.max_length)
    asset_id: UUID | None = None
    cover_image_url: str | None = Field(None, max_length=PinContent.cover_image_url.max_length)
    cover_image_asset_id: UUID | None = None


class ScheduleFilters(InSchema):
    limit: Limit = 50
    offset: Offset = 0
    account_id: UUID | None = None
    board_id: BoardId | None = None
    status: ScheduleStatusName | None = None
    since: FilterMoment | None = None
    until: FilterMoment | None = None
    q: str | None = Field(None, max_length=255)
    sort: ScheduleSort = "run_at_desc"


class ScheduleOut(Schema):
    id: UUID
    workspace_id: UUID
    pinterest_account_id: UUID
    run_at: datetime
    status: str
    payload: dict[str, Any]
    last_error: str | None = None
    pin_id: UUID | None = None
    created_at: datetime
    updated_at: datetime


def schedule_payload(schedule: Schedule) -> dict[str, Any]:
    """The schedule's content as /v1 sends it: one JSON object, assets by id, plus the media type."""
    return {**schedule.content_values(), "media_type": schedule.media_type}


def schedule_out(schedule: Schedule) -> dict[str, Any]:
    return {"id": schedule.public_id, "workspace_id": schedule.workspace.public_id,
            "pinterest_account_id": schedule.account.public_id, "run_at": schedule.run_at,
            "status": schedule.status, "payload": schedule_payload(schedule),
            "last_error": schedule.last_error or None,
            "pin_id": schedule.pin.public_id if schedule.pin_id else None, "created_at": schedule.created_at,
            "updated_at": schedule.updated_at}


# --- imports ----------------------------------------------------------------------------------


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


def import_job_out(job) -> dict:
    return {"id": job.public_id, "workspace_id": job.workspace.public_id, "source_type": job.source_type,
            "status": job.status, "source_filename": job.source_filename or None, "total_rows": job.total_rows,
            "processed_rows": job.processed_rows, "created_rows": job.created_rows,
            "existing_rows": job.existing_rows, "failed_rows": job.failed_rows, "results": job.results,
            "error_message": job.error_message or None, "started_at": job.started_at,
            "completed_at": job.completed_at, "created_at": job.created_at, "updated_at": job.updated_at}
