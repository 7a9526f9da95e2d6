"""Board edit and delete on the accounts page, through services/boards.py, against the built-in
sandbox over HTTP (the live server), with Pinterest's refusals shown inline."""

import re

import pytest

from pinterest_sandbox.models import Board as SandboxBoard
from publishing.models import AuditEvent, Board

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_url(account, board):
    return f"/app/accounts/{account.public_id}/boards/{board.pinterest_board_id}/edit"


def test_an_admin_renames_a_board_and_makes_it_secret_on_pinterest(cast, login, account):
    board = Board.objects.for_account(account).order_by("name").last()
    html = login(cast.admin).get("/app/accounts/").content.decode()
    assert f'action="{edit_url(account, board)}"' in html and "hx-confirm=\"Delete the board" in html
    response = login(cast.admin).post(edit_url(account, board), {"name": "Dinners", "description": "Food",
                                                                 "privacy": "SECRET"}, **HTMX)
    assert response.status_code == 200 and "Saved the board Dinners." in response.content.decode()
    remote = SandboxBoard.objects.get(pinterest_id=board.pinterest_board_id)
    assert (remote.name, remote.description, remote.privacy) == ("Dinners", "Food", "SECRET")
    board.refresh_from_db()
    assert (board.name, board.privacy) == ("Dinners", "SECRET")
    assert AuditEvent.objects.filter(action="board.updated").exists()


def test_pinterest_refusing_a_name_is_shown_inline_in_the_open_form(cast, login, account):
    first, second = Board.objects.for_account(account).order_by("name")[:2]
    response = login(cast.admin).post(edit_url(account, second), {"name": first.name, "privacy": "PUBLIC"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    form = re.search(r'<details class="board-edit" open>.*?</details>', html, re.S).group(0)
    assert edit_url(account, second) in form and 'role="alert"' in form
    assert SandboxBoard.objects.get(pinterest_id=second.pinterest_board_id).name == second.name


def test_an_empty_name_is_refused_before_pinterest_is_asked(cast, login, account):
    board = Board.objects.for_account(account).first()
    response = login(cast.admin).post(edit_url(account, board), {"name": "", "privacy": "PUBLIC"}, **HTMX)
    assert response.status_code == 422 and "This field is required" in response.content.decode()


def test_deleting_a_board_deletes_it_on_pinterest_and_a_gone_board_is_explained(cast, login, account):
    board, other = Board.objects.for_account(account).order_by("name")[:2]
    client = login(cast.admin)
    response = client.post(f"/app/accounts/{account.public_id}/boards/{board.pinterest_board_id}/delete", **HTMX)
    assert response.status_code == 200 and f"Deleted the board {board.name} on Pinterest." in response.content.decode()
    assert not SandboxBoard.objects.filter(pinterest_id=board.pinterest_board_id).exists()
    assert Board.objects.get(pk=board.pk).deleted_at is not None
    SandboxBoard.objects.filter(pinterest_id=other.pinterest_board_id).delete()  # gone on Pinterest meanwhile
    response = client.post(f"/app/accounts/{account.public_id}/boards/{other.pinterest_board_id}/delete", **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert f"The board {other.name} was not deleted: This board does not exist on Pinterest (any more)." in html
    assert f'id="board-{other.pinterest_board_id}"' not in html  # the cache forgot it


def test_only_admins_edit_or_delete_boards(cast, login, account):
    board = Board.objects.for_account(account).first()
    for member in (cast.manager, cast.editor, cast.viewer):
        client = login(member)
        assert "board-edit" not in client.get("/app/accounts/").content.decode()
        assert client.post(edit_url(account, board), {"name": "X", "privacy": "PUBLIC"}).status_code == 403
        assert client.post(f"/app/accounts/{account.public_id}/boards/{board.pinterest_board_id}/delete"
                           ).status_code == 403
    assert login(cast.outsider).post(edit_url(account, board), {"name": "X", "privacy": "PUBLIC"}).status_code == 404
    assert SandboxBoard.objects.get(pinterest_id=board.pinterest_board_id).name == board.name


def test_without_javascript_deleting_a_board_asks_on_a_page_first(cast, login, account):
    board = Board.objects.for_account(account).first()
    client = login(cast.admin)
    url = f"/app/accounts/{account.public_id}/boards/{board.pinterest_board_id}/delete"
    asked = client.post(url)
    assert asked.status_code == 200 and f"Delete the board “{board.name}”?" in asked.content.decode()
    assert 'name="confirm" value="yes"' in asked.content.decode()
    assert SandboxBoard.objects.filter(pinterest_id=board.pinterest_board_id).exists()  # nothing deleted yet
    assert client.post(url, {"confirm": "yes"}).status_code == 200
    assert not SandboxBoard.objects.filter(pinterest_id=board.pinterest_board_id).exists()
