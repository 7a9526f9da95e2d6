"""Best posting times, learned from the engagement stored for the account's own pins.

Each published pin's figures over its first ``WINDOW_DAYS`` Pinterest days (saves by default) are
attributed to the weekday and hour at which it was published, in the workspace's time zone (a pin
published at 18:10 UTC on a January Tuesday counts for Tuesday 19:00 in Europe/Paris, one published
at 17:10 UTC in July too). Over the pins published in the ``LOOKBACK_WEEKS`` weeks up to the last
complete window, each (weekday, hour) is compared with the account's average per pin.

The rules, so that no figure is invented and no single pin decides:

- A pin counts only with a final (``READY``) figure for every day of its window: a pin younger than
  ``WINDOW_DAYS`` days, or one whose days were not all collected final (the window's last day is
  stored part-way until the next daily run asks again), is left out (and the answer says how many).
- Nothing is suggested until ``MIN_PINS`` pins count; an hour needs ``MIN_SLOT_PINS`` pins.
- Each pin's figure is capped at the account's 90th percentile (one viral pin weighs like a very
  good one), and an hour's average is shrunk toward the account's average by ``PRIOR_PINS``
  imaginary average pins: (sum of its pins + PRIOR_PINS × average) / (its pins + PRIOR_PINS). The
  ratio shown ("2.3× the average saves") is that shrunk average over the account's average, so it
  understates an hour with few pins rather than overstating it.
- An hour is suggested when its ratio is at least ``MIN_LIFT``; the best ``MAX_SUGGESTIONS`` first.

Reading costs at most three queries whatever the number of pins (the account's workspace unless
loaded, its slots, and every pin's window totals at once: ``PinQuerySet.first_days_engagement``).
Applying adds the suggested hours to the account's posting slots through
``posting_queue.posting_slots_add``: slots already there are kept, and applying twice adds nothing
the second time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import Pin, PinterestAccount
from publishing.services.errors import Conflict, ValidationError
from publishing.services.posting_queue import Slot, posting_slots_add, posting_slots_of

WINDOW_DAYS = 7
LOOKBACK_WEEKS = 8
MIN_PINS = 20
MIN_SLOT_PINS = 3
PRIOR_PINS = 5
CAP_PERCENTILE = 0.9
MIN_LIFT = 1.1
MAX_SUGGESTIONS = 3

# The metrics one may rank by (the SDK's names) -> the PinDailyMetric column and how to say it.
METRICS: dict[str, tuple[str, str]] = {
    "save": ("saves", "saves"),
    "impression": ("impressions", "impressions"),
    "outbound_click": ("outbound_clicks", "outbound clicks"),
}
DEFAULT_METRIC = "save"
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class NotEnoughData(Conflict):
    code = "not_enough_data"


@dataclass(frozen=True)
class SuggestedTime:
    weekday: int  # 0 = Monday
    hour: int  # local, in the workspace's zone
    pins: int  # the pins published in this hour that count
    average: float  # the hour's shrunk average per pin (capped figures)
    lift: float  # average / the account's average
    already_a_slot: bool  # the account already posts at this time
    evidence: str

    @property
    def slot(self) -> Slot:
        return Slot(self.weekday, time(self.hour))

    @property
    def time_text(self) -> str:
        return f"{self.hour:02d}:00"


@dataclass(frozen=True)
class BestTimes:
    metric: str
    metric_label: str
    time_zone: str
    window_days: int
    lookback_weeks: int
    pins_counted: int  # pins with a final figure for every day of their window
    pins_required: int
    pins_too_young: int  # published in the last window_days days: their window is not over
    pins_without_figures: int  # old enough, but some day of the window has no figure
    account_average: float | None  # per pin, capped figures; None without enough data
    suggestions: list[SuggestedTime] = field(default_factory=list)
    missing: str = ""  # why nothing can be suggested yet; empty once there is enough data

    @property
    def enough_data(self) -> bool:
        return not self.missing

    @property
    def summary(self) -> str:
        if self.missing:
            return f"Not enough data yet: {self.missing}"
        if not self.suggestions:
            return (f"No hour does clearly better than the average ({self.account_average:.1f} "
                    f"{self.metric_label} per pin over {self.lookback_weeks} weeks, {self.pins_counted} pins).")
        return "; ".join(suggestion.evidence for suggestion in self.suggestions)


@dataclass(frozen=True)
class Applied:
    best_times: BestTimes
    added: list[Slot]
    already_there: list[Slot]

    @property
    def message(self) -> str:
        def names(slots: list[Slot]) -> str:
            return ", ".join(f"{DAY_ABBREVIATIONS[slot.weekday]} {slot.local_time:%H:%M}" for slot in slots)

        parts = []
        if self.added:
            parts.append(f"Added {len(self.added)} posting slot{'s' if len(self.added) != 1 else ''}: "
                         f"{names(self.added)}.")
        if self.already_there:
            parts.append(f"Already a slot: {names(self.already_there)}.")
        parts.append("The account's other slots are kept.")
        return " ".join(parts)


def clean_metric(value: str | None) -> str:
    metric = (value or DEFAULT_METRIC).strip().lower()
    if metric not in METRICS:
        raise ValidationError("invalid_metric", f"Must be one of {', '.join(METRICS)}.", field="metric")
    return metric


def _suggestion(weekday: int, hour: int, *, pins: int, average: float, lift: float, label: str,
                already_a_slot: bool) -> SuggestedTime:
    # The lift is rounded once, and the sentence is built from the figure the API and the page show.
    shown = round(lift, 2)
    return SuggestedTime(weekday=weekday, hour=hour, pins=pins, average=round(average, 2), lift=shown,
                         already_a_slot=already_a_slot,
                         evidence=(f"{DAY_ABBREVIATIONS[weekday]} {hour:02d}:00: {_one_decimal(shown)}× the average "
                                   f"{label} over {LOOKBACK_WEEKS} weeks ({pins} pins)"))


def _one_decimal(lift: float) -> str:
    """``lift`` (two decimals) to one, halves up: 1.25 reads "1.3", as a reader rounds the 1.25 shown
    beside it (a float's 1.25 is exact and ``:.1f`` rounds it to even; 1.45 is 1.4499... and rounds down)."""
    return str(Decimal(str(lift)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _capped_values(values: list[int]) -> tuple[list[float], float]:
    """The values capped at their ``CAP_PERCENTILE`` (nearest rank) and their mean."""
    ordered = sorted(values)
    cap = ordered[max(0, math.ceil(CAP_PERCENTILE * len(ordered)) - 1)]
    capped = [float(min(value, cap)) for value in values]
    return capped, sum(capped) / len(capped)


def best_times(*, actor: Actor, account: PinterestAccount, metric: str | None = None,
               now: datetime | None = None) -> BestTimes:
    """The suggested posting times of the account, with their evidence, or why there are none yet."""
    authorize(actor, "workspace.read", workspace=account.workspace, account=account)
    metric = clean_metric(metric)
    column, label = METRICS[metric]
    workspace = account.workspace
    zone = workspace.zone
    now = (now or timezone.now()).astimezone(UTC)
    # A window is over once its last Pinterest (UTC) day has ended: the pin's publication day is at
    # least WINDOW_DAYS days before today.
    today = datetime.combine(now.date(), time(), tzinfo=UTC)
    complete_before = today - timedelta(days=WINDOW_DAYS - 1)
    published_from = complete_before - timedelta(weeks=LOOKBACK_WEEKS)
    rows = list(Pin.objects.filter(account=account).first_days_engagement(
        days=WINDOW_DAYS, columns=(column,), published_from=published_from))

    too_young = sum(1 for row in rows if row["published_at"] >= complete_before)
    finished = [row for row in rows if row["published_at"] < complete_before]
    counted = [row for row in finished if row[f"{column}_days"] == WINDOW_DAYS]
    base = BestTimes(metric=metric, metric_label=label, time_zone=workspace.timezone, window_days=WINDOW_DAYS,
                     lookback_weeks=LOOKBACK_WEEKS, pins_counted=len(counted), pins_required=MIN_PINS,
                     pins_too_young=too_young, pins_without_figures=len(finished) - len(counted),
                     account_average=None)

    if len(counted) < MIN_PINS:
        missing = (f"{len(counted)} of {MIN_PINS} pins with {WINDOW_DAYS} days of figures in the last "
                   f"{LOOKBACK_WEEKS} weeks")
        details = []
        if too_young:
            details.append(f"{too_young} published in the last {WINDOW_DAYS} days "
                           f"{'are' if too_young != 1 else 'is'} still in {'their' if too_young != 1 else 'its'} "
                           f"first {WINDOW_DAYS} days")
        if len(finished) > len(counted):
            details.append(f"{len(finished) - len(counted)} without figures for every day")
        return replace(base, missing=missing + (f" ({'; '.join(details)})" if details else "") + ".")

    capped, average = _capped_values([int(row[column]) for row in counted])
    if average <= 0:
        return replace(base, account_average=0.0,
                       missing=f"no {label} recorded for the {len(counted)} pins of the last "
                               f"{LOOKBACK_WEEKS} weeks, so no hour stands out.")

    by_hour: dict[tuple[int, int], list[float]] = {}
    for row, value in zip(counted, capped, strict=True):
        local = row["published_at"].astimezone(zone)
        by_hour.setdefault((local.weekday(), local.hour), []).append(value)
    existing = set(posting_slots_of(account))
    ranked = []
    for (weekday, hour), values in by_hour.items():
        if len(values) < MIN_SLOT_PINS:
            continue
        shrunk = (sum(values) + PRIOR_PINS * average) / (len(values) + PRIOR_PINS)
        lift = shrunk / average
        if lift >= MIN_LIFT:
            ranked.append((lift, len(values), weekday, hour, shrunk))
    ranked.sort(key=lambda entry: (-entry[0], -entry[1], entry[2], entry[3]))
    suggestions = [_suggestion(weekday, hour, pins=pins, average=shrunk, lift=lift, label=label,
                               already_a_slot=Slot(weekday, time(hour)) in existing)
                   for lift, pins, weekday, hour, shrunk in ranked[:MAX_SUGGESTIONS]]
    return replace(base, account_average=round(average, 2), suggestions=suggestions)


def best_times_apply(*, actor: Actor, account: PinterestAccount, metric: str | None = None,
                     now: datetime | None = None) -> Applied:
    """Add the suggested times to the account's posting slots (managers and admins). Slots already
    there are kept; a suggested time that is already a slot is not added again."""
    authorize(actor, "account.slots_apply_suggested", workspace=account.workspace, account=account)
    found = best_times(actor=actor, account=account, metric=metric, now=now)
    if not found.enough_data:
        raise NotEnoughData("not_enough_data", found.summary)
    if not found.suggestions:
        raise NotEnoughData("no_suggestion", found.summary)
    added, kept = posting_slots_add(
        actor=actor, account=account,
        slots=[{"weekday": s.weekday, "time": s.slot.local_time} for s in found.suggestions])
    return Applied(best_times=found, added=added, already_there=kept)
