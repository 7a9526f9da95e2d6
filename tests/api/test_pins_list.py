"""GET /v1/pins answers each pin exactly as GET /v1/pins/{id} does, from SQL written once per shape
of query (``ShapedReads``): a shape seen before runs again with the new call's values, and answers
for them alone."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client

from publishing.access import Actor
from publishing.api.routers.pins import PIN_LIST_SHAPES
from publishing.api.schemas.pins import PIN_ROW_COLUMNS
from publishing.models import Board, Pin, PinStatus, PinterestAccount, Workspace
from publishing.models.shaped_reads import ShapedReads
from publishing.services.keys import api_key_create
from tests.api.test_api_costs import make_asset
from tests.pipeline_fixtures import offline_account, offline_board, workspace  # noqa: F401 - fixtures


def read_key(workspace) -> dict[str, str]:  # noqa: F811 - a parameter, not the fixture
    plaintext = api_key_create(actor=Actor.system(workspace, job="test"), name="list", scopes=["read"]).plaintext
    return {"HTTP_X_API_KEY": plaintext}


def get(client: Client, path: str, key: dict[str, str]):
    response = client.get(path, **key)
    assert response.status_code == 200, response.content
    return response


def pins_of_every_kind(workspace, account, board) -> None:  # noqa: F811
    """Every kind of content a pin answers: an image URL, an image asset, a video with a cover asset
    or a cover URL; published (at a whole second: no fraction is written), failed (microseconds:
    milliseconds are written), removed; related terms or none; text outside ASCII and a DEL."""
    whole_second = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    fraction = datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=UTC)
    shapes = [
        {"image_url": "https://images.example.com/a.jpg", "related_terms": ["oak", "chêne"]},
        {"asset": make_asset(workspace, "image", 1), "description": "From the library."},
        {"asset": make_asset(workspace, "video", 2), "cover_image_asset": make_asset(workspace, "image", 3)},
        {"asset": make_asset(workspace, "video", 4), "cover_image_url": "https://images.example.com/cover.jpg"},
        {"image_url": "https://images.example.com/b.jpg", "status": PinStatus.PUBLISHED, "published_at": whole_second,
         "pinterest_pin_id": "77", "removed_from_pinterest_at": fraction, "link_url": "https://shop.example.com/b",
         "alt_text": "A chair", "dominant_color": "#aa0000"},
        {"image_url": "https://images.example.com/c.jpg", "status": PinStatus.FAILED, "failed_at": fraction,
         "error_code": "board_not_found", "error_message": "The board is gone."},
        {"image_url": "https://images.example.com/d.jpg", "title": "Chêne, laiton ✓ 🌿 \x7f \"quoted\" \\ end",
         "description": "Ligne\nsuivante\t« guillemets »", "alt_text": "日本語"},
    ]
    for n, shape in enumerate(shapes):
        Pin.objects.create(workspace=workspace, account=account, board_id=board.pinterest_board_id,
                           idempotency_key=f"kind-{n}", payload_fingerprint="f", **{"title": f"Kind {n}", **shape})


@pytest.mark.django_db
def test_each_listed_pin_reads_exactly_as_its_own_get(workspace, offline_account, offline_board):  # noqa: F811
    pins_of_every_kind(workspace, offline_account, offline_board)
    key, client = read_key(workspace), Client()
    for sort in ("created_at_desc", "title_asc"):
        listed = get(client, f"/v1/pins?limit=50&sort={sort}", key).json()
        assert len(listed) == 7
        for item in listed:
            # The single GET builds pin_out from model instances and ninja validates it against PinOut.
            read = get(client, f"/v1/pins/{item['id']}", key).json()
            assert list(item.items()) == list(read.items())  # same keys, same order, same values
    published = next(item for item in listed if item["pinterest_pin_id"] == "77")
    assert (published["published_at"], published["removed_from_pinterest_at"]) == (
        "2026-03-29T01:30:00Z", "2026-03-29T01:30:05.123Z")


def page(client: Client, path: str, key: dict[str, str]) -> tuple[list[str], str]:
    response = get(client, path, key)
    return [item["title"] for item in response.json()], response["X-Total-Count"]


@pytest.mark.django_db
def test_a_shape_seen_before_answers_for_its_new_values(workspace, offline_account, offline_board,  # noqa: F811
                                                        cast):
    other = Workspace.objects.create(team=cast.team, name="Production", environment=Workspace.Environment.PRODUCTION)
    other_account = PinterestAccount.objects.create(workspace=other, pinterest_user_id="2000000000000000002",
                                                    username="acme_other", access_token="pina_other")
    other_board = Board.objects.create(account=other_account, pinterest_board_id="900000000000000002", name="Desks")
    for n, status in enumerate([PinStatus.FAILED, PinStatus.FAILED, PinStatus.PUBLISHED]):
        Pin.objects.create(workspace=workspace, account=offline_account, board_id=offline_board.pinterest_board_id,
                           idempotency_key=f"a{n}", payload_fingerprint="f", title=f"Here {n}", status=status)
    Pin.objects.create(workspace=other, account=other_account, board_id=other_board.pinterest_board_id,
                       idempotency_key="b", payload_fingerprint="f", title="There", status=PinStatus.FAILED)
    here, there, client = read_key(workspace), read_key(other), Client()

    assert page(client, "/v1/pins?limit=1&status=failed", here) == (["Here 1"], "2")
    assert page(client, "/v1/pins?limit=1&status=published", here) == (["Here 2"], "1")
    assert page(client, "/v1/pins?limit=1&status=failed", there) == (["There"], "1")
    assert page(client, "/v1/pins?limit=1&offset=1&status=failed", here) == (["Here 0"], "2")
    assert page(client, "/v1/pins?limit=50&q=here+1", here) == (["Here 1"], "1")
    assert page(client, "/v1/pins?limit=50&q=there", here) == ([], "0")
    assert page(client, f"/v1/pins?account_id={other_account.public_id}", here) == ([], "0")  # matches nothing


@pytest.mark.django_db
def test_a_shape_seen_before_compiles_no_sql(workspace, offline_account, offline_board,  # noqa: F811
                                             monkeypatch):
    for n in range(3):
        Pin.objects.create(workspace=workspace, account=offline_account, board_id=offline_board.pinterest_board_id,
                           idempotency_key=f"k{n}", payload_fingerprint="f", title=f"Pin {n}",
                           status=PinStatus.FAILED if n else PinStatus.PUBLISHED)
    key, client = read_key(workspace), Client()
    PIN_LIST_SHAPES.clear()
    get(client, "/v1/pins?limit=1&status=failed&sort=title_desc", key)  # the key's first use records it, too
    compiled: list[type] = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    assert page(client, "/v1/pins?limit=1&status=published&sort=title_desc", key) == (["Pin 0"], "1")
    assert page(client, "/v1/pins?limit=1&status=failed&sort=title_desc", key) == (["Pin 2"], "2")  # counted
    assert compiled == []
    assert page(client, "/v1/pins?limit=1&status=failed&sort=title_asc", key) == (["Pin 1"], "2")
    assert compiled == [Pin]  # another order is another page; its count (unordered) is the one seen
    if connection.vendor == "postgresql":  # each runs as a prepared statement: planned once per connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('FROM "publishing_pin"' in sql and "LIMIT 2" in sql for sql in prepared), prepared
        assert any(") counted" in sql for sql in prepared), prepared


@pytest.mark.django_db
def test_shaped_reads_keep_no_statement_with_parameters_outside_its_where_clause(workspace, offline_account,  # noqa: F811
                                                                                 offline_board):  # noqa: F811
    Pin.objects.create(workspace=workspace, account=offline_account, board_id=offline_board.pinterest_board_id,
                       idempotency_key="k", payload_fingerprint="f", title="Pin")
    reads = ShapedReads()
    labelled = Pin.objects.for_workspace(workspace).annotate(label=Value("chosen")).order_by("id")
    columns = ("public_id", "label")
    expected = list(labelled.values(*columns)[0:2])
    assert reads.values(labelled, columns, 0, 2) == expected
    assert reads.values(labelled, columns, 0, 2) == expected
    assert len(reads) == 0  # Value is a parameter of the select list
    plain = Pin.objects.for_workspace(workspace).order_by("id")
    assert reads.values(plain, PIN_ROW_COLUMNS, 0, 2) == list(plain.values(*PIN_ROW_COLUMNS)[0:2])
    assert reads.count(plain, 5) == 1 and len(reads) == 2
