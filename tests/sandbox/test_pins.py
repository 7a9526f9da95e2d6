"""Pins: create from an image URL, base64, a carousel or a video; get, delete, list a board's pins."""

import pytest

from pinterest_sandbox.models import Board, MediaUpload, Pin
from pinterest_sandbox.seed import PUBLISHING_SCOPES, board_section_create
from tests.sandbox.conftest import open_account
from tests.sandbox.helpers import base64_pin, image_pin, png_base64


@pytest.fixture
def board(account) -> Board:
    return Board.objects.filter(owner=account.user).first()


def test_an_image_url_pin_is_created_with_pinterests_shape(account, board):
    response = account.post(
        "/pins",
        json=image_pin(
            board.pinterest_id,
            description="Words",
            link="https://shop.example/p/1",
            alt_text="A red square",
        ),
    )
    assert response.status_code == 201
    pin = response.json()
    assert pin["id"].isdigit() and pin["board_id"] == board.pinterest_id
    assert (pin["title"], pin["description"], pin["link"], pin["alt_text"]) == (
        "A title",
        "Words",
        "https://shop.example/p/1",
        "A red square",
    )
    assert pin["board_owner"] == {"username": account.user.username}
    assert pin["creative_type"] == "REGULAR" and pin["media"]["media_type"] == "image"
    assert set(pin["media"]["images"]) >= {"150x150", "400x300", "600x", "1200x"}
    assert pin["media"]["images"]["originals"]["url"] == "https://example.com/pic.jpg"
    assert pin["dominant_color"].startswith("#")
    assert pin["created_at"].endswith("Z")


def test_creating_a_pin_updates_the_boards_count_and_thumbnails(account, board):
    pin = account.post("/pins", json=image_pin(board.pinterest_id)).json()
    listed = account.get(f"/boards/{board.pinterest_id}").json()
    assert listed["pin_count"] == 1
    assert listed["media"]["pin_thumbnail_urls"] == [pin["media"]["images"]["600x"]["url"]]
    assert listed["media"]["image_cover_url"] == pin["media"]["images"]["600x"]["url"]


def test_a_base64_image_is_decoded_and_measured(account, board):
    body = base64_pin(board.pinterest_id, png_base64(300, 450, (255, 0, 0)), "image/png")
    pin = account.post("/pins", json=body).json()
    assert pin["media"]["images"]["originals"]["width"] == 300
    assert pin["media"]["images"]["originals"]["height"] == 450
    assert pin["media"]["images"]["600x"] == {**pin["media"]["images"]["600x"], "width": 600, "height": 900}
    assert pin["dominant_color"] == "#ff0000"


def test_base64_bytes_that_are_no_image_are_403_code_235(account, board):
    body = base64_pin(board.pinterest_id, "bm90IGFuIGltYWdl", "image/jpeg")
    response = account.post("/pins", json=body)
    assert response.status_code == 403
    assert response.json() == {
        "code": 235,
        "message": "Sorry, this image is broken. Please pick a different image.",
    }


def test_a_base64_image_below_the_minimum_is_403_code_233(account, board, settings):
    settings.SANDBOX_MIN_IMAGE_SIDE = 100
    body = base64_pin(board.pinterest_id, png_base64(99, 400), "image/png")
    response = account.post("/pins", json=body)
    assert (response.status_code, response.json()["code"]) == (403, 233)
    assert not Pin.objects.exists()


def test_base64_that_does_not_decode_is_400(account, board):
    body = base64_pin(board.pinterest_id, "abc", "image/png")
    assert account.post("/pins", json=body).json()["code"] == 1


OVER_THE_LIMITS = [
    ("title", "t" * 101),
    ("description", "d" * 801),
    ("alt_text", "a" * 501),
    ("link", "https://example.com/" + "l" * 2030),
    ("title", "nul\x00byte"),
    ("board_id", "12ab"),
]


def test_pinterests_limits_are_400_code_1_naming_the_field(account, board, subtests):
    for field, value in OVER_THE_LIMITS:
        with subtests.test(field=field, length=len(value)):
            response = account.send("POST", "/pins", json={**image_pin(board.pinterest_id), field: value})
            assert (response.status_code, response.json()["code"]) == (400, 1)
            assert field in response.json()["message"]
    assert not Pin.objects.exists()


def test_the_limits_themselves_are_accepted(account, board):
    body = image_pin(
        board.pinterest_id,
        title="t" * 100,
        description="d" * 800,
        alt_text="a" * 500,
        link="https://example.com/" + "l" * 2028,
    )
    assert account.post("/pins", json=body).status_code == 201


def test_an_invalid_link_gets_pinterests_invalid_url_message(account, board, subtests):
    for link in ["not a url", "ftp://example.com/x", "https://"]:
        with subtests.test(link=link):
            response = account.send("POST", "/pins", json=image_pin(board.pinterest_id, link=link))
            assert response.status_code == 400
            assert response.json() == {
                "code": 1,
                "message": "Whoops! It looks like you entered an invalid URL. "
                "Try creating a Pin again with a valid URL.",
            }


def test_a_pin_needs_a_board_and_a_media_source(account, board):
    assert (
        account.send("POST", "/pins", json={"media_source": image_pin("1")["media_source"]}).json()["code"]
        == 1
    )
    assert account.send("POST", "/pins", json={"board_id": board.pinterest_id}).json()["code"] == 1


def test_a_carousel_of_two_to_five_images(account, board):
    items = [{"url": f"https://example.com/{n}.jpg", "title": f"Slide {n}"} for n in range(3)]
    pin = account.post(
        "/pins",
        json=image_pin(
            board.pinterest_id,
            media_source={
                "source_type": "multiple_image_urls",
                "items": items,
                "index": 0,
            },
        ),
    ).json()
    assert pin["creative_type"] == "CAROUSEL"
    assert pin["media"]["media_type"] == "multiple_images"
    assert [item["title"] for item in pin["media"]["items"]] == ["Slide 0", "Slide 1", "Slide 2"]


def test_a_carousel_outside_two_to_five_is_400(account, board, subtests):
    for count, constraint in [(1, "minItems=2"), (6, "maxItems=5")]:
        with subtests.test(count=count):
            items = [{"url": f"https://example.com/{n}.jpg"} for n in range(count)]
            source = {"source_type": "multiple_image_urls", "items": items}
            response = account.send("POST", "/pins", json=image_pin(board.pinterest_id, media_source=source))
            assert (response.status_code, response.json()["code"]) == (400, 1)
            assert constraint in response.json()["message"]


def test_a_base64_carousel(account, board):
    items = [{"content_type": "image/png", "data": png_base64(200, 300)} for _ in range(2)]
    pin = account.post(
        "/pins",
        json=image_pin(
            board.pinterest_id,
            media_source={
                "source_type": "multiple_image_base64",
                "items": items,
            },
        ),
    ).json()
    assert pin["media"]["items"][0]["images"]["originals"]["width"] == 200


def test_pinning_to_a_missing_board_is_404_code_40(account):
    response = account.post("/pins", json=image_pin("123456789"))
    assert response.json() == {"code": 40, "message": "Board not found."}


def test_pinning_to_another_users_board_is_403_code_29(account, other_account):
    theirs = Board.objects.get(owner=other_account.user)
    response = account.post("/pins", json=image_pin(theirs.pinterest_id))
    assert (response.status_code, response.json()["code"]) == (403, 29)


def test_a_pin_in_a_section(account, board):
    section = board_section_create(board=board, name="Mains")
    pin = account.post(
        "/pins", json=image_pin(board.pinterest_id, board_section_id=section.pinterest_id)
    ).json()
    assert pin["board_section_id"] == section.pinterest_id


def test_a_missing_section_is_404_code_2031(account, board):
    response = account.post("/pins", json=image_pin(board.pinterest_id, board_section_id="4242"))
    assert response.status_code == 404
    assert response.json() == {"code": 2031, "message": "Sorry! We couldn't find this board section."}


def test_get_a_pin_and_get_a_missing_one(account, board):
    created = account.post("/pins", json=image_pin(board.pinterest_id)).json()
    assert account.get(f"/pins/{created['id']}").json() == created
    with_metrics = account.get(f"/pins/{created['id']}", params={"pin_metrics": "true"}).json()
    assert with_metrics["pin_metrics"]["lifetime_metrics"]["impression"] == 0
    missing = account.get("/pins/111111")
    assert missing.status_code == 404
    assert missing.json() == {"code": 50, "message": "Pin not found."}


def test_delete_a_pin_answers_204(account, board):
    created = account.post("/pins", json=image_pin(board.pinterest_id)).json()
    response = account.delete(f"/pins/{created['id']}")
    assert response.status_code == 204
    assert account.get(f"/pins/{created['id']}").status_code == 404
    assert account.get(f"/boards/{board.pinterest_id}").json()["pin_count"] == 0


def test_another_users_pin_is_403_code_29(account, other_account):
    theirs = Board.objects.get(owner=other_account.user)
    pin = other_account.post("/pins", json=image_pin(theirs.pinterest_id)).json()
    assert account.get(f"/pins/{pin['id']}").json()["code"] == 29
    assert account.delete(f"/pins/{pin['id']}").json()["code"] == 29
    assert Pin.objects.filter(pinterest_id=pin["id"]).exists()


def test_a_boards_pins_page_newest_first_to_the_end(account, board):
    created = [
        account.post("/pins", json=image_pin(board.pinterest_id, title=f"Pin {n}")).json()["id"]
        for n in range(5)
    ]
    seen, bookmark = [], None
    while True:
        params = {"page_size": 2} | ({"bookmark": bookmark} if bookmark else {})
        body = account.get(f"/boards/{board.pinterest_id}/pins", params=params).json()
        seen += [pin["id"] for pin in body["items"]]
        bookmark = body["bookmark"]
        if bookmark is None:
            break
    assert seen == created[::-1]


def test_pins_on_a_secret_board_need_the_secret_pin_scopes(sandbox_url):
    without_secret_pins = [s for s in PUBLISHING_SCOPES if s not in ("pins:read_secret", "pins:write_secret")]
    account = open_account(sandbox_url, boards=0, scopes=without_secret_pins)
    secret = account.post("/boards", json={"name": "Hidden", "privacy": "SECRET"}).json()
    response = account.post("/pins", json=image_pin(secret["id"]))
    assert (response.status_code, response.json()["code"]) == (401, 3)


# --- Video pins ---------------------------------------------------------------------------------


def video_pin(board_id: str, media_id: str, **cover) -> dict:
    return image_pin(board_id, media_source={"source_type": "video_id", "media_id": media_id, **cover})


@pytest.fixture
def media(account) -> MediaUpload:
    registered = account.post("/media", json={"media_type": "video"}).json()
    return MediaUpload.objects.get(pinterest_id=registered["media_id"])


def test_a_video_pin_from_media_that_succeeded(account, board, media):
    MediaUpload.objects.filter(pk=media.pk).update(status="succeeded")
    pin = account.post(
        "/pins",
        json=video_pin(
            board.pinterest_id,
            media.pinterest_id,
            cover_image_url="https://example.com/cover.jpg",
        ),
    ).json()
    assert pin["creative_type"] == "VIDEO"
    assert pin["media"]["media_type"] == "video"
    assert pin["media"]["cover_image_url"] == "https://example.com/cover.jpg"
    assert pin["media"]["duration"] is None


def test_a_video_pin_with_a_key_frame_cover(account, board, media):
    MediaUpload.objects.filter(pk=media.pk).update(status="succeeded")
    response = account.post(
        "/pins", json=video_pin(board.pinterest_id, media.pinterest_id, cover_image_key_frame_time=3)
    )
    assert response.status_code == 201


def test_a_video_pin_needs_a_cover(account, board, media):
    MediaUpload.objects.filter(pk=media.pk).update(status="succeeded")
    response = account.post("/pins", json=video_pin(board.pinterest_id, media.pinterest_id))
    assert (response.status_code, response.json()["code"]) == (400, 1)
    assert "cover_image_url or cover_image_content_type" in response.json()["message"]


def test_a_video_pin_needs_media_that_succeeded(account, board, media, subtests):
    for status in ["registered", "processing", "failed"]:
        with subtests.test(status=status):
            MediaUpload.objects.filter(pk=media.pk).update(status=status)
            response = account.post(
                "/pins", json=video_pin(board.pinterest_id, media.pinterest_id, cover_image_key_frame_time=0)
            )
            assert (response.status_code, response.json()["code"]) == (400, 1)
            assert status in response.json()["message"]


def test_a_video_pin_with_unknown_media_is_404(account, board):
    response = account.post("/pins", json=video_pin(board.pinterest_id, "5555", cover_image_key_frame_time=0))
    assert response.json() == {"code": 404, "message": "Media upload not found"}
