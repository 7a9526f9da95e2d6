"""Bulk imports that meet trouble: a row failing unexpectedly, a job that cannot go on, a dead run
(lease and sweeper), and a creator who lost the right to import."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ImportJob, Membership, Pin
from publishing.services import queue
from publishing.services.imports import (
    LEASE,
    QUEUED_GRACE,
    RUN_TASK,
    pin_import_create,
    pin_import_run,
    pin_imports_requeue_due,
)
from publishing.services.keys import api_key_create, api_key_revoke
from publishing.services.teams import membership_remove
from publishing.tasks import sweep_pins
from tests.pipeline_fixtures import pin_payload, queued_jobs

pytestmark = pytest.mark.django_db


def rows(account, board, *titles):
    return [pin_payload(account, board, title=title, idempotency_key=f"row-{n}") for n, title in enumerate(titles)]


@pytest.fixture
def faulty_pin_table():
    """A real database fault, not a mock: inserting a pin titled "explode" fails in the database."""
    table = Pin._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION pb_explode() RETURNS trigger AS $$ BEGIN "
                           "IF NEW.title = 'explode' THEN RAISE EXCEPTION 'injected fault'; END IF; "
                           "RETURN NEW; END $$ LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER pb_explode BEFORE INSERT ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION pb_explode()")
        else:
            cursor.execute(f"CREATE TRIGGER pb_explode BEFORE INSERT ON {table} WHEN NEW.title = 'explode' "
                           "BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
    # The test's transaction is rolled back at the end, and the trigger with it.


def test_an_unexpected_error_in_one_row_fails_that_row_and_the_rest_go_on(
        faulty_pin_table, workspace, cast, offline_account, offline_board):
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=rows(offline_account, offline_board, "First", "explode", "Third"))
    assert pin_import_run(job.pk) == ImportJob.Status.COMPLETED_WITH_ERRORS
    job.refresh_from_db()
    assert [r["status"] for r in job.results] == ["created", "failed", "created"]
    assert job.results[1]["error_code"] == "internal_error" and "injected" not in job.results[1]["error_message"]
    assert (job.created_rows, job.failed_rows, job.lease_expires_at) == (2, 1, None)
    assert sorted(Pin.objects.values_list("title", flat=True)) == ["First", "Third"]


def test_a_job_that_cannot_go_on_ends_failed_with_a_message(workspace, cast, offline_account, offline_board):
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=rows(offline_account, offline_board, "First"))
    ImportJob.objects.filter(pk=job.pk).update(rows={"not": "a list of rows"})  # a corrupted job
    assert pin_import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert (job.status, job.lease_expires_at) == (ImportJob.Status.FAILED, None)
    assert "internal error" in job.error_message and job.completed_at


def test_the_lease_outlives_a_task_but_not_the_brokers_redelivery(settings):
    assert settings.Q_CLUSTER["timeout"] < LEASE.total_seconds() < settings.Q_CLUSTER["retry"]


def test_a_run_that_died_is_resumed_by_the_sweeper(workspace, cast, offline_account, offline_board,
                                                   django_capture_on_commit_callbacks):
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=rows(offline_account, offline_board, "First", "Second"))
    live = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                             rows=rows(offline_account, offline_board, "Other"))
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PROCESSING,
                                               lease_expires_at=now - timedelta(seconds=1))
    ImportJob.objects.filter(pk=live.pk).update(status=ImportJob.Status.PROCESSING, lease_expires_at=now + LEASE)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_pins()["imports_resumed"] == 1
    assert [args for args, _ in queued_jobs(RUN_TASK)] == [(job.pk,)]
    assert pin_import_run(job.pk) == ImportJob.Status.COMPLETED and pin_import_run(live.pk) == "skipped"


def test_an_import_whose_job_was_lost_is_run_after_a_grace_once_per_grace(
    workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # its enqueue never happens: a broker failure
        job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                                rows=rows(offline_account, offline_board, "First"))
    assert queued_jobs(RUN_TASK) == []
    waiting_since = ImportJob.objects.get(pk=job.pk).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        assert pin_imports_requeue_due(now=waiting_since + QUEUED_GRACE - timedelta(seconds=1)) == 0
        assert pin_imports_requeue_due(now=waiting_since + QUEUED_GRACE) == 1
        # Queued again, so the next sweeps leave it for another grace (its job may wait behind others).
        assert pin_imports_requeue_due(now=waiting_since + QUEUED_GRACE + timedelta(minutes=1)) == 0
        assert pin_imports_requeue_due(now=waiting_since + 2 * QUEUED_GRACE) == 1
    assert [args for args, _ in queued_jobs(RUN_TASK)] == [(job.pk,), (job.pk,)]
    assert ImportJob.objects.get(pk=job.pk).updated_at == waiting_since  # what the API shows did not move
    assert pin_import_run(job.pk) == ImportJob.Status.COMPLETED
    assert pin_import_run(job.pk) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_next_run_cannot_be_queued_leaves_the_import_queued_for_the_sweeper(
    settings, workspace, cast, offline_account, offline_board, monkeypatch
):
    settings.PIN_IMPORT_TASK_SECONDS = 0  # a run stops after one row and hands the rest over
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=rows(offline_account, offline_board, "First", "Second"))

    enqueue = queue.async_task

    def broker_down_for_runs(func, *args, **kwargs):  # the rows' own publish jobs still go through
        if func == RUN_TASK:
            raise OSError("the broker is down")
        return enqueue(func, *args, **kwargs)

    monkeypatch.setattr(queue, "async_task", broker_down_for_runs)
    assert pin_import_run(job.pk) == "continued"
    job.refresh_from_db()
    assert (job.status, len(job.results)) == (ImportJob.Status.QUEUED, 1)
    monkeypatch.undo()  # the broker is back
    queued_before = len(queued_jobs(RUN_TASK))  # the first run's own job (no cluster takes it here)
    assert pin_imports_requeue_due(now=job.updated_at + QUEUED_GRACE) == 1
    assert len(queued_jobs(RUN_TASK)) == queued_before + 1
    assert pin_import_run(job.pk) == ImportJob.Status.COMPLETED


def test_an_import_stops_when_its_api_key_is_revoked(workspace, offline_account, offline_board):
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="importer", scopes=["read", "write"]).key
    job = pin_import_create(actor=Actor.for_key(key), source_type="json",
                            rows=rows(offline_account, offline_board, "First"))
    api_key_revoke(key=key, actor=Actor.system(key.workspace, job="test"))
    assert pin_import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "API key" in job.error_message and "revoked" in job.error_message
    assert job.results == [] and not Pin.objects.exists()


def test_an_import_stops_when_its_creator_leaves_the_team(workspace, cast, offline_account, offline_board):
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=rows(offline_account, offline_board, "First"))
    membership_remove(
        membership=Membership.objects.get(team=cast.team, user=cast.manager),
        actor=Actor.for_user(cast.admin, workspace),
    )
    assert pin_import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "no longer a member" in job.error_message and not Pin.objects.exists()
