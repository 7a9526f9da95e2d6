"""/v1/mcp: the MCP server's weekly quota, which a self-hosted server does not limit."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from publishing.api.schemas.common import responses
from publishing.api.schemas.mcp import McpQuotaOut
from publishing.api.security import actor_of

router = Router(tags=["self-hosted"])


def _mcp_quota() -> dict[str, Any]:
    now = timezone.now()
    year, week, weekday = now.isocalendar()
    next_monday = (now + timedelta(days=8 - weekday)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"week": f"{year}-W{week:02d}", "requests_used": 0, "requests_limit": 0, "quota_exhausted": False,
            "resets_at": next_monday.isoformat().replace("+00:00", "Z")}


# Operation ids are part of the published OpenAPI document; these keep the ids they were given
# when the module was routers/peripheral.py.


@router.get("/quota", response=responses({200: McpQuotaOut}, 403),
            operation_id="publishing_api_routers_peripheral_mcp_quota")
def mcp_quota(request: HttpRequest) -> dict[str, Any]:
    """No MCP quota on a self-hosted server (``requests_limit`` 0 = unlimited)."""
    actor_of(request, "workspace.read")
    return _mcp_quota()


@router.post("/track", response=responses({200: McpQuotaOut}, 403),
             operation_id="publishing_api_routers_peripheral_mcp_track")
def mcp_track(request: HttpRequest) -> dict[str, Any]:
    actor_of(request, "workspace.read")
    return _mcp_quota()
