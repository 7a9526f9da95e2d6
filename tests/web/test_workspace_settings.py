"""The workspace settings page (admins): the time zone (an IANA select; schedules keep their UTC
instant and the page says so), the approval rules (the team's form, coming back here) and each
account's posting slots, with inline errors; the overview names the zone and links here; the
calendar shows queued pins in their slots and the open slots."""

from datetime import UTC, datetime

import pytest
import time_machine

from publishing.access import Actor
from publishing.models import PostingSlot, Team, Workspace
from publishing.services.posting_queue import posting_slots_set, queue_add
from tests.pipeline_fixtures import pin_payload


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_only_admins_reach_the_page(cast, login):
    assert login(cast.admin).get("/app/settings/").status_code == 200
    for role in ("manager", "editor", "viewer"):
        assert login(cast.by_role(role)).get("/app/settings/").status_code == 403
    assert login(cast.manager).post("/app/settings/time-zone", {"time_zone": "UTC"}).status_code == 403


def test_changing_the_time_zone_keeps_schedules_in_utc_and_says_so(cast, login, workspace, offline_account,
                                                                  offline_board):
    manager = Actor.for_user(cast.manager, workspace)
    payload = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    with time_machine.travel(utc("2026-11-30T10:00:00"), tick=False):
        posting_slots_set(actor=Actor.for_user(cast.admin, workspace), account=offline_account,
                          slots=[{"weekday": 1, "time": "09:00"}])
        queued = queue_add(actor=manager, data=payload)
        client = login(cast.admin)
        page = client.get("/app/settings/").content.decode()
        assert '<option value="Europe/Paris" selected>' in page and "keeps its moment in UTC" in page
        answer = client.post("/app/settings/time-zone", {"time_zone": "America/New_York"}, follow=True)
        text = answer.content.decode()
        assert "The time zone is now America/New_York" in text and "keep their moment in UTC" in text
        assert Workspace.objects.get(pk=workspace.pk).timezone == "America/New_York"
        queued.refresh_from_db()
        assert queued.run_at == utc("2026-12-01T08:00:00")
        week = client.get("/app/calendar/?view=week&date=2026-12-01").content.decode()
        assert ">03:00<" in week, "shown at its New York time (08:00 UTC)"
        assert "Times in America/New_York" in week


@pytest.mark.parametrize("value", ["Mars/Olympus", "", "Europe/Paris\x00", "europe/paris"])
def test_a_bad_time_zone_is_an_inline_error(cast, login, workspace, value):
    answer = login(cast.admin).post("/app/settings/time-zone", {"time_zone": value})
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.content.decode() and "field-error" in answer.content.decode()
    assert Workspace.objects.get(pk=workspace.pk).timezone == "Europe/Paris"


def test_slots_are_saved_and_a_bad_time_is_named_inline(cast, login, offline_account):
    client = login(cast.admin)
    prefix = f"slots-{offline_account.public_id}"
    saved = client.post(f"/app/settings/accounts/{offline_account.public_id}/slots",
                        {f"{prefix}-day_0": "09:00, 18:30", f"{prefix}-day_4": "12:15"}, follow=True)
    assert saved.status_code == 200 and "Saved the posting slots" in saved.content.decode()
    assert sorted(PostingSlot.objects.values_list("weekday", "local_time__hour")) == [(0, 9), (0, 18), (4, 12)]
    assert 'value="09:00, 18:30"' in saved.content.decode()
    refused = client.post(f"/app/settings/accounts/{offline_account.public_id}/slots",
                          {f"{prefix}-day_2": "25:00"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "“25:00” is not a time" in html and 'aria-invalid="true"' in html
    assert PostingSlot.objects.count() == 3, "nothing changed"
    assert login(cast.manager).post(f"/app/settings/accounts/{offline_account.public_id}/slots",
                                    {f"{prefix}-day_0": "10:00"}).status_code == 403


def test_another_teams_account_is_a_404(cast, login, offline_account):
    assert login(cast.outsider).post(f"/app/settings/accounts/{offline_account.public_id}/slots",
                                     {}).status_code == 404


def test_the_approval_rules_saved_here_come_back_here(cast, login):
    answer = login(cast.admin).post("/app/team/settings", {"next": "workspace_settings",
                                                           "editor_pins_need_approval": "on",
                                                           "approval_steps": "two_managers"})
    assert answer.status_code == 302 and answer["Location"] == "/app/settings/"
    assert Team.objects.get(pk=cast.team.pk).approval_steps == "two_managers"


def test_the_overview_names_the_zone_and_where_to_change_it(cast, login):
    admin = login(cast.admin).get("/app/").content.decode()
    assert "times in Europe/Paris" in admin and 'href="/app/settings/#time-zone"' in admin
    viewer = login(cast.viewer).get("/app/").content.decode()
    assert "times in Europe/Paris" in viewer and "an admin can change it in Settings" in viewer


def test_the_calendar_shows_queued_pins_in_their_slots_and_the_open_slots(cast, login, workspace, offline_account,
                                                                        offline_board):
    payload = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    with time_machine.travel(utc("2026-11-30T10:00:00"), tick=False):  # Monday 11:00 in Paris
        posting_slots_set(actor=Actor.for_user(cast.admin, workspace), account=offline_account,
                          slots=[{"weekday": 1, "time": "09:00"}, {"weekday": 3, "time": "14:00"}])
        queued = queue_add(actor=Actor.for_user(cast.editor, workspace), data={**payload, "title": "First queued"})
        html = login(cast.viewer).get("/app/calendar/?view=week&date=2026-12-01").content.decode()
    tuesday = html.split('<time datetime="2026-12-01">')[1].split("</td>")[0]
    assert f'id="schedule-{queued.public_id}"' in tuesday and "In queue slot" in tuesday and ">09:00<" in tuesday
    thursday = html.split('<time datetime="2026-12-03">')[1].split("</td>")[0]
    assert "Open slot" in thursday and ">14:00<" in thursday
    assert "Open slot" not in html.split('<time datetime="2026-11-30">')[1].split("</td>")[0]
