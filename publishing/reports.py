"""Read-only figures for the dashboard's overview, each a bounded number of aggregate queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from publishing.models import Pin, PinStatus, Workspace

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
        Pin.objects.filter(workspace=workspace, deleted_at__isnull=True, created_at__gte=previous_start, created_at__lt=now)
        .values("status")
        .annotate(current=Count("id", filter=Q(created_at__gte=start)), previous=Count("id", filter=Q(created_at__lt=start)))
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
