"""Compose in Chromium with a real worker and the sandbox: one submission to three boards makes
three pins that all publish (a double click still three), the live preview follows the typing, and
a draft saved, listed and resumed becomes a pin. Also counts the clicks to publish one image pin
from the overview."""

import pytest
from playwright.sync_api import expect

from publishing.models import Board, ComposeDraft, Pin, PinStatus
from tests.e2e.conftest import make_noisy_jpeg, open_section, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PUBLISH_DEADLINE_MS = 45_000


def upload(page, tmp_path, name="chair.jpg"):
    page.get_by_label("Upload a new image or video").set_input_files(str(make_noisy_jpeg(tmp_path / name)))
    expect(page.locator("#media-preview img.preview")).to_be_visible()


def test_one_submission_to_three_boards_publishes_three_pins(cast, account, start_cluster, browser_as, tmp_path):
    boards = list(Board.objects.for_account(account)[:3])
    assert len(boards) == 3, "the sandbox account has at least three boards"
    start_cluster()
    page = browser_as(cast.manager)
    page.goto("/app/")
    open_section(page, "Compose")
    upload(page, tmp_path)
    page.get_by_label("Board", exact=True).select_option(boards[0].pinterest_board_id)
    for board in boards[1:]:
        page.locator("#also-boards").get_by_label(f"{account} / {board.name}", exact=True).check()
    page.get_by_label("Title").fill("Oak chair")
    page.get_by_label("Description").fill("Solid oak, hand-finished.")
    page.get_by_label("Link").fill("https://www.shop.example.com/oak-chair")
    preview = page.locator("#pin-preview")
    expect(preview.locator(".pin-preview-title")).to_have_text("Oak chair")  # htmx, after the debounce
    expect(preview.locator(".pin-preview-domain")).to_have_text("shop.example.com")
    expect(preview.locator("img")).to_be_visible()
    save_screenshot(page, "compose-three-boards")
    page.get_by_role("button", name="Submit the pin").dblclick()  # an impatient double click

    page.wait_for_url("**/app/pins/**")
    pins = list(Pin.objects.order_by("id"))
    assert len(pins) == 3 and {pin.board_id for pin in pins} == {board.pinterest_board_id for board in boards}
    for pin in pins:
        expect(page.locator(f"#pin-{pin.public_id}")).to_contain_text("Published", timeout=PUBLISH_DEADLINE_MS)
    assert all(pin.status == PinStatus.PUBLISHED for pin in Pin.objects.all())
    assert Pin.objects.count() == 3


def test_a_draft_is_saved_listed_resumed_and_published(cast, account, browser_as, tmp_path):
    page = browser_as(cast.editor)
    page.goto("/app/compose/")
    upload(page, tmp_path)
    page.get_by_label("Title").fill("Walnut table")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url("**/app/drafts/**")
    draft = ComposeDraft.objects.get()
    row = page.locator(f"#draft-{draft.public_id}")
    expect(row).to_contain_text("Walnut table")
    save_screenshot(page, "drafts")
    row.get_by_role("link", name="Resume").click()
    expect(page.get_by_label("Title")).to_have_value("Walnut table")
    expect(page.get_by_role("status").filter(has_text="Resuming the draft")).to_be_visible()
    page.get_by_label("Board", exact=True).select_option(Board.objects.for_account(account).first().pinterest_board_id)
    page.get_by_role("button", name="Submit the pin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Walnut table")
    assert Pin.objects.get().title == "Walnut table" and not ComposeDraft.objects.exists()


def test_clicks_to_publish_one_image_pin_from_the_overview(cast, sandbox, workspace, browser_as, tmp_path):
    """Counted as a member's gestures: each click, and each choice in a dialog or a list."""
    from publishing.management.sandbox_connect import account_connect_sandbox

    account = account_connect_sandbox(workspace=workspace, user=cast.admin)
    Board.objects.for_account(account).exclude(pk=Board.objects.for_account(account).first().pk).delete()
    page = browser_as(cast.manager)
    page.goto("/app/")
    clicks = 0
    open_section(page, "Compose")
    clicks += 1
    upload(page, tmp_path)  # the file input's button, then the file in the system dialog
    clicks += 2
    # The only account and its only board are already chosen.
    expect(page.get_by_label("Board", exact=True)).not_to_have_value("")
    page.get_by_label("Title").click()
    clicks += 1
    page.keyboard.type("Oak chair")
    page.get_by_role("button", name="Submit the pin").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Oak chair")
    assert Pin.objects.count() == 1
    print(f"clicks to publish one image pin from the overview: {clicks}")
    assert clicks == 5
