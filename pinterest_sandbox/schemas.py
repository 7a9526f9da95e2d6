"""Request bodies of the v5 endpoints, with Pinterest's limits. Pydantic's strict mode, so a
JSON ``"3"`` is not an integer and ``1`` is not a boolean, as the OpenAPI schemas say."""

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from pinterest_sandbox import errors


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise PydanticCustomError("invalid_url", errors.INVALID_URL)
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Digits = Annotated[str, StringConstraints(pattern=r"^\d+$")]
Url = Annotated[str, AfterValidator(_no_nul), AfterValidator(_http_url)]
Base64 = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9+/=]+$")]
ImageContentType = Literal["image/jpeg", "image/png"]


class Body(BaseModel):
    # Unknown fields are ignored, as Pinterest's schemas do not forbid them.
    model_config = ConfigDict(strict=True, extra="ignore")


class BoardCreate(Body):
    name: Text
    description: Text | None = None
    privacy: Literal["PUBLIC", "PROTECTED", "SECRET"] = "PUBLIC"
    is_ads_only: bool = False


class BoardUpdate(Body):
    name: Text | None = None
    description: Text | None = None
    privacy: Literal["PUBLIC", "SECRET"] | None = None


class ImageUrlSource(Body):
    source_type: Literal["image_url"]
    url: Annotated[
        str, AfterValidator(_no_nul), StringConstraints(max_length=2048), AfterValidator(_http_url)
    ]
    is_standard: bool = True


class ImageBase64Source(Body):
    source_type: Literal["image_base64"]
    content_type: ImageContentType
    data: Base64
    is_standard: bool = True


class CarouselUrlItem(Body):
    url: Url
    title: Text | None = None
    description: Text | None = None
    link: Url | None = None


class CarouselBase64Item(Body):
    content_type: ImageContentType
    data: Base64
    title: Text | None = None
    description: Text | None = None
    link: Url | None = None


class ImageUrlsSource(Body):
    source_type: Literal["multiple_image_urls"]
    items: Annotated[list[CarouselUrlItem], Field(min_length=2, max_length=5)]
    index: Annotated[int, Field(ge=0)] | None = None


class ImagesBase64Source(Body):
    source_type: Literal["multiple_image_base64"]
    items: Annotated[list[CarouselBase64Item], Field(min_length=2, max_length=5)]
    index: Annotated[int, Field(ge=0)] | None = None


class VideoSource(Body):
    source_type: Literal["video_id"]
    media_id: Digits
    cover_image_url: Url | None = None
    cover_image_content_type: ImageContentType | None = None
    cover_image_data: Base64 | None = None
    cover_image_key_frame_time: Annotated[int, Field(ge=0)] | None = None
    is_standard: bool = True


class PinUrlSource(Body):
    source_type: Literal["pin_url"]
    is_affiliate_link: bool = False


MediaSource = Annotated[
    ImageUrlSource | ImageBase64Source | ImageUrlsSource | ImagesBase64Source | VideoSource | PinUrlSource,
    Field(discriminator="source_type"),
]


class PinCreate(Body):
    board_id: Digits
    board_section_id: Digits | None = None
    title: Annotated[Text, StringConstraints(max_length=100)] | None = None
    description: Annotated[Text, StringConstraints(max_length=800)] | None = None
    link: (
        Annotated[str, AfterValidator(_no_nul), StringConstraints(max_length=2048), AfterValidator(_http_url)]
        | None
    ) = None
    alt_text: Annotated[Text, StringConstraints(max_length=500)] | None = None
    dominant_color: Annotated[Text, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None
    parent_pin_id: Digits | None = None
    media_source: MediaSource


class MediaCreate(Body):
    media_type: Literal["video"]


def parse_body(model: type[Body], raw: bytes) -> Body:
    """Validate a JSON body; any problem is Pinterest's 400 code 1 naming the field."""
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as exc:
        raise errors.invalid(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    if first["type"] == "invalid_url":
        return errors.INVALID_URL
    if first["type"] == "json_invalid":
        return "Invalid request body: not valid JSON."
    # Drop discriminator tags (e.g. "image_url") pydantic puts in the location.
    location = ".".join(str(part) for part in first["loc"] if not _is_tag(part))
    message = first["msg"]
    if first["type"] in ("too_long", "too_short") and "List" in message:
        bound = (
            first["ctx"].get("max_length") if first["type"] == "too_long" else first["ctx"].get("min_length")
        )
        constraint = "maxItems" if first["type"] == "too_long" else "minItems"
        message = f"constraint: {constraint}={bound}"
    return f"Invalid request body: {location or 'body'}: {message}"


def _is_tag(part) -> bool:
    return part in {
        "image_url",
        "image_base64",
        "multiple_image_urls",
        "multiple_image_base64",
        "video_id",
        "pin_url",
    }
