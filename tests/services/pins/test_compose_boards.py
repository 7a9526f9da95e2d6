"""pin_create_on_boards: one submission, one pin (or schedule) per board, all or none, each with a
key derived from the form's; and compose drafts' storage rules (bad input on PostgreSQL too)."""

import pytest

from publishing.access import Actor
from publishing.models import Board, ComposeDraft, Pin, PinterestAccount
from publishing.services.compose import BoardsRefused, BoardTarget, board_idempotency_key, pin_create_on_boards
from publishing.services.compose_drafts import compose_draft_save
from publishing.services.errors import ValidationError
from tests.pipeline_fixtures import pin_payload, queued_jobs


@pytest.fixture
def targets(offline_account, offline_board):
    sofas = Board.objects.create(account=offline_account, pinterest_board_id="900000000000000002", name="Sofas")
    lamps = Board.objects.create(account=offline_account, pinterest_board_id="900000000000000003", name="Lamps")
    return [BoardTarget(str(offline_account.public_id), board.pinterest_board_id)
            for board in (offline_board, sofas, lamps)]


def content(offline_account, offline_board, **overrides):
    data = pin_payload(offline_account, offline_board, **overrides)
    return {name: value for name, value in data.items() if name not in ("account_id", "board_id")}


def test_one_pin_per_board_each_with_its_own_derived_key_and_a_repeat_makes_none(
        workspace, cast, offline_account, offline_board, targets, django_capture_on_commit_callbacks):
    actor = Actor.for_user(cast.manager, workspace)
    data = content(offline_account, offline_board, idempotency_key="form-key")
    with django_capture_on_commit_callbacks(execute=True):
        pins = pin_create_on_boards(actor=actor, data=data, targets=targets)
    assert len(pins) == 3 and len(queued_jobs("publishing.tasks.publish_pin")) == 3
    assert [pin.idempotency_key for pin in pins] == [board_idempotency_key("form-key", t) for t in targets]
    again = pin_create_on_boards(actor=actor, data=data, targets=list(reversed(targets)))
    assert Pin.objects.count() == 3 and all(pin.idempotent_replay for pin in again)


def test_a_refusing_board_leaves_nothing_behind(workspace, cast, offline_account, offline_board, targets,
                                                django_capture_on_commit_callbacks):
    actor = Actor.for_user(cast.manager, workspace)
    broken = BoardTarget(str(offline_account.public_id), "900000000000000099")  # not one of its boards
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(BoardsRefused) as refused:
        pin_create_on_boards(actor=actor, data=content(offline_account, offline_board, idempotency_key="k"),
                             targets=[*targets, broken])
    assert list(refused.value.by_board) == [broken] and refused.value.by_board[broken].code == "board_not_found"
    assert Pin.objects.count() == 0 and callbacks == []  # nothing published, nothing notified


def test_shared_content_errors_are_named_once_on_their_field(workspace, cast, offline_account, offline_board, targets):
    with pytest.raises(BoardsRefused) as refused:
        pin_create_on_boards(actor=Actor.for_user(cast.manager, workspace), targets=targets,
                             data=content(offline_account, offline_board, title="x" * 101))
    assert len(refused.value.by_board) == 3 and set(refused.value.fields) == {"title"}


def test_a_key_that_is_long_already_still_fits(targets):
    key = board_idempotency_key("k" * 255, targets[0])
    assert len(key) == 255 and key != board_idempotency_key("k" * 255, targets[1])


def test_accounts_reconnecting_or_of_another_workspace_refuse(workspace, cast, offline_account, offline_board, targets):
    other_workspace = cast.other_team.workspaces.first()
    theirs = PinterestAccount.objects.create(workspace=other_workspace, pinterest_user_id="5", username="theirs")
    foreign = BoardTarget(str(theirs.public_id), "900000000000000001")
    with pytest.raises(BoardsRefused) as refused:
        pin_create_on_boards(actor=Actor.for_user(cast.manager, workspace), targets=[targets[0], foreign],
                             data=content(offline_account, offline_board))
    assert refused.value.by_board[foreign].code == "account_not_found" and Pin.objects.count() == 0


@pytest.mark.parametrize("field, value", [
    ("title", "x" * 101), ("title", "nul\x00byte"), ("run_at", "\x00"), ("account_id", "a" * 500),
    ("also_boards", ["ok", "bad\x00"]), ("also_boards", "not a list"), ("dominant_color", "#1234567"),
])
def test_bad_draft_input_is_a_validation_error_naming_the_field(workspace, cast, field, value):
    with pytest.raises(ValidationError) as refused:
        compose_draft_save(actor=Actor.for_user(cast.editor, workspace), data={"title": "ok", field: value})
    assert refused.value.field == field and not ComposeDraft.objects.exists()


def test_a_draft_keeps_unicode_and_partial_values(workspace, cast):
    draft = compose_draft_save(actor=Actor.for_user(cast.editor, workspace),
                               data={"title": "Çà et là 🌿", "board_id": "", "also_boards": ["a:1"]})
    draft.refresh_from_db()
    assert draft.title == "Çà et là 🌿" and draft.values["also_boards"] == ["a:1"] and draft.values["board_id"] == ""
