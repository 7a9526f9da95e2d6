"""/v1/rate-meter: the publishing pace, as the token buckets stand now."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from publishing.api.schemas.common import responses
from publishing.api.schemas.rate_meter import RateMeterOut
from publishing.api.security import actor_of
from publishing.lookups import account_for_workspace_or_404
from publishing.services.pacing import PacingMeter, pacing_meter

router = Router(tags=["dashboard"])


# The operation id keeps the one it was given when the module was routers/dashboard.py.
@router.get("", response=responses({200: RateMeterOut}, 403, 404), by_alias=True,
            operation_id="publishing_api_routers_dashboard_rate_meter")
def rate_meter(request: HttpRequest, account_id: UUID) -> PacingMeter:
    """The publishing token buckets now: the account's and the server's (``global``)."""
    who = actor_of(request, "workspace.read")
    return pacing_meter(account=account_for_workspace_or_404(who, account_id))
