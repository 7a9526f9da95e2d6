"""Collecting Pinterest analytics for a production account, against the sandbox over real HTTP:
what is stored, idempotency, backfill on connect, publishing first, failures, calls per run."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ

from pinterest_sandbox import faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import Pin as SandboxPin
from pinterest_sandbox.services.accounts import sandbox_user_create
from pinterest_sandbox.services.analytics import pin_day_counts
from publishing.models import (
    AccountDailyMetric,
    AnalyticsCollectionRun,
    AuditEvent,
    Pin,
    PinDailyMetric,
    PinStatus,
    PinterestAccount,
)
from publishing.services import analytics_collection as collection
from publishing.services.analytics_collection import collect_account, pinterest_today
from publishing.services.errors import RateLimited, ValidationError
from publishing.services.operations import PERIODIC_TASKS
from publishing.services.pacing import pacing_take
from publishing.services.pins import pin_removed_from_pinterest_mark
from tests.services.analytics.conftest import connect, published_pin

pytestmark = pytest.mark.django_db(transaction=True)
Run = AnalyticsCollectionRun


def queued_tasks() -> list[tuple[str, tuple]]:
    """The analytics jobs waiting in the queue, oldest first."""
    tasks = (row.task for row in OrmQ.objects.order_by("id"))
    return [(task["func"], task["args"]) for task in tasks if task["func"] == collection.TASK]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_a_backfill_stores_90_days_of_the_account_and_each_pins_days_since_published(production_account):
    young, older = published_pin(production_account, days_ago=2), published_pin(production_account, days_ago=10)

    run = collect_account(production_account, kind=Run.Kind.BACKFILL)

    today = pinterest_today()
    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.SUCCEEDED, 3, 2)  # 1 account + 2 pins
    assert (run.start_date, run.end_date) == (today - timedelta(days=90), today)
    account_days = AccountDailyMetric.objects.filter(account=production_account).order_by("date")
    assert account_days.count() == 91 and account_days.last().data_status == "PROCESSING"
    assert {row.data_status for row in account_days[:90]} == {"READY"}
    assert PinDailyMetric.objects.filter(pin=young).count() == 3
    assert PinDailyMetric.objects.filter(pin=older).count() == 11
    # The stored figures are Pinterest's (the sandbox's), metric by metric; an image pin has no video views.
    remote = SandboxPin.objects.get(pinterest_id=older.pinterest_pin_id)
    yesterday = PinDailyMetric.objects.get(pin=older, date=today - timedelta(days=1))
    expected = pin_day_counts(remote, yesterday.date, now=sandbox_now())
    assert (yesterday.impressions, yesterday.saves, yesterday.pin_clicks, yesterday.outbound_clicks) == (
        expected["IMPRESSION"], expected["SAVE"], expected["PIN_CLICK"], expected["OUTBOUND_CLICK"])
    assert yesterday.video_views is None and yesterday.data_status == "READY"
    day_total = account_days.get(date=yesterday.date).impressions
    assert day_total == sum(PinDailyMetric.objects.filter(date=yesterday.date).values_list("impressions", flat=True))


def test_running_again_duplicates_nothing_and_asks_only_for_what_is_not_final(production_account, noon,
                                                                              django_assert_max_num_queries):
    pins = [published_pin(production_account, days_ago=days) for days in (1, 5, 20)]
    collect_account(production_account, kind=Run.Kind.BACKFILL)
    rows = (AccountDailyMetric.objects.count(), PinDailyMetric.objects.count())
    settled = PinDailyMetric.objects.get(pin=pins[2], date=pinterest_today() - timedelta(days=3)).collected_at

    same_day = collect_account(production_account)
    assert (same_day.outcome, same_day.calls) == (Run.Outcome.SUCCEEDED, 0)  # each collected once a day

    noon.shift(timedelta(days=1))
    with django_assert_max_num_queries(25):
        next_day = collect_account(production_account)

    today = pinterest_today()
    assert (next_day.outcome, next_day.calls, next_day.pins_collected) == (Run.Outcome.SUCCEEDED, 4, 3)
    assert next_day.start_date == today - timedelta(days=1)  # yesterday was PROCESSING, asked again
    # One new day for the account and each pin: upserted, nothing duplicated (unique constraints hold).
    assert (AccountDailyMetric.objects.count(), PinDailyMetric.objects.count()) == (rows[0] + 1, rows[1] + 3)
    assert PinDailyMetric.objects.get(pin=pins[0], date=today - timedelta(days=1)).data_status == "READY"
    assert PinDailyMetric.objects.get(pin=pins[2], date=today - timedelta(days=4)).collected_at == settled


def test_connecting_an_account_enqueues_its_backfill_in_production_and_sandbox_workspaces_alike(
        noon, production_pinterest, production_workspace, cast):
    account = connect(production_workspace, cast.admin)
    assert queued_tasks() == [(collection.TASK, (account.pk, Run.Kind.BACKFILL))]

    from publishing.tasks import collect_account_analytics
    assert collect_account_analytics(account.pk, Run.Kind.BACKFILL).startswith("succeeded: 1 calls")


def test_a_sandbox_workspace_is_collected_from_the_built_in_sandbox_like_production(
        noon, production_pinterest, cast):
    OrmQ.objects.all().delete()
    account = connect(cast.team.workspaces.get(environment="sandbox"), cast.admin)
    assert queued_tasks() == [(collection.TASK, (account.pk, Run.Kind.BACKFILL))]
    pin = published_pin(account, days_ago=5)

    run = collect_account(account, kind=Run.Kind.BACKFILL)

    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.SUCCEEDED, 2, 1)
    assert AccountDailyMetric.objects.filter(account=account).count() == 91
    remote = SandboxPin.objects.get(pinterest_id=pin.pinterest_pin_id)
    day = PinDailyMetric.objects.get(pin=pin, date=pinterest_today() - timedelta(days=1))
    assert day.impressions == pin_day_counts(remote, day.date, now=sandbox_now())["IMPRESSION"] > 0
    # The periodic job and the publishing-first rule treat it like any account.
    slot = collection.collection_slot(account, datetime.now(tz=UTC))
    assert account in collection.accounts_due(now=slot + timedelta(days=1))
    queued = published_pin(account, days_ago=0)
    type(queued).objects.filter(pk=queued.pk).update(status=PinStatus.QUEUED)
    assert collect_account(account).outcome == Run.Outcome.DEFERRED
    with pytest.raises(RateLimited):
        collection.fetch_live(account, start=pinterest_today(), end=pinterest_today(), metrics=["save"])


def test_collection_waits_while_publishing_needs_the_budget(production_account, subtests):
    with subtests.test("a publish backlog defers the run without a call"):
        pin = published_pin(production_account, days_ago=1)
        queued = published_pin(production_account, days_ago=0)
        type(queued).objects.filter(pk=queued.pk).update(status=PinStatus.QUEUED)
        run = collect_account(production_account)
        assert (run.outcome, run.calls) == (Run.Outcome.DEFERRED, 0)
        assert "waiting to publish" in run.error
        assert queued_tasks()[-1] == (collection.TASK, (production_account.pk, Run.Kind.DAILY))
        type(queued).objects.filter(pk=queued.pk).update(status=PinStatus.PUBLISHED)
    with subtests.test("a bucket publishing drained defers it too"):
        for _ in range(30):
            pacing_take(account=production_account)
        run = collect_account(production_account)
        assert (run.outcome, run.calls) == (Run.Outcome.DEFERRED, 0)
        assert "publishing budget" in run.error
        with pytest.raises(RateLimited):
            collection.fetch_live(production_account, start=pinterest_today(), end=pinterest_today(), pin=pin,
                                  metrics=["save"])


def test_only_pins_about_to_publish_hold_collection_back(production_account):
    awaiting_approval = published_pin(production_account, days_ago=0)
    later = published_pin(production_account, days_ago=0)
    type(later).objects.filter(pk=awaiting_approval.pk).update(status=PinStatus.QUEUED, approval_state="pending")
    type(later).objects.filter(pk=later.pk).update(status=PinStatus.DEFERRED,
                                                   next_attempt_at=datetime.now(tz=UTC) + timedelta(hours=2))
    assert collect_account(production_account).outcome == Run.Outcome.SUCCEEDED
    type(later).objects.filter(pk=later.pk).update(next_attempt_at=datetime.now(tz=UTC) + timedelta(minutes=2))
    assert collection.publishing_needs_budget(production_account) == "pins are waiting to publish"


def test_a_low_pinterest_budget_stops_the_run_part_way_and_the_next_one_continues(production_account, noon,
                                                                                 settings):
    settings.SANDBOX_ANALYTICS_RATE_LIMIT_PER_MINUTE = 10  # stop once fewer than 2 remain: after 9 calls
    pins = [published_pin(production_account, days_ago=n + 1) for n in range(12)]
    noon.move_to(datetime.now(tz=UTC).replace(second=1))  # every call in one rate-limit window

    first = collect_account(production_account)

    assert (first.outcome, first.calls, first.pins_collected) == (Run.Outcome.DEFERRED, 9, 8)
    assert "budget is low (1 of 10 left)" in first.error
    assert queued_tasks()[-1] == (collection.TASK, (production_account.pk, Run.Kind.DAILY))
    noon.shift(timedelta(seconds=60))
    second = collect_account(production_account)
    assert (second.outcome, second.calls, second.pins_collected) == (Run.Outcome.SUCCEEDED, 4, 4)
    assert set(PinDailyMetric.objects.values_list("pin_id", flat=True)) == {pin.pk for pin in pins}


def test_a_run_hands_its_worker_back_after_its_time_slice(production_account, monkeypatch):
    published_pin(production_account, days_ago=1)
    monkeypatch.setattr(collection, "RUN_SECONDS", 0.0)
    run = collect_account(production_account)
    assert (run.outcome, run.calls) == (Run.Outcome.DEFERRED, 1) and "Time slice" in run.error
    monkeypatch.setattr(collection, "RUN_SECONDS", 30.0)
    assert (collect_account(production_account).calls, PinDailyMetric.objects.count()) == (1, 2)


def test_a_429_stops_the_run_keeps_what_it_got_and_retries_after_pinterests_reset(production_account):
    published_pin(production_account, days_ago=3)
    published_pin(production_account, days_ago=4)
    faults.rate_limit_burst(endpoint="pins.analytics", reset_seconds=120)
    before = datetime.now(tz=UTC)

    run = collect_account(production_account)

    assert (run.outcome, run.calls) == (Run.Outcome.DEFERRED, 2)  # the account, then the 429
    assert "429" in run.error
    assert AccountDailyMetric.objects.filter(account=production_account).count() == 91
    func, args = queued_tasks()[-1]
    assert (func, args) == (collection.TASK, (production_account.pk, Run.Kind.DAILY))
    due = OrmQ.objects.order_by("id").last().lock
    assert due >= before + timedelta(seconds=120)
    assert collection.accounts_due(now=before + timedelta(days=1, minutes=1)) == [production_account]


def test_failures_are_recorded_not_raised(production_account, subtests):
    with subtests.test("Pinterest down"):
        faults.server_error(endpoint="user_account.analytics")
        run = collect_account(production_account)
        assert (run.outcome, run.calls) == (Run.Outcome.FAILED, 1)
        assert run.error.startswith("pinterest_unavailable")
        assert collection.accounts_due() == []  # not retried before the backoff
    with subtests.test("access revoked: reconnect required, then skipped"):
        faults.revoke_token(username=production_account.username)
        run = collect_account(production_account)
        assert run.outcome == Run.Outcome.FAILED and "reconnect" in run.error
        production_account.refresh_from_db()
        assert production_account.reconnect_required
        assert collect_account(production_account) is None


def test_a_pin_deleted_on_pinterest_is_marked_removed_and_no_longer_followed(production_account, noon):
    gone, kept = published_pin(production_account, days_ago=2), published_pin(production_account, days_ago=3)
    SandboxPin.objects.filter(pinterest_id=gone.pinterest_pin_id).delete()
    run = collect_account(production_account)
    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.SUCCEEDED, 3, 1)
    assert "1 pin(s) not found" in run.error
    assert set(PinDailyMetric.objects.values_list("pin_id", flat=True)) == {kept.pk}
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.removed_from_pinterest_at is not None and gone.deleted_at is None  # the record stays
    assert kept.removed_from_pinterest_at is None
    removals = AuditEvent.objects.filter(action="pin.removed_from_pinterest")
    assert [(event.target_type, event.target_id, event.workspace_id, event.details) for event in removals] == [
        ("pin", str(gone.public_id), gone.workspace_id, {"pinterest_pin_id": gone.pinterest_pin_id})]
    assert pin_removed_from_pinterest_mark(pin_id=gone.pk) is False  # once: a second 404 records nothing
    assert removals.count() == 1

    noon.shift(timedelta(days=1))
    next_day = collect_account(production_account)
    assert (next_day.outcome, next_day.calls, next_day.pins_collected, next_day.error) == (
        Run.Outcome.SUCCEEDED, 2, 1, "")  # the account and the pin still there: the gone one is not asked for


def test_a_pin_pinterest_refuses_403_is_recorded_not_marked_removed(production_account, noon):
    refused = published_pin(production_account, days_ago=2)
    faults.inject(endpoint="pins.analytics", status=403, times=1)
    run = collect_account(production_account)
    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.SUCCEEDED, 2, 0)
    assert "1 pin(s) refused by Pinterest (403" in run.error
    refused.refresh_from_db()
    assert refused.removed_from_pinterest_at is None

    noon.shift(timedelta(days=1))
    next_day = collect_account(production_account)
    assert (next_day.calls, next_day.pins_collected, next_day.error) == (2, 1, "")  # asked for again


def test_refusals_in_a_row_stop_the_run_instead_of_asking_for_every_pin(production_account, noon):
    """A withdrawn scope makes Pinterest refuse every pin: after REFUSALS_BEFORE_STOP refusals in a row
    the run stops (failed, backed off) rather than spending a call on each of the account's pins."""
    pins = [published_pin(production_account, days_ago=2 + n) for n in range(6)]
    faults.inject(endpoint="pins.analytics", status=403, times=None)
    run = collect_account(production_account)
    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.FAILED, 1 + collection.REFUSALS_BEFORE_STOP, 0)
    assert "refused the analytics of 3 pins in a row" in run.error and "reconnect" in run.error
    assert collection.accounts_due() == []  # backed off like any failed run
    assert not Pin.objects.filter(pk__in=[pin.pk for pin in pins]).exclude(removed_from_pinterest_at=None).exists()


def test_refusals_broken_by_an_answered_pin_do_not_stop_the_run(production_account, noon):
    """Pins that are no longer this account's are refused one by one (Pinterest's 403 for another
    user's pin): four of five, but never three in a row, so the run goes on and collects the fifth."""
    pins = [published_pin(production_account, days_ago=10 - n) for n in range(5)]  # asked oldest first
    elsewhere = sandbox_user_create(username="someone_else", boards=1).boards.get()
    refused = [pins[0], pins[1], pins[3], pins[4]]
    SandboxPin.objects.filter(pinterest_id__in=[pin.pinterest_pin_id for pin in refused]).update(board=elsewhere)
    run = collect_account(production_account)
    assert (run.outcome, run.calls, run.pins_collected) == (Run.Outcome.SUCCEEDED, 1 + 5, 1)
    assert "4 pin(s) refused" in run.error
    assert set(PinDailyMetric.objects.values_list("pin_id", flat=True)) == {pins[2].pk}


def test_a_run_finishing_hours_after_its_slot_does_not_make_the_next_day_fresh(production_account, noon):
    """A daily run deferred until 5 h after the account's slot, then the next day's run 19 h later:
    collected before that slot is not fresh, so the next day is not lost."""
    published_pin(production_account, days_ago=3)
    slot = collection.collection_slot(production_account, datetime.now(tz=UTC))
    noon.shift(slot + timedelta(days=1, hours=5) - datetime.now(tz=UTC))
    late = collect_account(production_account)
    assert (late.outcome, late.calls, late.pins_collected) == (Run.Outcome.SUCCEEDED, 2, 1)
    assert collect_account(production_account).calls == 0  # the same slot: each collected once

    noon.shift(timedelta(hours=19))  # the next slot has just passed
    assert collection.accounts_due(now=datetime.now(tz=UTC)) == [production_account]
    next_day = collect_account(production_account)
    assert (next_day.outcome, next_day.calls, next_day.pins_collected) == (Run.Outcome.SUCCEEDED, 2, 1)
    assert collection.accounts_due(now=datetime.now(tz=UTC)) == []


def test_accounts_due_reads_only_recent_runs(production_account):
    """The periodic job's one query is bounded to the runs of the last DUE_LOOKBACK (the index
    (account, -started_at) serves it), however many runs accumulate; older ones change nothing."""
    now = datetime.now(tz=UTC)
    for days in (3, 4, 5):
        Run.objects.create(account=production_account, kind=Run.Kind.DAILY, outcome=Run.Outcome.RUNNING,
                           start_date=pinterest_today(), end_date=pinterest_today(),
                           started_at=now - timedelta(days=days))
    with CaptureQueriesContext(connection) as queries:
        due = collection.accounts_due(now=now)
    assert due == [production_account]
    assert len(queries) == 1
    cutoff = (now - collection.DUE_LOOKBACK).replace(tzinfo=None)
    sql = queries[0]["sql"]
    assert "started_at" in sql and (cutoff.isoformat(" ") in sql or str(cutoff.date()) in sql), sql


def test_a_run_that_lost_its_worker_is_closed_as_failed_by_the_next(production_account):
    lost = Run.objects.create(account=production_account, kind=Run.Kind.DAILY, start_date=pinterest_today(),
                              end_date=pinterest_today(), started_at=datetime.now(tz=UTC) - timedelta(minutes=10))
    assert collect_account(production_account) is None  # one run at a time
    Run.objects.filter(pk=lost.pk).update(started_at=datetime.now(tz=UTC) - timedelta(hours=1))
    assert collect_account(production_account).outcome == Run.Outcome.SUCCEEDED
    lost.refresh_from_db()
    assert lost.outcome == Run.Outcome.FAILED and "Did not finish" in lost.error


def test_calls_count_every_request_on_the_wire_token_refresh_included(production_account):
    published_pin(production_account, days_ago=1)
    PinterestAccount.objects.filter(pk=production_account.pk).update(
        token_expires_at=datetime.now(tz=UTC) - timedelta(minutes=1))
    run = collect_account(production_account)
    assert (run.outcome, run.calls) == (Run.Outcome.SUCCEEDED, 3)  # the refresh, the account, the pin


def test_the_periodic_job_spreads_accounts_over_the_day_and_collects_each_once(production_account):
    slot = collection.collection_slot(production_account, datetime.now(tz=UTC))
    assert collection.accounts_due(now=slot - timedelta(seconds=1)) in ([], [production_account])
    assert collection.accounts_due(now=slot) == [production_account]
    assert collection.analytics_collect_due(now=slot) == 0  # its backfill, enqueued on connect, is pending
    cache.clear()
    assert collection.analytics_collect_due(now=slot) == 1
    assert collection.analytics_collect_due(now=slot) == 0  # enqueued once per sweep
    collect_account(production_account)
    assert collection.accounts_due(now=datetime.now(tz=UTC)) == []
    assert collection.accounts_due(now=slot + timedelta(days=1)) == [production_account]
    PinterestAccount.objects.filter(pk=production_account.pk).update(health_status="reconnect_required")
    assert collection.accounts_due(now=slot + timedelta(days=1)) == []
    assert ("pinboard: collect analytics", "publishing.tasks.collect_due_analytics", collection.SWEEP_MINUTES) in [
        (task.name, task.func, task.minutes) for task in PERIODIC_TASKS]


def test_daily_runs_follow_recent_pins_every_day_and_older_ones_on_their_weekday(production_account, noon):
    recent = [published_pin(production_account, days_ago=days) for days in (0.5, 3, 28)]
    older = [published_pin(production_account, days_ago=days) for days in range(35, 49)]  # 14 pins, 2 per weekday
    too_old = published_pin(production_account, days_ago=95)
    collect_account(production_account, kind=Run.Kind.BACKFILL)
    assert not PinDailyMetric.objects.filter(pin=too_old).exists()

    noon.shift(timedelta(days=1))
    run = collect_account(production_account)

    today = pinterest_today()
    weekly = [pin for pin in older if pin.pk % 7 == today.toordinal() % 7]
    assert len(weekly) == 2
    assert run.calls == 1 + len(recent) + len(weekly)  # the formula: 1 + N30 + N31_90 / 7
    assert run.pins_collected == len(recent) + len(weekly)


def test_fetch_live_checks_pinterests_limits_naming_the_field(production_account, subtests):
    pin = published_pin(production_account, days_ago=6)
    today = pinterest_today()
    cases = {
        "start_date": (today - timedelta(days=91), today),
        "end_date": (today - timedelta(days=90), today + timedelta(days=1)),
    }
    for field, (start, end) in cases.items():
        with subtests.test(field), pytest.raises(ValidationError) as raised:
            collection.fetch_live(production_account, start=start, end=end, metrics=["impression"])
        assert raised.value.field == field
    with subtests.test("start after end"), pytest.raises(ValidationError) as raised:
        collection.fetch_live(production_account, start=today, end=today - timedelta(days=1), metrics=["save"])
    assert raised.value.field == "start_date"
    with subtests.test("unknown metric"), pytest.raises(ValidationError) as raised:
        collection.fetch_live(production_account, start=today, end=today, metrics=["closeup"])
    assert raised.value.field == "metrics"
    with subtests.test("live figures are the stored ones"):
        days = collection.fetch_live(production_account, start=today - timedelta(days=3), end=today, pin=pin,
                                     metrics=["impression", "save", "video_view"])
        collect_account(production_account)
        stored = PinDailyMetric.objects.filter(pin=pin, date__gte=today - timedelta(days=3)).order_by("date")
        assert [(d.date, d.metrics["impression"], d.metrics["save"]) for d in days[:-1]] == [
            (row.date, row.impressions, row.saves) for row in stored][:-1]
        assert days[0].metrics["video_view"] is None and days[-1].data_status == "PROCESSING"
        account_days = collection.fetch_live(production_account, start=today, end=today, metrics=["impression"])
        assert len(account_days) == 1 and account_days[0].metrics["impression"] >= 0


def test_sandbox_workspaces_fetch_live_from_the_built_in_sandbox(noon, production_pinterest, cast):
    account = connect(cast.team.workspaces.get(environment="sandbox"), cast.admin)
    pin = published_pin(account, days_ago=3)
    yesterday = pinterest_today() - timedelta(days=1)
    days = collection.fetch_live(account, start=yesterday, end=yesterday, pin=pin, metrics=["save"])
    remote = SandboxPin.objects.get(pinterest_id=pin.pinterest_pin_id)
    assert [day.metrics["save"] for day in days] == [pin_day_counts(remote, yesterday, now=sandbox_now())["SAVE"]]
