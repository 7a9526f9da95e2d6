"""/v1/dashboard/summary: publishing activity over a period, compared with the one before."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from publishing.access import Actor
from publishing.api.schemas.common import responses
from publishing.api.schemas.dashboard import SummaryFilters, SummaryOut
from publishing.api.security import actor_of
from publishing.lookups import account_for_workspace_or_404
from publishing.models import ImportJob, Pin, Schedule
from publishing.reports import publishing_summary
from publishing.services.errors import ValidationError

router = Router(tags=["dashboard"])

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=366)
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


@router.get("/summary", response=responses({200: SummaryOut}, 403, 404))
def summary(request: HttpRequest, filters: Query[SummaryFilters]) -> dict[str, Any]:
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
        account = account_for_workspace_or_404(who, filters.account_id)
        pins, schedules = pins.filter(account=account), schedules.filter(account=account)
    # Import figures cover the whole workspace, so a summary of one account leaves them out.
    imports = ImportJob.objects.filter(workspace=who.workspace) if account is None else None
    report = publishing_summary(pins, schedules, imports, start=start, end=end, zone=zone, now=timezone.now())
    return {**report, "account_id": account.public_id if account else None}

