"""A page left open after its session ended (expired, or logged out elsewhere): an htmx request is told
so, and the page stays as it was, with no login page swapped into a part of it. After logging in again in
another tab, the same page works, though that login changed the CSRF secret its tokens were made from:
its htmx requests and its plain forms alike."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.models import Pin, Team
from publishing.services.pins import pin_create
from tests.e2e.conftest import log_in_through_the_form
from tests.pipeline_fixtures import pin_payload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_ended_session_is_told_and_the_page_works_after_logging_in_elsewhere(
    cast, browser_as, workspace, offline_account, offline_board
):
    pin_create(actor=Actor.for_user(cast.editor, workspace), source=Pin.Source.DASHBOARD,
               data=pin_payload(offline_account, offline_board, idempotency_key="ended-1", title="Chair"))
    page = browser_as(cast.manager)
    page.goto("/app/notifications/")
    expect(page.get_by_text("1 unread.")).to_be_visible()
    Session.objects.all().delete()  # the session ends on the server, as when it expires

    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#htmx-error")).to_contain_text("Your session has ended")
    expect(page.get_by_text("1 unread.")).to_be_visible()  # the list as it was ...
    expect(page.locator("input[type=password]")).to_have_count(0)  # ... and no login form swapped into it
    # The bell's next poll is refused too: the alert is not written, and so not announced, again.
    page.evaluate("""window.alertWrites = 0; new MutationObserver(() => window.alertWrites++)
        .observe(document.getElementById('htmx-error'), {childList: true, characterData: true, subtree: true})""")
    with page.expect_response("**/app/notifications/bell") as poll:
        page.evaluate("htmx.trigger(document.body, 'notifications-changed')")
    assert poll.value.status == 401
    page.wait_for_function("document.querySelector('.bell-slot').classList.contains('htmx-request') === false")
    assert page.evaluate("window.alertWrites") == 0

    log_in_through_the_form(page.context.new_page(), cast.manager.email)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("Nothing unread.")).to_be_visible()
    expect(page.locator("#notification-bell")).to_have_attribute("aria-label", "Notifications: none unread")


def test_a_plain_form_left_open_saves_after_logging_in_elsewhere(cast, browser_as):
    page = browser_as(cast.admin)
    page.goto("/app/team/settings")
    allow = page.get_by_label("Managers may approve pins they created themselves")
    expect(allow).not_to_be_checked()
    Session.objects.all().delete()  # the session ends, and the admin logs in again in another tab:
    log_in_through_the_form(page.context.new_page(), cast.admin.email)  # a new CSRF secret

    allow.check()
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_text("Saved the approval rules.")).to_be_visible()
    assert Team.objects.get(pk=cast.team.pk).allow_self_approval
