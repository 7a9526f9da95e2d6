"""/v1/review-links (Pinboard extension, issue 13): managers and approve-scoped keys send pins to a
guest reviewer; bad input is a 422 naming the field (on PostgreSQL too); the token is shown once;
links are the workspace's only; the guest approves with the returned URL, no account needed. Two
steps (a manager, then the guest) publish only after both, with one signed pin.approved webhook."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from publishing.access import Actor
from publishing.models import (
    ApprovalDecision,
    ApprovalState,
    ApprovalSteps,
    AuditEvent,
    Pin,
    PinterestAccount,
    ReviewLink,
    Webhook,
    WebhookDelivery,
    Workspace,
)
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_create
from publishing.services.review_links import review_link_create
from publishing.services.schedules import schedule_create
from publishing.services.webhooks import webhook_delivery_attempt
from tests.pipeline_fixtures import (  # noqa: F401 - fixtures by name
    WEBHOOK_RECEIVER_SECRET,
    offline_account,
    offline_board,
    pin_payload,
    webhook_receiver,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The review page counts requests per address in the cache: each test starts from zero."""
    cache.clear()


@pytest.fixture
def held_pin(cast, workspace, offline_account, offline_board):  # noqa: F811
    return pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                      data=pin_payload(offline_account, offline_board, idempotency_key="held"))


def member(user, workspace) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user=user, workspace=workspace).token}")


def key(workspace, scopes) -> Client:
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="reviewer", scopes=scopes)
    return Client(HTTP_X_API_KEY=issued.plaintext)


def post(client: Client, path: str, body) -> object:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_an_approve_scoped_key_creates_a_link_shown_once(held_pin, workspace):
    client = key(workspace, ["read", "approve"])
    response = post(client, "/v1/review-links", {"pin_ids": [str(held_pin.public_id)], "guest_name": "Clara",
                                                 "guest_email": "clara@client.test", "expires_in_days": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    link = ReviewLink.objects.get()
    assert body["url"].endswith(f"/review/{body['token']}")
    assert hashlib.sha256(body["token"].encode()).hexdigest() == link.token_hash
    assert (body["pin_ids"], body["guest_name"], body["is_open"]) == ([str(held_pin.public_id)], "Clara", True)
    listed = client.get("/v1/review-links")
    assert listed.status_code == 200 and listed["X-Total-Count"] == "1"
    assert "token" not in listed.json()[0] and body["token"] not in listed.content.decode()
    assert client.get(f"/v1/review-links/{link.public_id}").json()["id"] == str(link.public_id)
    revoked = client.delete(f"/v1/review-links/{link.public_id}")
    assert revoked.status_code == 200 and revoked.json()["is_open"] is False
    assert Client().get(f"/review/{body['token']}").status_code == 410


def test_a_key_without_the_approve_scope_and_an_editor_are_refused(held_pin, cast, workspace):
    body = {"pin_ids": [str(held_pin.public_id)]}
    writer = post(key(workspace, ["read", "write"]), "/v1/review-links", body)
    assert writer.status_code == 403 and writer.json()["detail"]["code"] == "insufficient_scope"
    editor = post(member(cast.editor, workspace), "/v1/review-links", body)
    assert editor.status_code == 403 and editor.json()["detail"]["code"] == "insufficient_role"
    assert key(workspace, ["read", "write"]).get("/v1/review-links").status_code == 403
    assert not ReviewLink.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"expires_in_days": 0}, "expires_in_days"),
    ({"expires_in_days": 31}, "expires_in_days"),
    ({"expires_in_days": "soon"}, "expires_in_days"),
    ({"pin_ids": ["not-a-uuid"]}, "pin_ids"),
    ({"pin_ids": ["6f1c3a1e-0000-4000-8000-000000000000"]}, "pin_ids"),
    ({"pin_ids": []}, "pin_ids"),
    ({"guest_email": "nope"}, "guest_email"),
    ({"guest_name": "x" * 121}, "guest_name"),
    ({"guest_name": "nul\u0000name"}, "guest_name"),
    ({"schedule_ids": ["6f1c3a1e-0000-4000-8000-000000000000"]}, "schedule_ids"),
])
def test_bad_input_is_a_422_naming_the_field(held_pin, cast, workspace, change, field):
    body = {"pin_ids": [str(held_pin.public_id)], **change}
    response = post(member(cast.manager, workspace), "/v1/review-links", body)
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert not ReviewLink.objects.exists()


def test_a_pin_not_awaiting_approval_is_a_422(cast, workspace, offline_account, offline_board):  # noqa: F811
    free = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                      data=pin_payload(offline_account, offline_board, idempotency_key="free"))
    response = post(member(cast.manager, workspace), "/v1/review-links", {"pin_ids": [str(free.public_id)]})
    assert response.status_code == 422 and "pin_ids" in response.content.decode()


def test_links_and_pins_of_another_team_are_not_found(held_pin, cast, workspace):
    theirs = Workspace.objects.for_team(cast.other_team).first() or Workspace.objects.create(
        team=cast.other_team, name="Globex")
    outsider = key(theirs, ["read", "approve"])
    steal = post(outsider, "/v1/review-links", {"pin_ids": [str(held_pin.public_id)]})
    assert steal.status_code == 422 and "pin_ids" in steal.content.decode()
    ours = post(member(cast.manager, workspace), "/v1/review-links", {"pin_ids": [str(held_pin.public_id)]}).json()
    assert outsider.get(f"/v1/review-links/{ours['id']}").status_code == 404
    assert outsider.delete(f"/v1/review-links/{ours['id']}").status_code == 404
    assert outsider.get("/v1/review-links").json() == []
    assert ReviewLink.objects.get().revoked_at is None


def test_schedules_can_be_sent_too(cast, workspace, offline_account, offline_board):  # noqa: F811
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    schedule = schedule_create(actor=Actor.for_user(cast.editor, workspace),
                               data={**data, "run_at": timezone.now() + timedelta(hours=4)})
    response = post(member(cast.manager, workspace), "/v1/review-links", {"schedule_ids": [str(schedule.public_id)]})
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    guest = Client(enforce_csrf_checks=True)
    page = guest.get(f"/review/{token}")
    assert page.status_code == 200 and schedule.title in page.content.decode()
    decided = guest.post(f"/review/{token}/schedule/{schedule.public_id}/decide",
                         {"name": "Clara", "decision": "approve", "comment": "",
                          "csrfmiddlewaretoken": guest.cookies["csrftoken"].value})
    assert decided.status_code == 302
    schedule.refresh_from_db()
    assert schedule.approval_state == ApprovalState.APPROVED


def test_two_steps_publish_once_with_one_signed_approved_webhook(held_pin, cast, workspace, settings,
                                                                  webhook_receiver):  # noqa: F811
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Webhook.objects.create(workspace=workspace, url=webhook_receiver.url, secret=WEBHOOK_RECEIVER_SECRET,
                           events=["pin.approved", "pin.rejected"])
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    manager = member(cast.manager, workspace)
    first = manager.post(f"/v1/pins/{held_pin.public_id}/approve")
    assert first.status_code == 200 and first.json()["error_code"] == "awaiting_approval"
    assert "step 2 of 2" in first.json()["error_message"]
    assert not WebhookDelivery.objects.exists()  # no pin.approved before the last step
    token = post(manager, "/v1/review-links", {"pin_ids": [str(held_pin.public_id)]}).json()["token"]
    guest = Client(enforce_csrf_checks=True)
    guest.get(f"/review/{token}")
    guest.post(f"/review/{token}/pin/{held_pin.public_id}/decide",
               {"name": "Clara", "decision": "approve", "csrfmiddlewaretoken": guest.cookies["csrftoken"].value})
    held_pin.refresh_from_db()
    assert held_pin.approval_state == ApprovalState.APPROVED
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event_type == "pin.approved"
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
    [received] = webhook_receiver.received
    assert received.signature_valid
    expected = hmac.new(WEBHOOK_RECEIVER_SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-pinbridge-signature"] == expected
    assert list(ApprovalDecision.objects.values_list("step", flat=True)) == [1, 2]
    assert AuditEvent.objects.filter(action="pin.approval_step_approved").count() == 1
    assert Pin.objects.get(pk=held_pin.pk).approval_steps_done == 2


def test_a_key_limited_to_some_accounts_neither_sees_nor_revokes_links_to_other_accounts_pins(
        held_pin, cast, workspace, offline_account):  # noqa: F811
    """A link names its pins and its guest: like those pins, it is outside a limited key's reach."""
    other_account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="1000000000000000002",
                                                    username="acme_other", access_token="pina_other",
                                                    connected_by=cast.admin)
    issued = review_link_create(actor=Actor.for_user(cast.manager, workspace), pin_ids=[held_pin.public_id],
                                guest_name="Clara Client")
    limited = Client(HTTP_X_API_KEY=api_key_create(
        actor=Actor.system(workspace, job="test"), name="limited", scopes=["read", "approve"],
        accounts=[other_account]).plaintext)
    assert limited.get("/v1/review-links").json() == []
    assert limited.get(f"/v1/review-links/{issued.link.public_id}").status_code == 404
    assert limited.delete(f"/v1/review-links/{issued.link.public_id}").status_code == 404
    issued.link.refresh_from_db()
    assert issued.link.revoked_at is None
    # A key allowed the pin's account still sees it.
    allowed = Client(HTTP_X_API_KEY=api_key_create(
        actor=Actor.system(workspace, job="test"), name="allowed", scopes=["read", "approve"],
        accounts=[offline_account]).plaintext)
    assert [link["id"] for link in allowed.get("/v1/review-links").json()] == [str(issued.link.public_id)]
