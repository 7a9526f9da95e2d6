"""Assets: uploading (streamed, measured, never trusted), deleting, storage usage, and sending
videos to Pinterest's media endpoint.

An upload is written through Django's storage API (local disk, or an S3 bucket: see
``publishing.media_storage``) chunk by chunk while it is hashed and counted, so a 2 GB video never
sits in memory; the same goes for reading it back to send it to Pinterest. What the file *is* comes from its bytes (magic
numbers, then Pillow or FFmpeg through PyAV), never from its name or the client's content type.
Anything Pinterest would refuse is refused here with an ``AssetRejected`` naming the reason.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePath

import av
import filetype
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from publishing.access import Actor, authorize
from publishing.models import Asset, MediaUpload, PinterestAccount, Team
from publishing.models.assets import asset_upload_path
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.streaming import FileSource
from publishing.services.accounts import (
    AccountReconnectRequired,
    account_fresh_access_token,
    account_mark_reconnect_required,
    api_client,
)
from publishing.services.audit import audit_record
from publishing.services.errors import NotFound, ValidationError
from publishing.services.queue import media_task_timeout, task_enqueue

MB = 1024 * 1024
GB = 1024 * MB
# What Pinterest accepts (help-center and business specs; the API reference states none).
IMAGE_MAX_BYTES = 20 * MB
VIDEO_MAX_BYTES = 2 * GB
VIDEO_MIN_SECONDS = 4.0
VIDEO_MAX_SECONDS = 15 * 60.0
VIDEO_CODECS = {"h264": "H.264", "hevc": "H.265"}
# Pillow's own decompression-bomb threshold (about 89 megapixels); above it we refuse outright
# instead of letting Pillow merely warn.
IMAGE_MAX_PIXELS = Image.MAX_IMAGE_PIXELS
SNIFF_BYTES = 512
FILENAME_MAX_LENGTH = Asset._meta.get_field("original_filename").max_length


@dataclass(frozen=True)
class FileKind:
    asset_type: str
    content_type: str
    extension: str


# Sniffed MIME type -> what we store. Everything else is refused.
ACCEPTED_KINDS = {
    "image/jpeg": FileKind(Asset.Kind.IMAGE, "image/jpeg", ".jpg"),
    "image/png": FileKind(Asset.Kind.IMAGE, "image/png", ".png"),
    "video/mp4": FileKind(Asset.Kind.VIDEO, "video/mp4", ".mp4"),
    "video/x-m4v": FileKind(Asset.Kind.VIDEO, "video/x-m4v", ".m4v"),
    "video/quicktime": FileKind(Asset.Kind.VIDEO, "video/quicktime", ".mov"),
}
MAX_BYTES = {Asset.Kind.IMAGE: IMAGE_MAX_BYTES, Asset.Kind.VIDEO: VIDEO_MAX_BYTES}
A_KIND = {Asset.Kind.IMAGE: "an image", Asset.Kind.VIDEO: "a video"}
KIND_RULES = {
    Asset.Kind.IMAGE: "JPEG or PNG images up to 20 MB",
    Asset.Kind.VIDEO: "MP4, MOV or M4V videos (H.264 or H.265, 4 seconds to 15 minutes) up to 2 GB",
}


class AssetRejected(ValidationError):
    """The upload is not something we (or Pinterest) accept; ``code`` says why. The API answers 422."""

    code = "asset_rejected"

    def __init__(self, code: str, message: str, field: str = "file"):
        super().__init__(code, message, field=field)


# --- upload ------------------------------------------------------------------------------------


@dataclass
class Measurements:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    video_codec: str = ""


class MeasuredStream:
    """Wraps an uploaded file so that writing it to storage also hashes and counts it.

    Storage backends read ``chunks()``; the moment more than ``limit`` bytes have gone by, the
    copy stops with ``file_too_large``, whatever size the client claimed.
    """

    def __init__(self, source, *, limit: int, kind: str):
        self.source = source
        self.limit = limit
        self.kind = kind
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.name = getattr(source, "name", None)

    def chunks(self, chunk_size: int | None = None):
        self.seek(0)
        for chunk in self.source.chunks(chunk_size) if hasattr(self.source, "chunks") else _read_chunks(self.source):
            self.size += len(chunk)
            if self.size > self.limit:
                raise _too_large(self.kind)
            self.sha256.update(chunk)
            yield chunk

    def read(self, size: int = -1) -> bytes:  # storages that read() instead of iterating chunks()
        data = self.source.read(size)
        self.size += len(data)
        if self.size > self.limit:
            raise _too_large(self.kind)
        self.sha256.update(data)
        return data

    def seek(self, offset: int, whence: int = 0):
        if (offset, whence) != (0, 0):
            raise ValueError("a measured stream can only be rewound to the start")
        self.size = 0
        self.sha256 = hashlib.sha256()
        return self.source.seek(0)

    def tell(self) -> int:
        return self.size

    # What boto3's managed upload asks (the S3 storage): a readable stream that is *not* seekable,
    # so it reads the parts once, in order, through read() (which hashes and counts them), instead
    # of seeking to the end for a length and reading parts out of order.
    closed = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:  # the caller owns the uploaded file
        pass


class LentFile:
    """The upload lent to Pillow or FFmpeg for measuring: they may close what they are given
    (Pillow's PNG ``verify()`` does), and the upload must stay open to be stored afterwards."""

    def __init__(self, file) -> None:
        self._file = file
        self.name = getattr(file, "name", None)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _read_chunks(file, chunk_size: int = 64 * 1024):
    while chunk := file.read(chunk_size):
        yield chunk


def _too_large(kind: str) -> AssetRejected:
    return AssetRejected("file_too_large", f"The file is larger than {MAX_BYTES[kind] // MB} MB, the most Pinterest accepts for {kind}s.")


def clean_original_filename(name: str | None, extension: str) -> str:
    """The user's file name as we keep it for display: no path, no control characters."""
    name = PurePath((name or "").replace("\\", "/")).name.strip()
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise AssetRejected("invalid_filename", "The file name contains control characters (such as NUL); rename the file.")
    if not name:
        name = f"upload{extension}"
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        keep = suffix[:16] if dot else ""
        name = f"{(stem if dot else name)[: FILENAME_MAX_LENGTH - len(keep) - 1]}{dot}{keep}"
    return name


def sniff_kind(head: bytes) -> FileKind | None:
    """What the first bytes say the file is, among the kinds Pinterest accepts."""
    guess = filetype.guess(head)
    if guess is None:
        return None
    kind = ACCEPTED_KINDS.get(guess.mime)
    if kind is not None and kind.content_type == "video/mp4" and head[8:12] == b"M4V ":
        kind = ACCEPTED_KINDS["video/x-m4v"]  # the M4V brand of MP4
    return kind


def _real_size(uploaded_file) -> int:
    """The upload's size as it lies on disk (or in memory), whatever size was declared for it."""
    uploaded_file.seek(0, 2)
    size = uploaded_file.tell()
    uploaded_file.seek(0)
    return size


def _read_head(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(SNIFF_BYTES)
    uploaded_file.seek(0)
    return head


def measure_image(file) -> Measurements:
    """Dimensions of a JPEG or PNG, refusing decompression bombs and truncated files."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=["JPEG", "PNG"])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _bomb() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise AssetRejected("image_unreadable", "The file starts like a JPEG or PNG but cannot be read as one.") from None
    width, height = image.size
    if width * height > IMAGE_MAX_PIXELS:
        raise _bomb()
    try:
        if image.format == "JPEG":
            # Decode at 1/8 scale: proves every byte is there without holding the full picture.
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        else:
            image.verify()  # walks every PNG chunk and checks its CRC, through IEND
    except (OSError, SyntaxError, ValueError) as exc:
        raise AssetRejected("image_unreadable", f"The image is damaged or truncated ({exc}).") from None
    finally:
        image.close()
    return Measurements(width=width, height=height)


def _bomb() -> AssetRejected:
    return AssetRejected(
        "image_too_many_pixels",
        f"The image has more than {IMAGE_MAX_PIXELS:,} pixels, which looks like a decompression bomb.",
    )


def measure_video(file) -> Measurements:
    """Duration, codec and size of a video, by FFmpeg (PyAV) reading the container."""
    try:
        with av.open(file, mode="r") as container:
            if not container.streams.video:
                raise AssetRejected("video_unreadable", "The file has no video track.")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in VIDEO_CODECS:
                raise AssetRejected(
                    "video_codec_unsupported",
                    f"The video is encoded with {codec}; Pinterest accepts {' or '.join(VIDEO_CODECS.values())} only.",
                )
            if container.duration is not None:
                duration = container.duration / av.time_base
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            else:
                raise AssetRejected("video_unreadable", "The video's duration cannot be read.")
            # Decoding one frame proves the track holds real pictures, not just a header.
            if next(container.decode(stream), None) is None:
                raise AssetRejected("video_unreadable", "The video track holds no picture.")
            measured = Measurements(
                width=stream.codec_context.width or None,
                height=stream.codec_context.height or None,
                duration_seconds=round(duration, 3),
                video_codec=codec,
            )
    except av.FFmpegError as exc:
        raise AssetRejected("video_unreadable", f"The video cannot be read ({exc.strerror or exc}).") from None
    if measured.duration_seconds < VIDEO_MIN_SECONDS:
        raise AssetRejected(
            "video_too_short",
            f"The video lasts {measured.duration_seconds:.1f} s; Pinterest needs at least {VIDEO_MIN_SECONDS:.0f} s.",
        )
    if measured.duration_seconds > VIDEO_MAX_SECONDS:
        raise AssetRejected(
            "video_too_long",
            f"The video lasts {measured.duration_seconds / 60:.1f} min; Pinterest accepts at most 15 min.",
        )
    return measured


MEASURERS = {Asset.Kind.IMAGE: measure_image, Asset.Kind.VIDEO: measure_video}


def asset_upload(
    *,
    actor: Actor,
    uploaded_file,
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
        raise _too_large(expected_kind)
    if _real_size(uploaded_file) > MAX_BYTES[expected_kind]:  # measured below, so the size must hold first
        raise _too_large(expected_kind)
    head = _read_head(uploaded_file)
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
        stored_name = storage.save(target_name, stream)
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
    return asset


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

    @property
    def free_bytes(self) -> int:
        return max(0, self.quota_bytes - self.used_bytes)


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
    stored_name, storage = locked.file.name, locked.file.storage
    transaction.on_commit(lambda: storage.delete(stored_name))
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
def assets_delete_bulk(*, actor: Actor, asset_ids, confirm: bool = False) -> BulkAssetDeleteOutcome:
    """``asset_delete`` for many assets of the actor's workspace; other ids count as not found."""
    authorize(actor, "asset.delete")
    wanted = list(dict.fromkeys(asset_ids))
    found = {a.public_id: a for a in Asset.objects.for_workspace(actor.workspace).filter(public_id__in=wanted, deleted_at__isnull=True)
             .select_related("workspace__team")}
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
        return _media_finish(upload, MediaUpload.Status.FAILED,
                             f"Gave up after {upload.attempts} tries to send the video to Pinterest: {upload.error_message}")
    if upload.status == MediaUpload.Status.PROCESSING and now - upload.processing_started_at > MEDIA_PROCESSING_MAX:
        return _media_finish(upload, MediaUpload.Status.FAILED, "Pinterest did not finish processing the video in 30 minutes.")
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


def _media_step(upload: MediaUpload, status: str, **changes) -> MediaUpload:
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
