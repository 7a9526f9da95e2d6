"""pin_create: one path for every source, validation naming the field, idempotency by the DB."""

import pytest

from publishing.access import Actor
from publishing.models import ApiKey, ApprovalState, AuditEvent, Pin, PinStatus, PinterestAccount, Workspace
from publishing.services.errors import IdempotencyConflict, PermissionDenied, ValidationError
from publishing.services.pins import pin_create
from tests.pipeline_fixtures import pin_payload, queued_jobs


def create(workspace, user, data, source="api", **kwargs):
    return pin_create(actor=Actor.for_user(user, workspace), source=source, data=data, **kwargs)


def queued_publish_jobs() -> int:
    return len(queued_jobs("publishing.tasks.publish_pin"))


def test_a_managers_pin_is_queued_and_its_publishing_enqueued_after_commit(
        workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pin = create(workspace, cast.manager, pin_payload(offline_account, offline_board))

    assert pin.status == PinStatus.QUEUED
    assert pin.approval_state == ApprovalState.NOT_REQUIRED
    assert pin.idempotent_replay is False
    assert pin.source == "api" and pin.created_by == cast.manager
    assert queued_publish_jobs() == 1
    assert AuditEvent.objects.filter(action="pin.created", target_id=str(pin.public_id)).count() == 1


@pytest.mark.parametrize("source", ["dashboard", "api", "batch", "import", "schedule"])
def test_every_source_gets_the_same_validation_approval_hold_idempotency_and_audit(
        workspace, cast, offline_account, offline_board, source):
    with pytest.raises(ValidationError) as refused:
        create(workspace, cast.editor, pin_payload(offline_account, offline_board, title="x" * 1000), source=source)
    assert "title" in refused.value.fields

    pin = create(workspace, cast.editor, pin_payload(offline_account, offline_board), source=source)
    again = create(workspace, cast.editor, pin_payload(offline_account, offline_board), source=source)

    assert (pin.source, pin.approval_state) == (source, ApprovalState.PENDING)  # an editor's pin is held
    assert again.pk == pin.pk and again.idempotent_replay
    event = AuditEvent.objects.get(action="pin.created", target_id=str(pin.public_id))
    assert event.details == {"source": source, "needs_approval": True}


def test_an_editors_pin_awaits_approval_and_nothing_is_enqueued(
        workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pin = create(workspace, cast.editor, pin_payload(offline_account, offline_board))

    assert (pin.status, pin.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)
    assert queued_publish_jobs() == 0


def test_editors_pins_skip_approval_when_the_team_turns_the_rule_off(workspace, cast, offline_account, offline_board):
    cast.team.editor_pins_need_approval = False
    cast.team.save()
    workspace.refresh_from_db()
    pin = create(workspace, cast.editor, pin_payload(offline_account, offline_board))
    assert pin.approval_state == ApprovalState.NOT_REQUIRED


@pytest.mark.parametrize("rule", [False, True])
def test_api_key_pins_follow_the_teams_rule(workspace, cast, offline_account, offline_board, rule):
    cast.team.api_key_pins_need_approval = rule
    cast.team.save()
    workspace.refresh_from_db()
    key = ApiKey.objects.create(workspace=workspace, name="ci", prefix="pb_test_1", secret_hash="x" * 64,
                                scopes=["write"])
    pin = pin_create(actor=Actor.for_key(key), source="api", data=pin_payload(offline_account, offline_board))
    assert pin.approval_state == (ApprovalState.PENDING if rule else ApprovalState.NOT_REQUIRED)
    assert pin.created_by_key == key


def test_a_key_limited_to_other_accounts_is_refused_with_account_not_permitted(
        workspace, cast, offline_account, offline_board):
    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="77", username="other")
    key = ApiKey.objects.create(workspace=workspace, name="ci", prefix="pb_test_2", secret_hash="x" * 64,
                                scopes=["read", "write"], restricts_accounts=True)
    key.allowed_accounts.add(other)

    with pytest.raises(PermissionDenied) as refused:
        pin_create(actor=Actor.for_key(key), source="api", data=pin_payload(offline_account, offline_board))
    assert (refused.value.code, refused.value.status_hint, refused.value.field) == (
        "account_not_permitted", 403, "account_id")


def test_a_repeat_with_the_same_key_and_payload_returns_the_first_pin_and_enqueues_nothing(
        workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    first = create(workspace, cast.manager, pin_payload(offline_account, offline_board))
    with django_capture_on_commit_callbacks(execute=True):
        again = create(workspace, cast.manager, pin_payload(offline_account, offline_board))

    assert again.pk == first.pk and again.idempotent_replay is True
    assert Pin.objects.count() == 1
    assert queued_publish_jobs() == 0


def test_a_repeat_with_the_same_key_and_another_payload_is_an_idempotency_conflict(
        workspace, cast, offline_account, offline_board):
    create(workspace, cast.manager, pin_payload(offline_account, offline_board))

    with pytest.raises(IdempotencyConflict) as conflict:
        create(workspace, cast.manager, pin_payload(offline_account, offline_board, title="A blue chair"))
    assert (conflict.value.code, conflict.value.status_hint, conflict.value.field) == (
        "idempotency_conflict", 409, "idempotency_key")
    assert Pin.objects.count() == 1


def test_idempotency_keys_are_unique_per_workspace_only(workspace, cast, offline_account, offline_board):
    production = Workspace.objects.create(team=cast.team, name="Production", environment="production")
    account = PinterestAccount.objects.create(workspace=production, pinterest_user_id="1000000000000000001")
    board = offline_board.__class__.objects.create(account=account, pinterest_board_id="900000000000000001", name="B")

    create(workspace, cast.manager, pin_payload(offline_account, offline_board))
    create(production, cast.manager, pin_payload(account, board))
    assert Pin.objects.filter(idempotency_key="chair-1").count() == 2


def test_a_dashboard_pin_without_a_key_gets_its_own(workspace, cast, offline_account, offline_board):
    data = pin_payload(offline_account, offline_board)
    del data["idempotency_key"]
    first = create(workspace, cast.manager, data, source="dashboard")
    second = create(workspace, cast.manager, data, source="dashboard")
    assert first.pk != second.pk
    assert first.idempotency_key.startswith("dashboard:")


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"title": "x" * 101}, "title", "too_long"),
    ({"title": "   "}, "title", "required"),
    ({"description": "d" * 801}, "description", "too_long"),
    ({"alt_text": "a" * 501}, "alt_text", "too_long"),
    ({"link_url": "https://x.example/" + "p" * 2040}, "link_url", "too_long"),
    ({"link_url": "javascript:alert(1)"}, "link_url", "invalid_url"),
    ({"image_url": "not a url"}, "image_url", "invalid_url"),
    ({"title": "nul\x00byte"}, "title", "invalid_characters"),
    ({"description": "\x00"}, "description", "invalid_characters"),
    ({"idempotency_key": "k\x00"}, "idempotency_key", "invalid_characters"),
    ({"idempotency_key": "k" * 256}, "idempotency_key", "too_long"),
    ({"dominant_color": "red"}, "dominant_color", "invalid_color"),
    ({"related_terms": ["ok", 3]}, "related_terms", "invalid_type"),
    ({"related_terms": ["a\x00"]}, "related_terms", "invalid_characters"),
    ({"board_id": "not-digits"}, "board_id", "invalid_board_id"),
    ({"board_id": "900000000000000999"}, "board_id", "board_not_found"),
    ({"account_id": "nope"}, "account_id", "invalid_id"),
    ({"account_id": "6f1c2a64-0000-4000-8000-000000000000"}, "account_id", "account_not_found"),
    ({"image_url": None}, "image_url", "media_required"),
    ({"asset_id": "6f1c2a64-0000-4000-8000-000000000000"}, "asset_id", "media_conflict"),
    ({"title": 7}, "title", "invalid_type"),
])
def test_bad_input_is_refused_naming_the_field(workspace, cast, offline_account, offline_board, overrides, field,
                                               code):
    with pytest.raises(ValidationError) as refused:
        create(workspace, cast.manager, pin_payload(offline_account, offline_board, **overrides))

    assert refused.value.status_hint == 422
    assert refused.value.field == field
    assert refused.value.code == code
    assert field in refused.value.fields
    assert not Pin.objects.exists()


def test_several_problems_are_reported_together(workspace, cast, offline_account, offline_board):
    with pytest.raises(ValidationError) as refused:
        create(workspace, cast.manager, pin_payload(offline_account, offline_board, title="", link_url="nope"))
    assert refused.value.code == "validation_error"
    assert set(refused.value.fields) == {"title", "link_url"}


def test_an_account_needing_reconnection_cannot_take_new_pins(workspace, cast, offline_account, offline_board):
    offline_account.health_status = PinterestAccount.Health.RECONNECT_REQUIRED
    offline_account.save()
    with pytest.raises(ValidationError) as refused:
        create(workspace, cast.manager, pin_payload(offline_account, offline_board))
    assert (refused.value.field, refused.value.code) == ("account_id", "account_reconnect_required")


def test_an_account_of_another_team_is_not_found(workspace, cast, offline_board):
    foreign_workspace = cast.other_team.workspaces.get()
    foreign = PinterestAccount.objects.create(workspace=foreign_workspace, pinterest_user_id="5")
    with pytest.raises(ValidationError) as refused:
        create(workspace, cast.manager, pin_payload(foreign, offline_board))
    assert (refused.value.field, refused.value.code) == ("account_id", "account_not_found")


def test_a_pydantic_schema_is_accepted_as_data(workspace, cast, offline_account, offline_board):
    from pydantic import BaseModel

    class PinIn(BaseModel):
        account_id: str
        board_id: str
        title: str
        image_url: str
        idempotency_key: str
        link_url: str | None = None

    data = PinIn(**{key: value for key, value in pin_payload(offline_account, offline_board).items()
                    if key in PinIn.model_fields and key != "link_url"})
    pin = create(workspace, cast.manager, data)
    assert (pin.title, pin.link_url) == ("A red chair", "")
