"""Typed shapes of what we send to and read from Pinterest v5 (5.23 OpenAPI document).

Responses ignore unknown fields: Pinterest adds fields between versions and real bodies carry
keys the spec does not list (``images.originals``, ``"status": "failure"``).
"""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    RootModel,
    SecretStr,
    StringConstraints,
    model_validator,
)

from publishing.pinterest.streaming import Base64File, Source


def refuse_nul(value: str) -> str:
    # Pinterest refuses NUL characters, and PostgreSQL could not store such text anyway.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(refuse_nul)]
PinterestId = Annotated[str, StringConstraints(pattern=r"^[0-9]+$", max_length=64)]
ImageContentType = Literal["image/jpeg", "image/png"]
BASE64_PATTERN = r"^[A-Za-z0-9+/=]+$"
Base64Data = Annotated[str, StringConstraints(pattern=BASE64_PATTERN)]
BASE64_TEXT = re.compile(BASE64_PATTERN)


def base64_text_or_file(value: object) -> str | Base64File:
    if isinstance(value, Base64File):
        if value.size == 0:
            raise ValueError(f"{value.name} is empty")
        return value
    if not isinstance(value, str) or not BASE64_TEXT.fullmatch(value):
        raise ValueError("must be base64 text (A-Z, a-z, 0-9, +, / and =) or a Base64File")
    return value


def placeholder_of(value: str | Base64File) -> str:
    # In the JSON dump a streamed file stands as its placeholder; the client swaps the file in.
    return value.placeholder if isinstance(value, Base64File) else value


# Base64 text given inline, or a file whose base64 the client streams into the request body.
StreamableBase64 = Annotated[
    str | Base64File, PlainValidator(base64_text_or_file), PlainSerializer(placeholder_of, return_type=str)
]


class PinterestModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def as_utc(value: datetime | None) -> datetime | None:
    """Pinterest writes some timestamps without a zone (``2022-10-13T01:40:29``); they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Timestamp = Annotated[datetime | None, AfterValidator(as_utc)]


# --- user account -----------------------------------------------------------------------------


class UserAccount(PinterestModel):
    id: str
    username: str = ""
    account_type: str | None = None
    business_name: str | None = None
    profile_image: str | None = None
    website_url: str | None = None
    about: str | None = None
    board_count: int | None = None
    pin_count: int | None = None
    follower_count: int | None = None
    following_count: int | None = None
    monthly_views: int | None = None


# --- boards -----------------------------------------------------------------------------------

BoardPrivacy = Literal["PUBLIC", "PROTECTED", "SECRET"]
BoardUpdatePrivacy = Literal["PUBLIC", "SECRET"]


class BoardOwner(PinterestModel):
    username: str | None = None


class BoardMedia(PinterestModel):
    image_cover_url: str | None = None
    pin_thumbnail_urls: list[str] = Field(default_factory=list)


class Board(PinterestModel):
    id: str
    name: str
    description: str | None = None
    privacy: str = "PUBLIC"
    owner: BoardOwner | None = None
    created_at: Timestamp = None
    board_pins_modified_at: Timestamp = None
    pin_count: int | None = None
    follower_count: int | None = None
    collaborator_count: int | None = None
    is_ads_only: bool | None = None
    media: BoardMedia | None = None


class BoardCreate(PinterestModel):
    name: Annotated[Text, StringConstraints(min_length=1)]
    description: Text | None = None
    privacy: BoardPrivacy | None = None


class BoardUpdate(PinterestModel):
    """PATCH body: only the fields given change; privacy can only be PUBLIC or SECRET here."""

    name: Annotated[Text, StringConstraints(min_length=1)] | None = None
    description: Text | None = None
    privacy: BoardUpdatePrivacy | None = None


class BoardSection(PinterestModel):
    id: str
    name: str


# --- pins -------------------------------------------------------------------------------------


class ImageUrlSource(PinterestModel):
    """An image Pinterest downloads itself."""

    source_type: Literal["image_url"] = "image_url"
    url: Annotated[Text, StringConstraints(min_length=1, max_length=2048)]


class ImageBase64Source(PinterestModel):
    """An image sent inline: the whole file travels base64-encoded in the JSON body.

    ``from_file`` keeps only a reference to the file; the client streams its base64 into the
    request (see ``streaming``), so even a 20 MB image is never held in memory.
    """

    source_type: Literal["image_base64"] = "image_base64"
    content_type: ImageContentType
    data: StreamableBase64

    @classmethod
    def from_bytes(cls, content: bytes, content_type: ImageContentType) -> ImageBase64Source:
        return cls(content_type=content_type, data=base64.b64encode(content).decode("ascii"))

    @classmethod
    def from_file(cls, source: Source, content_type: ImageContentType) -> ImageBase64Source:
        """``source``: a path, or a Django File/FieldFile (read through its storage)."""
        return cls(content_type=content_type, data=Base64File(source))


class CarouselItem(PinterestModel):
    url: Annotated[Text, StringConstraints(min_length=1, max_length=2048)]
    title: Annotated[Text, StringConstraints(max_length=100)] | None = None
    description: Annotated[Text, StringConstraints(max_length=800)] | None = None
    link: Annotated[Text, StringConstraints(max_length=2048)] | None = None


class CarouselImageUrlsSource(PinterestModel):
    """A carousel: 2 to 5 images, each with its own optional title, description and link."""

    source_type: Literal["multiple_image_urls"] = "multiple_image_urls"
    items: Annotated[list[CarouselItem], Field(min_length=2, max_length=5)]
    index: Annotated[int, Field(ge=0)] | None = None


class VideoSource(PinterestModel):
    """A video uploaded through the media endpoints; Pinterest needs a cover for it."""

    source_type: Literal["video_id"] = "video_id"
    media_id: PinterestId
    cover_image_url: Annotated[Text, StringConstraints(min_length=1, max_length=2048)] | None = None
    cover_image_key_frame_time: Annotated[int, Field(ge=0)] | None = None
    cover_image_content_type: ImageContentType | None = None
    cover_image_data: StreamableBase64 | None = None

    @model_validator(mode="after")
    def _exactly_one_cover(self) -> VideoSource:
        if (self.cover_image_data is None) != (self.cover_image_content_type is None):
            raise ValueError("cover_image_data and cover_image_content_type go together")
        covers = [self.cover_image_url, self.cover_image_key_frame_time, self.cover_image_data]
        if sum(cover is not None for cover in covers) != 1:
            raise ValueError(
                "A video pin needs exactly one cover: cover_image_url, cover_image_key_frame_time "
                "or cover_image_data"
            )
        return self


MediaSource = Annotated[
    ImageUrlSource | ImageBase64Source | CarouselImageUrlsSource | VideoSource,
    Field(discriminator="source_type"),
]


class PinCreate(PinterestModel):
    """The body of ``POST /pins`` with Pinterest's length limits, checked before sending."""

    board_id: PinterestId
    media_source: MediaSource
    board_section_id: PinterestId | None = None
    title: Annotated[Text, StringConstraints(max_length=100)] | None = None
    description: Annotated[Text, StringConstraints(max_length=800)] | None = None
    link: Annotated[Text, StringConstraints(max_length=2048)] | None = None
    alt_text: Annotated[Text, StringConstraints(max_length=500)] | None = None
    dominant_color: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None


class ImageDetails(PinterestModel):
    url: str | None = None
    width: int | None = None
    height: int | None = None


class PinMedia(PinterestModel):
    media_type: str | None = None
    images: dict[str, ImageDetails] | None = None
    cover_image_url: str | None = None
    video_url: str | None = None
    duration: float | None = None  # milliseconds; null while Pinterest still processes a video
    width: int | None = None
    height: int | None = None
    items: list[dict[str, Any]] | None = None


class Pin(PinterestModel):
    id: str
    board_id: str | None = None
    board_section_id: str | None = None
    title: str | None = None
    description: str | None = None
    link: str | None = None
    alt_text: str | None = None
    dominant_color: str | None = None
    creative_type: str | None = None
    created_at: Timestamp = None
    parent_pin_id: str | None = None
    is_owner: bool | None = None
    board_owner: BoardOwner | None = None
    media: PinMedia | None = None


# --- media ------------------------------------------------------------------------------------

MediaStatusValue = Literal["registered", "processing", "succeeded", "failed"]


class MediaUpload(PinterestModel):
    """A registered upload: POST the file to ``upload_url`` with every ``upload_parameters`` field."""

    media_id: str
    media_type: str = "video"
    upload_url: str
    upload_parameters: dict[str, str]


class MediaStatus(PinterestModel):
    media_id: str
    media_type: str = "video"
    status: MediaStatusValue | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed")


# --- paging -----------------------------------------------------------------------------------


# --- analytics (pins/analytics, user_account/analytics) ----------------------------------------


class AnalyticsDay(PinterestModel):
    """One UTC day of figures: ``metrics`` by Pinterest's metric names (``IMPRESSION``, ``SAVE``, ...)
    holding only what Pinterest reported; ``data_status`` is ``READY`` once the day is final
    (``PROCESSING`` while Pinterest still counts it)."""

    date: date
    data_status: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)

    def count(self, metric: str) -> int | None:
        """A count metric as an integer (None: not reported that day)."""
        value = self.metrics.get(metric)
        return None if value is None else int(value)


class AnalyticsGroup(PinterestModel):
    daily_metrics: list[AnalyticsDay] = Field(default_factory=list)
    summary_metrics: dict[str, float] = Field(default_factory=dict)


class AnalyticsResponse(RootModel[dict[str, AnalyticsGroup]]):
    """``PinAnalyticsResponse`` / ``AnalyticsResponse``: groups by split (``"all"`` without one)."""

    model_config = ConfigDict(frozen=True)

    def days(self) -> list[AnalyticsDay]:
        """The unsplit group's days, oldest first (the first group's if there is no ``"all"``)."""
        groups = self.root
        group = groups.get("all") or next(iter(groups.values()), None)
        return sorted(group.daily_metrics, key=lambda day: day.date) if group else []


Item = TypeVar("Item")


class Page(PinterestModel, Generic[Item]):
    items: list[Item]
    bookmark: str | None = None


# --- OAuth ------------------------------------------------------------------------------------


class TokenGrant(PinterestModel):
    """What ``POST /oauth/token`` returns. Tokens are secrets: they never show in repr or logs.

    A refresh returns a *new* refresh token (rotation): the caller must save it, with
    ``refresh_token_expires_at``, replacing the old one.
    """

    access_token: SecretStr
    token_type: str = "bearer"
    expires_in: int
    scope: str | None = None
    response_type: str | None = None
    refresh_token: SecretStr | None = None
    refresh_token_expires_in: int | None = None
    refresh_token_expires_at_epoch: int | None = Field(default=None, alias="refresh_token_expires_at")
    received_at: float = Field(default_factory=time.time, exclude=True)

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in (self.scope or "").replace(" ", ",").split(",") if scope]

    @property
    def access_token_expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.received_at, UTC) + timedelta(seconds=self.expires_in)

    @property
    def refresh_token_expires_at(self) -> datetime | None:
        if self.refresh_token_expires_at_epoch is not None:
            return datetime.fromtimestamp(self.refresh_token_expires_at_epoch, UTC)
        if self.refresh_token_expires_in is not None:
            return datetime.fromtimestamp(self.received_at, UTC) + timedelta(
                seconds=self.refresh_token_expires_in
            )
        return None
