"""/v1/queue and /v1/pinterest/accounts/{id}/slots (Pinboard extension): the posting queue."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from publishing.api.schemas.common import InSchema
from publishing.api.schemas.schedules import ScheduleCreateIn
from publishing.models import WEEKDAYS
from publishing.services.posting_queue import FreeSlot, Slot


class PostingSlotIn(InSchema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, in the workspace's time zone")


class PostingSlotsIn(InSchema):
    slots: list[PostingSlotIn] = Field(max_length=100, description="The account's whole week; [] clears it")


class PostingSlotOut(Schema):
    weekday: int
    weekday_name: str
    time: str


class PostingQueueSlotOut(Schema):
    run_at: datetime = Field(description="The slot's instant, UTC")
    local_time: datetime = Field(description="The same instant in the workspace's time zone, with its offset")
    weekday: int
    time: str = Field(description="The slot as set (HH:MM); after a daylight-saving gap local_time is later")


class PostingSlotsOut(Schema):
    account_id: UUID
    time_zone: str
    slots: list[PostingSlotOut]


class PostingQueueOut(Schema):
    account_id: UUID
    time_zone: str
    data: list[PostingQueueSlotOut] = Field(description="The next free slots, earliest first")


class PostingQueueAddIn(ScheduleCreateIn):
    """A ScheduleCreate without ``run_at``: the queue chooses it (a ``run_at`` sent is a 422 naming it)."""

    run_at: SkipJsonSchema[None] = Field(default=None, exclude=True)  # type: ignore[assignment]


class TimeZoneIn(InSchema):
    time_zone: str = Field(min_length=1, max_length=64, description="An IANA zone such as Europe/Paris")


class TimeZoneOut(Schema):
    time_zone: str
    changed: bool
    note: str


def slot_out(slot: Slot) -> PostingSlotOut:
    return PostingSlotOut(weekday=slot.weekday, weekday_name=WEEKDAYS[slot.weekday],
                          time=f"{slot.local_time:%H:%M}")


def queue_slot_out(free: FreeSlot) -> PostingQueueSlotOut:
    return PostingQueueSlotOut(run_at=free.run_at, local_time=free.local, weekday=free.slot.weekday,
                        time=f"{free.slot.local_time:%H:%M}")
