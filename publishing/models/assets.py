"""Uploaded media: measured on upload, never trusted from the client."""

import uuid

from django.db import models
from django.db.models import ExpressionWrapper, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from publishing.models.integrations import PinterestAccount
from publishing.models.teams import Team, User, Workspace


def asset_upload_path(asset: "Asset", filename: str) -> str:
    # Stored under a random name: user file names never reach the file system.
    return f"assets/{asset.workspace.public_id}/{asset.public_id}{asset.extension}"


# GET /v1/assets sort names -> ordering; every ordering ends on the primary key so pages never overlap.
ASSET_SORTS = {
    "created_at_desc": ("-created_at", "-id"),
    "created_at_asc": ("created_at", "id"),
    "name_asc": ("original_filename", "id"),
    "name_desc": ("-original_filename", "-id"),
    "size_desc": ("-size_bytes", "-id"),
    "size_asc": ("size_bytes", "id"),
}


def _count_of(queryset) -> Coalesce:
    """A correlated ``COUNT(*)`` subquery (0 when nothing matches), for annotating without joins."""
    counted = queryset.order_by().annotate(_count=Func(F("pk"), function="COUNT")).values("_count")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


class AssetQuerySet(models.QuerySet):
    def for_team(self, team: Team) -> "AssetQuerySet":
        return self.filter(workspace__team=team)

    def for_workspace(self, workspace: Workspace) -> "AssetQuerySet":
        """Live (not deleted) assets of one workspace."""
        return self.filter(workspace=workspace, deleted_at__isnull=True)

    def awaiting_thumbnail(self) -> "AssetQuerySet":
        """Live assets with neither a thumbnail nor a recorded reason why none can be made."""
        return self.filter(deleted_at__isnull=True, thumbnail="", thumbnail_error="")

    def with_references(self) -> "AssetQuerySet":
        """Annotate ``referenced_pin_count`` and ``in_use`` in the same query (no N+1).

        Counts the live pins that use the asset as media or cover, plus the pending schedules
        (not yet turned into a pin) that will.
        """
        # Pin and Schedule are reached through the reverse relations of their ``asset`` foreign
        # keys: publishing.models.pins imports this module, so importing it back would be a cycle.
        pin_model = self.model._meta.get_field("pins").related_model
        schedule_model = self.model._meta.get_field("schedules").related_model
        uses_asset = Q(asset=OuterRef("pk")) | Q(cover_image_asset=OuterRef("pk"))
        pins = pin_model.objects.filter(uses_asset, deleted_at__isnull=True)
        schedules = schedule_model.objects.filter(uses_asset).yet_to_make_their_pin()
        return self.annotate(referenced_pin_count=_count_of(pins) + _count_of(schedules)).annotate(
            in_use=ExpressionWrapper(Q(referenced_pin_count__gt=0), output_field=models.BooleanField())
        )

    def search(self, text: str | None) -> "AssetQuerySet":
        """Assets whose original file name contains ``text`` (any case)."""
        if not text:
            return self
        if "\x00" in text:
            return self.none()  # no stored name holds NUL (uploads refuse it); PostgreSQL can't compare it
        return self.filter(original_filename__icontains=text)

    def of_type(self, asset_type: str | None) -> "AssetQuerySet":
        return self.filter(asset_type=asset_type) if asset_type else self

    def created_between(self, since=None, until=None) -> "AssetQuerySet":
        """Created at or after ``since`` and at or before ``until`` (either may be None)."""
        queryset = self.filter(created_at__gte=since) if since else self
        return queryset.filter(created_at__lte=until) if until else queryset

    def used(self, in_use: bool | None) -> "AssetQuerySet":
        """Only assets in use (True) or unused (False); needs ``with_references()`` first."""
        return self if in_use is None else self.filter(in_use=in_use)

    def sorted_by(self, sort: str) -> "AssetQuerySet":
        """One of ``ASSET_SORTS``; an unknown name is a ``ValueError`` (the API validates first)."""
        try:
            return self.order_by(*ASSET_SORTS[sort])
        except KeyError:
            raise ValueError(f"Unknown asset sort {sort!r}; expected one of {', '.join(ASSET_SORTS)}") from None

    def listing(
        self, *, q=None, asset_type=None, in_use=None, since=None, until=None, sort="created_at_desc"
    ) -> "AssetQuerySet":
        """The asset list page's query: filters, ``in_use`` and the reference count, in one query."""
        return (
            self.search(q).of_type(asset_type).created_between(since, until)
            .with_references().used(in_use).sorted_by(sort).select_related("workspace")
        )


class Asset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="assets")
    asset_type = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to=asset_upload_path, max_length=300)
    original_filename = models.CharField(max_length=255)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size_bytes = models.BigIntegerField()
    checksum_sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=32, blank=True)
    # Made after the upload by a worker (services/thumbnails.py), in the same storage as ``file``:
    # a JPEG inside THUMBNAIL_BOX for pickers and lists; until it exists pages show a placeholder.
    thumbnail = models.FileField(max_length=300, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    # Why no thumbnail could be made (the file would not decode): the backfill skips these.
    thumbnail_error = models.CharField(max_length=300, blank=True)
    # Videos: a few key frames as full-size JPEGs in storage, offered as covers:
    # [{"name": <storage name>, "seconds": <offset>}, ...].
    key_frames = models.JSONField(default=list, blank=True)
    # The colour Pinterest shows while the image loads, read from the stored file by
    # services/colors.py the first time Compose needs it ("" until then, and for videos).
    dominant_color = models.CharField(max_length=7, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_filename


class MediaUpload(models.Model):
    """A video asset sent to Pinterest's media endpoint for one account (media ids are per user)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REGISTERED = "registered", "Registered"
        UPLOADING = "uploading", "Uploading"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="media_uploads")
    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="media_uploads")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    pinterest_media_id = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When Pinterest got the bytes: processing that outlasts a bound is given up on.
    processing_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "account"], name="one_media_upload_per_account")]

    def __str__(self) -> str:
        return f"{self.asset} for {self.account} ({self.status})"
