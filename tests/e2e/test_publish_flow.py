"""The daily loop in a real browser, with a real django-q2 worker publishing to the sandbox:
an editor logs in, uploads an image, composes and submits; a manager approves; the editor's page
turns "Published" without a reload."""

import pytest
from playwright.sync_api import expect

from publishing.models import Asset, Pin, PinStatus
from tests.e2e.conftest import log_in_through_the_form, make_noisy_jpeg, open_section, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PUBLISH_DEADLINE_MS = 45_000  # worker start-up, a publish round trip, and the 2 s poll, on a loaded CI box


def test_editor_composes_manager_approves_and_the_pin_turns_published_live(
    cast, account, board, start_cluster, open_browser_page, browser_as, tmp_path
):
    start_cluster()
    editor = open_browser_page()
    log_in_through_the_form(editor, cast.editor.email)

    open_section(editor, "Compose")
    expect(editor.get_by_role("heading", level=1)).to_have_text("Compose a pin")
    # Record the upload's progress events as the browser reports them.
    editor.evaluate("""window.uploadProgress = [];
        document.addEventListener('htmx:xhr:progress',
            e => window.uploadProgress.push(e.detail.loaded / e.detail.total));""")
    # Picking the file starts the upload: no Upload button to press.
    editor.get_by_label("Upload a new image or video").set_input_files(str(make_noisy_jpeg(tmp_path / "chair.jpg")))
    expect(editor.locator("#media-preview img.preview")).to_be_visible()
    asset = Asset.objects.get(workspace=account.workspace)
    expect(editor.locator(f"#asset-choice-{asset.public_id}")).to_be_checked()
    assert max(editor.evaluate("window.uploadProgress")) == 1  # the bar reached 100 %

    editor.get_by_label("Board", exact=True).select_option(board.pinterest_board_id)
    editor.get_by_label("Title").fill("Oak chair")
    expect(editor.locator("[data-counter-for=id_title]")).to_have_text("9 / 100 characters")
    editor.get_by_label("Description").fill("Solid oak, hand-finished.")
    editor.get_by_label("Link").fill("https://shop.example.com/oak-chair")
    editor.get_by_label("Alt text").fill("A light oak chair against a white wall")
    save_screenshot(editor, "compose")
    editor.get_by_role("button", name="Submit the pin").dblclick()  # an impatient double click

    expect(editor.get_by_role("heading", level=1)).to_have_text("Oak chair")
    expect(editor.locator("#status-panel")).to_contain_text("Awaiting approval")
    assert Pin.objects.count() == 1
    pin = Pin.objects.get()
    editor.evaluate("window.stillTheSamePage = true")

    manager = browser_as(cast.manager)
    manager.goto("/app/approvals/")
    expect(manager.locator(f"#pin-{pin.public_id} img")).to_be_visible()
    save_screenshot(manager, "approvals")
    manager.get_by_role("button", name="Approve Oak chair").click()
    expect(manager.get_by_role("status")).to_contain_text("Approved “Oak chair”")

    published = editor.locator('#status-panel [data-pin="published"]')
    expect(published).to_be_visible(timeout=PUBLISH_DEADLINE_MS)
    expect(published).to_have_text("✓ Published")
    assert editor.evaluate("window.stillTheSamePage") is True  # no reload happened
    pin.refresh_from_db()
    assert pin.status == PinStatus.PUBLISHED and pin.pinterest_pin_id
    save_screenshot(editor, "pin-detail")

    open_section(editor, "Pins")
    expect(editor.locator(f"#pin-{pin.public_id}")).to_contain_text("Published")
    save_screenshot(editor, "pins")
    open_section(editor, "Overview")
    expect(editor.get_by_text("Pins created each day over the last 30 days")).to_be_attached()
    save_screenshot(editor, "overview")
