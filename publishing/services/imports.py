"""Bulk pin imports: a JSON array or a CSV file of rows, processed by a job, one result per row.

A row becomes a pin through ``pin_create``, or a schedule through ``schedule_create`` when it
has ``run_at``; either way its ``idempotency_key`` makes a repeated row an ``existing`` one. The job
claims the import with a conditional UPDATE and a lease, and saves each row's result in the
same transaction as the row's pin or schedule, so a job that runs twice (or dies half-way and
is re-delivered) never creates a row's pin or schedule twice.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal, NotRequired, TypedDict

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import ApiKey, ImportJob, Membership, Pin
from publishing.services.audit import audit_record
from publishing.services.errors import DomainError, ValidationError
from publishing.services.pins import pin_create
from publishing.services.queue import task_enqueue
from publishing.services.schedules import schedule_create

logger = logging.getLogger(__name__)

RUN_TASK = "publishing.services.imports.pin_import_run"
MAX_ROWS = 5000
MAX_CSV_BYTES = 10 * 1024 * 1024
# A run's claim, renewed after every row. Longer than django-q2 lets a task live (Q_CLUSTER's
# timeout, 90 s), so no second run starts beside a live one; shorter than Q_CLUSTER's retry
# (120 s), so when a worker dies mid-run the re-delivered task (or the sweeper) can claim the job.
LEASE = timedelta(seconds=105)
# A queued import with no run for this long lost its job (the sweeper queues another): as for pins.
QUEUED_GRACE = timedelta(minutes=2)
# One run works at most this long, then hands the rest to a fresh task: a 5000-row import takes
# minutes, and django-q2 kills a task at Q_CLUSTER's timeout (90 s) without running it again.
DEFAULT_TASK_SECONDS = 60
# CSV columns that hold lists (comma-separated inside the cell).
LIST_COLUMNS = ("related_terms",)
KNOWN_COLUMNS = ("account_id", "board_id", "title", "description", "link_url", "image_url", "asset_id", "alt_text",
                 "dominant_color", "related_terms", "cover_image_url", "cover_image_asset_id", "idempotency_key",
                 "run_at")

# A CSV row: a cell's text, or a list for the LIST_COLUMNS.
CsvRow = dict[str, str | list[str]]
RowStatus = Literal["created", "existing", "failed"]


class RowResult(TypedDict):
    """One row's entry in ``ImportJob.results``."""

    row_number: int
    idempotency_key: NotRequired[str | None]  # absent when the row is not an object
    status: RowStatus
    error_code: NotRequired[str]
    error_message: NotRequired[str]
    pin_id: NotRequired[str]
    schedule_id: NotRequired[str]


def pin_import_rows_from_csv(uploaded_file: UploadedFile[bytes]) -> list[CsvRow]:
    """The rows of an uploaded CSV (header line first), read as a stream; empty cells are left out."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_CSV_BYTES:
        raise ValidationError("file_too_large", f"CSV imports are at most {MAX_CSV_BYTES // (1024 * 1024)} MB.",
                              field="file")
    uploaded_file.seek(0)
    text = io.TextIOWrapper(uploaded_file, encoding="utf-8-sig", newline="")
    rows: list[CsvRow] = []
    try:
        reader = csv.DictReader(text)
        unknown = [name for name in (reader.fieldnames or []) if name and name.strip() not in KNOWN_COLUMNS]
        if not reader.fieldnames:
            raise ValidationError("empty_file", "The CSV file has no header line.", field="file")
        if unknown:
            raise ValidationError("unknown_columns", f"Unknown CSV columns: {', '.join(unknown)}. Known columns: "
                                  f"{', '.join(KNOWN_COLUMNS)}.", field="file")
        for record in reader:
            if len(rows) >= MAX_ROWS:
                raise ValidationError("too_many_rows", f"An import has at most {MAX_ROWS} rows.", field="file")
            row: CsvRow = {}
            for name, value in record.items():
                if name is None or value is None or not value.strip():
                    continue
                if "\x00" in value:
                    raise ValidationError("invalid_characters", "The CSV must not contain NUL characters.",
                                          field="file")
                name = name.strip()
                if name in LIST_COLUMNS:
                    row[name] = [v.strip() for v in value.split(",") if v.strip()]
                else:
                    row[name] = value.strip()
            rows.append(row)
    except UnicodeDecodeError:
        raise ValidationError("invalid_encoding", "The CSV file must be UTF-8 text.", field="file") from None
    except csv.Error as exc:
        raise ValidationError("invalid_csv", f"The CSV file cannot be read: {exc}.", field="file") from None
    finally:
        text.detach()
    return rows


def pin_import_rows_from_json(uploaded_file: UploadedFile[bytes]) -> list[object]:
    """The rows of an uploaded JSON file: the array ``POST /v1/pins/imports/json`` takes as its body
    (each row is checked when the job reaches it; a row that is not an object fails on its own)."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_CSV_BYTES:
        raise ValidationError("file_too_large", f"Imports are at most {MAX_CSV_BYTES // (1024 * 1024)} MB.",
                              field="file")
    uploaded_file.seek(0)
    try:
        rows = json.loads(uploaded_file.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationError("invalid_encoding", "The JSON file must be UTF-8 text.", field="file") from None
    except (ValueError, RecursionError) as exc:
        raise ValidationError("invalid_json", f"The JSON file cannot be read: {exc}.", field="file") from None
    if not isinstance(rows, list):
        raise ValidationError("not_an_array", "The JSON file must hold an array of pins ([{...}, {...}]).",
                              field="file")
    if len(rows) > MAX_ROWS:
        raise ValidationError("too_many_rows", f"An import has at most {MAX_ROWS} rows.", field="file")
    try:
        holds_nul = _holds_nul(rows)
    except RecursionError:
        raise ValidationError("invalid_json", "The JSON file is nested too deeply.", field="file") from None
    if holds_nul:
        raise ValidationError("invalid_characters", "The JSON must not contain NUL (\\u0000) characters.",
                              field="file")
    return rows


def _holds_nul(value: object) -> bool:
    """Whether any key or text in ``value`` holds NUL, which PostgreSQL cannot store in JSON."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


@transaction.atomic
def pin_import_create(*, actor: Actor, source_type: str, rows: Sequence[object],
                      source_filename: str = "") -> ImportJob:
    """Store the rows and queue the job that turns them into pins and schedules (each row acting
    as whoever created the import)."""
    authorize(actor, "import.create")
    if actor.user is None and actor.api_key is None:
        raise ValueError("An import acts for whoever created it: a user or an API key.")
    workspace = actor.workspace
    if not rows:
        raise ValidationError("empty_import", "The import has no rows.", field="rows")
    if len(rows) > MAX_ROWS:
        raise ValidationError("too_many_rows", f"An import has at most {MAX_ROWS} rows.", field="rows")
    job = ImportJob.objects.create(workspace=workspace, source_type=ImportJob.SourceType(source_type),
                                   source_filename=(source_filename or "")[:255], rows=rows, total_rows=len(rows),
                                   created_by=actor.user, created_by_key=actor.api_key)
    audit_record(team=workspace.team, workspace=workspace, action="import.created", actor=actor, target=job,
                 details={"source_type": job.source_type, "rows": job.total_rows})
    task_enqueue(RUN_TASK, job.pk)
    return job


def pin_imports_requeue_due(*, now: datetime | None = None) -> int:
    """Queue a fresh run for each import whose run died (its lease expired while ``processing``) or
    that has waited ``QUEUED_GRACE`` in ``queued`` without one (its job was lost: a broker failing as
    it was enqueued). A re-queued import is marked, its ``lease_expires_at`` a grace ahead (the claim
    ignores it on a queued import; ``updated_at``, which the API shows, stays as it was), so one
    waiting behind a long queue gets one more job per grace, not one per sweep; the claim lets a
    single run through."""
    now = now or timezone.now()
    unmarked = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    due = (Q(status=ImportJob.Status.PROCESSING, lease_expires_at__lt=now)
           | Q(status=ImportJob.Status.QUEUED, updated_at__lte=now - QUEUED_GRACE) & unmarked)
    job_ids = list(ImportJob.objects.filter(due).values_list("pk", flat=True)[:500])
    ImportJob.objects.filter(pk__in=job_ids, status=ImportJob.Status.QUEUED).update(
        lease_expires_at=now + QUEUED_GRACE)
    for job_id in job_ids:
        task_enqueue(RUN_TASK, job_id)
    return len(job_ids)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.PROCESSING, lease_expires_at__lt=now)
    return bool(ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.PROCESSING, lease_expires_at=now + LEASE, started_at=Coalesce("started_at", now),
        updated_at=now))


def _hand_over(job: ImportJob) -> str:
    """Give the claim back and queue a fresh run for the rows left. A run that cannot be queued (the
    broker failing) leaves the import queued for the sweeper (``pin_imports_requeue_due``), rather
    than failing an import that has done nothing wrong."""
    job.status = ImportJob.Status.QUEUED
    job.lease_expires_at = None
    job.save(update_fields=["status", "lease_expires_at", "updated_at"])
    try:
        task_enqueue(RUN_TASK, job.pk)
    except Exception:
        logger.warning("import job %s: its next run could not be queued; the sweeper will", job.pk, exc_info=True)
    return "continued"


def _fail(job_id: int, message: str) -> str:
    """End the job as ``failed`` with a reason a person can act on (never left in ``processing``)."""
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, error_message=message[:1000],
                                               lease_expires_at=None, completed_at=timezone.now(),
                                               updated_at=timezone.now())
    return ImportJob.Status.FAILED


def _creator_gone(job: ImportJob) -> str | None:
    """Why the job may no longer act for whoever created it, or None: its rows run with that
    creator's rights, so a revoked or deleted key or a removed or deleted member must not keep
    publishing. Every import has a creator, so one with neither left had its creator deleted
    (the foreign keys are SET_NULL)."""
    if job.created_by_key_id is None and job.created_by_id is None:
        return "Whoever created this import was deleted; the remaining rows were not imported."
    if job.created_by_key_id is not None:
        key = ApiKey.objects.filter(pk=job.created_by_key_id).values("revoked_at", "expires_at").first()
        expired = key is not None and key["expires_at"] is not None and key["expires_at"] <= timezone.now()
        if key is None or key["revoked_at"] is not None or expired:
            return ("The API key that created this import was revoked or has expired; "
                    "the remaining rows were not imported.")
    elif job.created_by_id is not None:
        is_member = Membership.objects.filter(user_id=job.created_by_id, team_id=job.workspace.team_id,
                                              user__is_active=True).exists()
        if not is_member:
            return ("The user who created this import is no longer a member of the team; "
                    "the remaining rows were not imported.")
    return None


def _row_result(job: ImportJob, row_number: int, row: object) -> RowResult:
    if not isinstance(row, dict):
        return {"row_number": row_number, "status": "failed", "error_code": "validation_error",
                "error_message": "A row must be an object."}
    key = row.get("idempotency_key") if isinstance(row.get("idempotency_key"), str) else None
    actor = Actor.for_creator(job.workspace, user=job.created_by, key=job.created_by_key)
    try:
        # A savepoint: a database error in this row must not abort the transaction saving its result.
        with transaction.atomic():
            if not row.get("idempotency_key"):
                # Unlike a dashboard form, an imported row must name its key: importing twice must not publish twice.
                raise ValidationError("validation_error", "Field required", field="idempotency_key")
            if row.get("run_at"):
                schedule = schedule_create(actor=actor, data=row)
                return {"row_number": row_number, "idempotency_key": key,
                        "status": "existing" if schedule.idempotent_replay else "created",
                        "schedule_id": str(schedule.public_id)}
            pin = pin_create(actor=actor, source=Pin.Source.IMPORT, data=row)
    except DomainError as error:
        names_its_field = not error.field or error.field in error.message
        message = error.message if names_its_field else f"{error.field}: {error.message}"
        return {"row_number": row_number, "idempotency_key": key, "status": "failed", "error_code": error.code,
                "error_message": message}
    except Exception:
        # One bad row must not strand the other rows; the traceback goes to the log, not the result.
        logger.exception("import %s: row %s failed unexpectedly", job.public_id, row_number)
        return {"row_number": row_number, "idempotency_key": key, "status": "failed",
                "error_code": "internal_error",
                "error_message": "This row could not be imported because of an internal error; try it again later."}
    return {"row_number": row_number, "idempotency_key": key,
            "status": "existing" if pin.idempotent_replay else "created", "pin_id": str(pin.public_id)}


def pin_import_run(job_id: int) -> str:
    """The job: process the rows not done yet, for at most PIN_IMPORT_TASK_SECONDS (then a fresh run
    continues). Safe to run twice."""
    if not _claim(job_id):
        return "skipped"
    try:
        return _run_rows(job_id)
    except Exception:
        logger.exception("import job %s could not continue", job_id)
        return _fail(job_id, "The import stopped because of an internal error; the rows with results were imported.")


def _run_rows(job_id: int) -> str:
    deadline = time.monotonic() + getattr(settings, "PIN_IMPORT_TASK_SECONDS", DEFAULT_TASK_SECONDS)
    job = ImportJob.objects.select_related("workspace__team", "created_by", "created_by_key").get(pk=job_id)
    for index, row in enumerate(job.rows[len(job.results):], start=len(job.results)):
        if reason := _creator_gone(job):
            return _fail(job_id, reason)
        with transaction.atomic():
            result = _row_result(job, index + 1, row)
            job.results.append(result)
            counters = {"created": "created_rows", "existing": "existing_rows", "failed": "failed_rows"}
            counter = counters[result["status"]]
            setattr(job, counter, getattr(job, counter) + 1)
            job.lease_expires_at = timezone.now() + LEASE
            job.save(update_fields=["results", counter, "lease_expires_at", "updated_at"])
        if index + 1 < len(job.rows) and time.monotonic() >= deadline:
            return _hand_over(job)
    job.status = ImportJob.Status.COMPLETED_WITH_ERRORS if job.failed_rows else ImportJob.Status.COMPLETED
    job.completed_at = timezone.now()
    job.lease_expires_at = None
    job.save(update_fields=["status", "completed_at", "lease_expires_at", "updated_at"])
    return job.status
