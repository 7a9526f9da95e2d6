"""Every read helper answers only for the caller's team."""

from django.utils import timezone

from publishing.access import resolve_team_context
from publishing.models import (
    ApiKey,
    Asset,
    AuditEvent,
    Membership,
    Pin,
    PinterestAccount,
    Schedule,
    Webhook,
    Workspace,
)
from publishing.services.audit import audit_record


def seed_rows(team):
    """One row of each team-owned table, in the team's sandbox workspace."""
    workspace = team.workspaces.get()
    account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id=f"u-{team.pk}", username=team.name)
    Asset.objects.create(
        workspace=workspace, asset_type="image", file="x.png", original_filename="x.png", extension=".png",
        content_type="image/png", size_bytes=1, checksum_sha256="0" * 64,
    )
    pin = Pin.objects.create(workspace=workspace, account=account, board_id="1", idempotency_key="k",
                             payload_fingerprint="f", title=f"{team.name} pin", image_url="https://example.com/a.png")
    Schedule.objects.create(workspace=workspace, account=account, run_at=timezone.now(), title="s")
    Webhook.objects.create(
        workspace=workspace, url="https://example.com/hook", secret="s" * 20, events=["pin.published"]
    )
    ApiKey.objects.create(workspace=workspace, name="k", prefix=f"p{team.pk}", secret_hash="0" * 64)
    audit_record(team=team, action="test.seeded")
    return pin


def test_every_for_team_helper_returns_only_that_teams_rows(cast):
    seed_rows(cast.team)
    seed_rows(cast.other_team)
    for model in (Workspace, PinterestAccount, Asset, Pin, Schedule, Webhook, ApiKey, AuditEvent, Membership):
        mine = model.objects.for_team(cast.team)
        assert mine.exists(), model
        theirs = model.objects.for_team(cast.other_team)
        assert not set(mine.values_list("pk", flat=True)) & set(theirs.values_list("pk", flat=True)), model


def test_pins_for_workspace_skip_other_teams_and_deleted_pins(cast):
    mine = seed_rows(cast.team)
    seed_rows(cast.other_team)
    workspace = cast.team.workspaces.get()
    assert list(Pin.objects.for_workspace(workspace)) == [mine]
    mine.deleted_at = timezone.now()
    mine.save()
    assert list(Pin.objects.for_workspace(workspace)) == []


def test_team_context_ignores_ids_of_a_team_the_user_is_not_in(cast):
    foreign_workspace = cast.other_team.workspaces.get()
    context = resolve_team_context(
        cast.editor, team_id=cast.other_team.public_id, workspace_id=foreign_workspace.public_id
    )
    assert context.team == cast.team
    assert context.workspace.team == cast.team


def test_team_context_is_none_for_someone_without_a_team(db, django_user_model):
    loner = django_user_model.objects.create_user(email="loner@nowhere.test", password="x")
    assert resolve_team_context(loner) is None


def test_audit_events_are_append_only(cast):
    event = audit_record(team=cast.team, action="test.appended")
    event.action = "test.rewritten"
    try:
        event.save()
        raise AssertionError("an audit event was rewritten")
    except ValueError:
        pass
    try:
        event.delete()
        raise AssertionError("an audit event was deleted")
    except ValueError:
        pass
    assert AuditEvent.objects.get(pk=event.pk).action == "test.appended"
