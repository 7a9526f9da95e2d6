"""Issue 13's "Must show", the whole path at once over real HTTP and a real django-q2 cluster:

an editor submits through the official SDK and sees the hold (``queued`` with ``awaiting_approval``
and who may approve); the manager gets an email (sent by a worker) and an in-app notice, comments
in the dashboard, and the editor replies through /v1; the manager sends the pin to a guest through
the dashboard's review-link form; the guest approves on the public page with no account; a worker
publishes the pin to the built-in Pinterest sandbox. Each step is in the audit log and arrives as a
signed webhook at a receiver that checks the HMAC itself.

A two-step rule (a manager, then the guest) publishes only after both steps: the first approval
alone enqueues nothing, and a running cluster leaves the pin unpublished until the guest decides.
"""

import email
import json
import re
from pathlib import Path

import httpx
import pytest
from django.test import Client
from pinbridge_sdk.models import WebhookCreate

from publishing.models import (
    ApprovalDecision,
    ApprovalState,
    ApprovalSteps,
    AuditEvent,
    Notification,
    Pin,
    PinComment,
    PinStatus,
    PublishAttempt,
    WebhookDelivery,
)
from tests.api.conftest import http, pin_create
from tests.api.test_approvals import HOLD_MESSAGE, bearer
from tests.pipeline_fixtures import WEBHOOK_RECEIVER_SECRET, queued_jobs, wait_for, webhook_receiver  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = ["pin.approval_requested", "pin.commented", "pin.approved", "pin.published"]
WORKER_DEADLINE = 60  # seconds: worker start-up and a round trip on a loaded 2-core machine


def sent_emails(outbox: Path) -> list[email.message.Message]:
    """Every message the cluster's file-based email backend wrote (one file per connection, each
    message followed by a line of dashes)."""
    messages = []
    for path in sorted(outbox.glob("*.log")):
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                messages.append(email.message_from_string(raw.strip()))
    return messages


def dashboard_as(user) -> Client:
    """The dashboard in-process, logged in (the CSRF check on, as a browser meets it)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/app/")  # sets the CSRF cookie
    return browser


def dashboard_post(browser: Client, path: str, data: dict):
    return browser.post(path, {**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})


def received_events(receiver) -> list[str]:
    return [hook.headers["x-pinbridge-event"] for hook in receiver.received]


def wait_for_webhooks(receiver, count: int, what: str) -> list[str]:
    wait_for(lambda: len(receiver.received) >= count, timeout=WORKER_DEADLINE, message=what)
    assert all(hook.signature_valid for hook in receiver.received), "a delivery's HMAC signature does not verify"
    return received_events(receiver)


def guest_decides(server: str, token: str, pin_id, *, name: str, comment: str) -> httpx.Response:
    """A guest with a fresh HTTP client (no cookie but the CSRF one the page sets) opens the link and
    approves: exactly what their browser sends."""
    with httpx.Client(base_url=server, timeout=30) as guest:
        page = guest.get(f"/review/{token}")
        assert page.status_code == 200, page.text
        assert "sessionid" not in guest.cookies
        return guest.post(f"/review/{token}/pin/{pin_id}/decide",
                          data={"name": name, "comment": comment, "decision": "approve",
                                "csrfmiddlewaretoken": guest.cookies["csrftoken"]})


def review_link_from(html: str) -> str:
    return re.search(r'value="https?://[^"]+/review/([^"]+)"', html).group(1)


def test_editor_submits_through_the_sdk_manager_talks_guest_approves_and_it_publishes_audited_and_signed(
        server, login, cast, workspace, account, board, start_cluster, webhook_receiver, tmp_path):  # noqa: F811
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    # The admin subscribes a receiver to the four events through the SDK.
    login(cast.admin).webhooks.create(WebhookCreate(url=webhook_receiver.url, secret=WEBHOOK_RECEIVER_SECRET,
                                                    events=EVENTS))
    start_cluster(media=False, extra_env={"PINBOARD_TEST_EMAIL_DIR": str(outbox)})

    # 1. The editor submits through the SDK and sees the hold in the fields PinResponse keeps.
    editor = login(cast.editor)
    submitted = editor.pins.create(pin_create(account, board, title="The red chair"))
    assert (submitted.status.value, submitted.error_code, submitted.error_message) == (
        "queued", "awaiting_approval", HOLD_MESSAGE)
    assert editor.pins.get(submitted.id).error_code == "awaiting_approval"
    pin = Pin.objects.get(public_id=submitted.id)
    assert wait_for_webhooks(webhook_receiver, 1, "pin.approval_requested") == ["pin.approval_requested"]

    # 2. The manager's email, sent by a worker, and the in-app notice with the bell's count.
    notice = Notification.objects.get(recipient=cast.manager, event="pin.approval_requested", pin=pin)
    assert notice.read_at is None
    wait_for(lambda: Notification.objects.get(pk=notice.pk).email_status == Notification.EmailStatus.SENT,
             timeout=WORKER_DEADLINE, message="a worker to email the manager")
    [to_manager] = [m for m in sent_emails(outbox) if m["To"] == cast.manager.email]
    assert "The red chair" in to_manager["Subject"] + to_manager.get_payload()
    assert f"/app/pins/{pin.public_id}/" in to_manager.get_payload()
    manager = dashboard_as(cast.manager)
    assert 'aria-label="Notifications: 1 unread"' in manager.get("/app/notifications/bell").content.decode()
    opened = manager.get(f"/app/notifications/{notice.public_id}/")
    assert opened.status_code == 302 and opened.url == f"/app/pins/{pin.public_id}/"
    assert 'aria-label="Notifications: none unread"' in manager.get("/app/notifications/bell").content.decode()

    # 3. The manager comments in the dashboard; the editor replies through /v1.
    commented = dashboard_post(manager, f"/app/pins/{pin.public_id}/comments",
                               {"body": "Could the link go to the autumn collection?"})
    assert commented.status_code in (200, 302), commented.content.decode()
    assert wait_for_webhooks(webhook_receiver, 2, "the manager's pin.commented")[1] == "pin.commented"
    reply = http(server, "POST", f"/v1/pins/{pin.public_id}/comments", headers=bearer(server, cast.editor),
                 json={"body": "@mona done, it now points there."})
    assert reply.status_code == 201, reply.text
    assert wait_for_webhooks(webhook_receiver, 3, "the editor's pin.commented")[2] == "pin.commented"
    assert list(PinComment.objects.thread(pin).values_list("author_label", "body")) == [
        (cast.manager.email, "Could the link go to the autumn collection?"),
        (cast.editor.email, "@mona done, it now points there.")]
    assert Notification.objects.filter(recipient=cast.editor, event="pin.commented", pin=pin).exists()
    assert Notification.objects.filter(recipient=cast.manager, event="comment.mention", pin=pin).exists()

    # 4. The manager sends the pin to a guest through the dashboard; the guest approves, no account.
    created = dashboard_post(manager, "/app/approvals/review-links/create",
                             {"pin_ids": [str(pin.public_id)], "guest_name": "Clara Client",
                              "expires_in_days": "3"})
    assert created.status_code == 200, created.content.decode()
    token = review_link_from(created.content.decode())
    decided = guest_decides(server, token, pin.public_id, name="Clara Client", comment="Lovely, go ahead.")
    assert decided.status_code == 302, decided.text

    # 5. A worker publishes it to the sandbox; the editor's SDK sees it published, the hold cleared.
    published = wait_for(lambda: (seen := editor.pins.get(submitted.id)).status.value == "published" and seen,
                         timeout=WORKER_DEADLINE, message="the approved pin to publish")
    assert published.error_code is None and published.error_message is None and published.pinterest_pin_id
    pin.refresh_from_db()
    assert (pin.status, pin.approval_state) == (PinStatus.PUBLISHED, ApprovalState.APPROVED)
    assert PublishAttempt.objects.filter(pin=pin, outcome=PublishAttempt.Outcome.PUBLISHED).count() == 1
    [decision] = ApprovalDecision.objects.filter(pin=pin)
    assert (decision.guest_name, decision.decided_by) == ("Clara Client", None)

    # 6. Signed webhooks, in the order the steps happened (the guest's approval and comment are one
    # transaction: their two deliveries may reach the receiver in either order).
    events = wait_for_webhooks(webhook_receiver, 6, "pin.published")
    assert events[:3] == ["pin.approval_requested", "pin.commented", "pin.commented"]
    assert sorted(events[3:5]) == ["pin.approved", "pin.commented"] and events[5] == "pin.published"
    assert len(events) == 6 and all(hook.signature_valid for hook in webhook_receiver.received)
    bodies = [json.loads(hook.body) for hook in webhook_receiver.received]
    assert {body["pin_id"] for body in bodies} == {str(pin.public_id)}
    assert [body["event"] for body in bodies] == events
    assert [b["author"] for b in bodies if b["event"] == "pin.commented"] == [
        cast.manager.email, cast.editor.email, "Clara Client"]
    # The receiver has answered; the worker records the answer just after.
    delivered = {WebhookDelivery.Status.DELIVERED}
    wait_for(lambda: set(WebhookDelivery.objects.values_list("status", flat=True)) == delivered,
             timeout=WORKER_DEADLINE, message="every delivery to be recorded as delivered")

    # 7. The audit log has every step, with who did it.
    trail = list(AuditEvent.objects.filter(workspace=workspace).order_by("id").values_list("action", "actor_label"))
    steps = [(action, who) for action, who in trail if action.startswith(("pin.", "review_link."))]
    assert steps == [
        ("pin.created", cast.editor.email),
        ("pin.commented", cast.manager.email),
        ("pin.commented", cast.editor.email),
        ("review_link.created", cast.manager.email),
        ("review_link.opened", "Clara Client"),
        ("pin.approved", "Clara Client"),
        ("pin.commented", "Clara Client"),
        ("review_link.decided", "Clara Client"),
        ("pin.published", "system (publish)"),
    ]


def test_a_two_step_rule_waits_for_the_guest_on_a_running_cluster(
        server, login, cast, account, board, start_cluster, webhook_receiver):  # noqa: F811
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    login(cast.admin).webhooks.create(WebhookCreate(url=webhook_receiver.url, secret=WEBHOOK_RECEIVER_SECRET,
                                                    events=["pin.approved", "pin.published"]))
    start_cluster(media=False)
    editor = login(cast.editor)
    submitted = editor.pins.create(pin_create(account, board))
    pin = Pin.objects.get(public_id=submitted.id)

    manager = dashboard_as(cast.manager)
    first = dashboard_post(manager, f"/app/approvals/{pin.public_id}/approve", {})
    assert first.status_code in (200, 302), first.content.decode()
    pin.refresh_from_db()
    assert (pin.approval_state, pin.approval_steps_done, pin.error_code) == (
        ApprovalState.PENDING, 1, "awaiting_approval")
    held = editor.pins.get(submitted.id)
    assert held.status.value == "queued" and "step 2 of 2" in held.error_message
    assert queued_jobs("publishing.tasks.publish_pin") == []  # the first step alone publishes nothing

    created = dashboard_post(manager, "/app/approvals/review-links/create",
                             {"pin_ids": [str(pin.public_id)], "expires_in_days": "1"})
    token = review_link_from(created.content.decode())
    # The cluster has been running all along: still nothing went to Pinterest, nothing was announced.
    assert not PublishAttempt.objects.filter(pin=pin).exists() and webhook_receiver.received == []
    assert editor.pins.get(submitted.id).status.value == "queued"

    assert guest_decides(server, token, pin.public_id, name="Clara Client", comment="").status_code == 302
    wait_for(lambda: editor.pins.get(submitted.id).status.value == "published", timeout=WORKER_DEADLINE,
             message="the pin to publish after the second step")
    assert list(ApprovalDecision.objects.filter(pin=pin).order_by("step").values_list("step", "decided_by_label")) == [
        (1, cast.manager.email), (2, "Clara Client")]
    assert sorted(wait_for_webhooks(webhook_receiver, 2, "pin.approved and pin.published")) == [
        "pin.approved", "pin.published"]
