"""Bulk pin imports (JSON or CSV): one job per upload, its rows, and a result per row."""

import uuid

from django.db import models
from django.db.models import Q

from publishing.models.teams import User, Workspace


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
        FAILED = "failed", "Failed"

    class SourceType(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_jobs")
    source_type = models.CharField(max_length=8, choices=SourceType.choices)
    source_filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.QUEUED)
    # The rows as submitted (already parsed); each becomes a pin, or a schedule when it has run_at.
    rows = models.JSONField(default=list)
    # One {row_number, status, pin_id?, schedule_id?, idempotency_key?, error_code?, error_message?} per row done.
    results = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    existing_rows = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    error_message = models.CharField(max_length=1000, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by_key = models.ForeignKey(
        "publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "processing", "completed", "completed_with_errors", "failed"]),
                name="import_job_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_type} import of {self.total_rows} rows ({self.status})"

    @property
    def processed_rows(self) -> int:
        return len(self.results)
