"""/v1/billing: a self-hosted server has no billing, so every workspace is on an unlimited plan."""

from typing import Any, NoReturn

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from publishing.api.errors import not_available
from publishing.api.schemas.billing import BillingStatusOut, PricingOut
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.services.assets import asset_storage_usage
from publishing.services.retention import AUDIT_LOG_RETENTION_DAYS

router = Router(tags=["self-hosted"])

SELF_HOSTED = "Self-hosted Pinboard has no billing: every workspace has every feature, without quotas."

# Operation ids are part of the published OpenAPI document; these keep the ids they were given
# when the module was routers/peripheral.py.


@router.get("/status", response=responses({200: BillingStatusOut}, 403),
            operation_id="publishing_api_routers_peripheral_billing_status")
def billing_status(request: HttpRequest) -> dict[str, Any]:
    """Unlimited (0 means no limit); the official MCP server reads ``plan`` from here."""
    who = actor_of(request, "workspace.read")
    usage = asset_storage_usage(team=who.team)
    return {"plan": "enterprise", "billing_provider": "self_hosted", "billing_status": "active",
            "quota_calls_monthly": 0, "calls_used": 0, "pinterest_accounts_limit": 0, "uploaded_media_assets": True,
            "bulk_imports": True, "storage_quota_bytes": usage.quota_bytes, "storage_used_bytes": usage.used_bytes,
            "storage_used_percent": usage.used_percent}


@router.get("/pricing", response=responses({200: PricingOut}),
            operation_id="publishing_api_routers_peripheral_billing_pricing")
def billing_pricing(request: HttpRequest) -> dict[str, Any]:
    actor_of(request, "workspace.read")
    free = {"unit_amount": 0, "currency": "usd", "amount_display": "$0"}
    return {"source": "self_hosted", "refreshed_at": timezone.now(), "plans": [{
        "plan": "enterprise", "name": "Self-hosted", "subtitle": SELF_HOSTED,
        "feature_bullets": ["Unlimited pins and accounts", "Uploaded media", "Bulk imports", "Team roles"],
        "quota_calls_monthly": 0, "pinterest_accounts_limit": 0, "uploaded_media_assets": True, "bulk_imports": True,
        "activity_log_retention_days": AUDIT_LOG_RETENTION_DAYS, "monthly_price": {**free, "billing_cycle": "monthly"},
        "annual_price": {**free, "billing_cycle": "annual"}}]}


@router.post("/checkout", response=responses({200: dict}, 404),
             operation_id="publishing_api_routers_peripheral_billing_checkout")
def billing_checkout(request: HttpRequest) -> NoReturn:
    actor_of(request, "workspace.read")
    not_available(SELF_HOSTED)


@router.post("/portal", response=responses({200: dict}, 404),
             operation_id="publishing_api_routers_peripheral_billing_portal")
def billing_portal(request: HttpRequest) -> NoReturn:
    actor_of(request, "workspace.read")
    not_available(SELF_HOSTED)
