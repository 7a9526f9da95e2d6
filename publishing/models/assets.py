"""Uploaded media: measured on upload, never trusted from the client."""

import uuid

from django.db import models

from publishing.models.integrations import PinterestAccount
from publishing.models.teams import Team, User, Workspace


def asset_upload_path(asset: "Asset", filename: str) -> str:
    # Stored under a random name: user file names never reach the file system.
    return f"assets/{asset.workspace.public_id}/{asset.public_id}{asset.extension}"


class AssetQuerySet(models.QuerySet):
    def for_team(self, team: Team) -> "AssetQuerySet":
        return self.filter(workspace__team=team)

    def for_workspace(self, workspace: Workspace) -> "AssetQuerySet":
        """Live (not deleted) assets of one workspace."""
        return self.filter(workspace=workspace, deleted_at__isnull=True)


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "account"], name="one_media_upload_per_account")]

    def __str__(self) -> str:
        return f"{self.asset} for {self.account} ({self.status})"
