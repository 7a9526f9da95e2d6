"""Assets: uploading (streamed, measured, never trusted), deleting, storage usage, and sending
videos to Pinterest's media endpoint.

An upload is written through Django's storage API (local disk, or an S3 bucket: see
``publishing.media_storage``) chunk by chunk while it is hashed and counted, so a 2 GB video never
sits in memory; the same goes for reading it back to send it to Pinterest. What the file *is* comes
from its bytes (magic numbers, then Pillow or FFmpeg through PyAV), never from its name or the
client's content type.
Anything Pinterest would refuse is refused with an ``AssetRejected`` (``publishing.media``, which
measures) naming the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.media import (
    A_KIND,
    KIND_RULES,
    MAX_BYTES,
    MB,
    MEASURERS,
    AssetRejected,
    LentFile,
    MeasuredStream,
    clean_original_filename,
    read_head,
    real_size,
    sniff_kind,
    too_large,
)
from publishing.models import Asset, MediaUpload, PinterestAccount, Team
from publishing.models.assets import asset_upload_path
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.factory import api_client
from publishing.pinterest.streaming import FileSource
from publishing.services.audit import audit_record
from publishing.services.errors import NotFound, ValidationError
from publishing.services.pinterest_access import (
    AccountReconnectRequired,
    account_fresh_access_token,
    account_mark_reconnect_required,
)
from publishing.services.queue import media_task_timeout, task_enqueue
from publishing.services.thumbnails import asset_stored_names, asset_thumbnail_enqueue


def asset_upload(
    *,
    actor: Actor,
    uploaded_file: File[bytes],
    expected_kind: str,
) -> Asset:
    """Store one uploaded image or video in the actor's workspace, or raise ``AssetRejected``.

    ``uploaded_file`` is a Django ``UploadedFile`` (or any ``File``); ``expected_kind`` is
    ``"image"`` or ``"video"`` (the endpoint the file was sent to).
    """
    authorize(actor, "asset.upload")
    workspace = actor.workspace
    expected_kind = Asset.Kind(expected_kind)
    declared_size = getattr(uploaded_file, "size", None)
    if declared_size is not None and declared_size > MAX_BYTES[expected_kind]:
        raise too_large(expected_kind)
    if real_size(uploaded_file) > MAX_BYTES[expected_kind]:  # measured below, so the size must hold first
        raise too_large(expected_kind)
    head = read_head(uploaded_file)
    if not head:
        raise AssetRejected("empty_file", "The file is empty.")
    kind = sniff_kind(head)
    if kind is None:
        raise AssetRejected(
            "unsupported_type", f"The file's content is not a format Pinterest accepts: {KIND_RULES[expected_kind]}."
        )
    if kind.asset_type != expected_kind:
        raise AssetRejected(
            "wrong_asset_type",
            f"The file's content is {A_KIND[kind.asset_type]}, but {A_KIND[expected_kind]} was expected here.",
        )
    original_filename = clean_original_filename(getattr(uploaded_file, "name", ""), kind.extension)
    usage = asset_storage_usage(team=workspace.team)
    if declared_size is not None and usage.used_bytes + declared_size > usage.quota_bytes:
        raise _over_quota(usage)

    asset = Asset(
        public_id=uuid.uuid4(),
        workspace=workspace,
        asset_type=kind.asset_type,
        original_filename=original_filename,
        extension=kind.extension,
        content_type=kind.content_type,
        uploaded_by=actor.user,
    )
    # Measured from the upload itself (Django's temporary file, or memory for small ones) before it
    # is stored: Pillow and FFmpeg seek about the file, which is free on local disk and would be a
    # ranged GET per seek from a bucket. The very same bytes are then streamed to storage.
    measured = MEASURERS[kind.asset_type](LentFile(uploaded_file))
    uploaded_file.seek(0)
    storage = Asset._meta.get_field("file").storage
    target_name = asset_upload_path(asset, original_filename)
    stream = MeasuredStream(uploaded_file, limit=MAX_BYTES[kind.asset_type], kind=kind.asset_type)
    stored_name = None
    try:
        # Storage.save takes any object with chunks() (Django's storage API); its annotation names only IO.
        stored_name = storage.save(target_name, cast(IO[Any], stream))
        with transaction.atomic():
            # One upload at a time per team past this point, so two can't both squeeze under the quota.
            Team.objects.select_for_update().filter(pk=workspace.team_id).first()
            usage = asset_storage_usage(team=workspace.team)
            if usage.used_bytes + stream.size > usage.quota_bytes:
                raise _over_quota(usage)
            asset.file.name = stored_name
            asset.size_bytes = stream.size
            asset.checksum_sha256 = stream.sha256.hexdigest()
            asset.width, asset.height = measured.width, measured.height
            asset.duration_seconds, asset.video_codec = measured.duration_seconds, measured.video_codec
            asset.save()
            audit_record(
                team=workspace.team, workspace=workspace, action="asset.uploaded", actor=actor,
                target=asset,
                details={"asset_type": asset.asset_type, "size_bytes": asset.size_bytes,
                         "original_filename": asset.original_filename},
            )
    except BaseException:
        # Our names are random UUIDs, so whatever sits at the target name is this upload's part-file.
        storage.delete(stored_name or target_name)
        raise
    # After the block, not in it: an enqueue registered inside runs as the block commits, so a broker
    # failing then would have come through the cleanup above and deleted a committed asset's file.
    asset_thumbnail_enqueue(asset)  # on commit: the picker shows a placeholder until then
    return asset


def asset_cover_from_key_frame(*, actor: Actor, video: Asset, index: int) -> Asset:
    """One of a video's key frames (made by the thumbnail job) as an image asset of its own, to be
    the video pin's cover: uploaded through ``asset_upload``, so measured, counted and audited."""
    authorize(actor, "asset.upload", workspace=video.workspace)
    frames = video.key_frames if video.asset_type == Asset.Kind.VIDEO and video.deleted_at is None else []
    if not 0 <= index < len(frames):
        raise NotFound("frame_not_found", "This video has no such frame (yet).", field="cover_image_asset_id")
    stem = video.original_filename.rsplit(".", 1)[0]
    storage = video.file.storage
    with storage.open(str(frames[index]["name"]), "rb") as handle:
        frame_file = File(handle, name=f"{stem} cover {frames[index]['seconds']}s.jpg")
        return asset_upload(actor=actor, uploaded_file=frame_file, expected_kind=Asset.Kind.IMAGE)


def _over_quota(usage: StorageUsage) -> AssetRejected:
    return AssetRejected(
        "storage_quota_exceeded",
        f"This upload would exceed the team's storage quota ({usage.used_bytes / MB:.1f} MB of "
        f"{usage.quota_bytes / MB:.0f} MB used). Delete unused assets first.",
    )


# --- storage usage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageUsage:
    used_bytes: int
    quota_bytes: int

    @property
    def used_percent(self) -> int:
        return min(100, self.used_bytes * 100 // self.quota_bytes)


def asset_storage_usage(*, team: Team) -> StorageUsage:
    """Bytes the team's live assets take, against ``settings.ASSET_STORAGE_QUOTA_BYTES``."""
    used = Asset.objects.for_team(team).filter(deleted_at__isnull=True).aggregate(total=Sum("size_bytes"))["total"]
    return StorageUsage(used_bytes=used or 0, quota_bytes=settings.ASSET_STORAGE_QUOTA_BYTES)


# --- delete -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetDeleteOutcome:
    asset: Asset
    deleted: bool
    requires_confirmation: bool
    referenced_pin_count: int
    freed_bytes: int


@dataclass
class BulkAssetDeleteOutcome:
    deleted: list[AssetDeleteOutcome] = field(default_factory=list)
    requires_confirmation: list[AssetDeleteOutcome] = field(default_factory=list)
    not_found: list[uuid.UUID] = field(default_factory=list)

    @property
    def total_freed_bytes(self) -> int:
        return sum(outcome.freed_bytes for outcome in self.deleted)


@transaction.atomic
def asset_delete(*, asset: Asset, actor: Actor, confirm: bool = False) -> AssetDeleteOutcome:
    """Delete an asset, unless pins or pending schedules use it and the caller did not confirm.

    The row stays (soft-deleted) so pins keep their record; the file is removed once the
    transaction commits. An unpublished pin that used the asset fails at publish time.
    """
    authorize(actor, "asset.delete", workspace=asset.workspace)
    locked = (
        Asset.objects.select_for_update(of=("self",))
        .filter(pk=asset.pk, deleted_at__isnull=True)
        .with_references()
        .first()
    )
    if locked is None:
        raise NotFound("asset_not_found", "This asset does not exist or was already deleted.")
    references = locked.referenced_pin_count
    if references and not confirm:
        return AssetDeleteOutcome(locked, deleted=False, requires_confirmation=True,
                                  referenced_pin_count=references, freed_bytes=0)
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at", "updated_at"])
    stored_names, storage = asset_stored_names(locked), locked.file.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in stored_names])
    audit_record(
        team=locked.workspace.team, workspace=locked.workspace, action="asset.deleted", actor=actor,
        target=locked,
        details={"original_filename": locked.original_filename, "size_bytes": locked.size_bytes,
                 "referenced_pin_count": references, "confirmed": bool(confirm)},
    )
    asset.deleted_at = locked.deleted_at
    return AssetDeleteOutcome(locked, deleted=True, requires_confirmation=False,
                              referenced_pin_count=references, freed_bytes=locked.size_bytes)


@transaction.atomic
def assets_delete_bulk(*, actor: Actor, asset_ids: Iterable[uuid.UUID],
                       confirm: bool = False) -> BulkAssetDeleteOutcome:
    """``asset_delete`` for many assets of the actor's workspace; other ids count as not found."""
    authorize(actor, "asset.delete")
    wanted = list(dict.fromkeys(asset_ids))
    found = {
        a.public_id: a
        for a in Asset.objects.for_workspace(actor.workspace)
        .filter(public_id__in=wanted, deleted_at__isnull=True)
        .select_related("workspace__team")
    }
    outcome = BulkAssetDeleteOutcome()
    for public_id in wanted:
        asset = found.get(public_id)
        if asset is None:
            outcome.not_found.append(public_id)
            continue
        result = asset_delete(asset=asset, confirm=confirm, actor=actor)
        (outcome.deleted if result.deleted else outcome.requires_confirmation).append(result)
    return outcome


# --- videos to Pinterest's media endpoint -------------------------------------------------------

MEDIA_ACTIVE_STATUSES = (
    MediaUpload.Status.PENDING,
    MediaUpload.Status.REGISTERED,
    MediaUpload.Status.UPLOADING,
    MediaUpload.Status.PROCESSING,
)
# Until Pinterest has the bytes, a rerun starts over from registering (the upload URL's signed
# policy is short-lived and never stored); once it has them, a rerun only polls.
MEDIA_RESTART_STATUSES = (MediaUpload.Status.PENDING, MediaUpload.Status.REGISTERED, MediaUpload.Status.UPLOADING)
MEDIA_UPLOAD_MAX_ATTEMPTS = 5  # registrations (file sends), not polls
MEDIA_PROCESSING_MAX = timedelta(minutes=30)
MEDIA_UPLOAD_TASK = "publishing.tasks.media_upload_run"


def _media_upload_lease(size_bytes: int) -> timedelta:
    # As long as django-q2 lets the job run (its timeout is sized to the file): past that the
    # worker was killed and the row is free.
    return timedelta(seconds=media_task_timeout(size_bytes) + 10)


def media_upload_ensure(*, asset: Asset, account: PinterestAccount, restart_failed: bool = False) -> MediaUpload:
    """The asset's upload to ``account``'s Pinterest media, started if it is not done or running.

    Cheap and idempotent: the publishing job calls it on every attempt and publishes the video pin
    once ``status`` is ``succeeded`` (``pinterest_media_id`` names the media), fails the pin when
    it is ``failed`` (``error_message`` says why), and defers the pin otherwise. ``restart_failed``
    starts a failed upload over (someone retried the pin).
    """
    if asset.asset_type != Asset.Kind.VIDEO:
        raise ValidationError("not_a_video", "Only videos go to Pinterest's media endpoint.", field="asset_id")
    if asset.workspace_id != account.workspace_id:
        raise NotFound("asset_not_found", "This asset does not belong to the account's workspace.")
    if asset.deleted_at is not None:
        raise NotFound("asset_deleted", "This video was deleted.")
    with transaction.atomic():
        upload, _ = MediaUpload.objects.get_or_create(asset=asset, account=account)
        if restart_failed and upload.status == MediaUpload.Status.FAILED:
            MediaUpload.objects.filter(pk=upload.pk, status=MediaUpload.Status.FAILED).update(
                status=MediaUpload.Status.PENDING, pinterest_media_id="", error_message="", attempts=0,
                processing_started_at=None, lease_expires_at=None, updated_at=timezone.now(),
            )
            upload.refresh_from_db()
        lease_free = upload.lease_expires_at is None or upload.lease_expires_at <= timezone.now()
        if upload.status in MEDIA_ACTIVE_STATUSES and lease_free:
            # The media cluster's own queue: a 2 GB video never holds up a publishing worker.
            task_enqueue(MEDIA_UPLOAD_TASK, upload.pk, queue=settings.Q_MEDIA_CLUSTER,
                         timeout=media_task_timeout(asset.size_bytes))
    return upload


def media_upload_process(*, media_upload_id: int) -> MediaUpload | None:
    """The job: register, stream the file to the upload URL, poll processing; every step stored.

    Claims the row with a conditional UPDATE (a lease), so concurrent or repeated runs do the
    work once; returns None when someone else holds it or it is already finished.
    """
    size_bytes = MediaUpload.objects.filter(pk=media_upload_id).values_list("asset__size_bytes", flat=True).first()
    now = timezone.now()
    claimed = size_bytes is not None and (
        MediaUpload.objects.filter(pk=media_upload_id, status__in=MEDIA_ACTIVE_STATUSES)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(lease_expires_at=now + _media_upload_lease(size_bytes), updated_at=now)
    )
    if not claimed:
        return None
    upload = MediaUpload.objects.select_related("asset", "account__workspace__team").get(pk=media_upload_id)
    if upload.asset.deleted_at is not None:
        return _media_finish(upload, MediaUpload.Status.FAILED, "The video was deleted before it reached Pinterest.")
    if upload.status in MEDIA_RESTART_STATUSES and upload.attempts >= MEDIA_UPLOAD_MAX_ATTEMPTS:
        return _media_finish(
            upload,
            MediaUpload.Status.FAILED,
            f"Gave up after {upload.attempts} tries to send the video to Pinterest: {upload.error_message}",
        )
    if (upload.status == MediaUpload.Status.PROCESSING and upload.processing_started_at is not None
            and now - upload.processing_started_at > MEDIA_PROCESSING_MAX):
        return _media_finish(
            upload, MediaUpload.Status.FAILED, "Pinterest did not finish processing the video in 30 minutes."
        )
    account = upload.account
    try:
        access_token = account_fresh_access_token(account)
        with api_client(account.workspace.environment, access_token) as client:
            if upload.status in MEDIA_RESTART_STATUSES:
                registration = client.media_register()
                _media_step(upload, MediaUpload.Status.REGISTERED, pinterest_media_id=registration.media_id,
                            attempts=upload.attempts + 1)
                _media_step(upload, MediaUpload.Status.UPLOADING)
                # Streamed from storage (local disk or the bucket), never copied to this machine first.
                client.media_upload(registration, FileSource(upload.asset.file))
                _media_step(upload, MediaUpload.Status.PROCESSING, processing_started_at=timezone.now())
            client.media_wait(upload.pinterest_media_id, timeout=settings.PINTEREST_MEDIA_POLL_SECONDS)
    except pinterest_errors.MediaNotReady:
        return _media_release(upload, "")  # the next media_upload_ensure polls again
    except pinterest_errors.MediaProcessingFailed:
        return _media_finish(upload, MediaUpload.Status.FAILED, "Pinterest could not process the file as a video.")
    except (pinterest_errors.MediaUploadRejected, pinterest_errors.NotFound) as exc:
        # This registration is unusable (upload policy refused or expired, media id unknown): start over.
        return _media_release(upload, f"Pinterest refused the upload: {exc.message}", restart=True)
    except (pinterest_errors.AuthenticationFailed, pinterest_errors.MissingScope) as exc:
        account_mark_reconnect_required(account, "Pinterest no longer accepts this account's access; reconnect it.",
                                        code=exc.error_code)
        return _media_release(upload, "The Pinterest account needs reconnecting.")
    except AccountReconnectRequired as exc:
        return _media_release(upload, exc.message)  # resumes once the account is reconnected
    except pinterest_errors.PinterestError as exc:
        if exc.permanent:
            return _media_finish(upload, MediaUpload.Status.FAILED, f"Pinterest refused the video: {exc.message}")
        return _media_release(upload, f"Pinterest was unavailable: {exc.message}")
    return _media_finish(upload, MediaUpload.Status.SUCCEEDED, "")


def _media_step(upload: MediaUpload, status: str, **changes: object) -> MediaUpload:
    """Record one step while the worker still holds the lease."""
    upload.status = status
    for name, value in changes.items():
        setattr(upload, name, value)
    upload.error_message = upload.error_message[:500]
    upload.save(update_fields=["status", "error_message", "updated_at", *changes])
    return upload


def _media_finish(upload: MediaUpload, status: str, message: str) -> MediaUpload:
    upload.lease_expires_at = None
    return _media_step(upload, status, error_message=message, lease_expires_at=None)


def _media_release(upload: MediaUpload, message: str, *, restart: bool = False) -> MediaUpload:
    """Let go without finishing: a later run resumes (from registering if the bytes never arrived)."""
    status = upload.status
    if restart or status in MEDIA_RESTART_STATUSES:
        status = MediaUpload.Status.PENDING
    return _media_step(upload, status, error_message=message, lease_expires_at=None)
