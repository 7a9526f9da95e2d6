"""Template helpers for the dashboard: status badges that never rely on colour alone."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from publishing.models import ApprovalState, PinStatus, PinterestAccount, ScheduleStatus
from publishing.services.webhooks import webhook_url_redacted

register = template.Library()

# (label, symbol, tone). The symbol and the words carry the meaning; the tone only adds colour.
BADGES = {
    "pin": {
        PinStatus.QUEUED: ("Queued", "◷", "muted"),
        PinStatus.DEFERRED: ("Deferred", "↷", "warn"),
        PinStatus.PUBLISHING: ("Publishing", "↻", "info"),
        PinStatus.PUBLISHED: ("Published", "✓", "ok"),
        PinStatus.FAILED: ("Failed", "✗", "bad"),
    },
    "approval": {
        ApprovalState.NOT_REQUIRED: ("No approval needed", "–", "muted"),
        ApprovalState.PENDING: ("Awaiting approval", "…", "warn"),
        ApprovalState.APPROVED: ("Approved", "✓", "ok"),
        ApprovalState.REJECTED: ("Rejected", "✗", "bad"),
    },
    "schedule": {
        ScheduleStatus.SCHEDULED: ("Scheduled", "◷", "info"),
        ScheduleStatus.QUEUED: ("Queued", "◷", "muted"),
        ScheduleStatus.DEFERRED: ("Deferred", "↷", "warn"),
        ScheduleStatus.RUNNING: ("Running", "↻", "info"),
        ScheduleStatus.DONE: ("Done", "✓", "ok"),
        ScheduleStatus.FAILED: ("Failed", "✗", "bad"),
        ScheduleStatus.CANCELED: ("Canceled", "⊘", "muted"),
    },
    "health": {
        PinterestAccount.Health.HEALTHY: ("Healthy", "✓", "ok"),
        PinterestAccount.Health.RECONNECT_REQUIRED: ("Reconnect required", "⚠", "bad"),
    },
}


@register.simple_tag
def badge(kind: str, value: str):
    """``{% badge "pin" pin.status %}`` → a labelled badge with a symbol and a colour tone."""
    label, symbol, tone = BADGES[kind].get(value, (str(value).replace("_", " ").capitalize(), "•", "muted"))
    return format_html(
        '<span class="badge {}" data-{}="{}"><span aria-hidden="true">{}</span> {}</span>',
        tone,
        kind,
        value,
        symbol,
        label,
    )


MOVING_STATUSES = {PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.PUBLISHING}
PARKED_APPROVALS = {ApprovalState.PENDING, ApprovalState.REJECTED}


@register.filter
def webhook_url_for(webhook, may_manage_integrations) -> str:
    """The full URL for members who manage integrations; otherwise without credentials."""
    return webhook.url if may_manage_integrations is True else webhook_url_redacted(webhook.url)


@register.filter
def in_flight(pin) -> bool:
    """The row-level twin of ``PinQuerySet.in_flight``: may this pin's status still change on its own?"""
    return pin.status in MOVING_STATUSES and pin.approval_state not in PARKED_APPROVALS


@register.filter
def waits_until(pin):
    """When a queued pin retried for a chosen time publishes (``next_attempt_at``), if still ahead."""
    at = pin.next_attempt_at
    return at if pin.status == PinStatus.QUEUED and at is not None and at > timezone.now() else None


@register.filter
def poll_every(pin) -> str:
    """How often a page showing ``pin`` asks for its status: often while it is on its way to
    Pinterest, now and then while a manager may approve it, never once it has settled."""
    if in_flight(pin) and pin.status == PinStatus.QUEUED and waits_until(pin):
        return "30s"  # retried for a chosen time: nothing moves before then
    if in_flight(pin):
        return "2s"
    if pin.status == PinStatus.QUEUED and pin.approval_state == ApprovalState.PENDING:
        return "5s"
    return ""


@register.simple_tag
def key_badge(key):
    """An API key's state: active, rotated (old secret still valid for a while), expired or revoked."""
    now = timezone.now()
    if key.revoked_at:
        label, symbol, tone = "Revoked", "✗", "bad"
    elif key.expires_at and key.expires_at <= now:
        label, symbol, tone = "Expired", "✗", "muted"
    elif key.replaced_by_id:
        label, symbol, tone = (
            "Rotated, still valid until " + date_format(localtime(key.expires_at), "j M, H:i"),
            "⏳",
            "warn",
        )
    else:
        label, symbol, tone = "Active", "✓", "ok"
    return format_html('<span class="badge {}"><span aria-hidden="true">{}</span> {}</span>', tone, symbol, label)
