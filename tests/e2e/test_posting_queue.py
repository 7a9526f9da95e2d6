"""The posting queue in Chromium: an admin sets an account's slots on the settings page, adds three
pins to the queue from Compose, and finds them in the calendar in slot order, marked as queued;
rescheduling one stays keyboard-operable."""

from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.models import WEEKDAYS, Schedule
from publishing.services.assets import asset_upload
from tests.e2e.conftest import open_section, save_screenshot
from tests.media import make_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library_image(account, tmp_path):
    path = make_png(tmp_path / "vase.png", 400, 600)
    with path.open("rb") as handle:
        return asset_upload(actor=Actor.system(account.workspace, job="test"),
                            uploaded_file=File(handle, name="vase.png"), expected_kind="image")


def test_three_pins_added_to_the_queue_land_in_the_slots_in_order(cast, account, board, library_image, browser_as):
    zone = account.workspace.zone
    tomorrow = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
    page = browser_as(cast.admin)
    page.goto("/app/")
    open_section(page, "Settings")
    slots = page.locator(f"#slots-{account.public_id}")
    slots.get_by_label(WEEKDAYS[tomorrow.weekday()]).fill("18:00, 09:00, 12:00")  # typed out of order
    slots.get_by_role("button", name=f"Save the slots of {account.username}").click()
    expect(page.get_by_text(f"Saved the posting slots of {account}")).to_be_visible()
    expect(page.locator(f"#slots-{account.public_id}")).to_contain_text("Next free:")
    save_screenshot(page, "settings-1280")

    for n in (1, 2, 3):
        page.goto("/app/compose/")
        page.get_by_label("Board", exact=True).select_option(board.pinterest_board_id)
        page.locator(f"#asset-choice-{library_image.public_id}").check()
        page.get_by_label("Title").fill(f"Queued vase {n}")
        page.get_by_role("button", name="Add to queue").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Calendar: week of")
        expect(page.locator("li.item.scheduled", has_text=f"Queued vase {n}")).to_be_visible()

    page.goto(f"/app/calendar/?view=week&date={tomorrow:%Y-%m-%d}")
    day = page.locator("td", has=page.locator(f'time[datetime="{tomorrow:%Y-%m-%d}"]'))
    items = day.locator("li.item.scheduled")
    expect(items).to_have_count(3)
    for index, (n, hhmm) in enumerate([(1, "09:00"), (2, "12:00"), (3, "18:00")]):
        expect(items.nth(index)).to_contain_text(f"Queued vase {n}")
        expect(items.nth(index)).to_contain_text(hhmm)
        expect(items.nth(index)).to_contain_text("In queue slot")
    assert [timezone.localtime(s.run_at, zone).strftime("%H:%M") for s in Schedule.objects.order_by("run_at")] == [
        "09:00", "12:00", "18:00"]
    save_screenshot(page, "calendar-queue-1280")

    # Rescheduling a queued pin stays keyboard-operable: its slot then shows as open.
    reschedule = page.get_by_role("link", name="Reschedule Queued vase 2")
    reschedule.focus()
    page.keyboard.press("Enter")
    new_time = page.get_by_label("New time (Europe/Paris) for Queued vase 2")
    expect(new_time).to_be_focused()
    new_time.fill(f"{tomorrow:%Y-%m-%d}T15:30")
    page.get_by_role("button", name="Move it").focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.item.scheduled", has_text="Queued vase 2")).to_contain_text("15:30")
    day = page.locator("td", has=page.locator(f'time[datetime="{tomorrow:%Y-%m-%d}"]'))
    expect(day.locator("li.item.open-slot")).to_contain_text("12:00")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_settings_page_fits_a_phone_and_passes_axe(cast, workspace, offline_account, offline_board, browser_as,
                                                       scheme):
    """Until the shared page tours list it: no sideways scroll at 390 px, axe-core's WCAG 2.2 AA
    rules at 390 and 1280 px, in both colour schemes, with slots and an inline error showing."""
    from axe_playwright_python.sync_playwright import Axe

    from publishing.services.posting_queue import posting_slots_set

    posting_slots_set(actor=Actor.for_user(cast.admin, workspace), account=offline_account,
                      slots=[{"weekday": day, "time": hhmm} for day in range(7)
                             for hhmm in ("08:00", "12:30", "19:45")])
    page = browser_as(cast.admin)
    page.emulate_media(color_scheme=scheme)
    wcag_aa = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/app/settings/")
        slots = page.locator(f"#slots-{offline_account.public_id}")
        slots.get_by_label("Sunday").fill("09:00, 25:00")
        slots.get_by_role("button", name=f"Save the slots of {offline_account.username}").click()
        expect(slots.get_by_text("“25:00” is not a time")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, width
        results = Axe().run(page, options=wcag_aa)
        assert not results.violations_count, results.generate_report()
        if scheme == "light":
            save_screenshot(page, f"workspace-settings-{width}")
