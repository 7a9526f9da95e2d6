"""Pin and account analytics, made up but lawful: deterministic figures that grow with a pin's age.

Each pin's day is a function of its Pinterest id and how many days (of sandbox time, UTC) it had
existed that day: nothing before the day it was created, then impressions ramping up over its first
week and settling, with saves, pin clicks and outbound clicks a steady share of them (each pin its
own share) and a little day-to-day jitter, all scaled by the pin's ``engagement_factor`` (1.0 unless
seeding planted an audience that engages more with some pins). Video pins also get video views. A past day is
``READY``; today is ``PROCESSING`` and holds only the part of the day gone by, so today's figures
grow while the day lasts. An account's figures are the sum over its pins.

Pinterest's limits, as its OpenAPI document states them: ``start_date`` at most 90 days back from
today, ``end_date`` at most 90 days past ``start_date``, and ``start_date`` not after ``end_date``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pinterest_sandbox import errors
from pinterest_sandbox.models import Pin

MAX_DAYS_BACK = 90
MAX_RANGE_DAYS = 90
RAMP_DAYS = 7

# What each endpoint accepts in ``metric_types`` (the document's enums).
PIN_METRIC_TYPES = (
    "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE", "SAVE_RATE", "TOTAL_COMMENTS", "TOTAL_REACTIONS",
    "USER_FOLLOW", "PROFILE_VISIT", "VIDEO_MRC_VIEW", "VIDEO_10S_VIEW", "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME", "VIDEO_START", "VIDEO_AVG_WATCH_TIME",
)
VIDEO_ONLY = frozenset({"VIDEO_MRC_VIEW", "VIDEO_10S_VIEW", "QUARTILE_95_PERCENT_VIEW", "VIDEO_V50_WATCH_TIME",
                        "VIDEO_START", "VIDEO_AVG_WATCH_TIME"})
ACCOUNT_METRIC_TYPES = (
    "ENGAGEMENT", "ENGAGEMENT_RATE", "IMPRESSION", "OUTBOUND_CLICK", "OUTBOUND_CLICK_RATE", "PIN_CLICK",
    "PIN_CLICK_RATE", "SAVE", "SAVE_RATE",
)
APP_TYPES = ("ALL", "MOBILE", "TABLET", "WEB")
COUNTS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "VIDEO_MRC_VIEW")
RATES = {"SAVE_RATE": "SAVE", "PIN_CLICK_RATE": "PIN_CLICK", "OUTBOUND_CLICK_RATE": "OUTBOUND_CLICK",
         "ENGAGEMENT_RATE": "ENGAGEMENT"}


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def days(self, today: date) -> list[date]:
        """The range's days up to today (Pinterest reports no day that has not begun)."""
        last = min(self.end, today)
        return [self.start + timedelta(days=n) for n in range((last - self.start).days + 1)]


def _parse_date(raw: str | None, name: str) -> date:
    if not raw:
        raise errors.invalid(f"Invalid request: {name}: required")
    try:
        if len(raw) != len("YYYY-MM-DD"):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.invalid(f"Invalid request: {name}: '{raw[:40]}' is not a date (YYYY-MM-DD)") from None


def date_range_parse(start_raw: str | None, end_raw: str | None, *, today: date) -> DateRange:
    """The range a request asks for, within Pinterest's limits, or its 400 code 1."""
    start, end = _parse_date(start_raw, "start_date"), _parse_date(end_raw, "end_date")
    if start < today - timedelta(days=MAX_DAYS_BACK):
        raise errors.invalid(f"Invalid request: start_date: cannot be more than {MAX_DAYS_BACK} days back from today")
    if end < start:
        raise errors.invalid("Invalid request: end_date: cannot be before start_date")
    if end > start + timedelta(days=MAX_RANGE_DAYS):
        raise errors.invalid(f"Invalid request: end_date: cannot be more than {MAX_RANGE_DAYS} days past start_date")
    return DateRange(start, end)


def metric_types_parse(raw_values: list[str], allowed: tuple[str, ...], *, required: bool) -> list[str]:
    """``metric_types`` (comma-separated, ``explode: false``), each in the endpoint's enum."""
    metrics = [part.strip() for raw in raw_values for part in raw.split(",") if part.strip()]
    if not metrics:
        if required:
            raise errors.invalid("Invalid request: metric_types: required")
        return list(allowed)
    for metric in metrics:
        if metric not in allowed:
            raise errors.invalid(f"Invalid request: metric_types: '{metric[:40]}' is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(metrics))


def choice_parse(raw: str | None, name: str, allowed: tuple[str, ...]) -> str:
    value = raw or allowed[0]
    if value not in allowed:
        raise errors.invalid(f"Invalid request: {name}: '{value[:40]}' is not one of {', '.join(allowed)}")
    return value


def _number(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def pin_day_counts(pin: Pin, day: date, *, now: datetime) -> dict[str, int]:
    """One pin's counts on one UTC day (all zero before it was created)."""
    created = pin.created_at.date()
    if day < created or day > now.date():
        return dict.fromkeys(COUNTS, 0)
    age = (day - created).days
    own = _number(pin.pinterest_id)
    jitter = _number(f"{pin.pinterest_id}:{day.isoformat()}")
    full_day = ((40 + own % 160) * min(age + 1, RAMP_DAYS) / RAMP_DAYS + jitter % 20) * pin.engagement_factor
    if day == now.date():  # the day so far (the share of it since midnight, or since the pin was created)
        began = max(datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo), pin.created_at)
        full_day *= max(0.0, (now - began).total_seconds()) / 86400
    impressions = int(full_day)
    saves = impressions * (2 + own % 5) // 100 + (jitter >> 8) % 3 * (impressions > 0)
    pin_clicks = impressions * (3 + own % 7) // 100 + (jitter >> 12) % 4 * (impressions > 0)
    outbound = pin_clicks // 3 + (jitter >> 16) % 2 * (pin_clicks > 0)
    video = impressions // 4 if pin.creative_type == "VIDEO" else 0
    return {"IMPRESSION": impressions, "SAVE": saves, "PIN_CLICK": pin_clicks, "OUTBOUND_CLICK": outbound,
            "VIDEO_MRC_VIEW": video}


def _with_derived(counts: dict[str, int]) -> dict[str, float]:
    engagement = counts["SAVE"] + counts["PIN_CLICK"] + counts["OUTBOUND_CLICK"]
    figures: dict[str, float] = {**counts, "ENGAGEMENT": engagement}
    for rate, numerator in RATES.items():
        figures[rate] = round(figures[numerator] / counts["IMPRESSION"], 4) if counts["IMPRESSION"] else 0
    return figures


def _pick(figures: dict[str, float], metrics: list[str], *, video: bool) -> dict[str, float]:
    picked: dict[str, float] = {}
    for metric in metrics:
        if metric in VIDEO_ONLY and not video:
            continue  # Pinterest reports video metrics for video pins only
        picked[metric] = figures.get(metric, 0)
    return picked


def _status(day: date, now: datetime) -> str:
    return "PROCESSING" if day >= now.date() else "READY"


def _report(daily: list[tuple[date, dict[str, int]]], metrics: list[str], now: datetime, *,
            video: bool) -> dict:
    totals = dict.fromkeys(COUNTS, 0)
    for _, counts in daily:
        for name in COUNTS:
            totals[name] += counts[name]
    return {
        "daily_metrics": [
            {"date": day.isoformat(), "data_status": _status(day, now),
             "metrics": _pick(_with_derived(counts), metrics, video=video)}
            for day, counts in daily
        ],
        "summary_metrics": _pick(_with_derived(totals), metrics, video=video),
    }


def pin_analytics(pin: Pin, dates: DateRange, metrics: list[str], *, now: datetime) -> dict:
    """``PinAnalyticsResponse``: ``{"all": {daily_metrics, summary_metrics, lifetime_metrics}}``."""
    daily = [(day, pin_day_counts(pin, day, now=now)) for day in dates.days(now.date())]
    report = _report(daily, metrics, now, video=pin.creative_type == "VIDEO")
    report["lifetime_metrics"] = {"TOTAL_COMMENTS": 0, "TOTAL_REACTIONS": 0}
    return {"all": report}


def account_analytics(pins: Iterable[Pin], dates: DateRange, metrics: list[str], *, now: datetime) -> dict:
    """``AnalyticsResponse``: ``{"all": {daily_metrics, summary_metrics}}``, summed over ``pins``."""
    pins = list(pins)
    daily = []
    for day in dates.days(now.date()):
        counts = dict.fromkeys(COUNTS, 0)
        for pin in pins:
            for name, value in pin_day_counts(pin, day, now=now).items():
                counts[name] += value
        daily.append((day, counts))
    return {"all": _report(daily, metrics, now, video=False)}


TOP_PINS_SORT = ("ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE")
TOP_PINS_MAX = 50


def top_pins(pins: Iterable[Pin], dates: DateRange, metrics: list[str], *, sort_by: str, limit: int,
             now: datetime) -> dict:
    """``TopPinsAnalyticsResponse``: the ``limit`` pins with the most ``sort_by`` over the range."""
    days = dates.days(now.date())
    ranked = []
    for pin in pins:
        totals = dict.fromkeys(COUNTS, 0)
        for day in days:
            for name, value in pin_day_counts(pin, day, now=now).items():
                totals[name] += value
        figures = _with_derived(totals)
        ranked.append((figures[sort_by], pin.pinterest_id, figures))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    statuses = {day.isoformat(): _status(day, now) for day in days}
    return {
        "date_availability": {"is_realtime": False,
                              "latest_available_timestamp": int(now.timestamp() * 1000)},
        "pins": [{"pin_id": pin_id, "metrics": _pick(figures, metrics, video=False), "data_status": statuses}
                 for _, pin_id, figures in ranked[:limit]],
        "sort_by": sort_by,
    }
