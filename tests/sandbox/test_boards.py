"""Boards: list with bookmark paging, create, get, update, delete, sections; ownership and scopes."""


from pinterest_sandbox.models import Board
from pinterest_sandbox.seed import board_section_create
from tests.sandbox.conftest import open_account


def board_ids(account) -> list[str]:
    return list(
        Board.objects.filter(owner=account.user).order_by("id").values_list("pinterest_id", flat=True)
    )


def test_user_account_has_every_field_of_the_spec(account):
    body = account.get("/user_account").json()
    assert body["id"] == account.user.pinterest_id and body["id"].isdigit()
    assert body["username"] == account.user.username
    assert body["account_type"] == "BUSINESS"
    assert body["board_count"] == 3
    assert set(body) >= {
        "profile_image",
        "website_url",
        "about",
        "business_name",
        "pin_count",
        "follower_count",
        "following_count",
        "monthly_views",
    }


def test_three_hundred_boards_page_fully_by_bookmark(sandbox_url):
    account = open_account(sandbox_url, boards=300)
    seen, bookmark, pages = [], None, 0
    while True:
        params = {"page_size": 250} | ({"bookmark": bookmark} if bookmark else {})
        body = account.get("/boards", params=params).json()
        seen += [board["id"] for board in body["items"]]
        bookmark, pages = body["bookmark"], pages + 1
        if bookmark is None:
            break
    assert pages == 2
    assert seen == board_ids(account)


def test_the_default_page_is_25_and_the_last_page_has_a_null_bookmark(sandbox_url):
    account = open_account(sandbox_url, boards=26)
    first = account.get("/boards").json()
    assert len(first["items"]) == 25 and first["bookmark"]
    last = account.get("/boards", params={"bookmark": first["bookmark"]}).json()
    assert [b["id"] for b in last["items"]] == board_ids(account)[25:]
    assert last["bookmark"] is None


def test_an_account_without_boards_lists_an_empty_page(sandbox_url):
    account = open_account(sandbox_url, boards=0)
    assert account.get("/boards").json() == {"items": [], "bookmark": None}


def test_a_page_size_outside_1_to_250_is_400(account, subtests):
    for page_size in ["0", "251", "ten", "-1"]:
        with subtests.test(page_size=page_size):
            response = account.send("GET", "/boards", params={"page_size": page_size})
            assert (response.status_code, response.json()["code"]) == (400, 1)
            assert "page_size" in response.json()["message"]


def test_a_forged_bookmark_is_400(account):
    response = account.get("/boards", params={"bookmark": "not-ours"})
    assert (response.status_code, response.json()["code"]) == (400, 1)


def test_the_privacy_filter(account):
    account.post("/boards", json={"name": "Hidden", "privacy": "SECRET"})

    def names(privacy: str) -> list[str]:
        return [b["name"] for b in account.get("/boards", params={"privacy": privacy}).json()["items"]]

    assert names("SECRET") == ["Hidden"]
    assert len(names("PUBLIC")) == 3
    assert len(names("ALL")) == 4
    assert account.send("GET", "/boards", params={"privacy": "NOPE"}).status_code == 400


def test_secret_boards_are_invisible_without_the_secret_read_scope(sandbox_url):
    account = open_account(sandbox_url, boards=1, scopes=["boards:read", "boards:write"])
    secret = Board.objects.create(
        owner=account.user,
        name="Mine",
        privacy="SECRET",
        created_at="2026-01-01T00:00Z",
        board_pins_modified_at="2026-01-01T00:00Z",
    )
    assert len(account.get("/boards").json()["items"]) == 1
    assert account.get(f"/boards/{secret.pinterest_id}").status_code == 404


def test_another_users_boards_are_not_listed(account, other_account):
    assert {b["id"] for b in account.get("/boards").json()["items"]}.isdisjoint(board_ids(other_account))


def test_create_answers_201_with_the_board(account):
    response = account.post("/boards", json={"name": "Recipes", "description": "Food", "privacy": "PUBLIC"})
    assert response.status_code == 201
    body = response.json()
    assert body["id"].isdigit() and body["name"] == "Recipes" and body["description"] == "Food"
    assert body["owner"] == {"username": account.user.username}
    assert body["pin_count"] == 0 and body["media"] == {"image_cover_url": None, "pin_thumbnail_urls": []}
    assert account.get(f"/boards/{body['id']}").json() == body


def test_duplicate_blank_or_too_long_names_are_400_code_400(account, subtests):
    for name in ["sandbox board 1", "   ", "x" * 51]:
        with subtests.test(name=name):
            response = account.post("/boards", json={"name": name})
            assert response.status_code == 400
            assert response.json() == {"code": 400, "message": "The board name is invalid or duplicated."}


INVALID_CREATE_BODIES = [
    {},
    {"name": 5},
    {"name": "ok", "privacy": "FRIENDS"},
    {"name": "a\x00b"},
    {"name": "ok", "is_ads_only": "yes"},
]


def test_invalid_create_bodies_are_400_code_1(account, subtests):
    for body in INVALID_CREATE_BODIES:
        with subtests.test(body=body):
            response = account.send("POST", "/boards", json=body)
            assert (response.status_code, response.json()["code"]) == (400, 1)
    assert account.user.boards.count() == 3


def test_a_body_that_is_not_json_is_400(account):
    response = account.send("POST", "/boards", content=b"{nope", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (400, 1)


def test_creating_a_secret_board_needs_the_secret_write_scope(sandbox_url):
    account = open_account(sandbox_url, scopes=["boards:read", "boards:write"])
    response = account.post("/boards", json={"name": "Surprise", "privacy": "SECRET"})
    assert (response.status_code, response.json()["code"]) == (401, 3)


def test_an_ads_only_board_is_renamed_and_protected(account):
    body = account.post("/boards", json={"name": "Whatever", "is_ads_only": True}).json()
    assert (body["name"], body["privacy"], body["is_ads_only"]) == ("Ad-only Pins", "PROTECTED", True)


def test_get_of_a_missing_board_is_404_code_40(account):
    response = account.get("/boards/123456789")
    assert response.status_code == 404
    assert response.json() == {"code": 40, "message": "Board not found."}


def test_touching_another_users_board_is_403_code_29(account, other_account):
    theirs = board_ids(other_account)[0]
    for response in (
        account.get(f"/boards/{theirs}"),
        account.patch(f"/boards/{theirs}", json={"name": "Mine now"}),
        account.delete(f"/boards/{theirs}"),
        account.get(f"/boards/{theirs}/pins"),
        account.get(f"/boards/{theirs}/sections"),
    ):
        assert response.status_code == 403
        assert response.json() == {"code": 29, "message": "You are not permitted to access that resource."}
    assert Board.objects.filter(pinterest_id=theirs, name="Sandbox board 1").exists()


def test_update_changes_only_the_fields_sent(account):
    board_id = board_ids(account)[0]
    body = account.patch(f"/boards/{board_id}", json={"description": "New words", "privacy": "SECRET"}).json()
    assert (body["name"], body["description"], body["privacy"]) == ("Sandbox board 1", "New words", "SECRET")
    renamed = account.patch(f"/boards/{board_id}", json={"name": "Renamed"}).json()
    assert (renamed["name"], renamed["description"]) == ("Renamed", "New words")


def test_update_refuses_protected_privacy_and_duplicate_names(account):
    board_id = board_ids(account)[0]
    protected = account.send("PATCH", f"/boards/{board_id}", json={"privacy": "PROTECTED"})
    assert (protected.status_code, protected.json()["code"]) == (400, 1)
    duplicate = account.patch(f"/boards/{board_id}", json={"name": "Sandbox board 2"})
    assert duplicate.json() == {"code": 400, "message": "Invalid board parameters."}


def test_delete_answers_204_then_the_board_is_gone(account):
    board_id = board_ids(account)[0]
    response = account.delete(f"/boards/{board_id}")
    assert response.status_code == 204 and response.content == b""
    assert account.get(f"/boards/{board_id}").status_code == 404
    assert account.delete(f"/boards/{board_id}").json()["code"] == 40


def test_sections_list_pages_like_boards(account):
    board = Board.objects.filter(owner=account.user).first()
    sections = [board_section_create(board=board, name=f"Section {n}") for n in range(3)]
    first = account.get(f"/boards/{board.pinterest_id}/sections", params={"page_size": 2}).json()
    rest = account.get(
        f"/boards/{board.pinterest_id}/sections", params={"page_size": 2, "bookmark": first["bookmark"]}
    ).json()
    assert [s["id"] for s in first["items"] + rest["items"]] == [s.pinterest_id for s in sections]
    assert first["items"][0] == {"id": sections[0].pinterest_id, "name": "Section 0"}
    assert rest["bookmark"] is None


def test_sections_of_a_missing_board_are_404_code_40(account):
    assert account.get("/boards/987654321/sections").json()["code"] == 40
