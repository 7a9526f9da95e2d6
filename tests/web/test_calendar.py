"""The calendar: month and week views in the workspace's zone, and rescheduling."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import PinStatus, Schedule
from publishing.services.schedules import schedule_create
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


def test_the_calendar_runs_a_constant_number_of_queries(cast, login, schedule_at):
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
