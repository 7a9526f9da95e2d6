"""Edit, retry, delete, validate and batch: each allowed only where the reference allows it."""

import pytest

from publishing.access import Actor
from publishing.models import ApiKey, ApprovalState, AuditEvent, Board, Pin, PinStatus, PublishAttempt
from publishing.services.delivery import pin_claim
from publishing.services.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from publishing.services.pin_drafts import pin_validate
from publishing.services.pins import (
    pin_approve,
    pin_batch_create,
    pin_bulk_delete,
    pin_bulk_retry,
    pin_create,
    pin_delete,
    pin_edit,
    pin_retry,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"


@pytest.fixture
def pin(workspace, cast, offline_account, offline_board):
    return pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                      data=pin_payload(offline_account, offline_board))


def set_status(pin, status, **fields):
    Pin.objects.filter(pk=pin.pk).update(status=status, **fields)
    pin.refresh_from_db()
    return pin


@pytest.mark.parametrize("status", [PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.FAILED])
def test_unpublished_pins_can_be_edited(pin, cast, status):
    set_status(pin, status)
    edited = pin_edit(
        pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), data={"title": "New title", "description": None}
    )
    assert (edited.title, edited.description, edited.status) == ("New title", "", status)
    event = AuditEvent.objects.get(action="pin.updated")
    assert event.details["fields"] == ["description", "title"]
    assert event.details["before"]["title"] == "A red chair"


def test_a_published_pin_cannot_be_edited(pin, cast):
    set_status(pin, PinStatus.PUBLISHED, pinterest_pin_id="123")
    with pytest.raises(InvalidState) as refused:
        pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"title": "x"})
    assert (refused.value.code, refused.value.status_hint) == ("pin_already_published", 409)


def test_a_pin_mid_publish_cannot_be_edited(pin, cast):
    set_status(pin, PinStatus.PUBLISHING)
    with pytest.raises(InvalidState) as refused:
        pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"title": "x"})
    assert refused.value.code == "pin_publishing"


def test_a_new_board_is_checked_like_on_create(pin, cast, offline_account):
    with pytest.raises(ValidationError) as refused:
        pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"board_id": "900000000000000777"})
    assert (refused.value.field, refused.value.code) == ("board_id", "board_not_found")

    Board.objects.create(account=offline_account, pinterest_board_id="900000000000000777", name="Sofas")
    assert pin_edit(
        pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"board_id": "900000000000000777"}
    ).board_id == "900000000000000777"


@pytest.mark.parametrize(("data", "field"), [
    ({"title": None}, "title"),
    ({"title": "t" * 101}, "title"),
    ({"link_url": "ftp://x"}, "link_url"),
    ({"alt_text": "\x00"}, "alt_text"),
    ({"status": "published"}, "status"),
])
def test_bad_edits_are_refused_naming_the_field(pin, cast, data, field):
    with pytest.raises(ValidationError) as refused:
        pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data=data)
    assert refused.value.field == field
    pin.refresh_from_db()
    assert pin.title == "A red chair"


def test_only_failed_pins_are_retried(pin, cast):
    for status in (PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.PUBLISHING, PinStatus.PUBLISHED):
        set_status(pin, status)
        with pytest.raises(InvalidState) as refused:
            pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
        assert refused.value.code == "conflict"


def test_a_retry_requeues_with_a_fresh_round_of_attempts(pin, cast, django_capture_on_commit_callbacks):
    set_status(pin, PinStatus.FAILED, error_code="pinterest_unavailable", attempt_count=8)
    with django_capture_on_commit_callbacks(execute=True):
        retried = pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))

    assert (retried.status, retried.error_code, retried.attempt_count_at_requeue) == (PinStatus.QUEUED, "", 8)
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(pin.pk,)]


def test_a_retry_can_move_the_pin_to_another_board(pin, cast, offline_account):
    Board.objects.create(account=offline_account, pinterest_board_id="900000000000000555", name="Lamps")
    set_status(pin, PinStatus.FAILED, error_code="board_not_found")
    assert (
        pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), board_id="900000000000000555").board_id
        == "900000000000000555"
    )
    set_status(pin, PinStatus.FAILED)
    with pytest.raises(ValidationError):
        pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), board_id="900000000000000999")


def test_deleting_a_pin_removes_only_the_record_by_default(pin, cast):
    outcome = pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
    assert outcome == {"id": str(pin.public_id), "deleted": True, "removed_from_pinterest": False,
                       "pinterest_pin_id": None, "reason": None}
    assert Pin.objects.get(pk=pin.pk).deleted_at is not None
    with pytest.raises(NotFound):
        pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))


def test_asking_to_delete_an_unpublished_pin_from_pinterest_says_not_published(pin, cast):
    assert (
        pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), delete_from_pinterest=True)["reason"]
        == "not_published"
    )


def test_a_pin_mid_publish_cannot_be_deleted(pin, cast):
    set_status(pin, PinStatus.PUBLISHING)
    with pytest.raises(InvalidState):
        pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))


def test_a_deleted_pin_is_never_claimed_for_publishing(pin, cast):
    from publishing.services.delivery import pin_claim

    pin_delete(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
    assert pin_claim(pin_id=pin.pk) is None


def test_bulk_operations_report_every_id(pin, workspace, cast, offline_account, offline_board):
    failed = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                        data=pin_payload(offline_account, offline_board, idempotency_key="k2"))
    set_status(failed, PinStatus.FAILED)
    foreign = "6f1c2a64-0000-4000-8000-000000000000"

    retried = pin_bulk_retry(
        actor=Actor.for_user(cast.manager, workspace), pin_ids=[failed.public_id, pin.public_id, foreign]
    )
    assert [(r["status"], r["error_code"]) for r in retried["results"]] == [
        ("succeeded", None), ("skipped", "conflict"), ("failed", "not_found")]

    deleted = pin_bulk_delete(actor=Actor.for_user(cast.manager, workspace), pin_ids=[failed.public_id, pin.public_id])
    assert deleted["succeeded_count"] == 2


def test_bulk_operations_never_reach_another_teams_pins(pin, cast):
    other_workspace = cast.other_team.workspaces.get()
    outcome = pin_bulk_delete(actor=Actor.for_user(cast.outsider, other_workspace), pin_ids=[pin.public_id])
    assert outcome["results"][0]["error_code"] == "not_found"
    assert Pin.objects.get(pk=pin.pk).deleted_at is None


def test_a_batch_reports_created_existing_and_failed_items(workspace, cast, offline_account, offline_board):
    items = [pin_payload(offline_account, offline_board, idempotency_key="a"),
             pin_payload(offline_account, offline_board, idempotency_key="a"),
             pin_payload(offline_account, offline_board, idempotency_key="b", title="")]
    outcome = pin_batch_create(actor=Actor.for_user(cast.manager, workspace), items=items)

    assert (outcome["created_count"], outcome["existing_count"], outcome["failed_count"]) == (1, 1, 1)
    statuses = [(r["index"], r["status"]) for r in outcome["results"]]
    assert statuses == [(0, "created"), (1, "existing"), (2, "failed")]
    assert outcome["results"][2]["error"]["field"] == "title"
    assert Pin.objects.get().source == "batch"


def test_validate_reports_each_check_without_creating(workspace, cast, offline_account, offline_board):
    report = pin_validate(actor=Actor.system(workspace, job="test"), data=pin_payload(offline_account, offline_board))
    assert report["valid"] is True and report["dry_run"] is True
    assert {check["name"]: check["status"] for check in report["checks"]} == {
        "fields": "passed", "account": "passed", "board_access": "passed", "media": "passed",
        "idempotency": "passed", "rate_headroom": "passed"}
    assert report["resolved"]["board_id"] == offline_board.pinterest_board_id
    assert report["headroom"]["account_tokens_available"] == 50.0
    assert not Pin.objects.exists()


def test_validate_names_what_fails_and_the_existing_pin(pin, workspace, offline_account, offline_board):
    report = pin_validate(actor=Actor.system(workspace, job="test"), data=pin_payload(offline_account, offline_board,
                                                                 board_id="900000000000000999", title="t" * 101))
    checks = {check["name"]: check for check in report["checks"]}
    assert report["valid"] is False
    assert checks["board_access"]["code"] == "board_not_found"
    assert checks["fields"]["details"]["fields"] == ["title"]
    assert checks["idempotency"]["code"] == "idempotency_conflict"
    assert report["existing_pin_id"] == str(pin.public_id)


def test_a_pending_pins_approval_state_survives_an_edit(workspace, cast, offline_account, offline_board):
    pending = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                         data=pin_payload(offline_account, offline_board))
    assert pin_edit(
        pin=pending, actor=Actor.for_user(cast.editor, pending.workspace), data={"title": "x"}
    ).approval_state == ApprovalState.PENDING


@pytest.mark.parametrize("status", [PinStatus.QUEUED, PinStatus.DEFERRED])
def test_an_editors_change_to_an_approved_pin_goes_back_for_approval(workspace, cast, offline_account, offline_board,
                                                                      status):
    pending = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                         data=pin_payload(offline_account, offline_board))
    approved = set_status(pin_approve(pin=pending, actor=Actor.for_user(cast.manager, pending.workspace)), status)
    edited = pin_edit(
        pin=approved, actor=Actor.for_user(cast.editor, approved.workspace), data={"title": "Not what the manager saw"}
    )
    assert (edited.status, edited.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)
    assert pin_claim(pin_id=edited.pk) is None  # the job enqueued by the approval publishes nothing
    assert list(Pin.objects.awaiting_approval()) == [edited]


def test_an_editors_change_to_a_pin_that_needed_no_approval_needs_it(pin, cast):
    assert pin.approval_state == ApprovalState.NOT_REQUIRED  # the manager's pin
    edited = pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"title": "Edited by an editor"})
    assert (edited.status, edited.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)


def test_an_editors_change_to_a_failed_pin_is_approved_again_before_it_retries(pin, cast,
                                                                                 django_capture_on_commit_callbacks):
    set_status(pin, PinStatus.FAILED, error_code="board_not_found")
    pin_edit(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), data={"title": "Fixed by an editor"})
    with django_capture_on_commit_callbacks(execute=True):
        retried = pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
    assert (retried.status, retried.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)
    # Nothing publishes before a manager approves (the approvers' notification emails are queued).
    assert queued_jobs(PUBLISH) == []


def test_a_held_key_moving_a_failed_pin_to_another_board_needs_approval(pin, cast, workspace, offline_account,
                                                                        django_capture_on_commit_callbacks):
    """Retrying is an approver's call (editors are refused); a key whose pins need approval may
    retry, and a move to another board sends the pin back to approval."""
    set_status(pin, PinStatus.FAILED, error_code="board_not_found")
    lamps = Board.objects.create(account=offline_account, pinterest_board_id="900000000000000555", name="Lamps")
    with pytest.raises(PermissionDenied) as refused:
        pin_retry(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace), board_id=lamps.pinterest_board_id)
    assert refused.value.code == "insufficient_role"
    cast.team.api_key_pins_need_approval = True
    cast.team.save(update_fields=["api_key_pins_need_approval"])
    key = ApiKey.objects.create(workspace=workspace, name="ci", prefix="pb_test_held", secret_hash="x" * 64,
                                scopes=["read", "write"])
    with django_capture_on_commit_callbacks(execute=True):
        retried = pin_retry(pin=pin, actor=Actor.for_key(key), board_id=lamps.pinterest_board_id)
    assert (retried.board_id, retried.status, retried.approval_state) == (
        lamps.pinterest_board_id, PinStatus.QUEUED, ApprovalState.PENDING)
    assert queued_jobs(PUBLISH) == []  # only the approvers' notification emails are queued


def test_a_managers_change_keeps_the_approval(workspace, cast, offline_account, offline_board):
    pending = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                         data=pin_payload(offline_account, offline_board))
    approved = pin_approve(pin=pending, actor=Actor.for_user(cast.manager, pending.workspace))
    edited = pin_edit(
        pin=approved, actor=Actor.for_user(cast.manager, approved.workspace), data={"title": "Tweaked by the manager"}
    )
    assert (edited.status, edited.approval_state) == (PinStatus.QUEUED, ApprovalState.APPROVED)


@pytest.mark.parametrize("outcome", [PublishAttempt.Outcome.STARTED, PublishAttempt.Outcome.UNKNOWN])
def test_a_pin_that_may_already_be_on_pinterest_cannot_change(pin, cast, offline_account, offline_board, outcome):
    # The next attempt looks on the board for the content it sent; other content would be a second pin.
    set_status(pin, PinStatus.DEFERRED, error_code="outcome_unknown")
    PublishAttempt.objects.create(pin=pin, number=1, outcome=outcome)
    with pytest.raises(InvalidState) as refused:
        pin_edit(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), data={"title": "Changed"})
    assert refused.value.code == "pin_publishing"
    set_status(pin, PinStatus.FAILED)
    other_board = Board.objects.create(account=offline_account, pinterest_board_id="900000000000000555", name="Other")
    with pytest.raises(InvalidState):
        pin_retry(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), board_id=other_board.pinterest_board_id)
    pin.refresh_from_db()
    assert (pin.title, pin.board_id) == ("A red chair", offline_board.pinterest_board_id)
