"""/v1/dashboard/summary: publishing activity over a period, compared with the one before."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import FilterMoment, InSchema


class SummaryFilters(InSchema):
    start: FilterMoment | None = None
    end: FilterMoment | None = None
    tz: str | None = Field(None, max_length=64)
    account_id: UUID | None = None


class PinStatsOut(Schema):
    total: int
    submitted: int
    by_status: dict[str, int]
    success_rate: float | None = None


class SeriesPointOut(Schema):
    start: datetime
    created: int
    published: int
    failed: int


class AccountCountOut(Schema):
    account_id: UUID
    published: int


class QueueOut(Schema):
    queued: int
    deferred: int
    publishing: int


class ScheduleStatsOut(Schema):
    by_status: dict[str, int]
    upcoming: int


class ImportStatsOut(Schema):
    by_status: dict[str, int]


class SummaryOut(Schema):
    start: datetime
    end: datetime
    timezone: str
    granularity: str
    previous_start: datetime
    previous_end: datetime
    account_id: UUID | None = None
    pins: PinStatsOut
    previous_pins: PinStatsOut
    series: list[SeriesPointOut]
    published_by_account: list[AccountCountOut]
    queue: QueueOut
    schedules: ScheduleStatsOut
    import_jobs: ImportStatsOut | None = None
