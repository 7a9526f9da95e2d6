"""/v1/activity-logs: the team's audit trail for the active workspace, newest first, read the
way the SDK reads PinBridge's activity log."""

import base64
import json
from datetime import datetime, timedelta
from typing import Any

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Replace
from django.http import HttpRequest
from ninja import Query, Router

from publishing.access import Actor
from publishing.api.schemas.activity_logs import ActivityFilters, ActivityListOut
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.models import AuditEvent, ImportJob, Pin, PinterestAccount, Schedule
from publishing.services.errors import ValidationError
from publishing.services.retention import AUDIT_LOG_RETENTION_DAYS

router = Router(tags=["activity-logs"])

CATEGORY_OF_PREFIX = {
    "pin": "publishing", "schedule": "publishing", "import": "publishing", "asset": "publishing",
    "api_key": "security", "user": "security", "member": "security", "invitation": "security",
    "pinterest_account": "integration", "board": "integration", "webhook": "integration",
}
FAILED_ACTIONS = ("failed", "rejected", "publish_failed")


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
            "retention_days": AUDIT_LOG_RETENTION_DAYS,
            "expires_at": event.created_at + timedelta(days=AUDIT_LOG_RETENTION_DAYS), "created_at": event.created_at}


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


# The operation id keeps the one it was given when the module was routers/peripheral.py.
@router.get("", response=responses({200: ActivityListOut}, 403),
            operation_id="publishing_api_routers_peripheral_list_activity")
def list_activity(request: HttpRequest, filters: Query[ActivityFilters]) -> dict[str, Any]:
    """The team's audit trail for the active workspace, newest first, with an opaque cursor."""
    who = actor_of(request, "workspace.read")
    events = AuditEvent.objects.for_team(who.team).filter(Q(workspace=who.workspace) | Q(workspace__isnull=True))
    events = _within_allow_list(who, events)
    events = events.filtered(action=filters.action, target_type=filters.resource_type, created_from=filters.since)
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
            "current_retention_days": AUDIT_LOG_RETENTION_DAYS, "current_retention_label": "Kept (self-hosted)"}
