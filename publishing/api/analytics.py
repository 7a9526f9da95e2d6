"""The analytics a pin and an account answer (``pins.analytics``, ``pinterest.account_analytics``).

Production workspaces get Pinterest's figures (``provider_mode: pinterest``); sandbox workspaces go
through exactly the same logic against the built-in sandbox, whose figures are the simulator's
(``provider_mode: simulated``). Either way from one of two sources:

- ``stored``: the daily rows the collection job keeps (``publishing.models.analytics``), up to 366
  days; nothing is asked of Pinterest. ``daily`` lists the days that are stored: a day with no row is
  absent (never a made-up zero), and a metric Pinterest did not report is ``null``. ``totals`` add up
  the stored days (``null`` where no stored day has the metric). ``history_start`` is the first day
  stored, ``data_as_of`` when the newest row was collected.
- ``live``: fetched from Pinterest within the request (``analytics_collection.fetch_live``), up to
  90 days back; Pinterest's refusals answer as for every other call to Pinterest (409, 429, 502...).

``source=auto`` (the default) reads the stored rows when they cover the range (the first stored day
is on or before its start, or the pin's publication day, and the last one reaches its end or
yesterday, Pinterest's days being UTC days whose figures arrive the day after); otherwise it fetches
live when Pinterest's 90-day window holds the range; otherwise it answers what is stored, with
``history_start`` saying where the stored history begins. A pin removed from Pinterest is always
answered from the stored rows, with ``removed_from_pinterest_at``.
"""

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from django.utils import timezone

from publishing.access import Actor
from publishing.api.schemas.analytics import AnalyticsFilters
from publishing.models import AccountDailyMetric, AnalyticsCollectionRun, Pin, PinDailyMetric, PinterestAccount
from publishing.models.analytics import ACCOUNT_METRICS, PIN_METRICS
from publishing.models.analytics import STORED_RANGE_MAX_DAYS as MAX_RANGE_DAYS
from publishing.services.analytics_collection import analytics_range_check, fetch_live, pinterest_today
from publishing.services.errors import Conflict, ValidationError

# The metrics answered when ``metrics`` is not given (video views only on request: most pins are images).
ANALYTICS_METRICS = ("impression", "save", "pin_click", "outbound_click")
STORED_LAG = timedelta(days=1)  # the stored history covers "up to yesterday" at best


ANALYTICS_DESCRIPTION = (
    "Daily figures (`impression`, `save`, `pin_click`, `outbound_click`; `video_view` for pins) over "
    "`start_date`..`end_date` (default: the 30 days to today, UTC). Production workspaces answer "
    "`provider_mode: pinterest`; sandbox workspaces answer the built-in sandbox's figures the same way, with "
    "`provider_mode: simulated`: "
    "`source=stored` reads the figures Pinboard collected (up to 366 days; a day not stored is absent from "
    "`daily`, a metric Pinterest did not report is null; `history_start` is the first stored day, "
    "`data_as_of` when the newest was collected); `source=live` asks Pinterest (its last 90 days, at most "
    "90 days long; else a 422 naming `start_date`); `source=auto` (default) reads the stored figures when they "
    "cover the range, else asks Pinterest when the range is within its 90 days, else answers what is stored. "
    "A pin not published yet is a 409 `conflict`; a pin removed from Pinterest answers its stored figures. "
    "Pinterest's refusals during a live read answer as elsewhere (409 reconnect, 429, 502). A bad date, a "
    "reversed or too long range, or an unknown metric is a 422 naming the field.")


@dataclass(frozen=True)
class AnalyticsRange:
    start: date
    end: date
    metrics: list[str]
    include_daily: bool


def analytics_range(filters: AnalyticsFilters, *, pin: Pin | None) -> AnalyticsRange:
    """The request's dates and metrics, checked: a 422 naming the field at fault."""
    end = filters.end_date or pinterest_today()
    try:
        start = filters.start_date or end - timedelta(days=29)
    except OverflowError:  # an end_date in the first days of year 1
        raise ValidationError("out_of_range", "end_date is too early to have a default start_date.",
                              field="end_date") from None
    if start > end:
        raise ValidationError("invalid_range", "start_date must not be after end_date.", field="start_date")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError("range_too_long", f"The range can span at most {MAX_RANGE_DAYS} days.",
                              field="start_date")
    known = PIN_METRICS if pin is not None else ACCOUNT_METRICS
    named = [m.strip().lower() for m in (filters.metrics or "").split(",") if m.strip()]
    unknown = [m for m in named if m not in known]
    if unknown:
        what = "a pin" if pin is not None else "an account"
        raise ValidationError("unknown_metric", f"Unknown metric for {what}: {', '.join(unknown)[:200]}. "
                              f"Known: {', '.join(known)}.", field="metrics")
    return AnalyticsRange(start=start, end=end, metrics=list(dict.fromkeys(named)) or list(ANALYTICS_METRICS),
                          include_daily=filters.include_daily is not False)


def analytics_for(who: Actor, filters: AnalyticsFilters, *, account: PinterestAccount,
                  pin: Pin | None = None) -> dict[str, Any]:
    """The answer of ``GET /v1/pins/{id}/analytics`` and ``GET /v1/pinterest/accounts/{id}/analytics``."""
    wanted = analytics_range(filters, pin=pin)
    body: dict[str, Any] = {
        "pin_id": pin.public_id if pin else None,
        "pinterest_pin_id": (pin.pinterest_pin_id or None) if pin else None,
        "account_id": account.public_id,
        "start_date": wanted.start,
        "end_date": wanted.end,
        "removed_from_pinterest_at": pin.removed_from_pinterest_at if pin else None,
    }
    if pin is not None and not pin.pinterest_pin_id:
        raise Conflict("conflict", "The pin is not published on Pinterest yet: it has no analytics.")
    stored = (PinDailyMetric.objects.filter(pin=pin) if pin is not None
              else AccountDailyMetric.objects.filter(account=account))
    first, last = stored.stored_span() or (None, None)
    collected = stored.last_collected_at()
    body.update(provider_mode="simulated" if who.workspace.is_sandbox else "pinterest", history_start=first)
    if _source(filters.source or "auto", wanted, pin=pin, first=first, last=last) == "live":
        return {**body, **_live(account, pin, wanted), "data_as_of": timezone.now()}
    days = list(stored.between(wanted.start, wanted.end)) if wanted.include_daily else []
    totals = stored.between(wanted.start, wanted.end).totals()
    return {**body, "source": "stored", "data_as_of": collected,
            "totals": {metric: totals[metric] for metric in wanted.metrics},
            "daily": [{"date": row.date, "data_status": row.data_status or None,
                       "metrics": {metric: value for metric, value in row.metrics().items()
                                   if metric in wanted.metrics}} for row in days]}


def _source(asked: str, wanted: AnalyticsRange, *, pin: Pin | None, first: date | None,
            last: date | None) -> str:
    """``stored`` or ``live`` for the request's ``source``; a live range Pinterest refuses is a 422."""
    removed = pin is not None and pin.removed_from_pinterest_at is not None
    if asked == "stored":
        return "stored"
    if asked == "live":
        if removed:
            raise Conflict("conflict", "The pin was removed from Pinterest: only its stored figures remain "
                           "(source=stored).")
        analytics_range_check(wanted.start, wanted.end)  # a 422 naming start_date (or end_date) outside its window
        return "live"
    if removed:
        return "stored"
    published = pin.published_at.astimezone(UTC).date() if pin is not None and pin.published_at else None
    from_day = max(wanted.start, published) if published else wanted.start
    covered = (first is not None and last is not None and first <= from_day
               and last >= min(wanted.end, pinterest_today() - STORED_LAG))
    if covered:
        return "stored"
    try:
        analytics_range_check(wanted.start, wanted.end)
    except ValidationError:  # beyond Pinterest's window: what is stored is all there is
        return "stored"
    return "live"


def _live(account: PinterestAccount, pin: Pin | None, wanted: AnalyticsRange) -> dict[str, Any]:
    days = fetch_live(account, start=wanted.start, end=wanted.end, pin=pin, metrics=wanted.metrics)
    totals: dict[str, int | None] = {}
    for metric in wanted.metrics:
        figures = [day.metrics[metric] for day in days if day.metrics.get(metric) is not None]
        totals[metric] = sum(figures) if figures else None
    daily = [{"date": day.date, "data_status": day.data_status or None, "metrics": dict(day.metrics)}
             for day in days] if wanted.include_daily else []
    return {"source": "live", "totals": totals, "daily": daily}


def collection_status(account: PinterestAccount, *, limit: int) -> dict[str, Any]:
    """The account's stored history and its latest collection runs: three queries."""
    stored = AccountDailyMetric.objects.filter(account=account)
    first, last = stored.stored_span() or (None, None)
    collected = stored.last_collected_at()
    runs = AnalyticsCollectionRun.objects.recent_for(account, limit=limit)
    return {"account_id": account.public_id, "history_start": first, "history_end": last, "data_as_of": collected,
            "runs": [{"kind": run.kind, "outcome": run.outcome, "start_date": run.start_date,
                      "end_date": run.end_date, "calls": run.calls, "pins_collected": run.pins_collected,
                      "error": run.error or None, "started_at": run.started_at, "finished_at": run.finished_at}
                     for run in runs]}


def top_pins(account: PinterestAccount, *, start_date: date | None, end_date: date | None, metric: str,
             limit: int) -> dict[str, Any]:
    """The account's pins with the most ``metric`` over the range, from the stored figures: two queries."""
    wanted = analytics_range(AnalyticsFilters(start_date=start_date, end_date=end_date), pin=None)
    stored = PinDailyMetric.objects.filter(account=account)
    rows = stored.between(wanted.start, wanted.end).top_pins(metric, limit=limit)
    return {"account_id": account.public_id, "start_date": wanted.start, "end_date": wanted.end, "metric": metric,
            "source": "stored", "data_as_of": stored.last_collected_at(),
            "pins": [{"pin_id": row["public_id"], "title": row["title"], "deleted": row["deleted_at"] is not None,
                      "totals": {name: row[name] for name in PIN_METRICS}} for row in rows]}
