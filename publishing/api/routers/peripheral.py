"""What the SDK also offers beyond publishing, answered the way a self-hosted server should:
activity logs from the audit trail, simulated analytics in sandboxes, billing that says
"self-hosted, unlimited", and a clear ``not_available`` for what has no meaning here."""

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from publishing.access import Actor
from publishing.api.errors import ApiError
from publishing.api.lookups import pin_or_404
from publishing.api.schemas.common import FilterMoment, InSchema, responses
from publishing.api.schemas.content import AnalyticsFilters
from publishing.api.security import actor_of
from publishing.models import AuditEvent, ImportJob, Pin, PinterestAccount, Schedule
from publishing.services.errors import ValidationError

billing_router = Router(tags=["self-hosted"])
stripe_router = Router(tags=["self-hosted"])
mcp_router = Router(tags=["self-hosted"])
email_router = Router(tags=["self-hosted"])
activity_router = Router(tags=["activity-logs"])
analytics_router = Router(tags=["pins"])

SELF_HOSTED = "Self-hosted Pinboard has no billing: every workspace has every feature, without quotas."
RETENTION_DAYS = 3650  # the audit trail is append-only and kept; reported as ten years
ANALYTICS_METRICS = ("impression", "save", "pin_click", "outbound_click")


def not_available(message: str):
    raise ApiError("not_available", message, 404)


# --- billing ------------------------------------------------------------------------------------


class BillingStatusOut(Schema):
    plan: str
    billing_provider: str
    billing_status: str
    quota_calls_monthly: int
    calls_used: int
    pinterest_accounts_limit: int
    uploaded_media_assets: bool
    bulk_imports: bool
    storage_quota_bytes: int
    storage_used_bytes: int
    storage_used_percent: int


class PriceOut(Schema):
    billing_cycle: str
    unit_amount: int
    currency: str
    amount_display: str


class PlanOut(Schema):
    plan: str
    name: str
    subtitle: str
    feature_bullets: list[str]
    quota_calls_monthly: int
    pinterest_accounts_limit: int
    uploaded_media_assets: bool
    bulk_imports: bool
    activity_log_retention_days: int
    monthly_price: PriceOut
    annual_price: PriceOut


class PricingOut(Schema):
    source: str
    refreshed_at: datetime
    plans: list[PlanOut]


@billing_router.get("/status", response=responses({200: BillingStatusOut}, 403))
def billing_status(request):
    """Unlimited (0 means no limit); the official MCP server reads ``plan`` from here."""
    from publishing.services.assets import asset_storage_usage

    who = actor_of(request, "workspace.read")
    usage = asset_storage_usage(team=who.team)
    return {"plan": "enterprise", "billing_provider": "self_hosted", "billing_status": "active",
            "quota_calls_monthly": 0, "calls_used": 0, "pinterest_accounts_limit": 0, "uploaded_media_assets": True,
            "bulk_imports": True, "storage_quota_bytes": usage.quota_bytes, "storage_used_bytes": usage.used_bytes,
            "storage_used_percent": usage.used_percent}


@billing_router.get("/pricing", response=responses({200: PricingOut}))
def billing_pricing(request):
    actor_of(request, "workspace.read")
    free = {"unit_amount": 0, "currency": "usd", "amount_display": "$0"}
    return {"source": "self_hosted", "refreshed_at": timezone.now(), "plans": [{
        "plan": "enterprise", "name": "Self-hosted", "subtitle": SELF_HOSTED,
        "feature_bullets": ["Unlimited pins and accounts", "Uploaded media", "Bulk imports", "Team roles"],
        "quota_calls_monthly": 0, "pinterest_accounts_limit": 0, "uploaded_media_assets": True, "bulk_imports": True,
        "activity_log_retention_days": RETENTION_DAYS, "monthly_price": {**free, "billing_cycle": "monthly"},
        "annual_price": {**free, "billing_cycle": "annual"}}]}


@billing_router.post("/checkout", response=responses({200: dict}, 404))
def billing_checkout(request):
    actor_of(request, "workspace.read")
    not_available(SELF_HOSTED)


@billing_router.post("/portal", response=responses({200: dict}, 404))
def billing_portal(request):
    actor_of(request, "workspace.read")
    not_available(SELF_HOSTED)


@stripe_router.post("/webhook", response=responses({200: dict}, 404), auth=None)
def stripe_webhook(request):
    not_available("Self-hosted Pinboard does not take Stripe events.")


# --- MCP usage ------------------------------------------------------------------------------------


class McpQuotaOut(Schema):
    week: str
    requests_used: int
    requests_limit: int
    quota_exhausted: bool
    resets_at: str


def _mcp_quota() -> dict:
    now = timezone.now()
    year, week, weekday = now.isocalendar()
    next_monday = (now + timedelta(days=8 - weekday)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"week": f"{year}-W{week:02d}", "requests_used": 0, "requests_limit": 0, "quota_exhausted": False,
            "resets_at": next_monday.isoformat().replace("+00:00", "Z")}


@mcp_router.get("/quota", response=responses({200: McpQuotaOut}, 403))
def mcp_quota(request):
    """No MCP quota on a self-hosted server (``requests_limit`` 0 = unlimited)."""
    actor_of(request, "workspace.read")
    return _mcp_quota()


@mcp_router.post("/track", response=responses({200: McpQuotaOut}, 403))
def mcp_track(request):
    actor_of(request, "workspace.read")
    return _mcp_quota()


# --- email ------------------------------------------------------------------------------------------


@email_router.get("/preferences", response=responses({200: dict}, 404))
def email_preferences(request):
    actor_of(request, "workspace.read")
    not_available("Pinboard sends only invitation and password emails, which cannot be turned off.")


@email_router.patch("/preferences", response=responses({200: dict}, 404))
def update_email_preferences(request):
    actor_of(request, "workspace.read")
    not_available("Pinboard sends only invitation and password emails, which cannot be turned off.")


@email_router.get("/unsubscribe", response=responses({200: dict}, 404), auth=None)
def email_unsubscribe(request):
    not_available("Pinboard sends no marketing or alert emails to unsubscribe from.")


# --- activity logs ------------------------------------------------------------------------------------

CATEGORY_OF_PREFIX = {
    "pin": "publishing", "schedule": "publishing", "import": "publishing", "asset": "publishing",
    "api_key": "security", "user": "security", "member": "security", "invitation": "security",
    "pinterest_account": "integration", "board": "integration", "webhook": "integration",
}
FAILED_ACTIONS = ("failed", "rejected", "publish_failed")


class ActivityFilters(InSchema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=200)
    category: Literal["security", "publishing", "billing", "configuration", "integration"] | None = None
    action: str | None = Field(None, max_length=64)
    status: Literal["success", "failed", "queued", "canceled"] | None = None
    resource_type: str | None = Field(None, max_length=64)
    since: FilterMoment | None = None


class ActivityOut(Schema):
    id: UUID
    actor_user_id: UUID | None = None
    actor_type: str
    actor_label: str | None = None
    action: str
    category: str
    resource_type: str | None = None
    resource_id: str | None = None
    status: str
    message: str
    metadata: dict[str, Any]
    request_id: str | None = None
    retention_days: int
    expires_at: datetime
    created_at: datetime


class ActivityListOut(Schema):
    items: list[ActivityOut]
    next_cursor: str | None = None
    current_retention_days: int
    current_retention_label: str


def _category(action: str) -> str:
    return CATEGORY_OF_PREFIX.get(action.split(".", 1)[0], "configuration")


CANCELED_ACTIONS = ("canceled", "revoked")


def _status(action: str) -> str:
    verb = action.split(".", 1)[-1]
    if verb in FAILED_ACTIONS:
        return "failed"
    return "canceled" if verb in CANCELED_ACTIONS else "success"


def _with_status(events, status: str):
    """The events ``_status`` gives this status, filtered in the database so paging stays exact."""
    def verb_in(verbs) -> Q:
        return Q(action__regex=r"^([^.]*\.)?(" + "|".join(verbs) + r")$")

    if status == "failed":
        return events.filter(verb_in(FAILED_ACTIONS))
    if status == "canceled":
        return events.filter(verb_in(CANCELED_ACTIONS))
    if status == "success":
        return events.exclude(verb_in(FAILED_ACTIONS)).exclude(verb_in(CANCELED_ACTIONS))
    return events.none()  # nothing in the audit trail is ever "queued"


def _actor_type(event: AuditEvent) -> str:
    """From the stored columns: the acting key, else the acting user, else the system."""
    if event.actor_key_id:
        return "api_key"
    if event.actor_user_id:
        return "user"
    return "system"


def activity_out(event: AuditEvent) -> dict:
    return {"id": event.public_id, "actor_user_id": event.actor_user.public_id if event.actor_user else None,
            "actor_type": _actor_type(event), "actor_label": event.actor_label, "action": event.action,
            "category": _category(event.action), "resource_type": event.target_type or None,
            "resource_id": event.target_id or None, "status": _status(event.action),
            "message": f"{event.actor_label} {event.action.replace('_', ' ')}", "metadata": event.details or {},
            "retention_days": RETENTION_DAYS, "expires_at": event.created_at + timedelta(days=RETENTION_DAYS),
            "created_at": event.created_at}


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        created, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        return datetime.fromisoformat(created), int(pk)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError("invalid_cursor", "This cursor is not one the API returned.", field="cursor") from None


def _encode_cursor(event: AuditEvent) -> str:
    return base64.urlsafe_b64encode(json.dumps([event.created_at.isoformat(), event.pk]).encode()).decode()


def _hex_id(expression):
    """A public id as 32 hex digits on every database (PostgreSQL's uuid text has dashes, SQLite's
    stored UUIDs do not), so audit ``target_id`` strings and model ids compare alike."""
    return Replace(Cast(expression, CharField()), Value("-"), Value(""))


def _within_allow_list(who: Actor, events):
    """A key limited to some accounts sees only the events about its accounts, their pins and
    schedules, and the imports it made: the rest (other accounts' pin titles, members, keys,
    webhooks) is outside what it may read."""
    allowed = who.allowed_account_ids
    if allowed is None:
        return events

    def ids(queryset):
        return queryset.annotate(hex_id=_hex_id("public_id")).values("hex_id")

    readable = (Q(target_type="pin", target_hex__in=ids(Pin.objects.filter(workspace=who.workspace,
                                                                            account_id__in=allowed)))
                | Q(target_type="schedule", target_hex__in=ids(Schedule.objects.filter(workspace=who.workspace,
                                                                                      account_id__in=allowed)))
                | Q(target_type="pinterestaccount", target_hex__in=ids(PinterestAccount.objects.filter(
                    pk__in=allowed)))
                | Q(target_type="importjob", target_hex__in=ids(ImportJob.objects.filter(
                    workspace=who.workspace, created_by_key=who.api_key))))
    return events.annotate(target_hex=_hex_id("target_id")).filter(readable)


@activity_router.get("", response=responses({200: ActivityListOut}, 403))
def list_activity(request, filters: Query[ActivityFilters]):
    """The team's audit trail for the active workspace, newest first, with an opaque cursor."""
    who = actor_of(request, "workspace.read")
    events = AuditEvent.objects.for_team(who.team).filter(Q(workspace=who.workspace) | Q(workspace__isnull=True))
    events = _within_allow_list(who, events)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.resource_type:
        events = events.filter(target_type=filters.resource_type)
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.category:
        prefixes = [prefix for prefix, category in CATEGORY_OF_PREFIX.items() if category == filters.category]
        matches = Q(pk__in=[])
        for prefix in prefixes:
            matches |= Q(action__startswith=f"{prefix}.")
        if filters.category == "configuration":
            matches = ~Q(action__regex=r"^(" + "|".join(CATEGORY_OF_PREFIX) + r")\.")
        events = events.filter(matches)
    if filters.cursor:
        created, pk = _decode_cursor(filters.cursor)
        events = events.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    if filters.status:
        events = _with_status(events, filters.status)
    page = list(events[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {"items": [activity_out(event) for event in page],
            "next_cursor": _encode_cursor(page[-1]) if more and page else None,
            "current_retention_days": RETENTION_DAYS, "current_retention_label": "Kept (self-hosted)"}


# --- analytics --------------------------------------------------------------------------------------


class AnalyticsOut(Schema):
    pin_id: UUID | None = None
    pinterest_pin_id: str | None = None
    account_id: UUID
    start_date: date
    end_date: date
    provider_mode: str
    totals: dict[str, Any]
    daily: list[dict[str, Any]]
    source: str
    data_as_of: datetime | None = None
    removed_from_pinterest_at: datetime | None = None


def simulated_analytics(who: Actor, filters: AnalyticsFilters, *, account: PinterestAccount, pin=None) -> dict:
    """Sandbox workspaces get zeroed ``simulated`` figures; production ones a clear refusal."""
    if not who.workspace.is_sandbox:
        not_available("Pinboard does not collect Pinterest analytics; see them in Pinterest's own analytics.")
    end = filters.end_date or timezone.localdate()
    try:
        start = filters.start_date or end - timedelta(days=29)
    except OverflowError:  # an end_date in the first days of year 1
        raise ValidationError("out_of_range", "end_date is too early to have a default start_date.",
                              field="end_date") from None
    if start > end:
        raise ValidationError("invalid_range", "start_date must not be after end_date.", field="start_date")
    if (end - start).days > 365:
        raise ValidationError("range_too_long", "The range can span at most 366 days.", field="start_date")
    metrics = [m.strip().lower() for m in (filters.metrics or ",".join(ANALYTICS_METRICS)).split(",") if m.strip()]
    zeros = {metric: 0 for metric in metrics}
    days = [] if filters.include_daily is False else [
        {"date": start + timedelta(days=n), "data_status": "READY", "metrics": dict(zeros)}
        for n in range((end - start).days + 1)]
    return {"pin_id": pin.public_id if pin else None, "pinterest_pin_id": (pin.pinterest_pin_id or None) if pin else None,
            "account_id": account.public_id, "start_date": start, "end_date": end, "provider_mode": "simulated",
            "totals": zeros, "daily": days, "source": "simulated", "data_as_of": timezone.now(),
            "removed_from_pinterest_at": pin.removed_from_pinterest_at if pin else None}


@analytics_router.get("/{pin_id}/analytics", response=responses({200: AnalyticsOut}, 403, 404))
def pin_analytics(request, pin_id: UUID, filters: Query[AnalyticsFilters]):
    who = actor_of(request, "workspace.read")
    pin = pin_or_404(who, pin_id)
    return simulated_analytics(who, filters, account=pin.account, pin=pin)
