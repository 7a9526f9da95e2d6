"""Schedules' own idempotency key (imports and Compose send theirs) and the approval their content
still needs when an editor wrote or changed it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, Membership, Pin, Schedule
from publishing.services.errors import IdempotencyConflict, ValidationError
from publishing.services.schedules import schedule_approve, schedule_create, schedule_run, schedule_update
from tests.services.pins.test_schedules import make_due, schedule_data


def keyed_data(account, board, key="row-7", **overrides):
    return schedule_data(account, board, idempotency_key=key, **overrides)


def test_the_same_key_and_payload_give_back_the_first_schedule(workspace, cast, offline_account, offline_board):
    data = keyed_data(offline_account, offline_board)
    first = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)
    again = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=dict(data))
    assert (first.idempotent_replay, again.idempotent_replay) == (False, True)
    assert again.pk == first.pk and first.idempotency_key == "row-7"
    assert Schedule.objects.count() == 1


def test_a_repeat_after_the_schedule_ran_returns_it_rather_than_refusing_the_past_time(
        workspace, cast, offline_account, offline_board):
    data = keyed_data(offline_account, offline_board)
    first = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)
    make_due(first)
    assert schedule_run(schedule_id=first.pk) == "ran"
    assert schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data).pk == first.pk
    assert (Schedule.objects.count(), Pin.objects.count()) == (1, 1)


def test_the_same_key_with_another_payload_is_a_409_conflict(workspace, cast, offline_account, offline_board):
    schedule_create(actor=Actor.for_user(cast.manager, workspace), data=keyed_data(offline_account, offline_board))
    with pytest.raises(IdempotencyConflict) as conflict:
        schedule_create(actor=Actor.for_user(cast.manager, workspace),
                        data=keyed_data(offline_account, offline_board, title="Another chair"))
    assert (conflict.value.status_hint, conflict.value.code, conflict.value.field) == (
        409, "idempotency_conflict", "idempotency_key")
    assert Schedule.objects.count() == 1


def test_schedules_without_a_key_are_never_replays(workspace, cast, offline_account, offline_board):
    data = schedule_data(offline_account, offline_board)
    first = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)
    second = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)
    assert first.pk != second.pk and first.idempotency_key is None and second.idempotency_key is None


def test_the_database_keeps_a_key_unique_per_workspace(workspace, cast, offline_account, offline_board):
    first = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=keyed_data(offline_account,
                                                                                          offline_board))
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(workspace=workspace, account=offline_account, run_at=first.run_at,
                                board_id=first.board_id, title=first.title, idempotency_key="row-7")


@pytest.mark.parametrize(("key", "code"), [
    ("row\x00", "invalid_characters"),
    ("k" * 256, "too_long"),
    (7, "invalid_type"),
])
def test_a_bad_key_is_refused_naming_it(workspace, cast, offline_account, offline_board, key, code):
    with pytest.raises(ValidationError) as refused:
        schedule_create(actor=Actor.for_user(cast.manager, workspace),
                        data=keyed_data(offline_account, offline_board, key=key))
    assert (refused.value.field, refused.value.code) == ("idempotency_key", code)
    assert not Schedule.objects.exists()


def run_now(schedule) -> Pin:
    make_due(schedule)
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    return Pin.objects.get(schedule=schedule)


@pytest.fixture
def managers_schedule(workspace, cast, offline_account, offline_board):
    return schedule_create(actor=Actor.for_user(cast.manager, workspace),
                           data=schedule_data(offline_account, offline_board))


def test_a_managers_schedule_publishes_without_approval(managers_schedule):
    assert not managers_schedule.needs_approval
    assert run_now(managers_schedule).approval_state == ApprovalState.NOT_REQUIRED


def test_an_editor_changing_a_managers_schedule_sends_its_pin_to_approval(managers_schedule, cast):
    edited = schedule_update(
        schedule=managers_schedule,
        actor=Actor.for_user(cast.editor, managers_schedule.workspace),
        data={"title": "Editor's words"},
    )
    assert edited.needs_approval
    # A manager moving it afterwards does not approve what the editor wrote.
    later = (timezone.now() + timedelta(days=1)).isoformat()
    schedule_update(
        schedule=managers_schedule,
        actor=Actor.for_user(cast.manager, managers_schedule.workspace),
        data={"run_at": later},
    )
    managers_schedule.refresh_from_db()
    assert managers_schedule.approval_state == ApprovalState.PENDING
    # Approved by an admin (the manager wrote it first), it publishes as the manager's pin, approved.
    schedule_approve(schedule=managers_schedule, actor=Actor.for_user(cast.admin, managers_schedule.workspace))
    pin = run_now(managers_schedule)
    assert pin.created_by == cast.manager
    assert (pin.approval_state, pin.title) == (ApprovalState.APPROVED, "Editor's words")


def test_an_editor_only_moving_a_managers_schedule_changes_no_content_to_approve(managers_schedule, cast):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    moved = schedule_update(
        schedule=managers_schedule,
        actor=Actor.for_user(cast.editor, managers_schedule.workspace),
        data={"run_at": later},
    )
    assert not moved.needs_approval
    assert run_now(managers_schedule).approval_state == ApprovalState.NOT_REQUIRED


def test_an_editors_schedule_still_needs_approval_after_the_editor_leaves(workspace, cast, offline_account,
                                                                          offline_board):
    schedule = schedule_create(actor=Actor.for_user(cast.editor, workspace),
                               data=schedule_data(offline_account, offline_board))
    assert schedule.needs_approval
    Membership.objects.filter(team=cast.team, user=cast.editor).delete()
    make_due(schedule)
    assert schedule_run(schedule_id=schedule.pk) == "approval_deadline_missed"
    assert not Pin.objects.filter(schedule=schedule).exists()


def test_the_team_letting_editors_publish_freely_applies_to_their_schedules(workspace, cast, offline_account,
                                                                            offline_board, managers_schedule):
    cast.team.editor_pins_need_approval = False
    cast.team.save()
    edited = schedule_update(
        schedule=managers_schedule,
        actor=Actor.for_user(cast.editor, managers_schedule.workspace),
        data={"title": "Fine as is"},
    )
    assert not edited.needs_approval
    assert run_now(managers_schedule).approval_state == ApprovalState.NOT_REQUIRED
