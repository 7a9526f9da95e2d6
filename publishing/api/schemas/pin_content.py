"""Pin content as /v1's pin and schedule schemas take it and check it: one type per field, its
limits read from ``PinContent``, and the dry-run report both /v1/pins and /v1/schedules answer."""

from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.content import PinContent

# A request field's type says its limit; `field: PinTitle | None = None` makes it optional.
PinBoardId = Annotated[str, Field(min_length=1, max_length=PinContent.board_id.max_length)]
PinTitle = Annotated[str, Field(max_length=PinContent.title.max_length)]
PinDescription = Annotated[str, Field(max_length=PinContent.description.max_length)]
PinRelatedTerms = Annotated[list[str], Field(max_length=PinContent.related_terms.max_items)]
PinAltText = Annotated[str, Field(max_length=PinContent.alt_text.max_length)]
PinDominantColor = Annotated[str, Field(max_length=PinContent.dominant_color.max_length)]
PinCoverImageUrl = Annotated[str, Field(max_length=PinContent.cover_image_url.max_length)]
PinLinkUrl = Annotated[str, Field(max_length=PinContent.link_url.max_length)]
PinImageUrl = Annotated[str, Field(max_length=PinContent.image_url.max_length)]
PinIdempotencyKey = Annotated[str, Field(min_length=1, max_length=PinContent.idempotency_key.max_length)]


class PinValidationCheckOut(Schema):
    name: str
    status: str
    code: str | None = None
    message: str
    remediation: str | None = None
    details: dict[str, Any] | None = None


class PinValidationOut(Schema):
    valid: bool
    dry_run: bool = True
    checks: list[PinValidationCheckOut]
    resolved: dict[str, Any] | None = None
    existing_pin_id: UUID | None = None
    headroom: dict[str, Any] | None = None
