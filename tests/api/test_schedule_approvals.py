"""POST /v1/schedules/{id}/approve and /reject (Pinboard extensions, issue 13): a decision on the
pin a schedule made and held for approval, with the pins' rules (the ``approve`` key scope, the
manager or admin role), answered with the schedule."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, AuditEvent, Schedule
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from publishing.services.schedules import schedule_create, schedule_run
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editors_schedule(workspace, cast, account, board):
    data = {k: v for k, v in pin_payload(account, board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.editor, workspace),
                           data={**data, "run_at": timezone.now() + timedelta(hours=1)})


def come_due(schedule: Schedule) -> Schedule:
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    return Schedule.objects.select_related("pin").get(pk=schedule.pk)


def member(user, workspace) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user=user, workspace=workspace).token}")


def key(workspace, scopes: list[str]) -> Client:
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="approver", scopes=scopes)
    return Client(HTTP_X_API_KEY=issued.plaintext)


def test_a_manager_approves_a_held_schedule_and_gets_the_schedule_back(editors_schedule, cast, workspace):
    held = come_due(editors_schedule)
    response = member(cast.manager, workspace).post(f"/v1/schedules/{held.public_id}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["pin_id"], body["status"], body["last_error"]) == (
        str(held.public_id), str(held.pin.public_id), "queued", None)
    held.pin.refresh_from_db()
    assert (held.pin.approval_state, held.pin.approved_by) == (ApprovalState.APPROVED, cast.manager)
    assert AuditEvent.objects.filter(action="schedule.approved", target_id=str(held.public_id)).exists()


def test_rejecting_needs_a_reason_and_reports_the_schedule_failed(editors_schedule, cast, workspace):
    held = come_due(editors_schedule)
    manager = member(cast.manager, workspace)
    path = f"/v1/schedules/{held.public_id}/reject"
    for body in ({}, {"reason": ""}, {"reason": "r" * 501}):
        assert manager.post(path, body, content_type="application/json").status_code == 422, body
    response = manager.post(path, {"reason": "Off-brand"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["last_error"]) == ("failed", "Rejected: Off-brand")
    assert AuditEvent.objects.get(action="schedule.rejected").details["reason"] == "Off-brand"


def test_a_schedule_without_its_pin_yet_is_a_409(editors_schedule, cast, workspace):
    response = member(cast.manager, workspace).post(f"/v1/schedules/{editors_schedule.public_id}/approve")
    assert response.status_code == 409 and response.json()["detail"]["code"] == "not_awaiting_approval"


def test_a_key_needs_the_approve_scope_and_an_editor_the_role(editors_schedule, cast, workspace):
    held = come_due(editors_schedule)
    path = f"/v1/schedules/{held.public_id}/approve"
    writer = key(workspace, ["read", "write"]).post(path)
    assert writer.status_code == 403 and writer.json()["detail"]["code"] == "insufficient_scope"
    editor = member(cast.editor, workspace).post(path)
    assert editor.status_code == 403 and editor.json()["detail"]["code"] == "insufficient_role"
    held.pin.refresh_from_db()
    assert held.pin.approval_state == ApprovalState.PENDING
    assert key(workspace, ["read", "approve"]).post(path).status_code == 200
