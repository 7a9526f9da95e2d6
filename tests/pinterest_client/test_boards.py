"""User account, boards (paged to the very end), board CRUD and sections."""

import pytest

from pinterest_sandbox.models import Board as SandboxBoard
from pinterest_sandbox.seed import board_section_create
from publishing.pinterest import Board, Forbidden, InvalidRequest, NotFound

from .conftest import sandbox_account, start_a_fresh_rate_limit_window


def board_pages_fetched(contract) -> int:
    return sum(1 for line in contract.checked if line.startswith("GET ") and line.endswith("/v5/boards 200"))


def test_user_account_is_read_into_a_typed_model(pinterest, account):
    me = pinterest.user_account()

    assert me.id == account.user.pinterest_id and me.id.isdigit()
    assert me.username == account.user.username
    assert me.account_type == "BUSINESS"
    assert me.board_count == 3


def test_300_boards_are_listed_to_the_very_end_in_two_pages(live_server, make_client, contract):
    owner = sandbox_account(boards=300)

    boards = make_client(owner.access_token).boards_list()

    assert len(boards) == 300
    assert all(isinstance(board, Board) for board in boards)
    assert len({board.id for board in boards}) == 300
    assert {board.name for board in boards} == {f"Sandbox board {n}" for n in range(1, 301)}
    assert board_pages_fetched(contract) == 2  # 250 + 50: the largest page Pinterest allows


def test_small_pages_follow_every_bookmark(live_server, make_client, contract):
    owner = sandbox_account(boards=60)

    names = [board.name for board in make_client(owner.access_token).boards_iter(page_size=25)]

    assert names == [f"Sandbox board {n}" for n in range(1, 61)]
    assert board_pages_fetched(contract) == 3


def test_a_board_is_created_read_updated_and_deleted(pinterest):
    created = pinterest.board_create(name="Summer recipes", description="Cold soups", privacy="SECRET")
    assert created.id.isdigit()
    assert (created.name, created.description, created.privacy) == ("Summer recipes", "Cold soups", "SECRET")
    assert created.owner.username == pinterest.user_account().username
    assert created.created_at is not None and created.created_at.tzinfo is not None

    assert pinterest.board_get(created.id) == created

    updated = pinterest.board_update(created.id, name="Winter recipes", privacy="PUBLIC")
    assert (updated.id, updated.name, updated.description, updated.privacy) == (
        created.id,
        "Winter recipes",
        "Cold soups",
        "PUBLIC",
    )

    assert pinterest.board_delete(created.id) is None
    with pytest.raises(NotFound) as gone:
        pinterest.board_get(created.id)
    assert (gone.value.code, gone.value.error_code) == (40, "board_not_found")
    assert not SandboxBoard.objects.filter(pinterest_id=created.id).exists()


def test_a_duplicate_board_name_is_an_invalid_request(pinterest):
    pinterest.board_create(name="Ideas")

    with pytest.raises(InvalidRequest) as duplicate:
        pinterest.board_create(name="ideas")

    assert (duplicate.value.status, duplicate.value.code) == (400, 400)
    assert "duplicated" in duplicate.value.message
    assert duplicate.value.request_id


def test_someone_elses_board_is_forbidden(pinterest, live_server):
    stranger_board = sandbox_account(boards=1).user.boards.get()

    with pytest.raises(Forbidden) as refused:
        pinterest.board_get(stranger_board.pinterest_id)

    assert (refused.value.status, refused.value.code, refused.value.error_code) == (403, 29, "forbidden")


def test_board_sections_are_listed(pinterest, account):
    board = account.user.boards.first()
    for name in ("Soups", "Salads", "Desserts"):
        board_section_create(board=board, name=name)

    sections = pinterest.board_sections_list(board.pinterest_id)

    assert [section.name for section in sections] == ["Soups", "Salads", "Desserts"]
    assert all(section.id.isdigit() for section in sections)


def test_calls_share_one_connection_and_track_the_rate_limit(pinterest):
    connections = set()
    pinterest._http.event_hooks["response"].append(
        lambda response: connections.add(id(response.extensions["network_stream"]))
    )

    start_a_fresh_rate_limit_window()
    pinterest.user_account()
    first = pinterest.rate_limit
    for _ in range(4):
        pinterest.boards_list()

    assert len(connections) == 1
    assert first.limit == 1000
    assert pinterest.rate_limit.remaining == first.remaining - 4
    assert 0 < pinterest.rate_limit.reset_seconds <= 60


def test_each_account_lists_exactly_its_own_boards(live_server, make_client, contract):
    # None, one page, one board past a full page, and a partial page: each client sees its own.
    owners = [sandbox_account(boards=count) for count in (0, 7, 251, 30)]

    results = [make_client(owner.access_token).boards_list() for owner in owners]

    assert [len(boards) for boards in results] == [0, 7, 251, 30]
    for owner, boards in zip(owners, results, strict=True):
        assert {board.id for board in boards} == set(owner.user.boards.values_list("pinterest_id", flat=True))
    assert board_pages_fetched(contract) == 5
