"""The accounts page never waits for Pinterest to list boards: the refresh button asks a job, the page
shows the stored boards with "refreshing…" (polling until the job's outcome is in the database), and
what must stay in the request (creating a board) is cut short by the request's Pinterest deadline.

Pinterest is the built-in sandbox over real HTTP; a counting stand-in (tests/pinterest_stand_in.py)
takes its place while the request runs, to prove the request itself calls nothing."""

import threading

import httpx
import pytest

from pinterest_sandbox import faults
from publishing import tasks
from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import Board, PinterestAccount
from publishing.services.pinterest_access import pinterest_for
from tests import pinterest_stand_in as stand_ins
from tests.pipeline_fixtures import queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)
pinterest_stand_in = stand_ins.pinterest_stand_in
hanging_pinterest = stand_ins.hanging_pinterest

REFRESH_JOB = "publishing.tasks.refresh_boards"


def test_the_refresh_button_shows_the_stored_boards_while_a_job_refreshes_them(cast, login, account, settings,
                                                                                pinterest_stand_in):
    with pinterest_for(account) as pinterest:  # made on Pinterest, not yet in Pinboard's cache
        pinterest.board_create(name="Made on Pinterest")
    sandbox_api, settings.SANDBOX_PINTEREST_API_BASE = settings.SANDBOX_PINTEREST_API_BASE, pinterest_stand_in.url
    client = login(cast.admin)
    url = f"/app/accounts/{account.public_id}/boards/refresh"

    asked = client.post(url, HTTP_HX_REQUEST="true")
    html = asked.content.decode()
    assert asked.status_code == 200 and "Refreshing the boards from Pinterest" in html
    assert f'hx-get="{url}"' in html and "Made on Pinterest" not in html
    assert pinterest_stand_in.requests == 0, "the request called Pinterest"
    assert [args for args, _ in queued_jobs(REFRESH_JOB)] == [(account.pk,)]
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 204  # still refreshing: the poll goes on
    reloaded = client.get("/app/accounts/").content.decode()
    assert "Refreshing the boards from Pinterest" in reloaded and "Refresh boards" not in reloaded

    settings.SANDBOX_PINTEREST_API_BASE = sandbox_api
    assert tasks.refresh_boards(account.pk) == "4 boards"
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Retarget"] == "#accounts-area" and done["HX-Reswap"] == "outerHTML"
    assert "Made on Pinterest" in done.content.decode() and "Refreshing the boards" not in done.content.decode()
    assert pinterest_stand_in.requests == 0


def test_a_refresh_that_fails_says_why_and_keeps_the_stored_boards(cast, login, account, settings, board,
                                                                   pinterest_stand_in):
    settings.SANDBOX_PINTEREST_API_BASE = pinterest_stand_in.url
    client = login(cast.admin)
    url = f"/app/accounts/{account.public_id}/boards/refresh"
    client.post(url, HTTP_HX_REQUEST="true")

    assert tasks.refresh_boards(account.pk) == "failed: pinterest_unavailable"
    assert pinterest_stand_in.requests == 1  # the job's call, not the request's
    outcome = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "The boards could not be refreshed" in outcome and "Stand-in: unavailable." in outcome
    assert board.name in outcome and "Refresh boards" in outcome  # the stored list, and the button again


def test_creating_a_board_while_pinterest_hangs_is_an_inline_error_within_the_deadline(cast, login, account, settings,
                                                                                        hanging_pinterest):
    settings.SANDBOX_PINTEREST_API_BASE = hanging_pinterest.url
    settings.PINTEREST_TIMEOUT_SECONDS = 300.0  # a job's patience: the request must not borrow it
    settings.PINTEREST_REQUEST_TIMEOUT_SECONDS = 1.0
    client = login(cast.admin)
    answers = []
    request = threading.Thread(daemon=True, target=lambda: answers.append(client.post(
        f"/app/accounts/{account.public_id}/boards/create", {"name": "Garden", "privacy": "PUBLIC"},
        HTTP_HX_REQUEST="true")))
    request.start()
    request.join(timeout=60)  # a guard, not a measurement: without the deadline the request waits 300 s
    assert not request.is_alive(), "the request is still waiting for Pinterest"
    html = answers[0].content.decode()
    assert answers[0].status_code == 422 and "Pinterest did not answer" in html
    assert hanging_pinterest.requests == 1


def test_boards_pinterest_failed_to_list_when_connecting_are_fetched_by_a_job(cast, login, sandbox, workspace):
    faults.inject(endpoint="boards.list", status=500, times=1)
    client = login(cast.admin)
    start = client.post("/app/accounts/connect")
    with httpx.Client(follow_redirects=False, timeout=20) as browser:
        code, state = sandbox_authorize(start.url, http=browser)
    client.get(f"/app/accounts/oauth/callback?code={code}&state={state}")
    account = PinterestAccount.objects.get(workspace=workspace)
    assert account.boards_synced_at is None and not Board.objects.for_account(account).exists()
    assert [args for args, _ in queued_jobs(REFRESH_JOB)] == [(account.pk,)]

    assert tasks.refresh_boards(account.pk) == "3 boards"


def test_a_refresh_whose_job_never_ran_stops_saying_refreshing(cast, login, account, settings):
    import time_machine
    from django.utils import timezone

    client = login(cast.admin)
    url = f"/app/accounts/{account.public_id}/boards/refresh"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(url, HTTP_HX_REQUEST="true")  # its job is never run: lost, or its worker died
        clock.shift(4 * 60)
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 204  # still within its time
        clock.shift(2 * 60)
        outcome = client.get(url, HTTP_HX_REQUEST="true")
    html = outcome.content.decode()
    assert outcome.status_code == 200 and "The refresh did not finish; try again." in html
    assert "Refresh boards" in html and "Refreshing the boards from Pinterest" not in html


def test_a_refresh_job_that_crashes_still_ends_the_refreshing(cast, login, account):
    from unittest import mock

    client = login(cast.admin)
    url = f"/app/accounts/{account.public_id}/boards/refresh"
    client.post(url, HTTP_HX_REQUEST="true")
    with (mock.patch("publishing.services.boards.boards_refresh", side_effect=RuntimeError("a bug")),
          pytest.raises(RuntimeError)):
        tasks.refresh_boards(account.pk)  # the job fails, as a bug should make it
    outcome = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "The refresh did not finish; try again." in outcome and "Refresh boards" in outcome
