"""/v1/jobs: a publish job's status. A job is its pin seen from the queue: its id is the pin's."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema

from publishing.api.schemas.common import or_none
from publishing.models import Pin


class JobStatusOut(Schema):
    job_id: UUID
    pin_id: UUID
    status: str
    submitted_at: datetime
    completed_at: datetime | None = None
    pinterest_pin_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


def job_out(pin: Pin) -> dict[str, Any]:
    completed = pin.published_at if pin.status == "published" else pin.failed_at if pin.status == "failed" else None
    return {"job_id": pin.public_id, "pin_id": pin.public_id, "status": pin.status, "submitted_at": pin.created_at,
            "completed_at": completed, "pinterest_pin_id": or_none(pin.pinterest_pin_id),
            "error_code": or_none(pin.error_code), "error_message": or_none(pin.error_message)}
