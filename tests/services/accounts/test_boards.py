"""The board cache and board changes on Pinterest (the sandbox, over real HTTP)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pinterest_sandbox import faults
from pinterest_sandbox.models import Board as SandboxBoard
from publishing.access import Actor
from publishing.management.sandbox_connect import account_connect_sandbox
from publishing.models import AuditEvent, Board, Pin, PinStatus, PinterestAccount, Schedule, ScheduleStatus
from publishing.services.boards import board_create, board_delete, board_update, boards_refresh
from publishing.services.errors import Conflict, NotFound, RateLimited, ValidationError
from publishing.services.pinterest_access import AccountReconnectRequired
from publishing.services.pinterest_accounts import account_disconnect
from tests.services.live_sandbox import sandbox_user_of

pytestmark = pytest.mark.django_db(transaction=True)


def live_board_names(account) -> list[str]:
    return list(Board.objects.for_account(account).values_list("name", flat=True))


def test_refresh_pages_every_board_and_marks_vanished_ones_deleted(connected_account):
    owner = sandbox_user_of(connected_account)
    now = timezone.now()
    SandboxBoard.objects.bulk_create(
        SandboxBoard(owner=owner, name=f"Extra {n:03}", created_at=now, board_pins_modified_at=now) for n in range(297)
    )

    boards = boards_refresh(connected_account)

    assert len(boards) == Board.objects.filter(account=connected_account).count() == 300
    gone = SandboxBoard.objects.filter(owner=owner, name__in=["Extra 000", "Extra 001"])
    gone_ids = set(gone.values_list("pinterest_id", flat=True))
    gone.delete()
    SandboxBoard.objects.filter(owner=owner, name="Extra 002").update(name="Renamed", privacy="SECRET")

    boards = boards_refresh(connected_account)

    assert len(boards) == 298
    assert set(Board.objects.filter(account=connected_account, deleted_at__isnull=False)
               .values_list("pinterest_board_id", flat=True)) == gone_ids
    renamed = Board.objects.get(account=connected_account, name="Renamed")
    assert renamed.privacy == "SECRET" and renamed.deleted_at is None


def test_a_board_is_created_updated_and_deleted_on_pinterest_and_in_the_cache(cast, connected_account):
    board = board_create(account=connected_account, name="  Recipes ", description="Food", privacy="secret",
                         actor=Actor.for_user(cast.admin, connected_account.workspace))

    remote = SandboxBoard.objects.get(pinterest_id=board.pinterest_board_id)
    assert (remote.name, remote.description, remote.privacy) == ("Recipes", "Food", "SECRET")
    assert (board.name, board.privacy) == ("Recipes", "SECRET")

    updated = board_update(account=connected_account, board_id=board.pinterest_board_id, name="Dinners",
                           privacy="PUBLIC", actor=Actor.for_user(cast.admin, connected_account.workspace))
    assert updated.pk == board.pk and (updated.name, updated.privacy) == ("Dinners", "PUBLIC")
    assert SandboxBoard.objects.get(pinterest_id=board.pinterest_board_id).name == "Dinners"

    board_delete(
        account=connected_account,
        board_id=board.pinterest_board_id,
        actor=Actor.for_user(cast.admin, connected_account.workspace),
    )

    assert not SandboxBoard.objects.filter(pinterest_id=board.pinterest_board_id).exists()
    assert "Dinners" not in live_board_names(connected_account)
    actions = list(AuditEvent.objects.for_team(cast.team).filter(action__startswith="board.")
                   .values_list("action", flat=True))
    assert sorted(actions) == ["board.created", "board.deleted", "board.updated"]
    with pytest.raises(NotFound) as excinfo:
        board_delete(
            account=connected_account,
            board_id=board.pinterest_board_id,
            actor=Actor.system(connected_account.workspace, job="test"),
        )
    assert excinfo.value.code == "board_not_found"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "bad\x00name"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 181}, "name"),
        ({"name": "ok", "description": "d\x00"}, "description"),
        ({"name": "ok", "privacy": "PROTECTED"}, "privacy"),
    ],
)
def test_bad_board_input_names_the_field_before_pinterest_is_asked(connected_account, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        board_create(account=connected_account, **fields, actor=Actor.system(connected_account.workspace, job="test"))
    assert excinfo.value.field == field and excinfo.value.status_hint == 422
    assert len(live_board_names(connected_account)) == 3


def test_pinterest_refusing_a_board_name_is_a_validation_error(connected_account):
    with pytest.raises(ValidationError) as excinfo:
        duplicate_name = "Sandbox board 1"
        board_create(
            account=connected_account, name=duplicate_name, actor=Actor.system(connected_account.workspace, job="test")
        )
    assert excinfo.value.code == "pinterest_rejected"


def test_secret_boards_need_the_secret_scope(connected_account):
    PinterestAccount.objects.filter(pk=connected_account.pk).update(scopes="boards:read,boards:write")
    account = PinterestAccount.objects.get(pk=connected_account.pk)
    with pytest.raises(Conflict) as excinfo:
        board_create(
            account=account, name="Hidden", privacy="SECRET", actor=Actor.system(account.workspace, job="test")
        )
    assert excinfo.value.code == "scope_missing" and excinfo.value.status_hint == 409


def test_updating_needs_a_change_and_a_real_board(connected_account):
    with pytest.raises(ValidationError):
        board_update(
            account=connected_account, board_id="1", actor=Actor.system(connected_account.workspace, job="test")
        )
    for board_id in ("999999999999", "../boards", "12ab"):
        with pytest.raises(NotFound):
            board_update(
                account=connected_account,
                board_id=board_id,
                name="X",
                actor=Actor.system(connected_account.workspace, job="test"),
            )


def test_a_revoked_token_marks_the_account_for_reconnecting(connected_account):
    faults.revoke_token(username=connected_account.username)

    with pytest.raises(AccountReconnectRequired):
        boards_refresh(connected_account)

    assert PinterestAccount.objects.get(pk=connected_account.pk).health_status == "reconnect_required"


def test_pinterest_rate_limits_come_back_as_rate_limited_with_a_delay(connected_account):
    faults.rate_limit_burst(endpoint="boards.list", times=1, reset_seconds=17)
    with pytest.raises(RateLimited) as excinfo:
        boards_refresh(connected_account)
    assert excinfo.value.retry_after == 17


def test_disconnecting_forgets_the_tokens_and_cancels_pending_schedules(cast, connected_account):
    # A schedule reports its own status until it has a pin, then its pin's.
    pin_statuses = {ScheduleStatus.SCHEDULED: None, ScheduleStatus.QUEUED: PinStatus.QUEUED,
                    ScheduleStatus.DEFERRED: PinStatus.DEFERRED, ScheduleStatus.RUNNING: PinStatus.PUBLISHING,
                    ScheduleStatus.DONE: PinStatus.PUBLISHED}
    for status, pin_status in pin_statuses.items():
        pin = pin_status and Pin.objects.create(
            workspace=connected_account.workspace, account=connected_account, board_id="1", title=status,
            idempotency_key=f"schedule:{status}", payload_fingerprint="f", status=pin_status)
        Schedule.objects.create(workspace=connected_account.workspace, account=connected_account, pin=pin,
                                own_status=ScheduleStatus.QUEUED if pin else ScheduleStatus.SCHEDULED,
                                run_at=timezone.now() + timedelta(hours=1), title=status)

    canceled = account_disconnect(
        account=connected_account, actor=Actor.for_user(cast.admin, connected_account.workspace)
    )

    assert canceled == 3
    assert {schedule.title: schedule.status for schedule in Schedule.objects.select_related("pin")} == {
        "scheduled": "canceled", "queued": "canceled", "deferred": "canceled", "running": "running", "done": "done",
    }
    stored = PinterestAccount.objects.get(pk=connected_account.pk)
    assert stored.revoked_at is not None and stored.access_token == stored.refresh_token == ""
    assert not PinterestAccount.objects.for_workspace(connected_account.workspace).exists()
    event = AuditEvent.objects.for_team(cast.team).get(action="pinterest_account.disconnected")
    assert event.details["canceled_schedules"] == 3
    with pytest.raises(NotFound):
        account_disconnect(account=stored, actor=Actor.system(stored.workspace, job="test"))


def test_account_and_board_reads_stay_inside_a_team(cast, connected_account):
    theirs = account_connect_sandbox(
        workspace=cast.other_team.workspaces.get(environment="sandbox"), user=cast.outsider
    )

    assert list(PinterestAccount.objects.for_team(cast.team)) == [connected_account]
    assert list(PinterestAccount.objects.for_team(cast.other_team)) == [theirs]
    assert not PinterestAccount.objects.for_workspace(theirs.workspace).filter(pk=connected_account.pk).exists()
    mine = set(Board.objects.for_account(connected_account).values_list("pinterest_board_id", flat=True))
    others = set(Board.objects.for_account(theirs).values_list("pinterest_board_id", flat=True))
    assert len(mine) == len(others) == 3 and not mine & others
