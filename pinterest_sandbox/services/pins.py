"""Pins: create (image URL, base64 image, carousel, video) and delete."""

from pinterest_sandbox import errors, schemas
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import Board, BoardSection, MediaUpload, Pin
from pinterest_sandbox.services.boards import board_media_refresh
from pinterest_sandbox.services.images import ImageFacts, image_from_base64, image_from_url, image_sizes

COVER_REQUIRED = (
    "Invalid request body: media_source: a video Pin needs a cover: cover_image_url or "
    "cover_image_content_type and cover_image_data, or cover_image_key_frame_time"
)


def _carousel(items) -> tuple[dict, str]:
    rendered = []
    first: ImageFacts | None = None
    for item in items:
        facts = (
            image_from_url(item.url)
            if hasattr(item, "url")
            else image_from_base64(item.data, item.content_type)
        )
        first = first or facts
        rendered.append(
            {
                "item_type": "image",
                "title": item.title,
                "description": item.description,
                "link": item.link,
                "images": image_sizes(facts),
            }
        )
    return {"media_type": "multiple_images", "items": rendered}, first.dominant_color


def _video_cover(source: schemas.VideoSource) -> ImageFacts:
    if source.cover_image_url:
        return image_from_url(source.cover_image_url)
    if source.cover_image_data and source.cover_image_content_type:
        return image_from_base64(source.cover_image_data, source.cover_image_content_type)
    if source.cover_image_key_frame_time is not None:
        return image_from_url(f"sandbox-video://{source.media_id}/frame/{source.cover_image_key_frame_time}")
    raise errors.invalid(COVER_REQUIRED)


def pin_media(source) -> tuple[dict, str, str]:
    """The response's ``media`` object, the creative type and a dominant colour."""
    match source:
        case schemas.ImageUrlSource():
            facts = image_from_url(source.url)
            return {"media_type": "image", "images": image_sizes(facts)}, "REGULAR", facts.dominant_color
        case schemas.ImageBase64Source():
            facts = image_from_base64(source.data, source.content_type)
            return {"media_type": "image", "images": image_sizes(facts)}, "REGULAR", facts.dominant_color
        case schemas.ImageUrlsSource() | schemas.ImagesBase64Source():
            media, color = _carousel(source.items)
            return media, "CAROUSEL", color
        case schemas.VideoSource():
            cover = _video_cover(source)
            images = image_sizes(cover)
            media = {
                "media_type": "video",
                "cover_image_url": images["originals"]["url"],
                "video_url": None,
                # Pinterest leaves these null while it is still transcoding.
                "duration": None,
                "width": None,
                "height": None,
                "images": images,
            }
            return media, "VIDEO", cover.dominant_color
    raise errors.invalid("Invalid request body: media_source: pin_url Pins are not available in the sandbox")


def pin_create(
    *, board: Board, section: BoardSection | None, body: schemas.PinCreate, media_upload: MediaUpload | None
) -> Pin:
    if isinstance(body.media_source, schemas.ImageUrlsSource | schemas.ImagesBase64Source):
        index = body.media_source.index
        if index is not None and index >= len(body.media_source.items):
            raise errors.invalid("Invalid request body: media_source.index: past the last item")
    media, creative_type, color = pin_media(body.media_source)
    pin = Pin.objects.create(
        board=board,
        section=section,
        title=body.title,
        description=body.description,
        link=body.link,
        alt_text=body.alt_text,
        dominant_color=body.dominant_color or color,
        parent_pin_id=body.parent_pin_id,
        creative_type=creative_type,
        is_standard=getattr(body.media_source, "is_standard", True),
        media=media,
        media_upload=media_upload,
        created_at=sandbox_now(),
    )
    board_media_refresh(board=board)
    return pin


def pin_delete(*, pin: Pin) -> None:
    board = pin.board
    pin.delete()
    board_media_refresh(board=board)
