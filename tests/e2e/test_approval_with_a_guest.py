"""Issue 13's "Must show" in a real browser, with a real django-q2 worker publishing to the sandbox:
the manager logs in, sees the bell's count, opens the notice, comments on the pin and creates a
review link; the guest opens it in a fresh browser context (no cookies, no account) and approves
with their name and a comment; the manager's page turns "Published" on its own. Under the two-step
rule the manager's approval alone leaves the pin waiting for the guest.

Each step is saved at 1280 px and 390 px as test-artifacts/screenshots/approval-<step>-<width>.png.
"""

import re

import pytest
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.models import ApprovalState, ApprovalSteps, Pin, PinComment, PinStatus, PublishAttempt
from publishing.services.pins import pin_create
from tests.e2e.conftest import log_in_through_the_form, save_screenshot
from tests.pipeline_fixtures import pin_payload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PUBLISH_DEADLINE_MS = 45_000  # worker start-up, a publish round trip and the 2 s poll, on a loaded CI box
PHONE, DESKTOP = 390, 1280


def shoot(page, step: str) -> None:
    """The page as it is now, at a phone's width and a desktop's (back to the desktop after)."""
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
        save_screenshot(page, f"approval-{step}-{width}")


def editors_pin(cast, workspace, account, board, title: str) -> Pin:
    """The editor's submission (the SDK's side is tests/api/test_approval_path_end_to_end.py)."""
    return pin_create(actor=Actor.for_user(cast.editor, workspace), source=Pin.Source.API,
                      data=pin_payload(account, board, title=title, idempotency_key=title))


def send_to_a_guest(manager, guest_name: str) -> str:
    """On the pin's page: open "Send to a guest reviewer", create the link, read it (shown once)."""
    manager.get_by_text("Send to a guest reviewer").click()
    manager.get_by_label("Guest's name (optional)").fill(guest_name)
    manager.get_by_label("The link works for (days)").fill("3")
    manager.get_by_role("button", name="Create the review link").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Review link created")
    return manager.get_by_label("Review link").input_value()


def guest_approves(open_browser_page, url: str, title: str, *, name: str, comment: str, step: str):
    guest = open_browser_page()  # a new context: no session, no cookies
    assert guest.context.cookies() == []
    guest.goto(url)
    expect(guest.get_by_role("heading", level=1)).to_have_text("Review for Acme")
    expect(guest.get_by_role("heading", level=2, name=title)).to_be_visible()
    expect(guest.get_by_text("You were asked to approve or reject this pin before it is published")).to_be_visible()
    shoot(guest, f"{step}-guest")
    guest.get_by_label("Your name").fill(name)
    guest.get_by_label("Comment (required to reject)").fill(comment)
    guest.get_by_role("button", name=f"Approve {title}").click()
    expect(guest.get_by_role("status")).to_have_text("Thank you: you approved it.")
    assert "sessionid" not in {cookie["name"] for cookie in guest.context.cookies()}
    shoot(guest, f"{step}-guest-done")
    return guest


def test_manager_is_notified_comments_sends_a_link_and_the_guests_approval_publishes(
        cast, workspace, account, board, start_cluster, open_browser_page):
    start_cluster(media=False)
    pin = editors_pin(cast, workspace, account, board, "The red chair")

    manager = open_browser_page()
    log_in_through_the_form(manager, cast.manager.email)
    bell = manager.get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("1")
    shoot(manager, "bell")
    bell.click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Notifications")
    notice = manager.get_by_role("link", name=f"{cast.editor.email} asked for approval of the pin “The red chair”.")
    shoot(manager, "notifications")
    notice.click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("The red chair")
    expect(manager.get_by_role("link", name="Notifications: none unread")).to_be_visible()

    manager.get_by_label("Comment", exact=True).fill("Lovely. Sending it to Clara for the last word.")
    manager.get_by_role("button", name="Comment", exact=True).click()
    expect(manager.locator("#comments")).to_contain_text("Lovely. Sending it to Clara for the last word.")
    shoot(manager, "comment")

    url = send_to_a_guest(manager, "Clara Client")
    shoot(manager, "review-link")
    guest_approves(open_browser_page, url, "The red chair", name="Clara Client", comment="Go ahead, thank you!",
                   step="single")

    manager.goto(f"/app/pins/{pin.public_id}/")
    expect(manager.locator("#status-panel [data-approval='approved']")).to_be_visible()
    published = manager.locator("#status-panel [data-pin='published']")
    expect(published).to_be_visible(timeout=PUBLISH_DEADLINE_MS)  # the page polls: no reload
    expect(manager.locator("#comments")).to_contain_text("Clara Client (guest)")
    expect(manager.locator("#comments")).to_contain_text("Go ahead, thank you!")
    shoot(manager, "published")
    pin.refresh_from_db()
    assert (pin.status, pin.approval_state) == (PinStatus.PUBLISHED, ApprovalState.APPROVED)
    assert list(PinComment.objects.thread(pin).values_list("author_label", flat=True)) == [
        cast.manager.email, "Clara Client"]


def test_two_steps_after_the_managers_approval_the_pin_still_waits_for_the_guest(
        cast, workspace, account, board, start_cluster, open_browser_page, browser_as):
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    start_cluster(media=False)
    pin = editors_pin(cast, workspace, account, board, "The blue sofa")

    manager = browser_as(cast.manager)
    manager.goto(f"/app/pins/{pin.public_id}/")
    manager.get_by_role("button", name="Approve", exact=True).click()
    expect(manager).to_have_url(re.compile(r"/app/approvals/$"))
    manager.goto(f"/app/pins/{pin.public_id}/")
    panel = manager.locator("#status-panel")
    expect(panel.locator("[data-approval='pending']")).to_be_visible()
    expect(panel).to_contain_text("step 2 of 2")
    shoot(manager, "two-step-waiting")
    pin.refresh_from_db()
    assert (pin.approval_state, pin.approval_steps_done) == (ApprovalState.PENDING, 1)

    url = send_to_a_guest(manager, "Clara Client")
    # The worker has been running since before the manager approved: nothing went to Pinterest.
    assert not PublishAttempt.objects.filter(pin=pin).exists()
    guest_approves(open_browser_page, url, "The blue sofa", name="Clara Client", comment="Yes, both of us agree.",
                   step="two-step")

    manager.goto(f"/app/pins/{pin.public_id}/")
    expect(manager.locator("#status-panel [data-pin='published']")).to_be_visible(timeout=PUBLISH_DEADLINE_MS)
    shoot(manager, "two-step-published")
    pin.refresh_from_db()
    assert (pin.status, pin.approval_state, pin.approval_steps_done) == (
        PinStatus.PUBLISHED, ApprovalState.APPROVED, 2)
