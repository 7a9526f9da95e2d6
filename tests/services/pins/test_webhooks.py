"""Webhooks: safe targets only, signed deliveries a receiver can verify, retries and the log."""

import hashlib
import hmac
import json
import socket

import pytest

from publishing.access import Actor
from publishing.models import AuditEvent, Pin, PinStatus, Webhook, WebhookDelivery
from publishing.services.errors import ValidationError
from publishing.services.pins import pin_create
from publishing.services.webhooks import (
    webhook_create,
    webhook_delete,
    webhook_delivery_attempt,
    webhook_event_emit,
    webhook_signature,
    webhook_update,
)
from tests.pipeline_fixtures import WEBHOOK_RECEIVER_SECRET, pin_payload, queued_jobs

SECRET = WEBHOOK_RECEIVER_SECRET  # what the webhook_receiver checks signatures with
DELIVER = "publishing.tasks.deliver_webhook"


@pytest.fixture
def published_pin(workspace, cast, offline_account, offline_board):
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(offline_account, offline_board))
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.PUBLISHED, pinterest_pin_id="813000000000000001")
    pin.refresh_from_db()
    return pin


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://0.0.0.0/hook",
])
def test_private_loopback_and_link_local_targets_are_refused(workspace, cast, url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        webhook_create(actor=Actor.for_user(cast.admin, workspace), url=url, secret=SECRET)
    assert (refused.value.field, refused.value.code) == ("url", "webhook_target_not_allowed")


def test_unresolvable_hosts_are_refused(workspace, cast, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        webhook_create(actor=Actor.for_user(cast.admin, workspace), url="https://no-such-host.invalid/h", secret=SECRET)
    assert "could not be resolved" in refused.value.message


def test_the_setting_allows_private_targets(workspace, cast, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = webhook_create(actor=Actor.for_user(cast.admin, workspace), url="http://127.0.0.1:9000/h", secret=SECRET)
    assert webhook.events == ["pin.published", "pin.failed"]
    assert AuditEvent.objects.get(action="webhook.created").details["url"] == "http://127.0.0.1:9000/h"


@pytest.mark.parametrize(("fields", "field"), [
    ({"url": "ftp://example.com/h"}, "url"),
    ({"url": "https://example.com/\x00"}, "url"),
    ({"secret": "short"}, "secret"),
    ({"secret": "s" * 256}, "secret"),
    ({"secret": "\x00" * 20}, "secret"),
    ({"events": ["pin.deleted"]}, "events"),
    ({"events": []}, "events"),
])
def test_bad_webhooks_are_refused_naming_the_field(workspace, cast, settings, fields, field):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    data = {"url": "https://hooks.example.com/h", "secret": SECRET, **fields}
    with pytest.raises(ValidationError) as refused:
        webhook_create(actor=Actor.for_user(cast.admin, workspace), **data)
    assert refused.value.field == field


def test_updates_rotate_the_secret_without_logging_it(workspace, cast, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = webhook_create(actor=Actor.for_user(cast.admin, workspace), url="http://127.0.0.1/h", secret=SECRET)
    webhook_update(
        webhook=webhook,
        actor=Actor.for_user(cast.admin, webhook.workspace),
        data={"secret": "n" * 32, "is_enabled": False},
    )
    webhook.refresh_from_db()
    assert (webhook.secret, webhook.is_enabled) == ("n" * 32, False)
    event = AuditEvent.objects.get(action="webhook.updated")
    assert "n" * 32 not in json.dumps(event.details)
    webhook_delete(webhook=webhook, actor=Actor.for_user(cast.admin, webhook.workspace))
    assert not Webhook.objects.exists()


def test_events_create_one_delivery_per_subscribed_enabled_webhook(workspace, published_pin,
                                                                  django_capture_on_commit_callbacks):
    wants_published = Webhook.objects.create(workspace=workspace, url="https://a.example/h", secret=SECRET,
                                             events=["pin.published"])
    Webhook.objects.create(workspace=workspace, url="https://b.example/h", secret=SECRET, events=["pin.failed"])
    Webhook.objects.create(workspace=workspace, url="https://c.example/h", secret=SECRET,
                           events=["pin.published"], is_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")

    assert delivery.webhook == wants_published
    assert delivery.payload == {
        "event": "pin.published", "delivery_id": str(delivery.public_id), "pin_id": str(published_pin.public_id),
        "status": "published", "board_id": published_pin.board_id,
        "pinterest_account_id": str(published_pin.account.public_id), "pinterest_pin_id": "813000000000000001",
        "error_code": None, "error_message": None, "occurred_at": delivery.payload["occurred_at"],
    }
    assert [args for args, _ in queued_jobs(DELIVER)] == [(delivery.pk,)]


def test_a_receiver_verifies_the_signature_of_the_raw_body(workspace, published_pin, webhook_receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret=SECRET, events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED

    [received] = webhook_receiver.received
    assert received.signature_valid  # the receiver checked it (a bad one is answered 401)
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-pinbridge-signature"] == expected
    assert received.headers["x-pinbridge-event"] == "pin.published"
    assert received.headers["x-pinbridge-delivery-id"] == str(delivery.public_id)
    assert json.loads(received.body)["pin_id"] == str(published_pin.public_id)
    delivery.refresh_from_db()
    assert (delivery.attempt_count, delivery.last_status_code) == (1, 204)


def test_a_receiver_refuses_a_delivery_signed_with_another_secret(workspace, published_pin, webhook_receiver,
                                                                 settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret="whsec-someone-elses-secret",
                           events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.PENDING

    [received] = webhook_receiver.received
    assert not received.signature_valid
    delivery.refresh_from_db()
    assert (delivery.attempt_count, delivery.last_status_code) == (1, 401)


def test_a_failing_receiver_gets_retries_with_backoff_then_gives_up(workspace, published_pin, webhook_receiver,
                                                                   settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret=SECRET, events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")
    webhook_receiver.statuses = [500, 500, 500]

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500 and delivery.next_attempt_at is not None
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "not_due"  # the backoff holds it back

    for _ in range(2):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
        webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (WebhookDelivery.Status.FAILED, 3)
    assert len(webhook_receiver.received) == 3
    # Every retry carries the same body, so the same signature and delivery id.
    assert len({received.body for received in webhook_receiver.received}) == 1


def test_a_target_that_became_private_is_not_called(workspace, published_pin, webhook_receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret=SECRET, events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "private" in delivery.last_error and webhook_receiver.received == []


def test_a_delivery_connects_to_the_address_it_checked_not_a_rebound_one(workspace, published_pin, settings,
                                                                        monkeypatch):
    """DNS rebinding: the name resolves to a public address for the check, then to an internal
    service. The delivery must go to the checked address, with the name kept in the Host header."""
    from tests.pipeline_fixtures import WebhookReceiver

    public_site, internal_service = WebhookReceiver(), WebhookReceiver()
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def rebinding_dns(host, port, *args, **kwargs):
        def answer(address, answer_port):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, answer_port))]

        if host == "hooks.rebind.test":
            lookups.append(host)
            return answer("93.184.215.14", port) if len(lookups) == 1 else answer("127.0.0.1", internal_service.port)
        if host == "93.184.215.14":  # the network's route to the public site (here: a local server)
            return answer("127.0.0.1", public_site.port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    try:
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
        Webhook.objects.create(workspace=workspace, url=f"http://hooks.rebind.test:{public_site.port}/hook",
                               secret=SECRET, events=["pin.published"])
        [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")
        assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
        assert internal_service.received == []
        [received] = public_site.received
        assert received.headers["host"] == f"hooks.rebind.test:{public_site.port}"
        assert received.headers["x-pinbridge-signature"] == webhook_signature(SECRET, received.body)
    finally:
        public_site.close()
        internal_service.close()


def test_the_signature_is_lower_case_hex_hmac_sha256():
    assert webhook_signature("key", b"The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
