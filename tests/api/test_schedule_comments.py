"""/v1/schedules/{id}/comments (Pinboard extension, issue 13): a schedule's thread through the API,
the schedule edit that puts a comment on an earlier version, roles and keys, another team's
schedule (404), bad input as a 422 naming ``body``, and pin.commented chosen in /v1/webhooks."""

import pytest

from publishing.models import PinComment, Schedule, Webhook
from publishing.services.schedules import schedule_run
from tests.api.conftest import http
from tests.api.test_approvals import bearer, key_headers
from tests.api.test_schedules import schedule_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schedule(login, cast, account, board):
    return login(cast.manager).schedules.create(schedule_create(account, board))


def test_a_schedules_thread_with_mentions_and_an_earlier_version(server, cast, login, workspace, schedule):
    path = f"/v1/schedules/{schedule.id}/comments"
    posted = http(server, "POST", path, json={"body": " @mona, is 9am right? "}, headers=bearer(server, cast.editor))
    assert posted.status_code == 201, posted.text
    first = posted.json()
    assert (first["body"], first["author"], first["author_is_guest"], first["mentions"], first["content_version"],
            first["on_earlier_version"]) == ("@mona, is 9am right?", "eddie@acme.test", False, ["mona@acme.test"], 1,
                                             False)
    edited = http(server, "PATCH", f"/v1/schedules/{schedule.id}", json={"title": "An oak chair"},
                  headers=bearer(server, cast.manager))
    assert edited.status_code == 200, edited.text
    http(server, "POST", path, json={"body": "Renamed it"}, headers=key_headers(workspace, ["read", "write"]))
    thread = http(server, "GET", path, headers=bearer(server, cast.viewer)).json()
    assert (thread["content_version"], thread["schedule_id"]) == (2, None)
    assert [(c["body"], c["content_version"], c["on_earlier_version"]) for c in thread["data"]] == [
        ("@mona, is 9am right?", 1, True), ("Renamed it", 2, False)]
    assert thread["data"][1]["author"].startswith("API key ")
    assert PinComment.objects.filter(schedule__public_id=schedule.id, pin=None).count() == 2


def test_who_may_comment_on_a_schedule_through_the_api(server, cast, workspace, schedule):
    path = f"/v1/schedules/{schedule.id}/comments"
    viewer = http(server, "POST", path, json={"body": "Hi"}, headers=bearer(server, cast.viewer))
    assert viewer.status_code == 403 and viewer.json()["detail"]["code"] == "insufficient_role"
    reader = key_headers(workspace, ["read"])
    assert http(server, "POST", path, json={"body": "Hi"}, headers=reader).status_code == 403
    assert http(server, "GET", path, headers=reader).status_code == 200
    outsider = bearer(server, cast.outsider)  # another team's admin: the schedule does not exist for them
    assert http(server, "GET", path, headers=outsider).status_code == 404
    assert http(server, "POST", path, json={"body": "Hi"}, headers=outsider).status_code == 404
    assert not PinComment.objects.exists()


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "  \n"}, {"body": "a\x00b"}, {"body": "x" * 2001},
                                  {"body": 12}, {}])
def test_bad_bodies_on_a_schedule_are_422_naming_the_field(server, workspace, schedule, body):
    response = http(server, "POST", f"/v1/schedules/{schedule.id}/comments", json=body,
                    headers=key_headers(workspace, ["read", "write"]))
    assert response.status_code == 422, response.text
    assert "body" in [item["field"] for item in response.json()["error"]["errors"]]
    assert not PinComment.objects.exists()


def test_a_pins_thread_names_the_schedule_that_made_it(server, cast, workspace, schedule):
    stored = Schedule.objects.get(public_id=schedule.id)
    http(server, "POST", f"/v1/schedules/{schedule.id}/comments", json={"body": "Before it runs"},
         headers=bearer(server, cast.editor))
    Schedule.objects.filter(pk=stored.pk).update(run_at=stored.created_at)  # due now: its job runs it
    assert schedule_run(schedule_id=stored.pk) == "ran"
    pin_id = Schedule.objects.get(pk=stored.pk).pin.public_id
    thread = http(server, "GET", f"/v1/pins/{pin_id}/comments", headers=bearer(server, cast.viewer)).json()
    assert (thread["data"], thread["schedule_id"]) == ([], str(schedule.id))


def test_webhooks_may_subscribe_to_pin_commented(server, cast):
    response = http(server, "POST", "/v1/webhooks", headers=bearer(server, cast.admin),
                    json={"url": "https://hooks.example.com/in", "secret": "s" * 32, "events": ["pin.commented"]})
    assert response.status_code == 201, response.text
    assert response.json()["events"] == ["pin.commented"] and Webhook.objects.get().events == ["pin.commented"]
