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
    removed_from_pinterest_at: datetime | None = None
