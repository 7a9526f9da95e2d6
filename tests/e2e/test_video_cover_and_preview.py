"""A video pin from pick to Pinterest in Chromium, with real django-q2 workers: picking the file
uploads it (no button), a worker extracts its key frames and the cover field offers them without a
reload, a frame becomes the cover, the live preview shows the typed title, description and link
domain over that cover, and the published sandbox pin carries the cover image."""

import hashlib

import pytest
from playwright.sync_api import expect

from pinterest_sandbox.models import Pin as SandboxPin
from publishing.models import Asset, Pin, PinStatus
from tests.e2e.conftest import save_screenshot
from tests.media import make_mp4
from tests.pipeline_fixtures import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WORKER_DEADLINE_MS = 45_000  # worker start-up, key frames, and the cover field's 2 s re-check, on a loaded box


def test_a_picked_video_gets_a_key_frame_cover_shown_in_the_preview_and_published_with_it(
        cast, account, board, start_cluster, browser_as, tmp_path):
    start_cluster()
    page = browser_as(cast.manager)  # a manager's pin is published without an approval step
    page.goto("/app/compose/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Upload a new image or video").set_input_files(
        str(make_mp4(tmp_path / "workshop.mp4", size=(320, 240))))

    expect(page.locator("#media-preview video.preview")).to_be_visible()
    video = Asset.objects.get(workspace=account.workspace, asset_type=Asset.Kind.VIDEO)
    expect(page.locator(f"#asset-choice-{video.public_id}")).to_be_checked()
    # The worker extracts the key frames; the cover field offers them without a reload.
    cover = page.get_by_role("group", name="Cover image for the video")
    use_first_frame = cover.get_by_role("button", name="Use the frame at 0.0 s")
    expect(use_first_frame).to_be_visible(timeout=WORKER_DEADLINE_MS)
    use_first_frame.click()
    expect(cover.get_by_role("radio", name="workshop cover 0.0s.jpg")).to_be_checked()
    frame_cover = Asset.objects.get(workspace=account.workspace, original_filename="workshop cover 0.0s.jpg")

    page.get_by_label("Board", exact=True).select_option(board.pinterest_board_id)
    page.get_by_label("Title").fill("Turning an oak chair leg")
    page.get_by_label("Description").fill("Ten minutes at the lathe, start to finish.")
    page.get_by_label("Link").fill("https://www.shop.example.com/workshop/oak-leg")
    preview = page.get_by_role("figure", name="Preview of the pin")
    expect(preview.locator(".pin-preview-title")).to_have_text("Turning an oak chair leg")
    expect(preview.locator(".pin-preview-description")).to_have_text("Ten minutes at the lathe, start to finish.")
    expect(preview.locator(".pin-preview-domain")).to_have_text("shop.example.com")
    cover_in_preview = preview.locator(f"img.pin-preview-cover[src*='{frame_cover.public_id}']")
    expect(cover_in_preview).to_be_visible()
    assert page.evaluate("document.querySelector('#pin-preview img.pin-preview-cover').naturalWidth") > 0
    assert page.evaluate("window.stillTheSamePage") is True  # upload, frames, cover and preview: no reload
    save_screenshot(page, "compose-video-cover")

    page.get_by_role("button", name="Submit the pin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turning an oak chair leg")
    pin = Pin.objects.get(workspace=account.workspace)
    assert pin.asset_id == video.pk and pin.cover_image_asset_id == frame_cover.pk
    wait_for(lambda: Pin.objects.filter(pk=pin.pk, status__in=(PinStatus.PUBLISHED, PinStatus.FAILED)).exists(),
             timeout=60, interval=0.2, message="the workers to publish the video pin")
    pin.refresh_from_db()
    assert pin.status == PinStatus.PUBLISHED, pin.error_message
    remote = SandboxPin.objects.get(pinterest_id=pin.pinterest_pin_id)
    # The sandbox names a base64 cover by the MD5 of its bytes: the frame chosen, not the default first frame.
    with frame_cover.file.open("rb") as handle:
        digest = hashlib.md5(handle.read(), usedforsecurity=False).hexdigest()
    assert remote.media["media_type"] == "video"
    assert digest in remote.media["cover_image_url"], remote.media["cover_image_url"]
