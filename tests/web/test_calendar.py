"""The calendar: month and week views in the workspace's zone, and rescheduling."""

import html as html_module
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from publishing.access import Actor
from publishing.models import PinStatus, Schedule
from publishing.services.schedules import schedule_create
from publishing.views import calendar as calendar_views
from tests.conftest import at_every_clock
from tests.pipeline_fixtures import pin_payload
from tests.web.helpers import bulk_pins, queries_to_render

YEAR = timezone.now().year + 1


@pytest.fixture
def schedule_at(cast, workspace, offline_account, offline_board):
    def create(run_at: datetime, title="Planned pin") -> Schedule:
        payload = {
            k: v for k, v in pin_payload(offline_account, offline_board, title=title).items() if k != "idempotency_key"
        }
        return schedule_create(actor=Actor.for_user(cast.editor, workspace), data={**payload, "run_at": run_at})

    return create


@pytest.fixture(params=["one pass", "day by day"])
def month_reads(request, monkeypatch):
    """Both ways the calendar reads a kind's rows: one pass for a small month, day by day for a busy
    one (every month counts as busy here)."""
    if request.param == "day by day":
        monkeypatch.setattr(calendar_views, "BUSY_MONTH", 0)
    return request.param


def test_a_schedule_shows_on_its_local_day_and_time(cast, login, schedule_at):
    # 22:30 UTC on 14 July is 00:30 on 15 July in Paris.
    schedule = schedule_at(datetime(YEAR, 7, 14, 22, 30, tzinfo=UTC))
    html = login(cast.viewer).get(f"/app/calendar/?view=week&date={YEAR}-07-15").content.decode()
    day_cell = html.split(f'<time datetime="{YEAR}-07-15">')[1].split("</td>")[0]
    assert f'id="schedule-{schedule.public_id}"' in day_cell and ">00:30<" in day_cell and "Scheduled" in day_cell


def test_the_month_view_shows_whole_weeks_and_published_pins(cast, login, workspace, offline_account, offline_board,
                                                            schedule_at):
    schedule_at(datetime(YEAR, 7, 3, 8, 0, tzinfo=UTC), title="July pin")
    [published] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)
    published.published_at = datetime(YEAR, 7, 20, 12, 0, tzinfo=UTC)
    published.save(update_fields=["published_at"])
    html = login(cast.viewer).get(f"/app/calendar/?view=month&date={YEAR}-07-09").content.decode()
    assert f"July {YEAR}" in html and "July pin" in html and published.title in html
    cells = html.count('<td class="')
    assert cells % 7 == 0 and cells >= 28  # whole weeks, Monday to Sunday


def test_an_empty_period_says_how_to_plan_a_pin(cast, login):
    html = login(cast.editor).get(f"/app/calendar/?view=week&date={YEAR}-01-10").content.decode()
    assert "Nothing is scheduled or published in this week" in html and "Compose a pin" in html


def test_an_editor_reschedules_from_the_calendar(cast, login, schedule_at):
    schedule = schedule_at(datetime(YEAR, 7, 14, 8, 0, tzinfo=UTC))
    client = login(cast.editor)
    form = client.get(
        f"/app/calendar/schedules/{schedule.public_id}/reschedule", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'value="{YEAR}-07-14T10:00"' in form  # prefilled in Paris time
    response = client.post(
        f"/app/calendar/schedules/{schedule.public_id}/reschedule",
        {"run_at": f"{YEAR}-07-16T18:15"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"].startswith(f"/app/calendar/?view=week&date={YEAR}-07-16")
    schedule.refresh_from_db()
    assert schedule.run_at == datetime(YEAR, 7, 16, 16, 15, tzinfo=UTC)


def test_rescheduling_into_the_past_is_refused_inline(cast, login, schedule_at):
    schedule = schedule_at(datetime(YEAR, 7, 14, 8, 0, tzinfo=UTC))
    response = login(cast.editor).post(f"/app/calendar/schedules/{schedule.public_id}/reschedule",
                                       {"run_at": "2001-01-01T10:00"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "must be in the future" in response.content.decode()


def test_a_started_schedule_cannot_be_moved(cast, login, schedule_at):
    schedule = schedule_at(datetime(YEAR, 7, 14, 8, 0, tzinfo=UTC))
    Schedule.objects.filter(pk=schedule.pk).update(own_status="queued")  # started: it is making its pin
    response = login(cast.editor).post(f"/app/calendar/schedules/{schedule.public_id}/reschedule",
                                       {"run_at": f"{YEAR}-07-16T18:15"})
    assert response.status_code == 422 and "only scheduled ones can be edited" in response.content.decode()


def test_the_calendar_runs_a_constant_number_of_queries(month_reads, cast, login, schedule_at):
    client = login(cast.editor)
    schedule_at(datetime(YEAR, 7, 1, 8, 0, tzinfo=UTC))
    few = queries_to_render(client, f"/app/calendar/?date={YEAR}-07-01")
    for day in range(2, 28):
        schedule_at(datetime(YEAR, 7, day, 8, 0, tzinfo=UTC))
    assert queries_to_render(client, f"/app/calendar/?date={YEAR}-07-01") == few


@at_every_clock
def test_a_nonsense_date_falls_back_to_today_in_the_team_zone(clock, cast, login, workspace):
    response = login(cast.editor).get("/app/calendar/?date=2026-13-45&view=year")
    assert response.status_code == 200
    assert f'<time datetime="{timezone.localdate(timezone=workspace.zone):%Y-%m-%d}">' in response.content.decode()


@pytest.mark.parametrize("view", ["month", "week"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@at_every_clock
def test_a_date_at_the_end_of_the_calendar_shows_today_in_the_team_zone_instead_of_a_500(clock, cast, login,
                                                                                         workspace, view, day):
    response = login(cast.viewer).get(f"/app/calendar/?view={view}&date={day}")
    assert response.status_code == 200
    assert f'<time datetime="{timezone.localdate(timezone=workspace.zone):%Y-%m-%d}">' in response.content.decode()


# --- a busy day: the first entries, "+N more", and the rest on demand -------------------------------

# Europe/Paris falls back on 25 October 2026: that day runs from 22:00 UTC on the 24th to 23:00 UTC
# on the 25th (25 hours, 02:00-03:00 twice).
FALL_BACK = "2026-10-25"
FALL_BACK_DAY_UTC = [(10, 24, 22, 0), (10, 25, 0, 30), (10, 25, 1, 30), (10, 25, 6, 0), (10, 25, 12, 0),
                     (10, 25, 18, 0), (10, 25, 22, 59)]  # local 00:00, 02:30, 02:30 again, 07:00, 13:00, 19:00, 23:59


@pytest.fixture
def october_first():
    """The clock stands at 1 October 2026, so every schedule in October is still to come."""
    with time_machine.travel(datetime(2026, 10, 1, 10, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def day_cell(html: str, day: str) -> str:
    return html.split(f'<time datetime="{day}">')[1].split("</td>")[0]


def times_in(html: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+T[^"]+">(\d\d:\d\d)</time>', html)


def test_a_busy_day_shows_its_first_entries_and_loads_the_rest_of_the_day_on_demand(
        month_reads, october_first, cast, login, workspace, offline_account, offline_board, schedule_at):
    schedule_at(datetime(2026, 10, 24, 21, 59, tzinfo=UTC), title="Saturday night")  # 23:59 on the 24th
    for n, (month, day, hour, minute) in enumerate(FALL_BACK_DAY_UTC):
        schedule_at(datetime(2026, month, day, hour, minute, tzinfo=UTC), title=f"Sunday {n}")
    schedule_at(datetime(2026, 10, 25, 23, 0, tzinfo=UTC), title="Monday midnight")  # 00:00 on the 26th
    [published] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED,
                            title="Published Sunday")
    published.published_at = datetime(2026, 10, 25, 10, 0, tzinfo=UTC)  # 11:00 local
    published.save(update_fields=["published_at"])
    client = login(cast.editor)

    month = client.get("/app/calendar/?view=month&date=2026-10-01").content.decode()
    cell = day_cell(month, FALL_BACK)
    assert times_in(cell) == ["00:00", "02:30", "02:30", "07:00"]  # PER_DAY["month"] = 4, in time order
    assert "+4 more<" in cell and "Saturday night" not in cell and "Monday midnight" not in cell
    for neighbour, title in (("2026-10-24", "Saturday night"), ("2026-10-26", "Monday midnight")):
        assert title in day_cell(month, neighbour) and "more<" not in day_cell(month, neighbour)
    more = html_module.unescape(re.search(r'hx-get="([^"]+)"', cell.split('class="item more"')[1]).group(1))
    assert more.startswith(f"/app/calendar/days/{FALL_BACK}/?")

    rest = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1" not in rest and "<li" in rest  # only the lines that replace "+4 more"
    assert times_in(rest) == ["11:00", "13:00", "19:00", "23:59"]
    assert "Published Sunday" in rest and "Sunday 6" in rest and "Monday midnight" not in rest
    assert "more<" not in rest and "data-focus-after-swap" in rest.split("<li")[1]

    page = client.get(more).content.decode()  # without JavaScript: the day's own page, same lines
    assert "<h1>Calendar: Sunday 25 October 2026</h1>" in page and times_in(page) == times_in(rest)
    whole_day = client.get(f"/app/calendar/days/{FALL_BACK}/").content.decode()
    assert times_in(whole_day) == ["00:00", "02:30", "02:30", "07:00", "11:00", "13:00", "19:00", "23:59"]


def test_the_rest_of_a_day_comes_a_page_at_a_time(october_first, cast, login, schedule_at, monkeypatch):
    monkeypatch.setattr(calendar_views, "PAGE", 3)
    for minute in range(7):
        schedule_at(datetime(2026, 10, 20, 8, minute, tzinfo=UTC), title=f"Pin {minute}")
    client = login(cast.viewer)
    first = client.get("/app/calendar/days/2026-10-20/?view=week&date=2026-10-20", HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert times_in(html) == ["10:00", "10:01", "10:02"] and "+4 more<" in html
    following = html_module.unescape(re.search(r'hx-get="([^"]+)"', html).group(1))
    html = client.get(following, HTTP_HX_REQUEST="true").content.decode()
    assert times_in(html) == ["10:03", "10:04", "10:05"] and "+1 more<" in html


def test_the_month_and_a_day_run_the_same_queries_however_many_schedules_and_pins(
        month_reads, october_first, cast, login, workspace, offline_account, offline_board, schedule_at):
    client = login(cast.editor)
    month, day = "/app/calendar/?view=month&date=2026-10-01", "/app/calendar/days/2026-10-14/"
    schedule_at(datetime(2026, 10, 14, 8, 0, tzinfo=UTC))
    bulk_pins(workspace, offline_account, offline_board, 1, start=datetime(2026, 10, 14, 9, 0, tzinfo=UTC),
              published_at=datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    few = queries_to_render(client, month), queries_to_render(client, day)
    for minute in range(1, 30):  # one day far over its cell's four lines, and others with a few
        schedule_at(datetime(2026, 10, 14, 8, minute, tzinfo=UTC))
        schedule_at(datetime(2026, 10, 2 + minute % 28, 8, minute, tzinfo=UTC))
    bulk_pins(workspace, offline_account, offline_board, 40, start=datetime(2026, 10, 14, 9, 0, tzinfo=UTC),
              published_at=datetime(2026, 10, 14, 9, 30, tzinfo=UTC))
    assert (queries_to_render(client, month), queries_to_render(client, day)) == few


def test_a_day_outside_the_calendar_is_not_found(cast, login):
    client = login(cast.viewer)
    assert client.get("/app/calendar/days/2026-13-45/").status_code == 404
    assert client.get("/app/calendar/days/9999-12-31/").status_code == 404


# --- a busy month: capped day counts, a schedule's pin shown once -------------------------------


def test_a_busy_day_counts_up_to_the_cap_and_its_own_page_counts_exactly(
        october_first, cast, login, workspace, offline_account, offline_board, schedule_at, monkeypatch):
    """Day by day, a kind's rows are counted up to DAY_COUNT_CAP: a day past it says "+N or more"
    (a lower bound) and costs the same queries; the day's own page counts the rest exactly."""
    monkeypatch.setattr(calendar_views, "BUSY_MONTH", 0)
    monkeypatch.setattr(calendar_views, "DAY_COUNT_CAP", 5)
    client = login(cast.editor)
    month = "/app/calendar/?view=month&date=2026-10-01"
    for minute in range(4):  # 14 October: four schedules and a published pin, under the cap
        schedule_at(datetime(2026, 10, 14, 8, minute, tzinfo=UTC), title=f"Under {minute}")
    bulk_pins(workspace, offline_account, offline_board, 1, published_at=datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    few = queries_to_render(client, month)
    for minute in range(8):  # 20 October: eight schedules, past the cap of five
        schedule_at(datetime(2026, 10, 20, 8, minute, tzinfo=UTC), title=f"Over {minute}")
    assert queries_to_render(client, month) == few

    html = client.get(month).content.decode()
    assert "+1 more<" in day_cell(html, "2026-10-14")  # exact below the cap
    cell = day_cell(html, "2026-10-20")
    assert times_in(cell) == ["10:00", "10:01", "10:02", "10:03"] and "+1 or more<" in cell
    assert '<span class="phone-only">Tuesday </span>20 Oct</time>' in html  # the date filter's "l" and "j M"
    assert "+1 or more<span class=\"visually-hidden\"> on Tuesday 20 October</span>" in cell
    rest = client.get(html_module.unescape(re.search(r'hx-get="([^"]+)"', cell.split('class="item more"')[1])
                                           .group(1)), HTTP_HX_REQUEST="true").content.decode()
    assert times_in(rest) == ["10:04", "10:05", "10:06", "10:07"] and "more<" not in rest


def test_a_schedules_published_pin_shows_once_as_its_schedule(
        month_reads, october_first, cast, login, workspace, offline_account, offline_board, schedule_at):
    schedule = schedule_at(datetime(2026, 10, 14, 8, 0, tzinfo=UTC), title="Made by a schedule")
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, title="Made by a schedule",
                      published_at=datetime(2026, 10, 14, 8, 1, tzinfo=UTC))
    schedule.pin = pin
    schedule.save(update_fields=["pin"])
    client, month = login(cast.viewer), "/app/calendar/?view=month&date=2026-10-01"
    cell = day_cell(client.get(month).content.decode(), "2026-10-14")
    assert cell.count("Made by a schedule") == 1 and 'class="item published"' not in cell
    assert f'href="/app/pins/{pin.public_id}/"' in cell and "more<" not in cell
    assert 'data-schedule="done"' in cell  # what it reports: its published pin's status
    few = queries_to_render(client, month)
    for day in range(15, 25):  # more schedules with their pins: the pins are read in the same query
        made = schedule_at(datetime(2026, 10, day, 8, 0, tzinfo=UTC))
        [made.pin] = bulk_pins(workspace, offline_account, offline_board, 1,
                               published_at=datetime(2026, 10, day, 8, 1, tzinfo=UTC))
        made.save(update_fields=["pin"])
    assert queries_to_render(client, month) == few


def test_a_busy_month_shows_the_same_cells_in_as_many_queries_as_a_small_one(
        october_first, cast, login, workspace, offline_account, offline_board, schedule_at, monkeypatch):
    """Day by day, a kind's capped day counts and first rows come in one read, as the one pass reads
    a small month's: the same cells, the same number of queries."""
    for day, minutes in ((3, 2), (14, 6), (25, 7)):  # 25 October is 25 hours long in Paris
        for minute in range(minutes):
            schedule_at(datetime(2026, 10, day, 8, minute, tzinfo=UTC), title=f"Pin {day} {minute}")
    bulk_pins(workspace, offline_account, offline_board, 6, start=datetime(2026, 10, 14, 7, 0, tzinfo=UTC),
              published_at=datetime(2026, 10, 14, 9, 30, tzinfo=UTC))
    client, month = login(cast.editor), "/app/calendar/?view=month&date=2026-10-01"

    def calendar_table() -> str:
        html = client.get(month).content.decode()
        return html[html.index('<table class="calendar'):html.index("</table>")]

    one_pass, one_pass_queries = calendar_table(), queries_to_render(client, month)
    monkeypatch.setattr(calendar_views, "BUSY_MONTH", 0)
    assert calendar_table() == one_pass and "+8 more<" in day_cell(one_pass, "2026-10-14")
    assert queries_to_render(client, month) == one_pass_queries
