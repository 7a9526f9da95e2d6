"""Requests Pinterest would refuse are refused before anything is sent, naming the field.

The client points at a port nothing listens on: had it sent anything, the error would be a
TransportError, not InvalidRequest.
"""

import pytest

from publishing.pinterest import ImageUrlSource, InvalidRequest, PinterestClient, PinterestOAuth, VideoSource
from publishing.pinterest.config import PinterestEndpoints

NOWHERE = "http://127.0.0.1:9/v5"


@pytest.fixture
def client():
    with PinterestClient(NOWHERE, "pina_token", timeout=2) as client:
        yield client


def test_a_title_over_100_characters_is_refused(client):
    with pytest.raises(InvalidRequest, match="title"):
        client.pin_create(
            board_id="1", media_source=ImageUrlSource(url="https://example.com/a.jpg"), title="t" * 101
        )


def test_a_description_over_800_characters_is_refused(client):
    with pytest.raises(InvalidRequest, match="description"):
        client.pin_create(
            board_id="1",
            media_source={"source_type": "image_url", "url": "https://e.x/a.jpg"},
            description="d" * 801,
        )


def test_a_carousel_needs_two_to_five_images(client):
    one = {"source_type": "multiple_image_urls", "items": [{"url": "https://e.x/a.jpg"}]}
    with pytest.raises(InvalidRequest, match="items"):
        client.pin_create(board_id="1", media_source=one)


def test_a_video_pin_needs_exactly_one_cover():
    with pytest.raises(ValueError, match="cover"):
        VideoSource(media_id="123")
    with pytest.raises(ValueError, match="cover"):
        VideoSource(media_id="123", cover_image_url="https://e.x/c.jpg", cover_image_key_frame_time=2)


@pytest.mark.parametrize("bad_id", ["", "12a", "../pins", "1/2", "١٢٣"])
def test_ids_that_are_not_digit_strings_never_reach_a_url(client, bad_id):
    with pytest.raises(InvalidRequest, match="board_id"):
        client.board_get(bad_id)
    with pytest.raises(InvalidRequest, match="pin_id"):
        client.pin_delete(bad_id)


@pytest.mark.parametrize("page_size", [0, 251, True])
def test_page_sizes_outside_pinterest_limits_are_refused(client, page_size):
    with pytest.raises(InvalidRequest, match="page_size"):
        next(client.boards_iter(page_size=page_size))


def test_an_unknown_board_privacy_filter_is_refused(client):
    with pytest.raises(InvalidRequest, match="privacy"):
        client.boards_iter(privacy="FRIENDS")


def test_uploading_a_missing_file_is_refused(client, tmp_path):
    from publishing.pinterest import MediaUpload

    registration = MediaUpload(media_id="1", upload_url="http://127.0.0.1:9/upload", upload_parameters={})
    with pytest.raises(InvalidRequest, match="No file"):
        client.media_upload(registration, tmp_path / "missing.mp4")


def test_token_calls_need_a_code_or_refresh_token():
    endpoints = PinterestEndpoints("sandbox", NOWHERE, "http://127.0.0.1:9/oauth/", "1", "secret")
    with PinterestOAuth(endpoints) as oauth:
        with pytest.raises(InvalidRequest):
            oauth.exchange_code(code="", redirect_uri="https://e.x/cb")
        with pytest.raises(InvalidRequest):
            oauth.refresh(refresh_token="")
