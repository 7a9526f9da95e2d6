"""Scheduling from Compose and rescheduling in the calendar with the keyboard only, and a tour of
the admin's pages (accounts, assets, team, API keys) with a screenshot of each."""

from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.models import Schedule
from publishing.services.assets import asset_upload
from publishing.services.schedules import schedule_create
from tests.e2e.conftest import open_section, save_screenshot
from tests.media import make_png
from tests.pipeline_fixtures import pin_payload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library_image(account, tmp_path):
    path = make_png(tmp_path / "lamp.png", 400, 600)
    with path.open("rb") as handle:
        return asset_upload(
            actor=Actor.system(account.workspace, job="test"),
            uploaded_file=File(handle, name="lamp.png"),
            expected_kind="image",
        )


def test_an_editor_schedules_a_pin_and_moves_it_with_the_keyboard(cast, account, board, library_image, browser_as):
    local_day = timezone.localtime(timezone.now(), account.workspace.zone).date() + timedelta(days=3)
    page = browser_as(cast.editor)
    page.goto("/app/compose/")
    page.get_by_label("Board", exact=True).select_option(board.pinterest_board_id)
    page.locator(f"#asset-choice-{library_image.public_id}").check()  # the library picker's card
    page.get_by_label("Title").fill("Brass lamp")
    page.get_by_label("Schedule").check()
    page.get_by_label("Publish at (Europe/Paris)").fill(f"{local_day:%Y-%m-%d}T09:30")
    page.get_by_role("button", name="Submit the pin").click()

    schedule_item = page.locator("li.item.scheduled", has_text="Brass lamp")
    expect(schedule_item).to_contain_text("09:30")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendar: week of")
    schedule = Schedule.objects.get()
    assert timezone.localtime(schedule.run_at, account.workspace.zone).hour == 9

    # Keyboard only: focus the link, open the inline form, type the new time, submit with Enter.
    reschedule = page.get_by_role("link", name="Reschedule Brass lamp")
    reschedule.focus()
    outline = reschedule.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    new_time = page.get_by_label("New time (Europe/Paris) for Brass lamp")
    expect(new_time).to_be_focused()  # the form opened in place takes the focus (pinboard.js)
    new_time.fill(f"{local_day:%Y-%m-%d}T17:45")
    page.get_by_role("button", name="Move it").focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.item.scheduled", has_text="Brass lamp")).to_contain_text("17:45")
    schedule.refresh_from_db()
    assert timezone.localtime(schedule.run_at, account.workspace.zone).strftime("%H:%M") == "17:45"
    page.get_by_role("link", name="Month").click()
    expect(page.locator("li.item.scheduled", has_text="Brass lamp")).to_be_visible()
    save_screenshot(page, "calendar")


def test_the_admin_pages(cast, account, library_image, browser_as):
    page = browser_as(cast.admin)
    page.goto("/app/")
    open_section(page, "Accounts")
    expect(page.locator(f"#account-{account.public_id}")).to_contain_text("Healthy")
    save_screenshot(page, "accounts")

    open_section(page, "Assets")
    expect(page.locator(f"#asset-{library_image.public_id}")).to_contain_text("Not in use")
    save_screenshot(page, "assets")

    open_section(page, "Team")
    expect(page.get_by_role("row", name=cast.editor.email)).to_be_visible()
    page.get_by_label("Email address").fill("new.hire@acme.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#team-area")).to_contain_text("new.hire@acme.test")
    save_screenshot(page, "team")

    open_section(page, "API keys")
    page.get_by_label("Name").fill("Shop sync")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#issued-secret")
    expect(secret).to_be_visible()
    assert secret.input_value().startswith("pb_test_")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copy-status")).to_have_text("Copied.")
    save_screenshot(page, "api-keys")


def test_the_calendar_shows_the_rest_of_a_busy_day_in_place_and_ticks_them(cast, offline_account, offline_board,
                                                                           browser_as):
    workspace = offline_account.workspace
    zone = workspace.zone
    local_day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=3)
    for hour in range(9, 15):  # six schedules: the month's cell shows four and "+2 more"
        schedule_create(actor=Actor.for_user(cast.editor, workspace), data={
            **{k: v for k, v in pin_payload(offline_account, offline_board, title=f"Lamp at {hour}").items()
               if k != "idempotency_key"},
            "run_at_local": f"{local_day:%Y-%m-%d}T{hour:02d}:00"})
    page = browser_as(cast.editor)
    page.goto(f"/app/calendar/?view=month&date={local_day:%Y-%m-%d}")
    day = page.locator("td", has=page.locator(f'time[datetime="{local_day:%Y-%m-%d}"]'))
    expect(day.locator("li.item.scheduled")).to_have_count(4)
    more = day.get_by_role("link", name=f"+2 more on {local_day:%A} {local_day.day} {local_day:%B}")
    more.focus()
    page.keyboard.press("Enter")
    expect(day.locator("li.item.scheduled")).to_have_count(6)
    expect(day.locator("li.item.scheduled").nth(4)).to_be_focused()  # the first line that came in
    expect(day.locator("li.item.more")).to_have_count(0)
    day.get_by_label(f"Tick Lamp at 14 at {local_day.day} {local_day:%b} 14:00").check()  # joins the bulk form
    page.get_by_label("or move them by (days; negative is earlier)").fill("1")
    page.get_by_role("button", name="Move ticked by days").click()
    expect(page.locator("#bulk-summary")).to_contain_text("Moved 1 schedule.")
