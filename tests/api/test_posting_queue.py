"""/v1/queue and /v1/pinterest/accounts/{id}/slots (Pinboard extension): slots set and read over
HTTP, three adds filling the next three slots in order, who may do what, another team's account
(404), and bad input as a 422 naming the field (run on PostgreSQL too)."""

import pytest

from publishing.models import PostingSlot, Schedule, Workspace
from tests.api.conftest import http
from tests.api.test_approvals import bearer, key_headers

pytestmark = pytest.mark.django_db(transaction=True)

WEEK = [{"weekday": day, "time": hhmm} for day in range(7) for hhmm in ("08:15", "19:45")]


def queued(account, board, title: str) -> dict:
    return {"account_id": str(account.public_id), "board_id": board.pinterest_board_id, "title": title,
            "image_url": "https://images.example.com/chair.jpg"}


def test_slots_then_three_adds_take_the_next_three_slots_in_order(server, cast, workspace, account, board):
    admin = bearer(server, cast.admin)
    path = f"/v1/pinterest/accounts/{account.public_id}/slots"
    put = http(server, "PUT", path, json={"slots": [*WEEK, {"weekday": 0, "time": "08:15"}]}, headers=admin)
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["time_zone"] == "Europe/Paris" and len(body["slots"]) == 14, "the duplicate counts once"
    assert body["slots"][0] == {"weekday": 0, "weekday_name": "Monday", "time": "08:15"}
    assert http(server, "GET", path, headers=key_headers(workspace, ["read"])).json() == body

    upcoming = http(server, "GET", f"/v1/queue?account_id={account.public_id}&count=3", headers=admin)
    assert upcoming.status_code == 200, upcoming.text
    expected = [slot["run_at"] for slot in upcoming.json()["data"]]
    assert len(expected) == 3 and expected == sorted(expected)
    writer = key_headers(workspace, ["read", "write"])
    made = []
    for n in (1, 2, 3):
        added = http(server, "POST", "/v1/queue", json=queued(account, board, f"Pin {n}"), headers=writer)
        assert added.status_code == 201, added.text
        made.append(added.json())
    assert [(s["payload"]["title"], s["run_at"], s["status"]) for s in made] == [
        (f"Pin {n}", run_at, "scheduled") for n, run_at in zip((1, 2, 3), expected, strict=True)]
    after = http(server, "GET", f"/v1/queue?account_id={account.public_id}&count=1", headers=admin).json()
    assert after["data"][0]["run_at"] > expected[-1], "the taken slots are no longer free"
    schedules = http(server, "GET", f"/v1/schedules?account_id={account.public_id}", headers=writer).json()
    assert len(schedules) == 3, "ordinary schedules, listed as any other"


def test_who_may_set_slots_and_add(server, cast, workspace, account, board):
    path = f"/v1/pinterest/accounts/{account.public_id}/slots"
    one = {"slots": [{"weekday": 2, "time": "10:00"}]}
    for who, status, code in [(bearer(server, cast.manager), 403, "insufficient_role"),
                              (key_headers(workspace, ["read"]), 403, "insufficient_scope")]:
        refused = http(server, "PUT", path, json=one, headers=who)
        assert (refused.status_code, refused.json()["detail"]["code"]) == (status, code)
    assert http(server, "PUT", path, json=one, headers=key_headers(workspace, ["read", "write"])).status_code == 200
    viewer = http(server, "POST", "/v1/queue", json=queued(account, board, "x"), headers=bearer(server, cast.viewer))
    assert (viewer.status_code, viewer.json()["detail"]["code"]) == (403, "insufficient_role")
    editor = http(server, "POST", "/v1/queue", json=queued(account, board, "x"), headers=bearer(server, cast.editor))
    assert editor.status_code == 201, editor.text
    zone = http(server, "PUT", "/v1/queue/time-zone", json={"time_zone": "UTC"},
                headers=key_headers(workspace, ["read", "write"]))
    assert (zone.status_code, zone.json()["detail"]["code"]) == (403, "user_required")


def test_another_teams_account_is_hidden(server, cast, workspace, account, board):
    outsider = bearer(server, cast.outsider)
    path = f"/v1/pinterest/accounts/{account.public_id}/slots"
    assert http(server, "GET", path, headers=outsider).status_code == 404
    assert http(server, "PUT", path, json={"slots": []}, headers=outsider).status_code == 404
    assert http(server, "GET", f"/v1/queue?account_id={account.public_id}", headers=outsider).status_code == 404
    added = http(server, "POST", "/v1/queue", json=queued(account, board, "x"), headers=outsider)
    assert added.status_code == 422 and added.json()["detail"]["code"] == "account_not_found"
    assert not Schedule.objects.exists() and not PostingSlot.objects.exists()


@pytest.mark.parametrize(("slots", "field"), [
    ([{"weekday": 7, "time": "09:00"}], "slots.0.weekday"),
    ([{"weekday": -1, "time": "09:00"}], "slots.0.weekday"),
    ([{"weekday": 1, "time": "09:00"}, {"weekday": "Friday", "time": "09:00"}], "slots.1.weekday"),
    ([{"weekday": 1, "time": "24:00"}], "slots.0.time"),
    ([{"weekday": 1, "time": "9:00"}], "slots.0.time"),
    ([{"weekday": 1, "time": "09:00\x00"}], "slots.0.time"),
    ([{"weekday": 1}], "slots.0.time"),
    ("Mondays", "slots"),
])
def test_bad_slots_are_422_naming_the_field(server, cast, account, slots, field):
    response = http(server, "PUT", f"/v1/pinterest/accounts/{account.public_id}/slots", json={"slots": slots},
                    headers=bearer(server, cast.admin))
    assert response.status_code == 422, response.text
    assert field in [item["field"] for item in response.json()["error"]["errors"]], response.text
    assert not PostingSlot.objects.exists()


def test_bad_queue_input_and_time_zone_are_422_naming_the_field(server, cast, workspace, account, board):
    admin = bearer(server, cast.admin)
    for body, field in [({"time_zone": "Mars/Olympus"}, "time_zone"), ({"time_zone": ""}, "time_zone"),
                        ({"time_zone": "Europe/Paris\x00"}, "time_zone"), ({}, "time_zone")]:
        response = http(server, "PUT", "/v1/queue/time-zone", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert field in [item["field"] for item in response.json()["error"]["errors"]], response.text
    assert Workspace.objects.get(pk=workspace.pk).timezone == "Europe/Paris"
    changed = http(server, "PUT", "/v1/queue/time-zone", json={"time_zone": "America/New_York"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["changed"] is True
    assert "UTC" in changed.json()["note"]
    for query, field in [("account_id=nope", "account_id"), (f"account_id={account.public_id}&count=0", "count"),
                         ("", "account_id")]:
        response = http(server, "GET", f"/v1/queue?{query}", headers=admin)
        assert response.status_code == 422 and field in [e["field"] for e in response.json()["error"]["errors"]]
    no_slots = http(server, "POST", "/v1/queue", json=queued(account, board, "x"), headers=admin)
    assert (no_slots.status_code, no_slots.json()["detail"]["code"]) == (409, "no_posting_slots")
    http(server, "PUT", f"/v1/pinterest/accounts/{account.public_id}/slots",
         json={"slots": [{"weekday": 3, "time": "10:00"}]}, headers=admin)
    untitled = http(server, "POST", "/v1/queue", json={**queued(account, board, "x"), "title": ""}, headers=admin)
    assert untitled.status_code == 422 and "title" in [e["field"] for e in untitled.json()["error"]["errors"]]
    timed = http(server, "POST", "/v1/queue", json={**queued(account, board, "x"), "run_at": "2030-01-01T09:00:00Z"},
                 headers=admin)
    assert timed.status_code == 422 and "run_at" in [e["field"] for e in timed.json()["error"]["errors"]]
    assert not Schedule.objects.exists()
