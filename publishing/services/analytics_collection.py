"""Collecting Pinterest's analytics into our tables (``AccountDailyMetric``, ``PinDailyMetric``), so a
page or an API read costs nothing at Pinterest. Production and sandbox workspaces alike: a sandbox
workspace's client talks to the built-in sandbox (``SANDBOX_PINTEREST_API_BASE``), which serves
analytics faithfully, so its accounts are collected by exactly the same code path.

**What is collected, and when.** Each run asks for:
- the account's days (``GET /v5/user_account/analytics``): one call, from the first of the last 91
  days (Pinterest's limit: 90 days back) the account has no final (``READY``) figure for, to today;
- each followed pin's days (``GET /v5/pins/{id}/analytics``): one call per pin, from its first day
  without a final figure (at the earliest its publish day, at most 90 days back) to today.
A daily run follows the pins published in the last ``DAILY_PIN_DAYS`` (30) days every day, and those
published 31 to ``FOLLOW_PIN_DAYS`` (90) days ago once a week (on the weekday ``pin.pk % 7`` picks,
so they spread over the week), plus any pin within 90 days never collected yet. A backfill (on
connect) follows every pin published in the last 90 days. Pins older than 90 days are no longer
followed. Days come back as Pinterest reports them (UTC); a day not ``READY`` (today is
``PROCESSING``) is asked for again by the next run that follows its pin.

Calls per account per day (daily runs): ``1 + N30 + N31_90 / 7``, with N30 the pins published in
the last 30 days and N31_90 those published 31 to 90 days ago (docs/analytics.md works examples).

**Publishing goes first.** Analytics calls share Pinterest's budget with publishing (Trial access
counts every call against one daily quota; Standard counts per user per app), so collection only
spends what publishing does not need, and never takes a token from the publishing buckets
(services/pacing.py):
- a run does not start (outcome ``DEFERRED``) while the account has a publish backlog (an approved
  pin ``queued`` or ``publishing``, or ``deferred`` to within ``DEFERRED_RETRY``) or while its
  pacing bucket, or the server's, holds less than ``PUBLISHING_HEADROOM`` of its capacity
  (publishing used it recently);
- during a run the backlog is checked again every ``RECHECK_EVERY_CALLS`` calls, and Pinterest's
  own ``X-RateLimit-Remaining`` after every call: below ``RATE_LIMIT_HEADROOM`` of the limit the run
  stops, keeps what it collected and is ``DEFERRED``;
- a 429 stops the run at once (``DEFERRED``); it is tried again after the ``X-RateLimit-Reset``
  (or ``Retry-After``) seconds Pinterest gave, never sooner.
- a run works at most ``RUN_SECONDS`` at a time on a worker of the publishing cluster, then hands the
  worker back (``DEFERRED``) and continues ``CONTINUE_AFTER`` later.
A run that stops part way keeps what it collected; the next one asks only for what is left, since an
account or pin collected since the account's current daily slot (``collection_slot``) is not asked for
again (each once a day). Fresh is measured from the slot, not as a fixed age: a daily run deferred for
hours must not make the next day's run find everything fresh and skip a day.
A pin Pinterest answers 404 for is marked removed from Pinterest (``removed_from_pinterest_at``, the pins
service) and no longer followed; a 403 (scope lost, or not this account's) is recorded as the run's
error and the pin is not marked. ``REFUSALS_BEFORE_STOP`` refusals in a row mean the account itself has
lost access (a scope withdrawn), not one pin: the run stops there (``FAILED``, retried after
``FAILURE_BACKOFF``) instead of spending one call on every followed pin.
A deferred daily run is picked up again by the next pass of the periodic job; a deferred backfill
enqueues its own retry.

**The periodic job** (``analytics_collect_due``, every ``SWEEP_MINUTES``) spreads accounts over the
day: each account has its own minute of the day (from its public id) and is collected once its
minute has passed and it has no successful run since. Accounts revoked or needing reconnection are
skipped; a run that failed is not retried before ``FAILURE_BACKOFF``.

Every run is recorded (``AnalyticsCollectionRun``) with the exact number of HTTP requests it sent to
Pinterest (counted on the wire, token refreshes included). Runs are idempotent: figures are upserted
on (account, day) and (pin, day), a handful of queries whatever the number of days.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from publishing.models import Pin, PinStatus, PinterestAccount
from publishing.models.analytics import (
    ACCOUNT_METRICS,
    METRIC_COLUMNS,
    PIN_METRICS,
    AccountDailyMetric,
    AnalyticsCollectionRun,
    PinDailyMetric,
)
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.client import PinterestClient
from publishing.pinterest.factory import pinterest_transport, transport_kwargs
from publishing.pinterest.models import AnalyticsDay
from publishing.pinterest.transport import shared_transport
from publishing.services.errors import DomainError, NotFound, RateLimited, ValidationError
from publishing.services.pacing import pacing_meters
from publishing.services.pins import pin_removed_from_pinterest_mark
from publishing.services.pinterest_access import pinterest_for
from publishing.services.queue import task_enqueue

logger = logging.getLogger(__name__)

MAX_DAYS_BACK = 90  # Pinterest: start_date at most 90 days back from today (UTC)
MAX_RANGE_DAYS = 90  # Pinterest: end_date at most 90 days past start_date
DAILY_PIN_DAYS = 30
FOLLOW_PIN_DAYS = 90
PUBLISHING_HEADROOM = 0.5  # of each pacing bucket's capacity
RATE_LIMIT_HEADROOM = 0.2  # of Pinterest's X-RateLimit-Limit
RECHECK_EVERY_CALLS = 20
SAVE_EVERY_PINS = 100
REFUSALS_BEFORE_STOP = 3  # 403s in a row, with no pin answered between them
SWEEP_MINUTES = 30
FAILURE_BACKOFF = timedelta(hours=3)
RUNNING_LEASE = timedelta(minutes=30)
# accounts_due looks at runs started this recently only (longer than a day's slot, the backoff and the lease).
DUE_LOOKBACK = timedelta(days=2)
DEFERRED_RETRY = timedelta(minutes=10)
# A run holds a worker of the publishing cluster at most this long (well below Q_CLUSTER's timeout),
# then hands it back and continues CONTINUE_AFTER later: a big account never keeps workers from publishing.
RUN_SECONDS = 30.0
CONTINUE_AFTER = timedelta(minutes=1)
TASK = "publishing.tasks.collect_account_analytics"
ERROR_MAX = AnalyticsCollectionRun._meta.get_field("error").max_length


@dataclass(frozen=True)
class DayFigures:
    """One UTC day as Pinterest reported it: ``metrics`` by our (the SDK's) metric names, None where
    Pinterest gave no figure."""

    date: date
    data_status: str
    metrics: dict[str, int | None]


def pinterest_today() -> date:
    """Pinterest's "today": the UTC date."""
    return timezone.now().astimezone(timezone.get_fixed_timezone(0)).date()


def _figures(day: AnalyticsDay, metrics: Iterable[str], names: dict[str, str]) -> DayFigures:
    return DayFigures(day.date, day.data_status, {metric: day.count(names[metric]) for metric in metrics})


# --- live reads (the API's source=live) ----------------------------------------------------------


def analytics_range_check(start: date, end: date, *, today: date | None = None) -> None:
    """Pinterest's limits on a range, as a ValidationError naming the field at fault."""
    today = today or pinterest_today()
    if start > today:
        raise ValidationError("range_in_future", f"Pinterest has no analytics after today ({today}, UTC): start_date "
                              "cannot be after it.", field="start_date")
    if start > end:
        raise ValidationError("invalid_range", "start_date must not be after end_date.", field="start_date")
    if start < today - timedelta(days=MAX_DAYS_BACK):
        raise ValidationError("range_too_old", f"Pinterest keeps analytics for {MAX_DAYS_BACK} days: start_date "
                              f"cannot be before {today - timedelta(days=MAX_DAYS_BACK)}.", field="start_date")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError("range_too_long", f"Pinterest answers at most {MAX_RANGE_DAYS} days past start_date.",
                              field="end_date")


def fetch_live(account: PinterestAccount, *, start: date, end: date, pin: Pin | None = None,
               metrics: Iterable[str]) -> list[DayFigures]:
    """The account's (or its published ``pin``'s) figures per day, straight from Pinterest, oldest
    first. ``metrics`` are our names (``impression``, ``save``, ``pin_click``, ``outbound_click``,
    ``video_view``); an account has no ``video_view`` (always None). Refused (ValidationError naming
    the field) outside Pinterest's 90-day limits; with RateLimited while publishing needs the
    account's budget (the same rule as collection). A sandbox workspace asks the built-in sandbox."""
    metrics = list(dict.fromkeys(metrics))
    unknown = [metric for metric in metrics if metric not in PIN_METRICS]
    if unknown or not metrics:
        raise ValidationError("invalid_metric", f"metrics must be among {', '.join(PIN_METRICS)}.", field="metrics")
    analytics_range_check(start, end)
    if pin is not None and (pin.account_id != account.pk or not pin.pinterest_pin_id):
        raise NotFound("pin_not_published", "This pin is not on Pinterest (not published with this account).")
    waiting = publishing_needs_budget(account)
    if waiting:
        raise RateLimited("publishing_first", f"Publishing needs this account's Pinterest budget now ({waiting}); "
                          "try again shortly.", retry_after=60.0)
    with pinterest_for(account) as client:
        if pin is None:
            wanted = [metric for metric in metrics if metric in ACCOUNT_METRICS]
            days = client.user_account_analytics(start_date=start, end_date=end,
                                                 metric_types=[ACCOUNT_METRICS[m] for m in wanted]) if wanted else []
            return [_figures(day, metrics, {**PIN_METRICS, "video_view": "-"}) for day in days]
        days = client.pin_analytics(pin.pinterest_pin_id, start_date=start, end_date=end,
                                    metric_types=[PIN_METRICS[metric] for metric in metrics])
        return [_figures(day, metrics, PIN_METRICS) for day in days]


# --- publishing first ----------------------------------------------------------------------------


def publishing_needs_budget(account: PinterestAccount) -> str:
    """Why collection must wait for publishing now ("" when it need not): a publish backlog (an
    approved pin queued, publishing, or deferred to within ``DEFERRED_RETRY``), or a pacing bucket
    (the account's or the server's) below ``PUBLISHING_HEADROOM``. Two queries, or one query and one
    Redis call."""
    soon = timezone.now() + DEFERRED_RETRY
    waiting = Pin.objects.in_flight().filter(account=account, deleted_at__isnull=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=soon))
    if waiting.exists():
        return "pins are waiting to publish"
    global_meter, (account_meter,) = pacing_meters(accounts=[account])
    for name, meter in (("the account's", account_meter), ("the server's", global_meter)):
        if meter["tokens_available"] < meter["capacity"] * PUBLISHING_HEADROOM:
            return f"{name} publishing budget is in use"
    return ""


class _Stop(Exception):
    """Ends a run early, keeping what it collected: ``outcome`` and when to try again."""

    def __init__(self, outcome: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.outcome, self.message, self.retry_after = outcome, message, retry_after


class _CountingTransport(httpx.BaseTransport):
    """Counts every request sent to Pinterest (token refreshes too) on its way to the real transport."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent = 0
        self.started = time.monotonic()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        """The inner transport is shared (or the caller's): clients closing do not close it."""


@contextlib.contextmanager
def _counted() -> Iterator[_CountingTransport]:
    counter = _CountingTransport(transport_kwargs().get("transport") or shared_transport())
    with pinterest_transport(counter):
        yield counter


# --- what a run asks for ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PinToCollect:
    pin_id: int
    pinterest_pin_id: str
    start: date
    video: bool


def _first_pending(last_ready: date | None, first_not_ready: date | None, earliest: date) -> date:
    """The first day still to ask for: the first not final, else the day after the last final one."""
    candidates = [day for day in (first_not_ready, last_ready + timedelta(days=1) if last_ready else None) if day]
    return max(earliest, min(candidates) if candidates else earliest)


def _account_start(account: PinterestAccount, today: date) -> date | None:
    """The account's first day to ask for (None: collected since its current daily slot). One query."""
    earliest = today - timedelta(days=MAX_DAYS_BACK)
    marks = AccountDailyMetric.objects.filter(account=account, date__gte=earliest).aggregate(
        last_ready=Max("date", filter=Q(data_status="READY")), first_not=Min("date", filter=~Q(data_status="READY")),
        last_collected=Max("collected_at"))
    if marks["last_collected"] is not None and marks["last_collected"] >= collection_slot(account, timezone.now()):
        return None
    return _first_pending(marks["last_ready"], marks["first_not"], earliest)


def pins_to_collect(account: PinterestAccount, *, kind: str, today: date) -> list[PinToCollect]:
    """The account's pins a run of ``kind`` follows, each with its first day to ask for. Two queries."""
    earliest = today - timedelta(days=MAX_DAYS_BACK)
    follow_since = datetime.combine(today - timedelta(days=FOLLOW_PIN_DAYS), datetime.min.time(),
                                    tzinfo=timezone.get_fixed_timezone(0))
    pins = list(
        Pin.objects.filter(account=account, status=PinStatus.PUBLISHED, deleted_at__isnull=True,
                           removed_from_pinterest_at__isnull=True, published_at__gte=follow_since)
        .exclude(pinterest_pin_id="").order_by("published_at", "pk")
        .values_list("pk", "pinterest_pin_id", "published_at", "asset__asset_type")
    )
    marks = {
        row["pin_id"]: row for row in PinDailyMetric.objects.filter(account=account, date__gte=earliest)
        .values("pin_id").annotate(last_ready=Max("date", filter=Q(data_status="READY")),
                                   first_not=Min("date", filter=~Q(data_status="READY")),
                                   last_collected=Max("collected_at"))
    }
    fresh_since = collection_slot(account, timezone.now())
    daily_since = today - timedelta(days=DAILY_PIN_DAYS)
    chosen = []
    for pk, pinterest_pin_id, published_at, asset_type in pins:
        if published_at is None:
            continue
        published = published_at.astimezone(timezone.get_fixed_timezone(0)).date()
        mark = marks.get(pk)
        if mark is not None and mark["last_collected"] >= fresh_since:
            continue  # collected since this slot (by a run deferred part way, or a backfill)
        followed = (kind == AnalyticsCollectionRun.Kind.BACKFILL or published > daily_since or mark is None
                    or pk % 7 == today.toordinal() % 7)
        if not followed:
            continue
        start = _first_pending(mark["last_ready"] if mark else None, mark["first_not"] if mark else None,
                               max(earliest, published))
        chosen.append(PinToCollect(pk, pinterest_pin_id, min(start, today), asset_type == "video"))
    return chosen


# --- saving --------------------------------------------------------------------------------------


def _columns(day: AnalyticsDay, names: dict[str, str]) -> dict[str, Any]:
    return {METRIC_COLUMNS[metric]: day.count(pinterest) for metric, pinterest in names.items()}


def _save_account_days(account: PinterestAccount, days: list[AnalyticsDay], now: datetime) -> None:
    rows = [AccountDailyMetric(account=account, date=day.date, data_status=day.data_status, collected_at=now,
                               **_columns(day, ACCOUNT_METRICS)) for day in days]
    AccountDailyMetric.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["account", "date"],
        update_fields=[*(METRIC_COLUMNS[m] for m in ACCOUNT_METRICS), "data_status", "collected_at"])


def _save_pin_days(account: PinterestAccount, collected: list[tuple[PinToCollect, list[AnalyticsDay]]],
                   now: datetime) -> None:
    rows = [PinDailyMetric(pin_id=pin.pin_id, account=account, date=day.date, data_status=day.data_status,
                           collected_at=now, **_columns(day, PIN_METRICS))
            for pin, days in collected for day in days]
    PinDailyMetric.objects.bulk_create(
        rows, batch_size=1000, update_conflicts=True, unique_fields=["pin", "date"],
        update_fields=[*METRIC_COLUMNS.values(), "data_status", "collected_at"])


# --- a run ---------------------------------------------------------------------------------------


def _claim(account_id: int, kind: str, today: date) -> tuple[PinterestAccount | None, AnalyticsCollectionRun | None,
                                                              str]:
    """The account and a new RUNNING run, or why not: one run per account at a time."""
    now = timezone.now()
    with transaction.atomic():
        account = (PinterestAccount.objects.select_for_update().select_related("workspace__team")
                   .filter(pk=account_id).first())
        if account is None or account.revoked_at is not None:
            return None, None, "no such connected account"
        if account.reconnect_required:
            return None, None, "reconnect required"
        running = AnalyticsCollectionRun.objects.filter(account=account, outcome=AnalyticsCollectionRun.Outcome.RUNNING)
        if running.filter(started_at__gt=now - RUNNING_LEASE).exists():
            return None, None, "already running"
        # A run still "running" past its lease lost its worker (killed at the cluster's timeout).
        running.update(outcome=AnalyticsCollectionRun.Outcome.FAILED, finished_at=now,
                       error="Did not finish: its worker stopped (timeout or restart).")
        run = AnalyticsCollectionRun.objects.create(account=account, kind=kind, start_date=today, end_date=today,
                                                    started_at=now)
    return account, run, ""


def collect_account(account: PinterestAccount | int, *, kind: str = AnalyticsCollectionRun.Kind.DAILY
                    ) -> AnalyticsCollectionRun | None:
    """Collect one account's days and its followed pins' days (see the module docstring); the run's
    record, or None when there is nothing to run (disconnected, reconnect required,
    another run in progress). Never raises for Pinterest's refusals: they end the run ``FAILED``."""
    if kind not in AnalyticsCollectionRun.Kind.values:
        raise ValueError(f"Unknown collection kind {kind!r}")
    today = pinterest_today()
    account_obj, run, why = _claim(account if isinstance(account, int) else account.pk, kind, today)
    if run is None or account_obj is None:
        logger.info("Analytics collection of account %s not run: %s", account, why)
        return None
    account = account_obj
    outcome: str = AnalyticsCollectionRun.Outcome.SUCCEEDED
    error, retry_after = "", None
    collected: list[tuple[PinToCollect, list[AnalyticsDay]]] = []
    saved_pins = skipped = refused = refused_in_a_row = 0
    with _counted() as counter:
        try:
            waiting = publishing_needs_budget(account)
            if waiting:
                raise _Stop(AnalyticsCollectionRun.Outcome.DEFERRED, f"Publishing first: {waiting}.", None)
            account_start = _account_start(account, today)
            pins = pins_to_collect(account, kind=kind, today=today)
            run.start_date = min([today, *([account_start] if account_start else []), *(pin.start for pin in pins)])
            if account_start is None and not pins:
                raise _Stop(AnalyticsCollectionRun.Outcome.SUCCEEDED, "")  # nothing left to ask for today
            with pinterest_for(account) as client:
                if account_start is not None:
                    days = _ask(counter, account, functools.partial(
                        client.user_account_analytics, start_date=account_start, end_date=today,
                        metric_types=list(ACCOUNT_METRICS.values())))
                    _save_account_days(account, days, timezone.now())
                    _stop_if_budget_low(client)
                for pin in pins:
                    metrics = [name for metric, name in PIN_METRICS.items() if pin.video or metric != "video_view"]
                    try:
                        days = _ask(counter, account, functools.partial(
                            client.pin_analytics, pin.pinterest_pin_id, start_date=pin.start, end_date=today,
                            metric_types=metrics))
                    except pinterest_errors.NotFound as exc:
                        # Deleted on Pinterest: marked so, and no longer followed; the others are still collected.
                        logger.info("Pin %s not found on Pinterest (%s): marked removed", pin.pin_id, exc.error_code)
                        pin_removed_from_pinterest_mark(pin_id=pin.pin_id)
                        skipped += 1
                        continue
                    except pinterest_errors.Forbidden as exc:
                        # Not authorized (scope lost, or no longer this account's): not "deleted", not marked.
                        logger.info("Analytics of pin %s refused: %s", pin.pin_id, exc.error_code)
                        refused += 1
                        refused_in_a_row += 1
                        if refused_in_a_row >= REFUSALS_BEFORE_STOP:
                            raise _Stop(AnalyticsCollectionRun.Outcome.FAILED,
                                        f"Pinterest refused the analytics of {refused_in_a_row} pins in a row (403: "
                                        "not authorized): the account may have lost a permission; reconnect it. "
                                        "Stopped there instead of asking for every pin.", None) from exc
                        continue
                    refused_in_a_row = 0
                    collected.append((pin, days))
                    _stop_if_budget_low(client)
                    if len(collected) >= SAVE_EVERY_PINS:
                        _save_pin_days(account, collected, timezone.now())
                        saved_pins += len(collected)
                        collected = []
        except _Stop as stop:
            outcome, error, retry_after = stop.outcome, stop.message, stop.retry_after
        except RateLimited as exc:
            outcome, error = AnalyticsCollectionRun.Outcome.DEFERRED, f"Pinterest's rate limit: {exc.message}"
            retry_after = exc.retry_after
        except DomainError as exc:
            outcome, error = AnalyticsCollectionRun.Outcome.FAILED, f"{exc.code}: {exc.message}"
        except Exception as exc:  # recorded, then raised: the job fails as it would, the run says why
            _finish(run, AnalyticsCollectionRun.Outcome.FAILED, f"internal error: {type(exc).__name__}",
                    counter.sent, saved_pins)
            raise
        finally:
            if collected:
                _save_pin_days(account, collected, timezone.now())
                saved_pins += len(collected)
    if not error:
        error = " ".join(
            ([f"{refused} pin(s) refused by Pinterest (403: not authorized; scope lost?) were skipped."]
             if refused else [])
            + ([f"{skipped} pin(s) not found on Pinterest were marked removed from Pinterest."] if skipped else []))
    _finish(run, outcome, error, counter.sent, saved_pins)
    if outcome == AnalyticsCollectionRun.Outcome.DEFERRED:
        _retry_later(run, retry_after)
    return run


def _ask(counter: _CountingTransport, account: PinterestAccount,
         call: Callable[[], list[AnalyticsDay]]) -> list[AnalyticsDay]:
    """One analytics call, publishing first: the worker is handed back after ``RUN_SECONDS``, the
    backlog checked every few calls, and a 429 stops the run."""
    if counter.sent and time.monotonic() - counter.started > RUN_SECONDS:
        raise _Stop(AnalyticsCollectionRun.Outcome.DEFERRED, "Time slice used: the worker goes back to publishing; "
                    "the run continues shortly.", CONTINUE_AFTER.total_seconds())
    if counter.sent and counter.sent % RECHECK_EVERY_CALLS == 0 and publishing_needs_budget(account):
        raise _Stop(AnalyticsCollectionRun.Outcome.DEFERRED, "Publishing first: publishing started meanwhile.")
    try:
        return call()
    except pinterest_errors.RateLimited as exc:
        raise _Stop(AnalyticsCollectionRun.Outcome.DEFERRED, f"Pinterest answered 429 ({exc.error_code}).",
                    exc.reset_seconds) from None


def _stop_if_budget_low(client: PinterestClient) -> None:
    """After a call: stop (keeping its answer) when Pinterest's remaining budget runs low."""
    status = client.rate_limit
    if (status is not None and status.limit and status.remaining is not None
            and status.remaining < status.limit * RATE_LIMIT_HEADROOM):
        raise _Stop(AnalyticsCollectionRun.Outcome.DEFERRED,
                    f"Pinterest's budget is low ({status.remaining} of {status.limit} left); publishing first.",
                    status.reset_seconds)


def _finish(run: AnalyticsCollectionRun, outcome: str, error: str, calls: int, pins: int) -> None:
    run.outcome, run.error, run.calls, run.pins_collected = outcome, error[:ERROR_MAX], calls, pins
    run.end_date = max(run.end_date, run.start_date)
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error", "calls", "pins_collected", "start_date", "end_date", "finished_at"])


def _retry_later(run: AnalyticsCollectionRun, retry_after: float | None) -> None:
    """A deferred run is tried again no sooner than Pinterest allows (and the periodic job leaves it)."""
    wait = timedelta(seconds=max(retry_after or 0.0, 0.0)) + (DEFERRED_RETRY if retry_after is None else timedelta(0))
    cache.set(_enqueued_key(run.account_id), True, int(wait.total_seconds()) + 60)
    task_enqueue(TASK, run.account_id, run.kind, at=timezone.now() + wait)


# --- backfill on connect, and the periodic job ------------------------------------------------


def _enqueued_key(account_id: int) -> str:
    return f"analytics-collect-enqueued:{account_id}"


def analytics_backfill_request(account: PinterestAccount) -> bool:
    """After an account is connected: a job backfills its last 90 days (any workspace: a sandbox
    workspace's from the built-in sandbox).
    Enqueued once the transaction commits; returns whether it was."""
    if account.revoked_at is not None:
        return False
    cache.set(_enqueued_key(account.pk), True, SWEEP_MINUTES * 60)
    task_enqueue(TASK, account.pk, AnalyticsCollectionRun.Kind.BACKFILL)
    return True


def collection_slot(account: PinterestAccount, now: datetime) -> datetime:
    """The account's most recent daily collection time at or before ``now``: its own minute of the UTC
    day (from its public id), so accounts spread over the day."""
    minute = account.public_id.int % (24 * 60)
    utc_now = now.astimezone(timezone.get_fixed_timezone(0))
    slot = utc_now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(minutes=minute)
    return slot if slot <= utc_now else slot - timedelta(days=1)


def accounts_due(*, now: datetime | None = None) -> list[PinterestAccount]:
    """Connected, healthy accounts (production and sandbox workspaces) whose daily minute has passed with no
    successful run since, none running, and no failure within ``FAILURE_BACKOFF``. One query."""
    now = now or timezone.now()
    outcome = AnalyticsCollectionRun.Outcome
    # Only recent runs matter (the slot is at most a day back, the backoff and the lease shorter): each
    # is a subquery reading the newest of the account's runs of the last DUE_LOOKBACK through the index
    # (account, -started_at), however many runs the account has had.
    recent = AnalyticsCollectionRun.objects.filter(account=OuterRef("pk"), started_at__gte=now - DUE_LOOKBACK)

    def latest(run_outcome: str) -> Subquery:
        return Subquery(recent.filter(outcome=run_outcome).order_by("-started_at").values("started_at")[:1])

    accounts = (
        PinterestAccount.objects.filter(revoked_at__isnull=True, health_status=PinterestAccount.Health.HEALTHY)
        .annotate(last_success=latest(outcome.SUCCEEDED), last_failure=latest(outcome.FAILED),
                  last_running=latest(outcome.RUNNING))
        .order_by("pk")
    )
    due: list[PinterestAccount] = []
    for account in accounts:
        if account.last_success is not None and account.last_success >= collection_slot(account, now):
            continue
        if account.last_failure is not None and account.last_failure > now - FAILURE_BACKOFF:
            continue
        if account.last_running is not None and account.last_running > now - RUNNING_LEASE:
            continue
        due.append(account)
    return due


def analytics_collect_due(*, now: datetime | None = None) -> int:
    """The periodic job: enqueue one collection job per due account (at most once per sweep each).
    Returns how many were enqueued."""
    enqueued = 0
    for account in accounts_due(now=now):
        if cache.add(_enqueued_key(account.pk), True, SWEEP_MINUTES * 60):
            task_enqueue(TASK, account.pk, AnalyticsCollectionRun.Kind.DAILY)
            enqueued += 1
    return enqueued


def collect_account_run(*, account_id: int, kind: str) -> str:
    """The job: one run; whatever happens is recorded on the run, never raised for Pinterest's answers."""
    run = collect_account(account_id, kind=kind)
    return "not run" if run is None else f"{run.outcome}: {run.calls} calls, {run.pins_collected} pins"
