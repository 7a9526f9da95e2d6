"""Pins: image URL, base64 image and carousel creates, get, delete, a board's pins, and finding
a pin whose create never answered."""

import base64
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from pinterest_sandbox import faults
from pinterest_sandbox.models import Pin as SandboxPin
from pinterest_sandbox.seed import board_section_create
from publishing.pinterest import (
    CarouselImageUrlsSource,
    CarouselItem,
    ImageBase64Source,
    ImageUrlSource,
    InvalidRequest,
    NotFound,
    OutcomeUnknown,
    PinFingerprint,
)

from .conftest import wait_for

IMAGE = ImageUrlSource(url="https://images.example.com/soup.jpg")


def png_bytes(width=600, height=900) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_url_pin_is_created_read_listed_and_deleted(pinterest, board_id):
    pin = pinterest.pin_create(
        board_id=board_id,
        media_source=IMAGE,
        title="Cold cucumber soup",
        description="Ready in ten minutes.",
        link="https://recipes.example.com/soup",
        alt_text="A bowl of green soup",
        dominant_color="#6E7874",
    )

    assert pin.id.isdigit()
    assert (pin.board_id, pin.title, pin.link, pin.alt_text) == (
        board_id,
        "Cold cucumber soup",
        "https://recipes.example.com/soup",
        "A bowl of green soup",
    )
    assert pin.media.media_type == "image"
    assert pin.created_at.tzinfo is not None
    assert pinterest.pin_get(pin.id) == pin
    assert [listed.id for listed in pinterest.board_pins_list(board_id)] == [pin.id]

    assert pinterest.pin_delete(pin.id) is None
    with pytest.raises(NotFound) as gone:
        pinterest.pin_get(pin.id)
    assert (gone.value.code, gone.value.error_code) == (50, "pin_not_found")


def test_base64_and_carousel_pins_are_created(pinterest, board_id, subtests):
    with subtests.test("base64 image"):
        pin = pinterest.pin_create(
            board_id=board_id,
            media_source=ImageBase64Source.from_bytes(png_bytes(), "image/png"),
            title="Inline",
        )
        assert pin.media.media_type == "image"
        assert SandboxPin.objects.get(pinterest_id=pin.id).title == "Inline"

    with subtests.test("carousel"):
        carousel = CarouselImageUrlsSource(
            items=[
                CarouselItem(url="https://images.example.com/1.jpg", title="First"),
                CarouselItem(url="https://images.example.com/2.jpg", link="https://shop.example.com/2"),
            ]
        )
        pin = pinterest.pin_create(board_id=board_id, media_source=carousel, title="Two looks")
        assert pin.media.media_type == "multiple_images"
        assert len(pin.media.items) == 2


def test_a_pin_goes_into_a_board_section(pinterest, account, board_id):
    section = board_section_create(board=account.user.boards.get(pinterest_id=board_id), name="Soups")

    pin = pinterest.pin_create(board_id=board_id, board_section_id=section.pinterest_id, media_source=IMAGE)

    assert pin.board_section_id == section.pinterest_id
    with pytest.raises(NotFound) as no_section:
        pinterest.pin_create(board_id=board_id, board_section_id="123", media_source=IMAGE)
    assert (no_section.value.code, no_section.value.error_code) == (2031, "board_section_not_found")


def test_pins_pinterest_refuses_raise_typed_errors(pinterest, board_id, subtests):
    with subtests.test("missing board"):
        with pytest.raises(NotFound) as missing:
            pinterest.pin_create(board_id="123", media_source=IMAGE)
        assert (missing.value.status, missing.value.code, missing.value.error_code) == (
            404,
            40,
            "board_not_found",
        )
        assert missing.value.permanent

    with subtests.test("invalid link"):
        with pytest.raises(InvalidRequest) as invalid:
            pinterest.pin_create(board_id=board_id, media_source=IMAGE, link="not a url")
        assert (invalid.value.status, invalid.value.code) == (400, 1)
        assert "invalid URL" in invalid.value.message

    with subtests.test("NUL characters never reach Pinterest"):
        with pytest.raises(InvalidRequest, match="title"):
            pinterest.pin_create(board_id=board_id, media_source=IMAGE, title="bad\x00title")

    assert not SandboxPin.objects.exists()


@pytest.mark.parametrize("fault", [faults.timeout_after_create, faults.drop_connection_after_create])
def test_a_create_whose_answer_is_lost_is_found_again_by_its_content(make_client, account, board_id, fault):
    fault(**({"seconds": 3} if fault is faults.timeout_after_create else {}))
    impatient = make_client(account.access_token, timeout=0.5)
    content = {"title": "Lost answer", "description": "Did it post?", "link": "https://example.com/lost"}
    started = datetime.now(UTC)

    with pytest.raises(OutcomeUnknown) as unknown:
        impatient.pin_create(board_id=board_id, media_source=IMAGE, **content)
    assert unknown.value.transient and unknown.value.error_code == "outcome_unknown"

    pinterest = make_client(account.access_token)
    fingerprint = PinFingerprint.of(board_id=board_id, **content)
    found = wait_for(lambda: pinterest.board_pin_find(fingerprint, created_after=started))
    assert found is not None, "the pin was created although the answer never came"
    assert found.id == SandboxPin.objects.get().pinterest_id
    assert pinterest.board_pin_find(fingerprint, created_after=started, exclude_ids=[found.id]) is None


def test_finding_a_pin_needs_the_exact_content(pinterest, board_id):
    pinterest.pin_create(board_id=board_id, media_source=IMAGE, title="Mine", description="Exact text")
    pinterest.pin_create(board_id=board_id, media_source=IMAGE, title="Other", description="Exact text")

    same = PinFingerprint.of(board_id=board_id, title="Mine", description="Exact text")
    different = PinFingerprint.of(board_id=board_id, title="Mine", description="Exact text!")
    later = datetime(2100, 1, 1, tzinfo=UTC)

    assert pinterest.board_pin_find(same).title == "Mine"
    assert pinterest.board_pin_find(different) is None
    assert pinterest.board_pin_find(same, created_after=later) is None


def test_finding_a_pin_pages_through_a_large_board(pinterest, account, board_id):
    board = account.user.boards.get(pinterest_id=board_id)
    target = pinterest.pin_create(board_id=board_id, media_source=IMAGE, title="Needle")
    template = SandboxPin.objects.get(pinterest_id=target.id)
    SandboxPin.objects.bulk_create(
        SandboxPin(
            board=board,
            title=f"Hay {n}",
            media=template.media,
            creative_type="REGULAR",
            created_at=template.created_at,
        )
        for n in range(300)
    )

    found = pinterest.board_pin_find(PinFingerprint.of(board_id=board_id, title="Needle"))

    assert found.id == target.id  # newest first, so the needle sits past the first 250


def test_base64_helper_encodes_the_bytes_exactly():
    content = png_bytes(10, 10)

    source = ImageBase64Source.from_bytes(content, "image/png")

    assert base64.b64decode(source.data) == content
