"""/v1/email/preferences through the official pinbridge-sdk over real HTTP (the SDK's contract, plus
the per-event ``events`` extension), and /v1/notifications (Pinboard extension): a member's own only."""

import pytest
from pinbridge_sdk.models import EmailPreferencesUpdateRequest

from publishing.access import Actor
from publishing.models import EmailPreference, Notification, NotificationPreference
from publishing.services.notifications import notify
from publishing.services.pins import pin_create as pin_create_service
from tests.api.conftest import http
from tests.api.test_approvals import bearer
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sdk_reads_and_updates_the_members_preferences(login, cast, workspace):
    client = login(cast.editor)
    first = client.email.get_preferences()
    assert (first.transactional_enabled, first.alerts_enabled, first.verification_enabled) == (True, True, True)
    assert (first.workspace_id, first.user_id) == (workspace.public_id, cast.editor.public_id)

    updated = client.email.update_preferences(EmailPreferencesUpdateRequest(
        transactional_enabled=True, alerts_enabled=False, verification_enabled=False))
    assert (updated.id, updated.alerts_enabled, updated.verification_enabled) == (first.id, False, False)
    assert updated.updated_at >= first.updated_at
    stored = EmailPreference.objects.get(user=cast.editor, team=cast.team)
    assert (stored.alerts_enabled, stored.verification_enabled) == (False, False)
    assert client.email.get_preferences().alerts_enabled is False
    # Another member's switches are their own.
    assert login(cast.manager).email.get_preferences().alerts_enabled is True


def test_the_events_extension_sets_one_channel_and_keeps_the_rest(server, cast):
    headers = bearer(server, cast.editor)
    answer = http(server, "PATCH", "/v1/email/preferences", headers=headers, json={
        "transactional_enabled": True, "alerts_enabled": True, "verification_enabled": True,
        "events": {"pin.rejected": {"email": False}}})
    assert answer.status_code == 200, answer.text
    events = answer.json()["events"]
    assert events["pin.rejected"] == {"label": "My pin or schedule was rejected", "in_app": True, "email": False}
    assert events["comment.mention"]["email"] is True  # untouched: the default
    stored = NotificationPreference.objects.get(user=cast.editor, event="pin.rejected")
    assert (stored.in_app, stored.email) == (True, False)


@pytest.mark.parametrize(("body", "field"), [
    ({"transactional_enabled": True, "alerts_enabled": "yes", "verification_enabled": True}, "alerts_enabled"),
    ({"transactional_enabled": 1, "alerts_enabled": True, "verification_enabled": True}, "transactional_enabled"),
    ({"transactional_enabled": True, "alerts_enabled": True}, "verification_enabled"),
    ({"transactional_enabled": True, "alerts_enabled": True, "verification_enabled": None}, "verification_enabled"),
    ({"transactional_enabled": True, "alerts_enabled": True, "verification_enabled": True,
      "events": {"pin.rejected": {"email": "no"}}}, "email"),
    ({"transactional_enabled": True, "alerts_enabled": True, "verification_enabled": True,
      "events": {"pin.exploded": {"email": True}}}, "events.pin.exploded"),
])
def test_a_non_boolean_is_a_422_naming_the_field(server, cast, body, field):
    answer = http(server, "PATCH", "/v1/email/preferences", headers=bearer(server, cast.editor), json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert any(field in item["field"] for item in error["errors"]), error
    assert not EmailPreference.objects.filter(alerts_enabled=False).exists()
    assert not NotificationPreference.objects.exists()  # a refused PATCH changes nothing


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["yes", 1, None, [True], {"a": 1}, "\x00"])
def test_bad_booleans_are_422_on_postgresql(server, cast, value):
    answer = http(server, "PATCH", "/v1/email/preferences", headers=bearer(server, cast.editor),
                  json={"transactional_enabled": True, "alerts_enabled": value, "verification_enabled": True})
    assert answer.status_code == 422, answer.text
    assert "alerts_enabled" in [item["field"] for item in answer.json()["error"]["errors"]]


def test_an_api_key_has_no_person_and_is_refused(keyed):
    from pinbridge_sdk.errors import APIError
    with pytest.raises(APIError) as refused:
        keyed(scopes=("read", "write")).email.get_preferences()
    assert refused.value.status_code == 403


def test_notifications_list_and_read_are_the_callers_own(server, cast, workspace, account, board):
    pin = pin_create_service(actor=Actor.for_user(cast.editor, workspace), source="api",
                             data=pin_payload(account, board))
    notify("comment.mention", actor=Actor.for_user(cast.editor, workspace), pin=pin, mentioned=[cast.viewer])
    manager = bearer(server, cast.manager)
    listed = http(server, "GET", "/v1/notifications", headers=manager).json()
    assert listed["unread_count"] == 1 and [n["event"] for n in listed["data"]] == ["pin.approval_requested"]
    assert listed["data"][0]["pin_id"] == str(pin.public_id) and listed["data"][0]["read"] is False
    viewers = str(Notification.objects.get(recipient=cast.viewer).public_id)
    # Another member's id is ignored; the outsider (another team) sees nothing of Acme's.
    assert http(server, "POST", "/v1/notifications/read", headers=manager, json={"ids": [viewers]}).json() == {
        "marked": 0, "unread_count": 1}
    assert http(server, "GET", "/v1/notifications", headers=bearer(server, cast.outsider)).json()["data"] == []
    assert http(server, "POST", "/v1/notifications/read", headers=manager).json() == {"marked": 1, "unread_count": 0}
    assert Notification.objects.get(recipient=cast.viewer).read_at is None
