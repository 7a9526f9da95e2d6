"""Pin and account analytics (/v1/pins/{id}/analytics, /v1/pinterest/accounts/{id}/analytics)."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema


class AnalyticsFilters(InSchema):
    start_date: date | None = None
    end_date: date | None = None
    metrics: str | None = Field(None, max_length=500)
    source: Literal["auto", "stored", "live"] | None = None
    include_daily: bool | None = None


class AnalyticsOut(Schema):
    pin_id: UUID | None = None
    pinterest_pin_id: str | None = None
    account_id: UUID
    start_date: date
    end_date: date
    provider_mode: str
    totals: dict[str, Any]
    daily: list[dict[str, Any]]
    source: str
    data_as_of: datetime | None = None
    history_start: date | None = None
    removed_from_pinterest_at: datetime | None = None


class CollectionQuery(InSchema):
    limit: int = Field(10, ge=1, le=100, description="How many of the latest runs to list (1-100).")


class CollectionRunOut(Schema):
    kind: Literal["backfill", "daily"] = Field(description="`backfill` (on connect) or `daily`.")
    outcome: Literal["running", "succeeded", "deferred", "failed"] = Field(
        description="`deferred`: put off because publishing needed the rate budget.")
    start_date: date = Field(description="First Pinterest day (UTC) the run asked for.")
    end_date: date = Field(description="Last Pinterest day (UTC) the run asked for.")
    calls: int = Field(description="Requests sent to Pinterest, retries included.")
    pins_collected: int
    error: str | None = None
    started_at: datetime
    finished_at: datetime | None = None


class CollectionOut(Schema):
    account_id: UUID
    history_start: date | None = Field(None, description="First day of the account's stored figures.")
    history_end: date | None = Field(None, description="Last day of the account's stored figures.")
    data_as_of: datetime | None = Field(None, description="When the newest stored figure was collected.")
    runs: list[CollectionRunOut] = Field(description="The latest collection runs, newest first.")


class TopPinsQuery(InSchema):
    start_date: date | None = None
    end_date: date | None = None
    metric: Literal["impression", "save", "pin_click", "outbound_click", "video_view"] = Field(
        "impression", description="The metric the pins are ranked by.")
    limit: int = Field(10, ge=1, le=100, description="How many pins (1-100).")


class TopPinOut(Schema):
    pin_id: UUID
    title: str
    deleted: bool = Field(description="The pin was deleted in Pinboard since (its figures stay).")
    totals: dict[str, int | None] = Field(description="Each metric summed over the range (null: never reported).")


class TopPinsOut(Schema):
    account_id: UUID
    start_date: date
    end_date: date
    metric: str
    source: Literal["stored"] = "stored"
    data_as_of: datetime | None = None
    pins: list[TopPinOut]
