"""The overview: pins by status over 30 days against the 30 before, a server-rendered SVG chart,
the queue, upcoming schedules and accounts that need reconnecting."""

import re
from datetime import timedelta

from django.utils import timezone

from publishing.models import Pin, PinStatus
from tests.conftest import at_every_clock
from tests.web.helpers import bulk_pins, queries_to_render


def status_row(html: str, status: str) -> list[int]:
    row = html.split(f'data-pin="{status}"')[1].split("</tr>")[0]
    return [int(n) for n in re.findall(r"<td>(-?\d+)</td>", row)]


@at_every_clock
def test_status_counts_compare_the_last_30_days_with_the_30_before(clock, cast, login, workspace, offline_account,
                                                                  offline_board):
    now = timezone.now()
    bulk_pins(workspace, offline_account, offline_board, 3, status=PinStatus.PUBLISHED, start=now - timedelta(days=2))
    bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED, start=now - timedelta(days=3))
    bulk_pins(workspace, offline_account, offline_board, 5, status=PinStatus.PUBLISHED, start=now - timedelta(days=40))
    bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.PUBLISHED, start=now - timedelta(days=90))
    html = login(cast.viewer).get("/app/").content.decode()
    assert status_row(html, "published") == [3, 5]
    assert status_row(html, "failed") == [1, 0]
    assert "▼</span> -2" in html  # published fell by two, said with a symbol and a number


@at_every_clock
def test_the_chart_has_a_bar_per_day_in_the_team_zone_with_a_text_alternative(clock, cast, login, workspace,
                                                                              offline_account, offline_board):
    # An hour ago may be another day in Paris than now, and another day in Paris than in UTC.
    pins = bulk_pins(workspace, offline_account, offline_board, 4, status=PinStatus.PUBLISHED,
                     start=timezone.now() - timedelta(hours=1))
    html = login(cast.viewer).get("/app/").content.decode()
    svg = html.split('<svg class="chart"')[1].split("</svg>")[0]
    assert svg.count('class="bar-total"') == 30 and 'role="img"' in html
    days = {timezone.localtime(pin.created_at, workspace.zone).strftime("%a %-d %b") for pin in pins}
    [day] = days  # four pins a second apart: one day
    assert f"<title>{day}: 4 created, 4 published</title>" in svg
    bar_days = re.findall(r"<title>([^:<]+): \d+ created", svg)
    assert bar_days[-1] == timezone.localtime(timezone.now(), workspace.zone).strftime("%a %-d %b")  # today, in Paris


def test_the_queue_and_upcoming_schedules_with_next_steps(cast, login, make_pin):
    pin = make_pin()
    html = login(cast.manager).get("/app/").content.decode()
    assert "1 pin awaiting approval" in html and pin.title in html and "Review the approval queue" in html
    assert "No pins are scheduled" in html


def test_an_empty_workspace_explains_what_to_do(cast, login, workspace):
    html = login(cast.editor).get("/app/").content.decode()
    assert "Nothing is waiting for approval" in html and "Compose a pin" in html


def test_the_overview_runs_a_constant_number_of_queries(
    cast, login, workspace, offline_account, offline_board, make_pin
):
    client = login(cast.manager)
    make_pin()
    few = queries_to_render(client, "/app/")
    for _ in range(5):
        make_pin()
    bulk_pins(workspace, offline_account, offline_board, 300, status=PinStatus.PUBLISHED)
    assert queries_to_render(client, "/app/") == few
    assert Pin.objects.count() == 306
