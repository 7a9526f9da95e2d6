"""The analytics a pin and an account answer alike: zeroed ``simulated`` figures in sandboxes,
and a clear ``not_available`` in production, where Pinboard collects no Pinterest analytics."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from publishing.access import Actor
from publishing.api.errors import not_available
from publishing.api.schemas.analytics import AnalyticsFilters
from publishing.models import Pin, PinterestAccount
from publishing.services.errors import ValidationError

ANALYTICS_METRICS = ("impression", "save", "pin_click", "outbound_click")


def simulated_analytics(who: Actor, filters: AnalyticsFilters, *, account: PinterestAccount,
                        pin: Pin | None = None) -> dict[str, Any]:
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
    return {
        "pin_id": pin.public_id if pin else None,
        "pinterest_pin_id": (pin.pinterest_pin_id or None) if pin else None,
        "account_id": account.public_id,
        "start_date": start,
        "end_date": end,
        "provider_mode": "simulated",
        "totals": zeros,
        "daily": days,
        "source": "simulated",
        "data_as_of": timezone.now(),
        "removed_from_pinterest_at": pin.removed_from_pinterest_at if pin else None,
    }
