"""Pin and account analytics (/v1/pins/{id}/analytics, /v1/pinterest/accounts/{id}/analytics)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Schema


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
