"""/v1/pinterest through the SDK: OAuth against the built-in sandbox, accounts, boards."""

import httpx
import pytest
from pinbridge_sdk.errors import APIError, AuthenticationError, NotFoundError
from pinbridge_sdk.models import BoardCreateRequest, BoardUpdateRequest

from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import PinterestAccount, Schedule

pytestmark = pytest.mark.django_db(transaction=True)


def test_oauth_start_and_callback_connect_an_account(login, cast, sdk):
    client = login(cast.admin)
    start = client.pinterest.start_oauth()
    with httpx.Client(follow_redirects=False, timeout=20) as browser:
        code, state = sandbox_authorize(str(start.authorization_url), http=browser)
    # Only the starter completes it (tests/api/test_oauth_binding.py): here with the same login.
    callback = client.pinterest.oauth_callback(code=code, state=state)
    assert callback.status == "connected" and callback.account_id
    accounts = client.pinterest.list_accounts()
    assert [str(a.id) for a in accounts] == [callback.account_id]
    assert accounts[0].scopes and not accounts[0].reconnect_required and accounts[0].health_status == "healthy"
    with pytest.raises(APIError) as reused:
        client.pinterest.oauth_callback(code=code, state=state)
    assert reused.value.code == "oauth_state_used"


def test_only_admins_start_a_connection(login, cast, keyed):
    with pytest.raises(AuthenticationError) as editor:
        login(cast.editor).pinterest.start_oauth()
    assert editor.value.status_code == 403
    assert keyed(scopes=["read"]).pinterest.list_accounts() == []


def test_boards_are_listed_from_the_cache_and_checked(client, account, board):
    boards = client.pinterest.list_boards(account.public_id)
    assert board.pinterest_board_id in [b.id for b in boards] and all(b.privacy for b in boards)
    access = client.pinterest.check_board_access(board.pinterest_board_id, account_id=account.public_id)
    assert access.publishable and access.status == "ok" and access.source == "cache"
    fresh = client.pinterest.check_board_access(board.pinterest_board_id, account_id=account.public_id, fresh=True)
    assert fresh.source == "pinterest"
    missing = client.pinterest.check_board_access("12345", account_id=account.public_id)
    assert not missing.publishable and missing.code == "board_not_found"


def test_create_update_and_delete_a_board_on_pinterest(client, account):
    created = client.pinterest.create_board(BoardCreateRequest(account_id=account.public_id, name="Kitchens"))
    assert created.name == "Kitchens" and created.id.isdigit()
    updated = client.pinterest.update_board(created.id, BoardUpdateRequest(account_id=account.public_id,
                                                                            description="Warm wood"))
    assert updated.description == "Warm wood"
    assert created.id in [b.id for b in client.pinterest.list_boards(account.public_id)]
    assert client.pinterest.delete_board(created.id, account_id=account.public_id) is None
    with pytest.raises(NotFoundError) as gone:
        client.pinterest.delete_board(created.id, account_id=account.public_id)
    assert gone.value.code == "board_not_found"


def test_revoking_an_account_disconnects_it(client, account, board):
    assert client.pinterest.revoke_account(account.public_id) is None
    assert client.pinterest.list_accounts() == []
    assert PinterestAccount.objects.get(pk=account.pk).revoked_at is not None
    with pytest.raises(NotFoundError):
        client.pinterest.list_boards(account.public_id)


def test_an_allow_listed_key_sees_and_uses_only_its_accounts(keyed, account, board, workspace):
    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="77", username="other")
    restricted = keyed(accounts=[other])
    assert [a.username for a in restricted.pinterest.list_accounts()] == ["other"]
    with pytest.raises(AuthenticationError) as refused:
        restricted.pinterest.list_boards(account.public_id)
    assert refused.value.status_code == 403 and refused.value.code == "account_not_permitted"


def test_denials(login, cast, keyed, outsider_client, account, board):
    with pytest.raises(AuthenticationError) as viewer:
        login(cast.viewer).pinterest.create_board(BoardCreateRequest(account_id=account.public_id, name="No"))
    assert viewer.value.status_code == 403
    with pytest.raises(AuthenticationError) as scope:
        keyed(scopes=["read", "write"]).pinterest.delete_board(board.pinterest_board_id, account_id=account.public_id)
    assert scope.value.code == "insufficient_scope"
    assert outsider_client.pinterest.list_accounts() == []
    for call in (lambda: outsider_client.pinterest.list_boards(account.public_id),
                 lambda: outsider_client.pinterest.revoke_account(account.public_id),
                 lambda: outsider_client.pinterest.check_board_access(board.pinterest_board_id,
                                                                       account_id=account.public_id)):
        with pytest.raises(NotFoundError):
            call()
    assert not Schedule.objects.exists()
