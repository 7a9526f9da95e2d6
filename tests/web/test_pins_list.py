"""The pins list: filters, search, keyset pages, live rows, and a constant number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from publishing.models import Board, Pin, PinStatus
from tests.web.helpers import bulk_pins, queries_to_render, row_ids


def test_every_member_sees_the_workspace_pins_newest_first(cast, login, make_pin):
    first, second = make_pin(), make_pin()
    html = login(cast.viewer).get("/app/pins/").content.decode()
    assert row_ids(html) == [str(second.public_id), str(first.public_id)]
    assert "Awaiting approval" in html and "Queued" in html  # status in words, not colour alone


def test_pins_of_another_team_never_show(cast, login, make_pin):
    make_pin()
    html = login(cast.outsider).get("/app/pins/").content.decode()
    assert row_ids(html) == [] and "No pins yet" in html


def test_empty_state_says_what_to_do_next(cast, login, workspace):
    html = login(cast.editor).get("/app/pins/").content.decode()
    assert "No pins yet" in html and "connect a Pinterest account" in html


def test_filters_by_status_account_board_and_search(cast, login, workspace, offline_account, offline_board):
    other_board = Board.objects.create(account=offline_account, pinterest_board_id="900000000000000002", name="Lamps")
    chairs = bulk_pins(workspace, offline_account, offline_board, 3, title="Oak chair")
    lamps = bulk_pins(workspace, offline_account, other_board, 2, status=PinStatus.FAILED, title="Brass lamp")
    client = login(cast.editor)

    def ids(query):
        response = client.get("/app/pins/?" + query)
        assert response.status_code == 200
        return set(row_ids(response.content.decode()))

    assert ids("status=failed") == {str(p.public_id) for p in lamps}
    assert ids(f"board={offline_board.pinterest_board_id}") == {str(p.public_id) for p in chairs}
    assert ids("q=brass") == {str(p.public_id) for p in lamps}
    assert ids(f"account={offline_account.public_id}&status=published") == {str(p.public_id) for p in chairs}


def test_date_filter_uses_the_workspace_time_zone(cast, login, workspace, offline_account, offline_board):
    # 23:30 UTC on 1 March is already 2 March in Paris (the cast's workspace zone).
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, start=late_evening_utc)
    client = login(cast.editor)
    assert row_ids(client.get("/app/pins/?date_from=2026-03-02&date_to=2026-03-02").content.decode()) == [
        str(pin.public_id)
    ]
    assert row_ids(client.get("/app/pins/?date_from=2026-03-01&date_to=2026-03-01").content.decode()) == []
    assert "2 Mar 2026, 00:30" in client.get("/app/pins/").content.decode()  # shown in Paris time (UTC+1)


def test_bad_filters_are_explained_inline_not_a_500(cast, login, workspace):
    client = login(cast.editor)
    response = client.get("/app/pins/?q=%00nul&date_from=2026-05-02&date_to=2026-05-01&status=exploded")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Null characters are not allowed" in html
    assert "The end date must be on or after the start date" in html
    assert "Select a valid choice" in html


@pytest.mark.parametrize("page", ["/app/pins/", "/app/assets/", "/app/team/audit"])
def test_a_date_at_the_end_of_the_calendar_is_explained_inline_not_a_500(cast, login, workspace, page):
    # The day after 9999-12-31 does not exist: filtering "until" it used to overflow.
    response = login(cast.admin).get(f"{page}?date_to=9999-12-31&date_from=0001-01-01")
    assert response.status_code == 200
    assert response.content.decode().count("Choose a day between 1900-01-01 and 9998-12-31") == 2


def test_keyset_pages_walk_every_pin_once_in_both_directions(cast, login, workspace, offline_account, offline_board):
    pins = bulk_pins(workspace, offline_account, offline_board, 60)
    newest_first = [str(p.public_id) for p in reversed(pins)]
    client = login(cast.editor)
    page1 = row_ids(client.get("/app/pins/").content.decode())
    page2 = row_ids(client.get(f"/app/pins/?after={page1[-1]}").content.decode())
    page3 = row_ids(client.get(f"/app/pins/?after={page2[-1]}").content.decode())
    assert page1 + page2 + page3 == newest_first
    assert row_ids(client.get(f"/app/pins/?before={page3[0]}").content.decode()) == page2
    last_page = client.get(f"/app/pins/?after={page2[-1]}").content.decode()
    assert "Older pins" not in last_page and "Newer pins" in last_page


def test_a_cursor_from_another_team_or_gibberish_starts_at_the_first_page(cast, login, make_pin):
    pin = make_pin()
    client = login(cast.outsider)
    assert row_ids(client.get(f"/app/pins/?after={pin.public_id}").content.decode()) == []
    assert login(cast.editor).get("/app/pins/?after=not-a-uuid").status_code == 200


def test_counting_stops_at_a_bound(cast, login, workspace, offline_account, offline_board, monkeypatch):
    monkeypatch.setattr("publishing.pagination.COUNT_BOUND", 30)
    monkeypatch.setattr("publishing.views.pins.bounded_count.__defaults__", (30,))
    bulk_pins(workspace, offline_account, offline_board, 45)
    assert "more than 30 pins" in login(cast.editor).get("/app/pins/").content.decode()


def test_the_list_runs_the_same_number_of_queries_for_few_or_many_pins(cast, login, workspace, offline_account,
                                                                          offline_board):
    client = login(cast.editor)
    bulk_pins(workspace, offline_account, offline_board, 3)
    few = queries_to_render(client, "/app/pins/")
    bulk_pins(workspace, offline_account, offline_board, 200, status=PinStatus.QUEUED)
    many = queries_to_render(client, "/app/pins/")
    deep = queries_to_render(
        client, f"/app/pins/?after={Pin.objects.order_by('created_at')[5].public_id}&status=queued"
    )
    assert few == many == deep - 1  # the cursor lookup is the one extra


def test_only_moving_rows_poll_and_settled_rows_stop(cast, login, workspace, offline_account, offline_board):
    [moving] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHING)
    [settled] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)
    client = login(cast.viewer)
    html = client.get("/app/pins/").content.decode()
    assert f'hx-get="/app/pins/{moving.public_id}/row"' in html
    assert f"/app/pins/{settled.public_id}/row" not in html
    Pin.objects.filter(pk=moving.pk).update(status=PinStatus.PUBLISHED, published_at=timezone.now())
    row = client.get(f"/app/pins/{moving.public_id}/row", HTTP_HX_REQUEST="true").content.decode()
    assert row.strip().startswith(f'<tr id="pin-{moving.public_id}"') and "Published" in row and "hx-get" not in row


def test_filtering_with_htmx_answers_only_the_results_fragment(cast, login, make_pin):
    make_pin()
    response = login(cast.editor).get("/app/pins/?status=queued", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<section id="pin-results"') and "<html" not in html


def test_pins_created_long_ago_are_still_reachable(cast, login, workspace, offline_account, offline_board):
    [old] = bulk_pins(workspace, offline_account, offline_board, 1, start=timezone.now() - timedelta(days=900))
    assert login(cast.editor).get(f"/app/pins/{old.public_id}/").status_code == 200
