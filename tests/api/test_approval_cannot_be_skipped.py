"""An editor (bearer token from /v1/auth/login) and an API key whose team holds keys' pins for
approval cannot skip approval through /v1, whatever they put in a body: fields that name an
approval state, a status, an approver or a source are not the caller's to set. The pin stays held
and nothing is queued for publishing.

(API keys are created by admins only: an editor cannot hold one, so the key case is the team
setting ``api_key_pins_need_approval``.)"""

from datetime import UTC, datetime, timedelta

import pytest

from publishing.access import Actor
from publishing.models import ApprovalState, Pin, PinStatus, Schedule
from publishing.services.keys import api_key_create
from publishing.services.schedules import schedule_run
from tests.api.conftest import http
from tests.api.test_imports import finished
from tests.conftest import PASSWORD
from tests.pipeline_fixtures import queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)

# Everything a caller might try to pass to get its pin through without a manager.
SKIP_APPROVAL = {
    "approval_state": "approved", "approval": "approved", "approved": True, "approved_by": "mona@acme.test",
    "needs_approval": False, "approval_required": False, "requires_approval": False, "status": "publishing",
    "source": "dashboard", "created_by": "mona@acme.test",
}


def held(pin: Pin) -> bool:
    return (pin.status, pin.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)


def nothing_queued_for_publishing() -> bool:
    return queued_jobs("publishing.tasks.publish_pin") == []


@pytest.fixture(params=["editor_bearer", "api_key_held_by_team_rule"])
def headers(request, server, cast, workspace) -> dict:
    if request.param == "editor_bearer":
        login = http(server, "POST", "/v1/auth/login", json={"email": cast.editor.email, "password": PASSWORD})
        return {"Authorization": f"Bearer {login.json()['access_token']}"}
    cast.team.api_key_pins_need_approval = True
    cast.team.save(update_fields=["api_key_pins_need_approval"])
    return {
        "X-API-Key": api_key_create(
            actor=Actor.system(workspace, job="test"), name="ci", scopes=["read", "write"]
        ).plaintext
    }


def pin_body(account, board, **overrides) -> dict:
    body = {"account_id": str(account.public_id), "board_id": board.pinterest_board_id, "title": "A red chair",
            "image_url": "https://images.example.com/red-chair.jpg", "idempotency_key": "chair-1"}
    return {**body, **SKIP_APPROVAL, **overrides}


def test_creating_a_pin_with_approval_fields_leaves_it_held(server, headers, account, board):
    response = http(server, "POST", "/v1/pins", headers=headers, json=pin_body(account, board))
    assert response.status_code == 201, response.text
    assert response.json()["approval_state"] == "pending"
    assert held(Pin.objects.get()) and nothing_queued_for_publishing()


def test_editing_a_held_pin_with_approval_fields_leaves_it_held(server, headers, account, board):
    created = http(server, "POST", "/v1/pins", headers=headers, json=pin_body(account, board)).json()
    response = http(server, "PATCH", f"/v1/pins/{created['id']}", headers=headers,
                    json={"title": "A blue chair", **SKIP_APPROVAL})
    assert response.status_code == 200, response.text
    pin = Pin.objects.get()
    assert pin.title == "A blue chair" and held(pin) and nothing_queued_for_publishing()


def test_a_batch_with_approval_fields_leaves_every_pin_held(server, headers, account, board):
    items = [pin_body(account, board, idempotency_key=f"batch-{n}", title=f"Chair {n}") for n in range(3)]
    response = http(server, "POST", "/v1/pins/batch", headers=headers, json={"pins": items})
    assert response.status_code == 200, response.text
    assert Pin.objects.count() == 3 and all(held(pin) for pin in Pin.objects.all())
    assert nothing_queued_for_publishing()


def test_a_schedule_with_approval_fields_stays_pending_and_publishes_nothing(server, headers, account, board):
    body = pin_body(account, board, run_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    del body["idempotency_key"]
    created = http(server, "POST", "/v1/schedules", headers=headers, json=body)
    assert created.status_code == 201, created.text
    response = http(server, "PATCH", f"/v1/schedules/{created.json()['id']}", headers=headers,
                    json={"title": "A blue chair", **SKIP_APPROVAL})
    assert response.status_code == 200, response.text

    schedule = Schedule.objects.get()
    assert (schedule.title, schedule.approval_state) == ("A blue chair", ApprovalState.PENDING)
    Schedule.objects.filter(pk=schedule.pk).update(run_at=datetime.now(UTC) - timedelta(seconds=1))
    # Still unapproved when it comes due: its approval deadline is missed and no pin is made.
    assert schedule_run(schedule_id=schedule.pk) == "approval_deadline_missed"
    assert not Pin.objects.filter(schedule=schedule).exists() and nothing_queued_for_publishing()


def test_an_import_with_approval_fields_leaves_its_pins_held(server, headers, account, board, worker, sdk):
    rows = [pin_body(account, board, idempotency_key=f"import-{n}", title=f"Chair {n}") for n in range(2)]
    response = http(server, "POST", "/v1/pins/imports/json", headers=headers, json=rows)
    assert response.status_code == 202, response.text
    client = sdk(**({"api_key": headers["X-API-Key"]} if "X-API-Key" in headers
                    else {"bearer_token": headers["Authorization"].removeprefix("Bearer ")}))
    job = finished(client, response.json()["id"])
    assert job.created_rows == 2, job
    assert Pin.objects.count() == 2 and all(held(pin) for pin in Pin.objects.all())
    assert not Pin.objects.exclude(approval_state=ApprovalState.PENDING).exists()
