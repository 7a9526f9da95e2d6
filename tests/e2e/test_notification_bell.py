"""The notification bell in Chromium: htmx loads the unread count into the header after the page,
marking all read on the notifications page updates the bell at once (HX-Trigger), and opening a
notification goes to its pin."""

import pytest
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.models import Pin
from publishing.services.pins import pin_create
from tests.pipeline_fixtures import pin_payload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_then_clears_without_a_reload(cast, browser_as, workspace, offline_account, offline_board):
    for n in range(2):
        pin_create(actor=Actor.for_user(cast.editor, workspace), source=Pin.Source.DASHBOARD,
                   data=pin_payload(offline_account, offline_board, idempotency_key=f"bell-{n}", title=f"Chair {n}"))
    page = browser_as(cast.manager)
    page.goto("/app/")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 2 unread")  # swapped in by htmx on load
    expect(bell.locator(".bell-count")).to_have_text("2")

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("Nothing unread.")).to_be_visible()
    # Told by HX-Trigger, with no reload, well before the next 20-second poll could say it.
    expect(bell).to_have_attribute("aria-label", "Notifications: none unread", timeout=5000)

    page.get_by_role("link", name="Chair 1").first.click()
    expect(page).to_have_url(f"{page.url.split('/app/')[0]}/app/pins/{Pin.objects.get(title='Chair 1').public_id}/")
