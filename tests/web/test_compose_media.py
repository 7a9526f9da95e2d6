"""Compose's media: the library picker's thumbnail cards (a fixed number of queries however many),
the search, the thumbnail and key frames served to the team only, and a video pin's cover."""

import pytest
from django.core.files import File
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publishing.access import Actor
from publishing.models import Asset, Pin
from publishing.services.assets import asset_upload
from publishing.services.thumbnails import asset_thumbnail_make
from tests.media import make_mp4, make_png


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def uploaded(cast, workspace, path, kind="image", *, thumbnail=True, user=None) -> Asset:
    with path.open("rb") as handle:
        asset = asset_upload(actor=Actor.for_user(user or cast.editor, workspace),
                             uploaded_file=File(handle, name=path.name), expected_kind=kind)
    return asset_thumbnail_make(asset_id=asset.pk) if thumbnail else asset


def compose_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/app/compose/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_picker_is_a_grid_of_thumbnail_cards_in_a_fixed_number_of_queries(
        cast, login, workspace, offline_account, offline_board, tmp_path):
    client = login(cast.editor)
    first = uploaded(cast, workspace, make_png(tmp_path / "first.png", 300, 200))
    one, html = compose_queries(client)
    assert '<fieldset class="field asset-picker" id="asset-field"' in html and "<legend>Image or video" in html
    assert f'type="radio" name="asset_id" id="asset-choice-{first.public_id}"' in html
    assert f'src="/app/assets/{first.public_id}/thumbnail"' in html and "first.png" in html and "300×200" in html
    for index in range(29):
        uploaded(cast, workspace, make_png(tmp_path / f"more-{index}.png"), thumbnail=index % 2 == 0)
    thirty, html = compose_queries(client)
    assert html.count('name="asset_id"') == 30 and html.count("thumb-placeholder") >= 14
    assert thirty == one, f"{one} queries for 1 asset, {thirty} for 30"


def test_an_asset_without_a_thumbnail_shows_a_placeholder(cast, login, workspace, offline_account, tmp_path):
    waiting = uploaded(cast, workspace, make_png(tmp_path / "waiting.png"), thumbnail=False)
    html = login(cast.editor).get("/app/compose/").content.decode()
    assert f'src="/app/assets/{waiting.public_id}/thumbnail"' not in html
    assert 'aria-label="Preview being made"' in html
    assert login(cast.editor).get(f"/app/assets/{waiting.public_id}/thumbnail").status_code == 404
    assert 'aria-label="Preview being made"' in login(cast.editor).get("/app/assets/").content.decode()


def test_the_thumbnail_is_served_to_the_team_as_a_jpeg_and_hidden_from_others(cast, login, workspace, tmp_path):
    asset = uploaded(cast, workspace, make_png(tmp_path / "a.png"))
    response = login(cast.viewer).get(f"/app/assets/{asset.public_id}/thumbnail")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert login(cast.outsider).get(f"/app/assets/{asset.public_id}/thumbnail").status_code == 404
    assert f'src="/app/assets/{asset.public_id}/thumbnail"' in login(cast.viewer).get("/app/assets/").content.decode()


def test_the_search_finds_older_uploads_and_keeps_the_chosen_one(cast, login, workspace, offline_account, tmp_path):
    chair = uploaded(cast, workspace, make_png(tmp_path / "oak-chair.png"))
    sofa = uploaded(cast, workspace, make_png(tmp_path / "sofa.png"))
    html = login(cast.editor).get(f"/app/compose/assets?asset_q=chair&asset_id={sofa.public_id}",
                                  HTTP_HX_REQUEST="true").content.decode()
    assert html.strip().startswith('<div id="asset-choices"')
    assert f'value="{chair.public_id}"' in html and f'value="{sofa.public_id}" checked' in html
    assert "No upload" in login(cast.editor).get("/app/compose/assets?asset_q=zzz").content.decode()


def test_a_cover_frame_chosen_in_compose_reaches_the_pin(cast, login, workspace, offline_account, offline_board,
                                                         tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video")
    client = login(cast.editor)
    cover_html = client.get(f"/app/compose/cover?asset_id={video.public_id}").content.decode()
    assert f'src="/app/assets/{video.public_id}/frames/0"' in cover_html and "<legend>Cover image" in cover_html
    assert client.get(f"/app/assets/{video.public_id}/frames/0")["Content-Type"] == "image/jpeg"

    response = client.post("/app/compose/cover/frame", {"asset_id": str(video.public_id), "cover_frame": "0"},
                           HTTP_HX_REQUEST="true")

    cover = Asset.objects.filter(workspace=workspace, asset_type="image").get()
    assert response.status_code == 200 and f'value="{cover.public_id}" checked' in response.content.decode()
    response = client.post("/app/compose/", {
        "account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
        "asset_id": str(video.public_id), "cover_image_asset_id": str(cover.public_id), "title": "Clip",
        "when": "now", "idempotency_key": "dashboard:cover-1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    pin = Pin.objects.get(workspace=workspace)
    assert (pin.asset, pin.cover_image_asset) == (video, cover)


def test_an_image_pin_ignores_a_stray_cover_and_the_image_picker_offers_none(
        cast, login, workspace, offline_account, offline_board, tmp_path):
    image = uploaded(cast, workspace, make_png(tmp_path / "a.png"))
    client = login(cast.editor)
    assert "Cover image" not in client.get(f"/app/compose/cover?asset_id={image.public_id}").content.decode()


def test_a_missing_frame_is_an_inline_error_and_another_teams_video_is_not_found(
        cast, login, workspace, offline_account, tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video")
    response = login(cast.editor).post("/app/compose/cover/frame", {"asset_id": str(video.public_id),
                                                                   "cover_frame": "99"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert "no such frame" in response.content.decode()
    outsider = login(cast.outsider)
    assert outsider.post("/app/compose/cover/frame", {"asset_id": str(video.public_id), "cover_frame": "0"},
                         HTTP_HX_REQUEST="true").status_code == 404
    assert login(cast.editor).get(f"/app/assets/{video.public_id}/frames/7").status_code == 404


def test_another_teams_asset_is_not_found_in_compose(cast, login, workspace, offline_account, offline_board,
                                                     tmp_path):
    other = cast.other_team.workspaces.get(environment=workspace.environment)
    theirs = uploaded(cast, other, make_png(tmp_path / "theirs.png"), user=cast.outsider)
    client = login(cast.editor)
    assert client.get(f"/app/assets/{theirs.public_id}/thumbnail").status_code == 404
    html = client.get(f"/app/compose/assets?asset_id={theirs.public_id}").content.decode()
    assert str(theirs.public_id) not in html
    response = client.post("/app/compose/", {
        "account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
        "asset_id": str(theirs.public_id), "title": "Theirs", "when": "now", "idempotency_key": "dashboard:x-1"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'id="asset-field-error" role="alert"' in response.content.decode()
    assert not Pin.objects.exists()


def test_the_placeholder_asks_again_until_the_worker_made_the_thumbnail(cast, login, workspace, tmp_path):
    asset = uploaded(cast, workspace, make_png(tmp_path / "a.png"), thumbnail=False)
    client = login(cast.editor)
    waiting = client.get(f"/app/assets/{asset.public_id}/thumbnail-tag", HTTP_HX_REQUEST="true").content.decode()
    assert "thumb-placeholder" in waiting and 'hx-trigger="load delay:2s"' in waiting
    asset_thumbnail_make(asset_id=asset.pk)
    ready = client.get(f"/app/assets/{asset.public_id}/thumbnail-tag", HTTP_HX_REQUEST="true").content.decode()
    assert f'<img class="thumb" src="/app/assets/{asset.public_id}/thumbnail"' in ready and "hx-get" not in ready


def test_the_uploader_starts_on_pick_and_can_be_cancelled(cast, login, offline_account):
    html = login(cast.editor).get("/app/compose/").content.decode()
    assert 'hx-trigger="change, submit"' in html and 'class="button secondary upload-cancel" hidden' in html
    assert 'hx-disabled-elt="find button[type=submit]"' in html  # Cancel stays usable during the upload


def test_an_uploaded_cover_is_chosen_and_a_bad_file_is_an_inline_error(cast, login, workspace, offline_account,
                                                                        offline_board, tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video")
    client = login(cast.editor)
    bad = tmp_path / "cover.png"
    bad.write_bytes(b"not an image at all")
    with bad.open("rb") as handle:
        response = client.post("/app/compose/cover/upload", {"asset_id": str(video.public_id), "cover_file": handle},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'class="field-error" role="alert"' in response.content.decode()
    assert "not a format Pinterest accepts" in response.content.decode()
    with make_png(tmp_path / "cover.png", 600, 900).open("rb") as handle:
        response = client.post("/app/compose/cover/upload", {"asset_id": str(video.public_id), "cover_file": handle},
                               HTTP_HX_REQUEST="true")
    cover = Asset.objects.get(workspace=workspace, asset_type="image")
    assert response.status_code == 200 and f'value="{cover.public_id}" checked' in response.content.decode()
    response = client.post("/app/compose/", {
        "account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
        "asset_id": str(video.public_id), "cover_image_asset_id": str(cover.public_id), "title": "Clip",
        "when": "now", "idempotency_key": "dashboard:cover-2"})
    assert response.status_code == 302
    assert Pin.objects.get(workspace=workspace).cover_image_asset == cover


def test_a_video_as_cover_is_refused_inline(cast, login, workspace, offline_account, offline_board, tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video")
    response = login(cast.editor).post("/app/compose/", {
        "account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
        "asset_id": str(video.public_id), "cover_image_asset_id": str(video.public_id), "title": "Clip",
        "when": "now", "idempotency_key": "dashboard:cover-3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and not Pin.objects.exists()


def test_the_cover_field_asks_again_until_the_frames_exist_keeping_the_chosen_cover(
        cast, login, workspace, offline_account, tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video", thumbnail=False)
    image = uploaded(cast, workspace, make_png(tmp_path / "still.png"))
    client = login(cast.editor)
    cover_url = f"/app/compose/cover?asset_id={video.public_id}&cover_image_asset_id={image.public_id}"
    waiting = client.get(cover_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="load delay:2s"' in waiting and f'value="{image.public_id}" checked' in waiting
    asset_thumbnail_make(asset_id=video.pk)
    ready = client.get(cover_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Use the frame at 0.0 s" in ready and "load delay:2s" not in ready
    assert f'value="{image.public_id}" checked' in ready


def test_the_preview_shows_a_videos_chosen_cover_and_a_frame_used_refreshes_it(
        cast, login, workspace, offline_account, tmp_path):
    video = uploaded(cast, workspace, make_mp4(tmp_path / "clip.mp4"), kind="video")
    client = login(cast.editor)
    used = client.post("/app/compose/cover/frame", {"asset_id": str(video.public_id), "cover_frame": "0"},
                       HTTP_HX_REQUEST="true")
    assert "coverChosen" in used["HX-Trigger"]
    cover = Asset.objects.get(workspace=workspace, asset_type="image")
    preview = client.get("/app/compose/preview", {"asset_id": str(video.public_id),
                                                  "cover_image_asset_id": str(cover.public_id)}).content.decode()
    assert f'class="pin-preview-cover" src="/app/assets/{cover.public_id}/file"' in preview
    other_team = uploaded(cast, cast.other_team.workspaces.get(environment=workspace.environment),
                          make_png(tmp_path / "theirs.png"), user=cast.outsider)
    theirs = client.get("/app/compose/preview", {"asset_id": str(video.public_id),
                                                 "cover_image_asset_id": str(other_team.public_id)}).content.decode()
    assert "pin-preview-cover" not in theirs and "<video" in theirs
