"""/v1/assets: upload (streamed to storage, measured), list, fetch, and delete with confirmation."""

from uuid import UUID

from ninja import File, Query, Router, Status, UploadedFile

from publishing.api.errors import ApiError, error_response
from publishing.api.schemas.assets import (
    AssetDeleteOut,
    AssetFilters,
    AssetListOut,
    AssetOut,
    BulkAssetDeleteIn,
    BulkAssetDeleteOut,
    asset_out,
)
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.asset_content import asset_content_response
from publishing.lookups import asset_for_workspace_or_404
from publishing.models import Asset
from publishing.pagination import offset_page
from publishing.services import assets as asset_services

router = Router(tags=["assets"])


def _upload(request, file: UploadedFile, kind: str):
    who = actor_of(request)
    # Django has already streamed the part to a temporary file (above FILE_UPLOAD_MAX_MEMORY_SIZE);
    # the service copies it to storage in chunks while measuring it.
    asset = asset_services.asset_upload(uploaded_file=file, expected_kind=kind, actor=who)
    return Status(201, asset_out(asset_for_workspace_or_404(who, asset.public_id, with_references=True)))


@router.post("/images", response=responses({201: AssetOut}, 403))
def upload_image(request, file: File[UploadedFile]):
    return _upload(request, file, Asset.Kind.IMAGE)


@router.post("/videos", response=responses({201: AssetOut}, 403))
def upload_video(request, file: File[UploadedFile]):
    return _upload(request, file, Asset.Kind.VIDEO)


@router.get("", response=responses({200: AssetListOut}, 403, 404))  # 404: workspace_id is not the key's project
def list_assets(request, filters: Query[AssetFilters]):
    who = actor_of(request, "workspace.read")
    if filters.workspace_id and filters.workspace_id != who.workspace.public_id:
        raise ApiError("workspace_mismatch", "List the assets of your active project; switch projects first.", 404)
    assets = Asset.objects.for_workspace(who.workspace).listing(
        q=filters.q, asset_type=filters.asset_type, in_use=filters.in_use, since=filters.since,
        until=filters.until, sort=filters.sort)
    usage = asset_services.asset_storage_usage(team=who.team)
    page = offset_page(assets, offset=filters.offset, limit=filters.limit)
    return {"assets": [asset_out(asset) for asset in page.items], "total": page.total, "total_exact": page.total_exact,
            "storage_used_bytes": usage.used_bytes, "storage_quota_bytes": usage.quota_bytes,
            "storage_used_percent": usage.used_percent}


@router.get("/{asset_id}", response=responses({200: AssetOut}, 403, 404))
def get_asset(request, asset_id: UUID):
    who = actor_of(request, "workspace.read")
    return asset_out(asset_for_workspace_or_404(who, asset_id, with_references=True))


@router.get("/{asset_id}/content", response=responses({200: None}, 403, 404), openapi_extra={
    "responses": {
        200: {"description": "The file's bytes", "content": {"application/octet-stream": {}}},
        206: {"description": "The byte range the Range header asked for", "content": {"application/octet-stream": {}}},
        302: {"description": "With redirect=true and media in a bucket: a presigned link, valid for minutes"},
        416: {"description": "The Range names no byte of the file"},
    }})
def get_asset_content(request, asset_id: UUID, redirect: bool = False):
    """The stored bytes, streamed from storage (never read whole into memory), with Range support.

    Streamed by default, because the SDK does not follow redirects; ``redirect=true`` asks for a
    302 to a short-lived presigned link instead when media lives in a bucket (docs/api.md).
    """
    who = actor_of(request, "workspace.read")
    response = asset_content_response(request, asset_for_workspace_or_404(who, asset_id), redirect=redirect)
    if response.status_code == 416:  # the API's error body, keeping the size the client needs
        refusal = error_response(request, 416, code="range_not_satisfiable",
                                 message="The Range header names no byte of this file.")
        refusal["Content-Range"] = response["Content-Range"]
        return refusal
    return response


@router.delete("/{asset_id}", response=responses({200: AssetDeleteOut}, 403, 404))
def delete_asset(request, asset_id: UUID, confirm: bool = False):
    """While pins or pending schedules use the asset nothing is deleted unless ``confirm=true``."""
    who = actor_of(request)
    outcome = asset_services.asset_delete(asset=asset_for_workspace_or_404(who, asset_id), confirm=confirm, actor=who)
    return {"deleted": outcome.deleted, "requires_confirmation": outcome.requires_confirmation,
            "referenced_pin_count": outcome.referenced_pin_count, "freed_bytes": outcome.freed_bytes}


def _bulk_item(outcome) -> dict:
    asset = outcome.asset
    return {"asset_id": asset.public_id, "workspace_id": asset.workspace.public_id,
            "workspace_environment": asset.workspace.environment, "original_filename": asset.original_filename,
            "file_size_bytes": asset.size_bytes, "referenced_pin_count": outcome.referenced_pin_count,
            "freed_bytes": outcome.freed_bytes}


@router.delete("", response=responses({200: BulkAssetDeleteOut}, 403))
def bulk_delete_assets(request, data: BulkAssetDeleteIn):
    outcome = asset_services.assets_delete_bulk(asset_ids=data.asset_ids, confirm=data.confirm,
                                                actor=actor_of(request))
    return {
        "deleted": [o.asset.public_id for o in outcome.deleted],
        "requires_confirmation": [o.asset.public_id for o in outcome.requires_confirmation],
        "not_found": outcome.not_found,
        "total_freed_bytes": outcome.total_freed_bytes,
        "deleted_items": [_bulk_item(o) for o in outcome.deleted],
        "requires_confirmation_items": [_bulk_item(o) for o in outcome.requires_confirmation],
    }
