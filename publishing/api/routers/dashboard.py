"""/v1/dashboard/summary: publishing activity over a period, compared with the one before."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from ninja import Query, Router

from publishing.access import Actor
from publishing.api.lookups import account_or_404
from publishing.api.schemas.common import responses
from publishing.api.schemas.dashboard import SummaryFilters, SummaryOut
from publishing.api.security import actor_of
from publishing.models import Pin, PinStatus, Schedule, ScheduleStatus
from publishing.services.errors import ValidationError

router = Router(tags=["dashboard"])

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=366)
HOURLY_UP_TO = timedelta(hours=48)
WAITING = (PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.PUBLISHING)
# No pin predates these bounds; inside them every derived moment (the previous period, the UTC
# conversion the database makes) stays within what ``datetime`` can represent.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _zone(name: str | None, who: Actor) -> zoneinfo.ZoneInfo:
    if not name:
        return who.workspace.zone
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("invalid_timezone", f"{name!r} is not an IANA time zone such as Europe/Paris.",
                              field="tz") from None


def _aware(moment: datetime, zone) -> datetime:
    return moment.replace(tzinfo=zone) if timezone.is_naive(moment) else moment


def _within_bounds(moment: datetime, field: str) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValidationError("out_of_range", f"{field} must fall between {EARLIEST:%Y} and {LATEST:%Y}.", field=field)
    return moment


def _pin_stats(pins, start: datetime, end: datetime) -> dict:
    in_range = {"published": Q(published_at__gte=start, published_at__lt=end, status=PinStatus.PUBLISHED),
                "failed": Q(status=PinStatus.FAILED, failed_at__gte=start, failed_at__lt=end)}
    for status in WAITING:
        in_range[status.value] = Q(status=status, created_at__gte=start, created_at__lt=end)
    counts = pins.aggregate(submitted=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
                            **{name: Count("id", filter=condition) for name, condition in in_range.items()})
    by_status = {status.value: counts[status.value] for status in PinStatus}
    decided = by_status["published"] + by_status["failed"]
    return {"total": sum(by_status.values()), "submitted": counts["submitted"], "by_status": by_status,
            "success_rate": round(by_status["published"] / decided, 4) if decided else None}


def _series(pins, start: datetime, end: datetime, zone, hourly: bool) -> list[dict]:
    trunc = TruncHour if hourly else TruncDay
    step = timedelta(hours=1) if hourly else timedelta(days=1)

    def counted(field: str, condition: Q) -> dict:
        rows = (pins.filter(condition, **{f"{field}__gte": start, f"{field}__lt": end})
                .annotate(bucket=trunc(field, tzinfo=zone)).values("bucket").annotate(n=Count("id")))
        return {row["bucket"]: row["n"] for row in rows}

    created = counted("created_at", Q())
    published = counted("published_at", Q(status=PinStatus.PUBLISHED))
    failed = counted("failed_at", Q(status=PinStatus.FAILED))
    local = start.astimezone(zone)
    bucket = local.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        bucket = bucket.replace(hour=0)
    points = []
    while bucket < end:
        points.append({"start": bucket, "created": created.get(bucket, 0), "published": published.get(bucket, 0),
                       "failed": failed.get(bucket, 0)})
        # Step in wall-clock time so days stay days across daylight-saving changes.
        bucket = (bucket.replace(tzinfo=None) + step).replace(tzinfo=zone)
    return points


@router.get("/summary", response=responses({200: SummaryOut}, 403, 404))
def summary(request, filters: Query[SummaryFilters]):
    who = actor_of(request, "workspace.read")
    zone = _zone(filters.tz, who)
    end = _within_bounds(_aware(filters.end, zone), "end") if filters.end else timezone.now()
    start = _within_bounds(_aware(filters.start, zone), "start") if filters.start else end - DEFAULT_RANGE
    if start >= end:
        raise ValidationError("invalid_range", "start must be before end.", field="start")
    if end - start > MAX_RANGE:
        raise ValidationError("range_too_long", "The range can span at most 366 days.", field="start")
    pins = who.filter_accounts(Pin.objects.filter(workspace=who.workspace, deleted_at__isnull=True), "account")
    schedules = who.filter_accounts(Schedule.objects.filter(workspace=who.workspace), "account")
    account = None
    if filters.account_id:
        account = account_or_404(who, filters.account_id)
        pins, schedules = pins.filter(account=account), schedules.filter(account=account)
    previous_start = start - (end - start)
    published = (pins.filter(status=PinStatus.PUBLISHED, published_at__gte=start, published_at__lt=end)
                 .values("account__public_id").annotate(n=Count("id")).order_by("-n"))
    queue = pins.aggregate(**{status.value: Count("id", filter=Q(status=status)) for status in WAITING})
    schedule_counts = (schedules.filter(run_at__gte=start, run_at__lt=end).with_status().values("current_status")
                       .annotate(n=Count("id")))
    import_jobs = None
    if account is None:
        from publishing.models import ImportJob

        rows = (ImportJob.objects.filter(workspace=who.workspace, created_at__gte=start, created_at__lt=end)
                .values("status").annotate(n=Count("id")))
        import_jobs = {"by_status": {row["status"]: row["n"] for row in rows}}
    return {
        "start": start, "end": end, "timezone": str(zone), "granularity": "hour" if end - start <= HOURLY_UP_TO else "day",
        "previous_start": previous_start, "previous_end": start, "account_id": account.public_id if account else None,
        "pins": _pin_stats(pins, start, end), "previous_pins": _pin_stats(pins, previous_start, start),
        "series": _series(pins, start, end, zone, end - start <= HOURLY_UP_TO),
        "published_by_account": [{"account_id": row["account__public_id"], "published": row["n"]} for row in published],
        "queue": queue,
        "schedules": {"by_status": {row["current_status"]: row["n"] for row in schedule_counts},
                      "upcoming": schedules.filter(own_status=ScheduleStatus.SCHEDULED,
                                                   run_at__gte=timezone.now()).count()},
        "import_jobs": import_jobs,
    }

