"""Review links (Pinboard extension): sending pins and schedules to a guest reviewer."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema
from publishing.models import ReviewLink
from publishing.services.review_links import REVIEW_LINK_DAYS, REVIEW_LINK_MAX_DAYS, REVIEW_LINK_MAX_ITEMS


class ReviewLinkCreateIn(InSchema):
    pin_ids: list[UUID] = Field(default_factory=list, max_length=REVIEW_LINK_MAX_ITEMS)
    schedule_ids: list[UUID] = Field(default_factory=list, max_length=REVIEW_LINK_MAX_ITEMS)
    expires_in_days: int = Field(REVIEW_LINK_DAYS, ge=1, le=REVIEW_LINK_MAX_DAYS)
    guest_name: str = Field("", max_length=ReviewLink.GUEST_NAME_MAX_LENGTH)
    guest_email: str = Field("", max_length=254, description="Checked as an email address (422 naming it).")


class ReviewLinkOut(Schema):
    id: UUID
    pin_ids: list[UUID]
    schedule_ids: list[UUID]
    purpose: str
    guest_name: str
    guest_email: str
    expires_at: datetime
    revoked_at: datetime | None
    is_open: bool
    created_at: datetime
    last_opened_at: datetime | None


class ReviewLinkCreatedOut(ReviewLinkOut):
    token: str = Field(description="Shown once: only its sha256 is stored.")
    url: str = Field(description="The guest's page: no account needed. Shown once.")


def review_link_out(link: ReviewLink) -> dict[str, object]:
    return {"id": link.public_id, "pin_ids": [pin.public_id for pin in link.pins.all()],
            "schedule_ids": [schedule.public_id for schedule in link.schedules.all()], "purpose": link.purpose,
            "guest_name": link.guest_name, "guest_email": link.guest_email, "expires_at": link.expires_at,
            "revoked_at": link.revoked_at, "is_open": link.is_open(), "created_at": link.created_at,
            "last_opened_at": link.last_opened_at}
