"""Compose's "Add to queue": each press schedules the pin at the account's next free posting slot
(through the queue service), a form sent twice is queued once, no slots is an inline error."""

from datetime import UTC, datetime

import time_machine

from publishing.access import Actor
from publishing.models import Schedule
from publishing.services.posting_queue import posting_slots_set
from tests.web.test_compose import form_data, image  # noqa: F401 - the image fixture


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@time_machine.travel(utc("2026-11-30T10:00:00"), tick=True)  # Monday, 11:00 in Paris
def test_three_adds_fill_the_next_three_slots_in_order(cast, login, workspace, offline_account, offline_board,
                                                       image):  # noqa: F811
    posting_slots_set(actor=Actor.for_user(cast.admin, workspace), account=offline_account,
                      slots=[{"weekday": 2, "time": "07:30"}, {"weekday": 0, "time": "16:00"},
                             {"weekday": 4, "time": "12:00"}])
    client = login(cast.editor)
    targets = []
    for n in (1, 2, 3):
        answer = client.post("/app/compose/", {**form_data(offline_account, offline_board, image, title=f"Queued {n}",
                                                           idempotency_key=f"dashboard:q{n}"),
                                               "add_to_queue": "1"})
        assert answer.status_code == 302, answer.content.decode()[:2000]
        targets.append(answer.url)
    made = list(Schedule.objects.order_by("run_at").values_list("title", "run_at"))
    assert made == [("Queued 1", utc("2026-11-30T15:00:00")),  # Monday 16:00 Paris
                    ("Queued 2", utc("2026-12-02T06:30:00")),  # Wednesday 07:30
                    ("Queued 3", utc("2026-12-04T11:00:00"))]  # Friday 12:00
    assert targets[0].startswith("/app/calendar/?view=week&date=2026-11-30#schedule-")
    again = client.post("/app/compose/", {**form_data(offline_account, offline_board, image, title="Queued 3",
                                                      idempotency_key="dashboard:q3"), "add_to_queue": "1"})
    assert again.status_code == 302 and again.url == targets[2] and Schedule.objects.count() == 3


def test_an_account_without_slots_is_an_inline_error(cast, login, offline_account, offline_board, image):  # noqa: F811
    answer = login(cast.editor).post("/app/compose/", {**form_data(offline_account, offline_board, image),
                                                       "add_to_queue": "1"})
    assert answer.status_code == 422
    assert "no posting slots" in answer.content.decode() and not Schedule.objects.exists()
