"""The approvals page lists schedules awaiting approval before their pin exists, and decides them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, ScheduleStatus
from publishing.services.schedules import schedule_create
from tests.pipeline_fixtures import pin_payload


@pytest.fixture
def editors_schedule(cast, workspace, offline_account, offline_board):
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.editor, workspace),
                           data={**data, "title": "Scheduled chair", "run_at": timezone.now() + timedelta(hours=3)})


def test_pending_schedules_are_listed_and_approved(cast, login, editors_schedule):
    manager = login(cast.manager)
    html = manager.get("/app/approvals/").content.decode()
    assert "Schedules waiting for approval (1)" in html and "Scheduled chair" in html
    response = manager.post(f"/app/approvals/schedules/{editors_schedule.public_id}/approve", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Approved the schedule “Scheduled chair”" in response.content.decode()
    editors_schedule.refresh_from_db()
    assert editors_schedule.approval_state == ApprovalState.APPROVED
    assert "Schedules waiting for approval (0)" in response.content.decode()


def test_rejecting_a_schedule_needs_a_reason_shown_inline(cast, login, editors_schedule):
    manager = login(cast.manager)
    path = f"/app/approvals/schedules/{editors_schedule.public_id}/reject"
    refused = manager.post(path, {"reason": " "}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.content.decode()
    manager.post(path, {"reason": "Wrong season"})
    editors_schedule.refresh_from_db()
    assert (editors_schedule.status, editors_schedule.last_error) == (ScheduleStatus.FAILED, "Rejected: Wrong season")


def test_an_editor_cannot_decide_a_schedule(cast, login, editors_schedule):
    response = login(cast.editor).post(f"/app/approvals/schedules/{editors_schedule.public_id}/approve")
    assert response.status_code == 403
    editors_schedule.refresh_from_db()
    assert editors_schedule.approval_state == ApprovalState.PENDING


def test_another_teams_member_gets_a_404(cast, login, editors_schedule):
    response = login(cast.outsider).post(f"/app/approvals/schedules/{editors_schedule.public_id}/approve")
    assert response.status_code == 404
