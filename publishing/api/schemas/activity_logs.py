"""/v1/activity-logs: the team's audit trail as the SDK reads it."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import FilterMoment, InSchema


class ActivityFilters(InSchema):
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=200)
    category: Literal["security", "publishing", "billing", "configuration", "integration"] | None = None
    action: str | None = Field(None, max_length=64)
    status: Literal["success", "failed", "queued", "canceled"] | None = None
    resource_type: str | None = Field(None, max_length=64)
    since: FilterMoment | None = None


class ActivityOut(Schema):
    id: UUID
    actor_user_id: UUID | None = None
    actor_type: str
    actor_label: str | None = None
    action: str
    category: str
    resource_type: str | None = None
    resource_id: str | None = None
    status: str
    message: str
    metadata: dict[str, Any]
    request_id: str | None = None
    retention_days: int
    expires_at: datetime
    created_at: datetime


class ActivityListOut(Schema):
    items: list[ActivityOut]
    next_cursor: str | None = None
    current_retention_days: int
    current_retention_label: str
