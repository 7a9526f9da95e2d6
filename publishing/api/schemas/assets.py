"""/v1/assets: uploaded images and videos, their listing and their deletion."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import FilterMoment, InSchema, Limit, Offset
from publishing.models import Asset

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
    total: int = Field(description="Assets matching the filters: exact up to a bound, above it an estimate "
                                   "(total_exact); it exceeds offset plus the assets returned exactly when more follow")
    total_exact: bool = Field(True, description="Pinboard extension: false when total is PostgreSQL's estimate")
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
    return asset_content_url_of(asset.public_id)


def asset_content_url_of(public_id: UUID) -> str:
    return f"{settings.SITE_URL}/v1/assets/{public_id}/content"


def asset_out(asset: Asset) -> dict[str, Any]:
    # A saved asset always has a stored file; only an unsaved FieldFile has no name.
    stored_path = asset.file.name or ""
    return {
        "id": asset.public_id, "workspace_id": asset.workspace.public_id,
        "workspace_environment": asset.workspace.environment, "asset_type": asset.asset_type,
        "original_filename": asset.original_filename, "stored_filename": stored_path.rsplit("/", 1)[-1],
        "content_type": asset.content_type, "file_size_bytes": asset.size_bytes,
        "file_size_display": size_display(asset.size_bytes),
        "referenced_by_pin_count": getattr(asset, "referenced_pin_count", 0) or 0,
        "public_url": asset_content_url(asset), "width": asset.width, "height": asset.height,
        "duration_seconds": asset.duration_seconds, "checksum_sha256": asset.checksum_sha256,
        "created_at": asset.created_at, "updated_at": asset.updated_at,
    }
