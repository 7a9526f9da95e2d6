"""POST /v1/schedules/{id}/approve, /reject, /bulk-approve and /bulk-reject (Pinboard extensions,
issue 13): a decision on a schedule before its pin exists (or on its held pin), with the pins' rules
(the ``approve`` key scope, the manager or admin role), answered with the schedule."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, AuditEvent
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from publishing.services.schedules import schedule_create
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editors_schedule(workspace, cast, account, board):
    data = {k: v for k, v in pin_payload(account, board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.editor, workspace),
                           data={**data, "run_at": timezone.now() + timedelta(hours=1)})


def member(user, workspace) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user=user, workspace=workspace).token}")


def key(workspace, scopes: list[str]) -> Client:
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="approver", scopes=scopes)
    return Client(HTTP_X_API_KEY=issued.plaintext)


def test_a_manager_approves_a_schedule_before_its_pin_exists(editors_schedule, cast, workspace):
    response = member(cast.manager, workspace).post(f"/v1/schedules/{editors_schedule.public_id}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["pin_id"], body["status"], body["last_error"]) == (
        str(editors_schedule.public_id), None, "scheduled", None)
    editors_schedule.refresh_from_db()
    assert (editors_schedule.approval_state, editors_schedule.approved_by) == (ApprovalState.APPROVED, cast.manager)
    assert AuditEvent.objects.filter(action="schedule.approved", target_id=str(editors_schedule.public_id)).exists()


def test_rejecting_needs_a_reason_and_reports_the_schedule_failed(editors_schedule, cast, workspace):
    manager = member(cast.manager, workspace)
    path = f"/v1/schedules/{editors_schedule.public_id}/reject"
    for body in ({}, {"reason": ""}, {"reason": "r" * 501}):
        response = manager.post(path, body, content_type="application/json")
        assert response.status_code == 422 and "reason" in response.content.decode(), body
    response = manager.post(path, {"reason": "Off-brand"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["last_error"]) == ("failed", "Rejected: Off-brand")
    assert AuditEvent.objects.get(action="schedule.rejected").details["reason"] == "Off-brand"


def test_a_schedule_that_needs_no_approval_is_a_409(workspace, cast, account, board):
    data = {k: v for k, v in pin_payload(account, board).items() if k != "idempotency_key"}
    schedule = schedule_create(actor=Actor.for_user(cast.manager, workspace),
                               data={**data, "run_at": timezone.now() + timedelta(hours=1)})
    response = member(cast.admin, workspace).post(f"/v1/schedules/{schedule.public_id}/approve")
    assert response.status_code == 409 and response.json()["detail"]["code"] == "not_awaiting_approval"


def test_a_key_needs_the_approve_scope_and_an_editor_the_role(editors_schedule, cast, workspace):
    path = f"/v1/schedules/{editors_schedule.public_id}/approve"
    writer = key(workspace, ["read", "write"]).post(path)
    assert writer.status_code == 403 and writer.json()["detail"]["code"] == "insufficient_scope"
    editor = member(cast.editor, workspace).post(path)
    assert editor.status_code == 403 and editor.json()["detail"]["code"] == "insufficient_role"
    editors_schedule.refresh_from_db()
    assert editors_schedule.approval_state == ApprovalState.PENDING
    assert key(workspace, ["read", "approve"]).post(path).status_code == 200


def test_bulk_approve_and_bulk_reject(editors_schedule, cast, workspace, account, board):
    data = {k: v for k, v in pin_payload(account, board).items() if k != "idempotency_key"}
    other = schedule_create(actor=Actor.for_user(cast.editor, workspace),
                            data={**data, "run_at": timezone.now() + timedelta(hours=1)})
    manager = member(cast.manager, workspace)
    approved = manager.post("/v1/schedules/bulk-approve", {"ids": [str(editors_schedule.public_id)]},
                            content_type="application/json")
    assert approved.status_code == 200 and approved.json()["succeeded_count"] == 1, approved.content
    bad = manager.post("/v1/schedules/bulk-reject", {"ids": [str(other.public_id)]}, content_type="application/json")
    assert bad.status_code == 422 and "reason" in bad.content.decode()
    rejected = manager.post("/v1/schedules/bulk-reject", {"ids": [str(other.public_id)], "reason": "No"},
                            content_type="application/json")
    assert rejected.status_code == 200 and rejected.json()["succeeded_count"] == 1, rejected.content
    other.refresh_from_db()
    assert other.approval_state == ApprovalState.REJECTED


def test_another_teams_schedule_is_not_found(editors_schedule, cast):
    from publishing.models import Workspace

    theirs = Workspace.objects.filter(team=cast.other_team).first()
    if theirs is None:
        theirs = Workspace.objects.create(team=cast.other_team, name="Globex")
    outsider_key = key(theirs, ["read", "approve"])
    response = outsider_key.post(f"/v1/schedules/{editors_schedule.public_id}/approve")
    assert response.status_code == 404
    editors_schedule.refresh_from_db()
    assert editors_schedule.approval_state == ApprovalState.PENDING
