"""Approval webhooks (issue 13): a pin put on hold announces ``pin.approval_requested``, a decision
``pin.approved`` or ``pin.rejected``; each is signed like every delivery, checked by a receiver."""

import hashlib
import hmac
import json

import pytest

from publishing.access import Actor
from publishing.models import Webhook, WebhookDelivery
from publishing.services.pins import pin_approve, pin_create, pin_edit, pin_reject
from publishing.services.webhooks import webhook_delivery_attempt
from tests.pipeline_fixtures import WEBHOOK_RECEIVER_SECRET, pin_payload

APPROVAL_EVENTS = ["pin.approval_requested", "pin.approved", "pin.rejected"]


@pytest.fixture
def subscribed(workspace, webhook_receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret=WEBHOOK_RECEIVER_SECRET,
                           events=APPROVAL_EVENTS)
    return webhook_receiver


def deliver_all(receiver) -> list[tuple[str, dict]]:
    """Send every pending delivery, oldest first; each (event header, body) the receiver verified."""
    receiver.received.clear()
    for delivery in WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).order_by("id"):
        assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
    seen = []
    for received in receiver.received:
        assert received.signature_valid  # the receiver recomputed the HMAC (a bad one is answered 401)
        expected = hmac.new(WEBHOOK_RECEIVER_SECRET.encode(), received.body, hashlib.sha256).hexdigest()
        assert received.headers["x-pinbridge-signature"] == expected
        seen.append((received.headers["x-pinbridge-event"], json.loads(received.body)))
    return seen


def editors_pin(workspace, cast, account, board, **overrides):
    return pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                      data=pin_payload(account, board, **overrides))


def test_a_held_pin_announces_the_request_then_the_approval(workspace, cast, offline_account, offline_board,
                                                            subscribed):
    pin = editors_pin(workspace, cast, offline_account, offline_board)
    [(event, body)] = deliver_all(subscribed)
    assert event == body["event"] == "pin.approval_requested"
    assert (body["pin_id"], body["status"], body["error_code"]) == (str(pin.public_id), "queued", "awaiting_approval")
    assert body["error_message"] == "Waiting for approval by a manager or admin of Acme."

    pin_approve(pin=pin, actor=Actor.for_user(cast.manager, workspace))
    [(event, body)] = deliver_all(subscribed)
    assert (event, body["pin_id"], body["error_code"]) == ("pin.approved", str(pin.public_id), None)


def test_a_rejection_is_announced_and_the_resubmission_asks_again(workspace, cast, offline_account, offline_board,
                                                                  subscribed):
    pin = editors_pin(workspace, cast, offline_account, offline_board)
    deliver_all(subscribed)
    pin_reject(pin=pin, actor=Actor.for_user(cast.manager, workspace), reason="Blurry")
    [(event, body)] = deliver_all(subscribed)
    assert (event, body["status"], body["error_code"], body["error_message"]) == (
        "pin.rejected", "failed", "rejected", "Rejected: Blurry")

    pin_edit(pin=pin, actor=Actor.for_user(cast.editor, workspace), data={"title": "Sharper"})
    [(event, body)] = deliver_all(subscribed)
    assert (event, body["status"], body["error_code"]) == ("pin.approval_requested", "queued", "awaiting_approval")


def test_a_pin_that_needs_no_approval_and_a_repeated_request_announce_nothing(workspace, cast, offline_account,
                                                                              offline_board, subscribed):
    pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
               data=pin_payload(offline_account, offline_board, idempotency_key="manager"))
    first = editors_pin(workspace, cast, offline_account, offline_board, idempotency_key="editor")
    again = editors_pin(workspace, cast, offline_account, offline_board, idempotency_key="editor")
    assert again.idempotent_replay and again.pk == first.pk
    assert [event for event, _ in deliver_all(subscribed)] == ["pin.approval_requested"]


def test_only_subscribers_of_the_event_get_it(workspace, cast, offline_account, offline_board, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url="https://a.example/h", secret=WEBHOOK_RECEIVER_SECRET,
                           events=["pin.published", "pin.failed"])  # the default subscription
    wants = Webhook.objects.create(workspace=workspace, url="https://b.example/h", secret=WEBHOOK_RECEIVER_SECRET,
                                   events=["pin.approval_requested"])
    editors_pin(workspace, cast, offline_account, offline_board)
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.webhook, delivery.event_type) == (wants, "pin.approval_requested")
