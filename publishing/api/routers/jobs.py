"""/v1/jobs: a publish job's status; a job's id is its pin's id."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from publishing.api.schemas.common import responses
from publishing.api.schemas.jobs import JobStatusOut, job_out
from publishing.api.security import actor_of
from publishing.lookups import pin_for_workspace_or_404
from publishing.services.errors import NotFound

router = Router(tags=["pins"])


# The operation id keeps the one it was given when this route lived in routers/pins.py.
@router.get("/{job_id}", response=responses({200: JobStatusOut}, 403, 404),
            operation_id="publishing_api_routers_pins_get_job")
def get_job(request: HttpRequest, job_id: UUID) -> dict[str, Any]:
    """A publish job's status; a job's id is its pin's id."""
    who = actor_of(request, "workspace.read")
    try:
        return job_out(pin_for_workspace_or_404(who, job_id))
    except NotFound:
        raise NotFound("job_not_found", "No publish job with this id in this workspace.") from None
