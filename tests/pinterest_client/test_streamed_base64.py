"""Base64 images streamed from files into ``POST /pins``: the same JSON as an inline string, a real
Content-Length, checked against the OpenAPI document, measured by the sandbox, and memory that
stays far below the file's size."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from pinterest_sandbox.models import Pin as SandboxPin
from publishing.pinterest import ImageBase64Source, InvalidRequest, PinterestClient, VideoSource
from publishing.pinterest.client import body
from publishing.pinterest.models import PinCreate
from publishing.pinterest.streaming import Base64File, StreamedJson, json_text
from tests.large_png import make_noise_png
from tests.media import make_mp4, make_png
from tests.pinterest_contract import ContractViolation, assert_contract

from .test_media import FAST_POLLS

REPOSITORY = Path(__file__).resolve().parents[2]
LARGE_IMAGE_BYTES = 15 * 1024 * 1024
# The client holds a few 256 KiB base64 chunks at a time plus httpx's buffers; the old code held
# the whole base64 string and the JSON around it (more than twice the file).
STREAMED_PEAK_LIMIT = 3 * 1024 * 1024
TRICKY_TITLE = 'Soup "à la" grand-mère\\ ✓'


@pytest.fixture
def image(tmp_path) -> Path:
    return make_png(tmp_path / "soup.png", 600, 900)


@pytest.fixture
def recording_client(api_base, account, contract_hooks):
    """A client whose requests are recorded as sent (and still checked against the contract)."""
    sent: list[httpx.Request] = []
    hooks = {**contract_hooks, "request": [sent.append]}
    with PinterestClient(api_base, account.access_token, event_hooks=hooks) as client:
        yield client, sent


def test_a_file_backed_image_pin_is_created_and_measured_by_the_sandbox(recording_client, board_id, image):
    pinterest, sent = recording_client
    pin = pinterest.pin_create(
        board_id=board_id, media_source=ImageBase64Source.from_file(image, "image/png"), title=TRICKY_TITLE
    )

    assert pin.media.media_type == "image"
    assert (pin.media.images["originals"].width, pin.media.images["originals"].height) == (600, 900)
    assert SandboxPin.objects.get(pinterest_id=pin.id).title == TRICKY_TITLE
    [request] = sent
    assert request.headers["content-length"] == str(4 * -(-image.stat().st_size // 3) + len(
        json_text({"board_id": board_id, "media_source": {"source_type": "image_base64",
                   "content_type": "image/png", "data": ""}, "title": TRICKY_TITLE})))
    assert "transfer-encoding" not in request.headers


def test_the_streamed_body_is_byte_for_byte_the_inline_body(board_id, image, tmp_path):
    # Sizes 0, 1 and 2 modulo 3, so the padding of the last chunk is covered; the largest spans
    # several read chunks.
    for size in (3 * 1024 * 1024, 3 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 2):
        data = tmp_path / f"{size}.png"
        data.write_bytes(image.read_bytes() + bytes(range(256)) * (size // 256) + b"\x01" * (size % 256))
        fields = {"board_id": board_id, "title": TRICKY_TITLE, "description": "two\nlines", "alt_text": "é"}
        streamed = PinCreate(media_source=ImageBase64Source.from_file(data, "image/png"), **fields)
        inline = PinCreate(media_source=ImageBase64Source.from_bytes(data.read_bytes(), "image/png"), **fields)
        stream = StreamedJson(body(streamed), [streamed.media_source.data])

        expected = json_text(body(inline))
        assert b"".join(stream) == expected
        assert stream.length == len(expected)
        assert b"".join(stream) == expected, "a second pass (a retry) sends the same bytes"


def test_a_video_cover_is_streamed_from_a_file(pinterest, account, tmp_path, image):
    registration = pinterest.media_upload_file(make_mp4(tmp_path / "clip.mp4"))
    pinterest.media_wait(registration.media_id, timeout=10, **FAST_POLLS)

    pin = pinterest.pin_create(
        board_id=account.user.boards.first().pinterest_id,
        media_source=VideoSource(
            media_id=registration.media_id, cover_image_content_type="image/png", cover_image_data=Base64File(image)
        ),
    )
    assert pin.media.media_type == "video"
    assert pin.media.images["originals"].width == 600


def test_an_empty_or_missing_file_is_refused_before_sending(pinterest, board_id, tmp_path):
    empty = tmp_path / "empty.png"
    empty.touch()
    with pytest.raises(ValidationError, match="empty.png is empty"):
        ImageBase64Source.from_file(empty, "image/png")
    source = {"source_type": "image_base64", "content_type": "image/png", "data": Base64File(empty)}
    with pytest.raises(InvalidRequest, match=r"media_source\.image_base64\.data: Value error, empty.png is empty"):
        pinterest.pin_create(board_id=board_id, media_source=source)
    with pytest.raises(FileNotFoundError):
        ImageBase64Source.from_file(tmp_path / "missing.png", "image/png")


def test_other_fields_are_still_validated_with_a_file_backed_image(pinterest, board_id, image):
    with pytest.raises(InvalidRequest, match="title"):
        pinterest.pin_create(
            board_id=board_id, media_source=ImageBase64Source.from_file(image, "image/png"), title="x" * 101
        )
    gif = {"source_type": "image_base64", "content_type": "image/gif", "data": Base64File(image)}
    with pytest.raises(InvalidRequest, match="media_source.image_base64.content_type"):
        pinterest.pin_create(board_id=board_id, media_source=gif)


def test_a_file_that_changes_while_it_is_sent_is_not_sent_truncated(image):
    file = Base64File(image)
    with image.open("ab") as grown:
        grown.write(b"more")
    with pytest.raises(OSError, match="changed while it was being sent"):
        b"".join(file.chunks())


def streamed_exchange(api_base: str, payload: dict, image: Path, *, length_offset: int = 0) -> httpx.Response:
    """A sent-looking pin create with a file-backed body, and a conforming 201 answer to it."""
    placeholder = Base64File(image)
    stream = StreamedJson({**payload, "media_source": {**payload["media_source"], "data": placeholder.placeholder}},
                          [placeholder])
    headers = {**stream.headers, "Content-Length": str(stream.length + length_offset), "Authorization": "Bearer x"}
    request = httpx.Request("POST", f"{api_base}/pins", headers=headers, content=stream)
    answer = {"id": "1", "board_id": "123", "created_at": "2026-01-01T00:00:00Z"}
    return httpx.Response(201, json=answer, request=request)


def test_the_contract_check_reads_and_validates_streamed_bodies(api_base, image, subtests):
    good = {"board_id": "123", "media_source": {"source_type": "image_base64", "content_type": "image/png"}}
    with subtests.test("a conforming streamed body passes"):
        assert_contract(streamed_exchange(api_base, good, image))
    with subtests.test("a streamed body the document refuses is a violation"):
        with pytest.raises(ContractViolation, match=r"RequestBody.*\n(.*\n)*.*at \['board_id'\]"):
            assert_contract(streamed_exchange(api_base, {**good, "board_id": 123}, image))
    with subtests.test("a Content-Length that does not match the body is a violation"):
        with pytest.raises(ContractViolation, match="Content-Length"):
            assert_contract(streamed_exchange(api_base, good, image, length_offset=1))


def test_a_15_mb_image_is_streamed_not_held_in_memory(board_id, account, api_base, tmp_path):
    large = make_noise_png(tmp_path / "large.png", LARGE_IMAGE_BYTES)

    # A separate process, so tracemalloc counts the client alone (the live server shares ours).
    # "inline" is the old way (the whole base64 string in memory): it must blow the limit, which
    # shows the measurement would catch a regression.
    measure = textwrap.dedent(
        """
        import json, sys, tracemalloc
        from pathlib import Path
        from publishing.pinterest import ImageBase64Source, PinterestClient
        api_base, token, board_id, path, how = sys.argv[1:]
        with PinterestClient(api_base, token, timeout=60) as client:
            tracemalloc.start()
            if how == "streamed":
                source = ImageBase64Source.from_file(path, "image/png")
            else:
                source = ImageBase64Source.from_bytes(Path(path).read_bytes(), "image/png")
            pin = client.pin_create(board_id=board_id, media_source=source)
            _, peak = tracemalloc.get_traced_memory()
        print(json.dumps({"peak": peak, "width": pin.media.images["originals"].width}))
        """
    )

    def peak_of(how: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", measure, api_base, account.access_token, board_id, str(large), how],
            cwd=REPOSITORY, capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    streamed, inline = peak_of("streamed"), peak_of("inline")
    size = large.stat().st_size
    assert size > LARGE_IMAGE_BYTES * 0.95
    assert streamed["width"] == inline["width"] > 2000, "the sandbox decoded and measured both"
    assert streamed["peak"] < STREAMED_PEAK_LIMIT, f"streaming held {streamed['peak'] / 1e6:.1f} MB"
    assert inline["peak"] > size, f"the inline way held only {inline['peak'] / 1e6:.1f} MB"
    print(f"15 MB PNG ({size} B): streamed peak {streamed['peak']} B, inline peak {inline['peak']} B")

