"""Importing the same file twice schedules (and so publishes) its rows once: a row with ``run_at``
keeps its idempotency_key on the schedule. And an editor's change to a manager's schedule goes to
approval when the schedule becomes a pin."""

from datetime import UTC, datetime, timedelta

import pytest
from pinbridge_sdk.models import PinImportCreate, ScheduleCreate, ScheduleUpdate

from publishing.models import ApprovalState, Pin, Schedule
from publishing.services.schedules import schedule_run
from tests.api.test_imports import finished

pytestmark = pytest.mark.django_db(transaction=True)


def test_importing_the_same_json_twice_makes_one_schedule(login, cast, account, board, worker):
    client = login(cast.admin)
    run_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    row = {"account_id": account.public_id, "board_id": board.pinterest_board_id, "title": "Later",
           "image_url": "https://images.example.com/a.jpg", "idempotency_key": "later-1", "run_at": run_at}

    first = finished(client, client.pins.import_json([PinImportCreate(**row)]).id)
    again = finished(client, client.pins.import_json([PinImportCreate(**row)]).id)
    assert [(r.status, r.schedule_id) for r in first.results] == [("created", first.results[0].schedule_id)]
    assert [(r.status, r.schedule_id) for r in again.results] == [("existing", first.results[0].schedule_id)]
    assert (again.created_rows, again.existing_rows) == (0, 1)
    assert Schedule.objects.get().idempotency_key == "later-1"

    changed = finished(client, client.pins.import_json([PinImportCreate(**{**row, "title": "Other"})]).id)
    [conflict] = changed.results
    assert (conflict.status, conflict.error_code) == ("failed", "idempotency_conflict")
    assert "idempotency_key" in conflict.error_message
    assert Schedule.objects.count() == 1


def test_a_scheduled_row_must_name_its_key(login, cast, account, board, worker):
    client = login(cast.admin)
    row = {"account_id": str(account.public_id), "board_id": board.pinterest_board_id, "title": "Keyless",
           "image_url": "https://images.example.com/a.jpg",
           "run_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    [result] = finished(client, client.pins.import_json([row]).id).results
    assert result.status == "failed" and "idempotency_key" in result.error_message
    assert not Schedule.objects.exists()


def test_an_editor_editing_a_managers_schedule_gets_the_pin_approved_first(login, cast, account, board):
    manager, editor = login(cast.manager), login(cast.editor)
    created = manager.schedules.create(ScheduleCreate(
        account_id=account.public_id, board_id=board.pinterest_board_id, title="Manager's words",
        image_url="https://images.example.com/a.jpg", run_at=datetime.now(UTC) + timedelta(hours=2)))
    editor.schedules.update(created.id, ScheduleUpdate(title="Editor's words"))

    schedule = Schedule.objects.get(public_id=created.id)
    assert (schedule.title, schedule.approval_state) == ("Editor's words", ApprovalState.PENDING)
    Schedule.objects.filter(pk=schedule.pk).update(run_at=datetime.now(UTC) - timedelta(seconds=1))
    # Not approved by its time: nothing is published (the approval deadline).
    assert schedule_run(schedule_id=schedule.pk) == "approval_deadline_missed"
    assert not Pin.objects.filter(schedule=schedule).exists()
