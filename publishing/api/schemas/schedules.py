"""/v1/schedules: pins to publish at a chosen time."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import BoardId, FilterMoment, InSchema, Limit, Offset
from publishing.api.schemas.pin_content import (
    PinAltText,
    PinBoardId,
    PinCoverImageUrl,
    PinDescription,
    PinImageUrl,
    PinLinkUrl,
    PinTitle,
)
from publishing.models import Schedule

ScheduleSort = Literal["run_at_desc", "run_at_asc", "created_at_desc", "created_at_asc", "title_asc",
                       "title_desc", "status_asc", "status_desc"]
ScheduleStatusName = Literal["scheduled", "queued", "deferred", "running", "done", "failed", "canceled"]


class ScheduleCreateIn(InSchema):
    account_id: UUID
    run_at: datetime
    board_id: PinBoardId
    title: PinTitle
    description: PinDescription | None = None
    alt_text: PinAltText | None = None
    link_url: PinLinkUrl | None = None
    image_url: PinImageUrl | None = None
    asset_id: UUID | None = None
    cover_image_url: PinCoverImageUrl | None = None
    cover_image_asset_id: UUID | None = None

    def payload(self) -> dict[str, Any]:
        """What the schedules service takes: the fields that were sent, ids as text."""
        return self.model_dump(mode="json", exclude_unset=True)


class ScheduleUpdateIn(InSchema):
    run_at: datetime | None = None
    board_id: PinBoardId | None = None
    title: PinTitle | None = None
    description: PinDescription | None = None
    link_url: PinLinkUrl | None = None
    image_url: PinImageUrl | None = None
    asset_id: UUID | None = None
    cover_image_url: PinCoverImageUrl | None = None
    cover_image_asset_id: UUID | None = None


class ScheduleFilters(InSchema):
    limit: Limit = 50
    offset: Offset = 0
    account_id: UUID | None = None
    board_id: BoardId | None = None
    status: ScheduleStatusName | None = None
    since: FilterMoment | None = None
    until: FilterMoment | None = None
    q: str | None = Field(None, max_length=255)
    sort: ScheduleSort = "run_at_desc"


class ScheduleOut(Schema):
    id: UUID
    workspace_id: UUID
    pinterest_account_id: UUID
    run_at: datetime
    status: str
    payload: dict[str, Any]
    last_error: str | None = None
    pin_id: UUID | None = None
    created_at: datetime
    updated_at: datetime


def schedule_payload(schedule: Schedule) -> dict[str, Any]:
    """The schedule's content as /v1 sends it: one JSON object, assets by id, plus the media type."""
    return {**schedule.content_values(), "media_type": schedule.media_type}


def schedule_out(schedule: Schedule) -> dict[str, Any]:
    return {"id": schedule.public_id, "workspace_id": schedule.workspace.public_id,
            "pinterest_account_id": schedule.account.public_id, "run_at": schedule.run_at,
            "status": schedule.status, "payload": schedule_payload(schedule),
            "last_error": schedule.last_error or None,
            "pin_id": schedule.pin.public_id if schedule.pin else None, "created_at": schedule.created_at,
            "updated_at": schedule.updated_at}
