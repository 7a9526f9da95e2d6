"""Read-only figures: the dashboard's overview and /v1/dashboard/summary, each a bounded number of
aggregate queries. The figures of one pin list are ``PinQuerySet.stats()``; this module puts them
together for a page or a response."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TypedDict
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncDay, TruncHour

from publishing.models import ImportJob, Pin, PinStatus, Workspace
from publishing.models.pins import PinQuerySet, PinStats, ScheduleQuerySet

CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 600, 120, 2


@dataclass(frozen=True)
class StatusComparison:
    status: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class ChartBar:
    day: date
    total: int
    published: int
    x: float
    width: float
    y: float
    height: float
    published_y: float
    published_height: float


def pin_status_comparison(workspace: Workspace, *, now: datetime, days: int = 30) -> list[StatusComparison]:
    """Pins created in the last ``days`` days by status, beside the ``days`` before (one query)."""
    start, previous_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    rows = (
        Pin.objects.filter(
            workspace=workspace, deleted_at__isnull=True, created_at__gte=previous_start, created_at__lt=now
        )
        .values("status")
        .annotate(
            current=Count("id", filter=Q(created_at__gte=start)), previous=Count("id", filter=Q(created_at__lt=start))
        )
    )
    by_status = {row["status"]: row for row in rows}
    return [
        StatusComparison(
            status=status.value,
            label=status.label,
            current=by_status.get(status.value, {}).get("current", 0),
            previous=by_status.get(status.value, {}).get("previous", 0),
        )
        for status in PinStatus
    ]


def daily_pin_chart(workspace: Workspace, *, now: datetime, days: int = 30) -> list[ChartBar]:
    """One bar per day (in the workspace's zone) of pins created, the published part marked (one query)."""
    zone = workspace.zone
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    rows = (
        Pin.objects.filter(workspace=workspace, deleted_at__isnull=True, created_at__gte=start, created_at__lt=now)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(total=Count("id"), published=Count("id", filter=Q(status=PinStatus.PUBLISHED)))
    )
    per_day = {row["day"]: row for row in rows}
    peak = max((row["total"] for row in per_day.values()), default=0) or 1
    slot = CHART_WIDTH / days
    bars = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        total = per_day.get(day, {}).get("total", 0)
        published = per_day.get(day, {}).get("published", 0)
        height = CHART_HEIGHT * total / peak
        published_height = CHART_HEIGHT * published / peak
        bars.append(
            ChartBar(
                day=day,
                total=total,
                published=published,
                x=round(offset * slot + CHART_GAP / 2, 2),
                width=round(slot - CHART_GAP, 2),
                y=round(CHART_HEIGHT - height, 2),
                height=round(height, 2),
                published_y=round(CHART_HEIGHT - published_height, 2),
                published_height=round(published_height, 2),
            )
        )
    return bars


# A summary of at most this long is counted by the hour, a longer one by the day.
HOURLY_UP_TO = timedelta(hours=48)


class SeriesPoint(TypedDict):
    start: datetime
    created: int
    published: int
    failed: int


class AccountCount(TypedDict):
    account_id: UUID
    published: int


class ScheduleStats(TypedDict):
    by_status: dict[str, int]
    upcoming: int


class ImportStats(TypedDict):
    by_status: dict[str, int]


class PublishingSummary(TypedDict):
    start: datetime
    end: datetime
    timezone: str
    granularity: str
    previous_start: datetime
    previous_end: datetime
    pins: PinStats
    previous_pins: PinStats
    series: list[SeriesPoint]
    published_by_account: list[AccountCount]
    queue: dict[str, int]
    schedules: ScheduleStats
    import_jobs: ImportStats | None


def pin_series(pins: PinQuerySet, start: datetime, end: datetime, zone: tzinfo, *, hourly: bool) -> list[SeriesPoint]:
    """Pins created, published and failed per hour or day (wall-clock in ``zone``) of ``[start, end)``."""
    trunc = TruncHour if hourly else TruncDay
    step = timedelta(hours=1) if hourly else timedelta(days=1)

    def counted(field: str, condition: Q) -> dict[datetime, int]:
        rows = (pins.filter(condition, **{f"{field}__gte": start, f"{field}__lt": end})
                .annotate(bucket=trunc(field, tzinfo=zone)).values("bucket").annotate(n=Count("id")))
        return {row["bucket"]: row["n"] for row in rows}

    created = counted("created_at", Q())
    published = counted("published_at", Q(status=PinStatus.PUBLISHED))
    failed = counted("failed_at", Q(status=PinStatus.FAILED))
    bucket = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    if not hourly:
        bucket = bucket.replace(hour=0)
    points: list[SeriesPoint] = []
    while bucket < end:
        points.append({"start": bucket, "created": created.get(bucket, 0), "published": published.get(bucket, 0),
                       "failed": failed.get(bucket, 0)})
        # Step in wall-clock time so days stay days across daylight-saving changes.
        bucket = (bucket.replace(tzinfo=None) + step).replace(tzinfo=zone)
    return points


def published_by_account(pins: PinQuerySet, start: datetime, end: datetime) -> list[AccountCount]:
    """Pins published in ``[start, end)`` per Pinterest account, the busiest first (one query)."""
    rows = (pins.filter(status=PinStatus.PUBLISHED, published_at__gte=start, published_at__lt=end)
            .values("account__public_id").annotate(n=Count("id")).order_by("-n"))
    return [{"account_id": row["account__public_id"], "published": row["n"]} for row in rows]


def schedule_stats(schedules: ScheduleQuerySet, start: datetime, end: datetime, *, now: datetime) -> ScheduleStats:
    """Schedules due in ``[start, end)`` by status, and how many are still to run after ``now``."""
    rows = (schedules.filter(run_at__gte=start, run_at__lt=end).with_status().values("current_status")
            .annotate(n=Count("id")))
    return {"by_status": {row["current_status"]: row["n"] for row in rows},
            "upcoming": schedules.upcoming(now).count()}


def import_stats(imports: QuerySet[ImportJob], start: datetime, end: datetime) -> ImportStats:
    """Imports started in ``[start, end)`` by status (one query)."""
    rows = imports.filter(created_at__gte=start, created_at__lt=end).values("status").annotate(n=Count("id"))
    return {"by_status": {row["status"]: row["n"] for row in rows}}


def publishing_summary(pins: PinQuerySet, schedules: ScheduleQuerySet, imports: QuerySet[ImportJob] | None, *,
                       start: datetime, end: datetime, zone: tzinfo, now: datetime) -> PublishingSummary:
    """Publishing activity in ``[start, end)`` beside the period of the same length before it.

    The caller narrows ``pins``, ``schedules`` and ``imports`` to what the reader may see (and to an
    account); ``imports`` None leaves import figures out.
    """
    previous_start = start - (end - start)
    hourly = end - start <= HOURLY_UP_TO
    return {
        "start": start, "end": end, "timezone": str(zone), "granularity": "hour" if hourly else "day",
        "previous_start": previous_start, "previous_end": start,
        "pins": pins.stats(start, end), "previous_pins": pins.stats(previous_start, start),
        "series": pin_series(pins, start, end, zone, hourly=hourly),
        "published_by_account": published_by_account(pins, start, end),
        "queue": pins.waiting_counts(),
        "schedules": schedule_stats(schedules, start, end, now=now),
        "import_jobs": import_stats(imports, start, end) if imports is not None else None,
    }
