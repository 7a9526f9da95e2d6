"""Bulk reschedule in the dashboard: the calendar's "Move the ticked schedules" and the pins list's
"Retry ticked at this time", through schedule_bulk_reschedule and pin_bulk_retry; role-aware; bad
input inline; the same queries for 1 or 20 items."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Pin, PinStatus, Schedule
from publishing.services.pins import pin_bulk_retry
from publishing.services.schedules import schedule_create
from tests.pipeline_fixtures import pin_payload
from tests.web.helpers import bulk_pins, queries_to_render

HTMX = {"HTTP_HX_REQUEST": "true"}
YEAR = timezone.now().year + 1
WEEK = f"/app/calendar/?view=week&date={YEAR}-07-15"
MOVE = f"/app/calendar/reschedule?view=week&date={YEAR}-07-15"


@pytest.fixture
def schedule_at(cast, workspace, offline_account, offline_board):
    def create(run_at: datetime, title="Planned pin") -> Schedule:
        payload = {k: v for k, v in pin_payload(offline_account, offline_board, title=title).items()
                   if k != "idempotency_key"}
        return schedule_create(actor=Actor.for_user(cast.editor, workspace), data={**payload, "run_at": run_at})

    return create


def summary(html: str) -> str:
    match = re.search(r'<div id="bulk-summary".*?</div>', html, re.S)
    assert match, html[:3000]
    return re.sub(r"\s+", " ", match.group(0))


# --- the calendar -----------------------------------------------------------------------------


def test_an_editor_moves_the_ticked_schedules_by_days_and_reads_one_line_each(cast, login, schedule_at):
    first = schedule_at(datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC), title="Monday pin")
    second = schedule_at(datetime(YEAR, 7, 14, 8, 0, tzinfo=UTC), title="Tuesday pin")
    started = schedule_at(datetime(YEAR, 7, 15, 8, 0, tzinfo=UTC), title="Started pin")
    Schedule.objects.filter(pk=started.pk).update(own_status="queued")
    client = login(cast.editor)
    page = client.get(WEEK).content.decode()
    assert 'id="schedule-bulk"' in page and f'value="{first.public_id}" form="schedule-bulk"' in page
    assert f'value="{started.public_id}" form="schedule-bulk"' not in page  # only upcoming ones get a box
    ids = [str(s.public_id) for s in (first, second, started)] + ["not-an-id"]
    response = client.post(MOVE, {"action": "move_by", "shift_days": "2", "ids": ids}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="calendar-results"')
    text = summary(html)
    assert "Moved 2 schedules." in text and "1 skipped" in text and "1 refused" in text
    assert "“Started pin”: skipped: This schedule is queued; only scheduled ones can be edited." in text
    assert "Schedule not found." in text
    assert 'data-focus-after-swap' in text and 'role="status"' in text  # focus goes to the summary
    assert Schedule.objects.get(pk=first.pk).run_at == datetime(YEAR, 7, 15, 8, 0, tzinfo=UTC)
    assert Schedule.objects.get(pk=second.pk).run_at == datetime(YEAR, 7, 16, 8, 0, tzinfo=UTC)


def test_moving_to_one_time_in_the_team_zone(cast, login, schedule_at):
    schedule = schedule_at(datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC))
    text = summary(login(cast.manager).post(MOVE, {"action": "move_to", "run_at": f"{YEAR}-07-17T18:15",
                                                   "ids": [str(schedule.public_id)]}, **HTMX).content.decode())
    assert "Moved 1 schedule." in text
    assert Schedule.objects.get(pk=schedule.pk).run_at == datetime(YEAR, 7, 17, 16, 15, tzinfo=UTC)  # Paris, UTC+2


def test_a_viewer_gets_no_checkboxes_and_no_move_form(cast, login, schedule_at):
    schedule = schedule_at(datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC))
    html = login(cast.viewer).get(WEEK).content.decode()
    assert "schedule-bulk" not in html and 'name="ids"' not in html and "Move ticked" not in html
    assert login(cast.viewer).post(MOVE, {"action": "move_by", "shift_days": "1",
                                          "ids": [str(schedule.public_id)]}).status_code == 403
    assert Schedule.objects.get(pk=schedule.pk).run_at == datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "move_by", "shift_days": "1"}, "Tick at least one schedule first."),
    ({"action": "move_to", "run_at": ""}, "Choose the date and time to move them to."),
    ({"action": "move_to", "run_at": f"{YEAR}-13-45T25:00"}, "Enter a valid date/time."),
    ({"action": "move_to", "run_at": "2001-01-01T10:00"}, "must be in the future"),
    ({"action": "move_to", "run_at": f"{YEAR}-10-{31 - (datetime(YEAR, 10, 31).weekday() + 1) % 7:02d}T02:30"},
     "happens twice in Europe/Paris"),
    ({"action": "move_by", "shift_days": "soon"}, "Enter a whole number."),
    ({"action": "move_by", "shift_days": "0"}, "Move by 1 to 366 days"),
    ({"action": "move_by", "shift_days": "99999999999999999999"}, "Move by 1 to 366 days"),
    ({"action": "explode"}, "Select a valid choice."),
])
def test_bad_input_is_an_inline_error_not_a_500(cast, login, schedule_at, data, message):
    schedule = schedule_at(datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC))
    ids = [] if "Tick" in message else [str(schedule.public_id)]
    response = login(cast.editor).post(MOVE, {**data, "ids": ids}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and 'id="bulk-error"' in html and message in html, html[:3000]
    assert Schedule.objects.get(pk=schedule.pk).run_at == datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC)


def test_the_calendar_with_move_controls_runs_the_same_queries_for_1_or_20_schedules(cast, login, schedule_at):
    client = login(cast.editor)
    schedule_at(datetime(YEAR, 7, 13, 8, 0, tzinfo=UTC))
    one = queries_to_render(client, WEEK)
    for n in range(19):
        schedule_at(datetime(YEAR, 7, 14 + n % 5, 9, n, tzinfo=UTC))
    html = client.get(WEEK).content.decode()
    assert html.count('form="schedule-bulk"') == 20
    assert queries_to_render(client, WEEK) == one


# --- the pins list: "Retry ticked at this time" -----------------------------------------------


def test_a_manager_retries_failed_pins_at_a_chosen_time(cast, login, workspace, offline_account, offline_board):
    failed = bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED, error_code="boom")
    [published] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED,
                            title="Already out")
    client = login(cast.manager)
    assert "Retry ticked at this time" in client.get("/app/pins/").content.decode()
    ids = [str(pin.public_id) for pin in (*failed, published)]
    response = client.post("/app/pins/bulk?status=failed",
                           {"action": "retry_at", "run_at": f"{YEAR}-07-14T09:30", "ids": ids}, **HTMX)
    assert response.status_code == 200
    text = summary(response.content.decode())
    assert "Requeued 2 pins." in text and "1 skipped" in text and "“Already out”: skipped: " in text
    assert f"They publish at <time datetime=\"{YEAR}-07-14T09:30:00+02:00\">" in text
    at = datetime(YEAR, 7, 14, 7, 30, tzinfo=UTC)
    assert {(p.status, p.next_attempt_at) for p in Pin.objects.filter(pk__in=[p.pk for p in failed])} == {
        (PinStatus.QUEUED, at)}
    row = client.get(f"/app/pins/{failed[0].public_id}/row").content.decode()
    assert "publishes at" in row and f"14 Jul {YEAR}, 09:30" in row and 'every 30s' in row


def test_retry_at_is_offered_only_to_who_may_retry(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    for member in (cast.viewer, cast.editor):
        assert "Retry ticked at this time" not in login(member).get("/app/pins/").content.decode()
        assert login(member).post("/app/pins/bulk", {"action": "retry_at", "run_at": f"{YEAR}-07-14T09:30",
                                                     "ids": [str(pin.public_id)]}).status_code == 403
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.FAILED


@pytest.mark.parametrize(("run_at", "message"), [
    ("", "Choose the date and time to retry at."),
    ("not a time", "Enter a valid date/time."),
    ("2001-01-01T10:00", "must be in the future"),
    (f"{YEAR}-03-{31 - (datetime(YEAR, 3, 31).weekday() + 1) % 7:02d}T02:30", "does not exist in Europe/Paris"),
    ("0001-01-01T00:30", "must be in the future"),  # east of UTC: before year 1 in UTC, not a 500
])
def test_a_bad_retry_time_is_an_inline_error(cast, login, workspace, offline_account, offline_board, run_at, message):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    response = login(cast.manager).post("/app/pins/bulk", {"action": "retry_at", "run_at": run_at,
                                                           "ids": [str(pin.public_id)]}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and 'id="bulk-error"' in html and message in html, html[:3000]
    assert 'id="bulk-run-at" value=' in html and 'aria-invalid="true"' in html
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.FAILED


def test_a_half_typed_retry_time_does_not_block_a_plain_retry(cast, login, workspace, offline_account,
                                                              offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    response = login(cast.manager).post("/app/pins/bulk", {"action": "retry", "run_at": "2026-0",
                                                           "ids": [str(pin.public_id)]}, **HTMX)
    assert response.status_code == 200 and Pin.objects.get(pk=pin.pk).status == PinStatus.QUEUED


def test_the_list_of_pins_retried_for_later_runs_the_same_queries_for_1_or_20(cast, login, workspace,
                                                                              offline_account, offline_board):
    client = login(cast.manager)
    later = timezone.now() + timedelta(days=2)
    pins = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    pin_bulk_retry(actor=Actor.for_user(cast.manager, workspace), pin_ids=[p.public_id for p in pins], at=later)
    one = queries_to_render(client, "/app/pins/")
    pins = bulk_pins(workspace, offline_account, offline_board, 19, status=PinStatus.FAILED)
    pin_bulk_retry(actor=Actor.for_user(cast.manager, workspace), pin_ids=[p.public_id for p in pins], at=later)
    assert client.get("/app/pins/").content.decode().count("publishes at") == 20
    assert queries_to_render(client, "/app/pins/") == one
