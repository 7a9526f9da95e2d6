"""Upload on pick in Chromium, with a real django-q2 worker making the thumbnail: choosing a file
uploads it at once (the progress bar moves), the new asset is selected in the picker with a
placeholder, and the worker's thumbnail replaces it without a reload; Cancel aborts an upload in
flight."""

import pytest
from playwright.sync_api import expect

from publishing.models import Asset
from tests.e2e.conftest import log_in_through_the_form, make_noisy_jpeg, open_section, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
THUMBNAIL_DEADLINE_MS = 45_000  # worker start-up and the placeholder's 2 s re-check, on a loaded box


def test_picking_a_file_uploads_it_and_its_thumbnail_appears_selected(
        cast, account, board, start_cluster, open_browser_page, tmp_path):
    start_cluster(media=False)
    page = open_browser_page()
    log_in_through_the_form(page, cast.editor.email)
    open_section(page, "Compose")
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_hidden()
    page.evaluate("""window.uploadProgress = [];
        document.addEventListener('htmx:xhr:progress',
            e => window.uploadProgress.push(e.detail.loaded / e.detail.total));""")

    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Upload a new image or video").set_input_files(str(make_noisy_jpeg(tmp_path / "chair.jpg")))

    expect(page.locator("#media-preview img.preview")).to_be_visible()
    asset = Asset.objects.get(workspace=account.workspace)
    card = page.locator(f"label[for=asset-choice-{asset.public_id}]")
    expect(page.locator(f"#asset-choice-{asset.public_id}")).to_be_checked()
    expect(card.locator(".thumb-placeholder")).to_be_visible()  # until the worker has made it
    assert max(page.evaluate("window.uploadProgress")) == 1  # the bar reached 100 %
    # The worker makes the thumbnail; the placeholder's re-check swaps it in without a reload.
    expect(card.locator("img.thumb")).to_be_visible(timeout=THUMBNAIL_DEADLINE_MS)
    expect(page.locator(f"#asset-choice-{asset.public_id}")).to_be_checked()
    assert page.evaluate("window.stillTheSamePage") is True
    save_screenshot(page, "compose-upload-on-pick")


def test_cancel_aborts_an_upload_in_flight(cast, account, open_browser_page, tmp_path):
    page = open_browser_page()
    log_in_through_the_form(page, cast.editor.email)
    open_section(page, "Compose")
    held = []
    page.route("**/app/compose/upload", lambda route: held.append(route))  # the server never answers

    page.get_by_label("Upload a new image or video").set_input_files(str(make_noisy_jpeg(tmp_path / "chair.jpg")))
    cancel = page.get_by_role("button", name="Cancel upload")
    expect(cancel).to_be_visible()
    cancel.click()

    expect(page.locator("#uploader .progress-text")).to_have_text("Upload cancelled.")
    expect(cancel).to_be_hidden()
    assert page.evaluate("document.querySelector('#uploader input[type=file]').value") == ""
    assert not Asset.objects.exists()


def test_the_picker_works_by_keyboard_offers_a_videos_frames_and_passes_axe(
        cast, workspace, offline_account, offline_board, browser_as, tmp_path, settings):
    from axe_playwright_python.sync_playwright import Axe
    from django.core.files import File

    from publishing.access import Actor
    from publishing.services.assets import asset_upload
    from publishing.services.thumbnails import asset_thumbnail_make
    from tests.e2e.test_accessibility import WCAG_AA
    from tests.media import make_mp4, make_png

    def upload(path, kind):
        with path.open("rb") as handle:
            asset = asset_upload(actor=Actor.for_user(cast.editor, workspace),
                                 uploaded_file=File(handle, name=path.name), expected_kind=kind)
        return asset

    waiting = upload(make_png(tmp_path / "waiting.png"), "image")  # no thumbnail yet: a placeholder
    video = asset_thumbnail_make(asset_id=upload(make_mp4(tmp_path / "clip.mp4"), "video").pk)
    image = asset_thumbnail_make(asset_id=upload(make_png(tmp_path / "chair.png", 300, 200), "image").pk)
    page = browser_as(cast.editor)
    page.goto("/app/compose/")
    picker = page.get_by_role("group", name="Image or video from the library")
    expect(picker.get_by_role("radio")).to_have_count(3)
    expect(picker.get_by_role("img", name="Preview being made")).to_have_count(1)

    page.locator(f"#asset-choice-{image.public_id}").focus()
    page.keyboard.press("Space")
    expect(page.locator(f"#asset-choice-{image.public_id}")).to_be_checked()
    page.keyboard.press("ArrowRight")  # newest first: chair, clip, waiting
    expect(page.locator(f"#asset-choice-{video.public_id}")).to_be_checked()
    cover = page.get_by_role("group", name="Cover image for the video")
    expect(cover.get_by_role("button", name="Use the frame at 0.0 s")).to_be_visible()
    results = Axe().run(page, options=WCAG_AA)
    assert not results.violations_count, results.generate_report()

    cover.get_by_role("button", name="Use the frame at 0.0 s").click()
    expect(cover.get_by_role("radio", name="clip cover 0.0s.jpg")).to_be_checked()
    page.set_viewport_size({"width": 390, "height": 844})  # the cards and frames fit a phone
    widest = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map(el => el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))
        .slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), widest
    save_screenshot(page, "compose-picker-390")
    assert waiting.thumbnail.name == ""
    page.goto("/app/assets/")
    results = Axe().run(page, options=WCAG_AA)
    assert not results.violations_count, results.generate_report()
