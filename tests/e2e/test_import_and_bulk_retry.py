"""Everything the API can do, in the browser, with a real django-q2 worker and the sandbox: an admin
imports a CSV and watches each row's result arrive; Pinterest refuses the imported pins' images, so
they fail; after the images are fixed, the admin ticks every failed pin on the list and retries them
in one go, and the rows turn Published without a reload."""

import pytest
from playwright.sync_api import expect

from pinterest_sandbox import faults
from publishing.models import ImportJob, Pin, PinStatus
from tests.e2e.conftest import save_screenshot
from tests.pipeline_fixtures import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WORKER_DEADLINE_MS = 45_000  # worker start-up, a round trip to the sandbox, and the 2 s poll, on a loaded box


def test_an_import_shows_each_row_then_failed_pins_are_retried_from_the_list(
        cast, account, board, start_cluster, browser_as, tmp_path):
    faults.image_failure(kind="broken", times=2)  # the two good rows' pins: Pinterest refuses the image
    start_cluster()
    line = f"{account.public_id},{board.pinterest_board_id}"
    csv_file = tmp_path / "spring.csv"
    csv_file.write_text("account_id,board_id,title,image_url,idempotency_key\n"
                        f"{line},Oak chair,https://images.example.com/oak.jpg,spring-1\n"
                        f"{line},Pine table,https://images.example.com/pine.jpg,spring-2\n"
                        f"{line},,https://images.example.com/none.jpg,spring-3\n")

    page = browser_as(cast.admin)
    page.goto("/app/pins/")
    page.get_by_role("link", name="Import pins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import pins")
    page.get_by_label("CSV or JSON file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import: spring.csv")
    # The page polls the job the worker runs until it ends: no reload.
    expect(page.locator("#import-status")).to_contain_text(
        "Completed with errors: 2 created, 0 replayed, 1 with errors, of 3 rows.", timeout=WORKER_DEADLINE_MS)
    expect(page.locator("#import-row-1")).to_contain_text("created")
    expect(page.locator("#import-row-2")).to_contain_text("created")
    expect(page.locator("#import-row-3")).to_contain_text("error")
    expect(page.locator("#import-row-3")).to_contain_text("title")
    assert ImportJob.objects.get().status == ImportJob.Status.COMPLETED_WITH_ERRORS
    save_screenshot(page, "import-results-1280")

    imported = Pin.objects.filter(idempotency_key__in=["spring-1", "spring-2"])
    wait_for(lambda: set(imported.values_list("status", flat=True)) == {PinStatus.FAILED}, timeout=45,
             message="the imported pins to fail on the broken image")

    page.goto("/app/pins/?status=failed")
    expect(page.locator('input[name="ids"]')).to_have_count(2)
    page.get_by_label("Tick every pin on this page").check()
    for box in page.locator('input[name="ids"]').all():
        expect(box).to_be_checked()
    page.get_by_role("button", name="Retry ticked", exact=True).click()  # not "Retry ticked at this time"

    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("Retried 2 pins.")
    expect(summary).to_contain_text("“Oak chair”: retried")
    expect(summary).to_be_focused()  # focus moves to the per-pin results after the swap
    save_screenshot(page, "pins-bulk-retry-1280")

    page.goto("/app/pins/")
    for pin in imported:
        expect(page.locator(f"#pin-{pin.public_id}")).to_contain_text("Published", timeout=WORKER_DEADLINE_MS)
    assert set(imported.values_list("status", flat=True)) == {PinStatus.PUBLISHED}
