"""Operating the pipeline: schedules in code, the sweepers, stuck work and the admin actions."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule as QSchedule

from publishing.access import Actor
from publishing.models import Pin, PinStatus, PublishAttempt, Schedule, Webhook, WebhookDelivery
from publishing.services.delivery import pin_claim, pins_requeue_due
from publishing.services.operations import PERIODIC_TASKS, periodic_tasks_apply
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pin(workspace, cast, offline_account, offline_board):
    return pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                      data=pin_payload(offline_account, offline_board))


def test_periodic_schedules_are_applied_by_name_and_only_once(db):
    first = run("q_schedules")
    assert first.count("created") == len(PERIODIC_TASKS)
    assert "unchanged" in run("q_schedules") and "created" not in run("q_schedules")
    assert QSchedule.objects.filter(name__startswith="pinboard: ").count() == len(PERIODIC_TASKS)

    QSchedule.objects.filter(name=PERIODIC_TASKS[0].name).update(minutes=60)
    QSchedule.objects.create(name="pinboard: retired job", func="publishing.tasks.gone", schedule_type="I", minutes=1)
    outcome = periodic_tasks_apply()
    assert outcome[PERIODIC_TASKS[0].name] == "updated" and outcome["pinboard: retired job"] == "removed"
    assert QSchedule.objects.get(name=PERIODIC_TASKS[0].name).minutes == 1


def test_the_cluster_timeout_stays_below_retry(settings):
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    assert settings.PUBLISH_LEASE_SECONDS < settings.Q_CLUSTER["timeout"]


def test_the_sweeper_requeues_due_deferred_pins_expired_leases_and_stale_queued_pins(
        pin, workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    now = timezone.now()
    deferred = pin
    # Overdue past the grace a job on its way is given (DEFERRED_GRACE).
    Pin.objects.filter(pk=deferred.pk).update(status=PinStatus.DEFERRED, next_attempt_at=now - timedelta(minutes=1))
    abandoned = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                           data=pin_payload(offline_account, offline_board, idempotency_key="k2"))
    Pin.objects.filter(pk=abandoned.pk).update(status=PinStatus.PUBLISHING, lease_expires_at=now - timedelta(seconds=1))
    stale = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                       data=pin_payload(offline_account, offline_board, idempotency_key="k3"))
    Pin.objects.filter(pk=stale.pk).update(updated_at=now - timedelta(minutes=5))
    fresh = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                       data=pin_payload(offline_account, offline_board, idempotency_key="k4"))
    pending = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                         data=pin_payload(offline_account, offline_board, idempotency_key="k5"))
    Pin.objects.filter(pk=pending.pk).update(updated_at=now - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        counts = pins_requeue_due(now=now)

    assert counts == {"deferred_due": 1, "lease_expired": 1, "queued_stale": 1}
    assert sorted(args[0] for args, _ in queued_jobs(PUBLISH)) == sorted([deferred.pk, abandoned.pk, stale.pk])
    assert fresh.pk not in [args[0] for args, _ in queued_jobs(PUBLISH)]


def test_stuck_work_lists_and_requeues(pin, workspace, cast, offline_account, offline_board):
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.PUBLISHING,
                                         lease_expires_at=timezone.now() - timedelta(minutes=1))
    data = pin_payload(offline_account, offline_board)
    del data["idempotency_key"]
    data["run_at"] = (timezone.now() + timedelta(hours=1)).isoformat()
    schedule = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(minutes=10))
    webhook = Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/h", secret="s" * 20)
    WebhookDelivery.objects.create(webhook=webhook, event_type="pin.published", payload={},
                                   next_attempt_at=timezone.now() - timedelta(minutes=10))

    listing = run("stuck_work")
    assert f"pin       {pin.public_id}  publishing" in listing
    assert f"schedule  {schedule.public_id}" in listing
    assert "webhook" in listing and "3 stuck item(s)." in listing
    assert not queued_jobs(PUBLISH)

    requeued = run("stuck_work", "--requeue")
    assert "1 with an expired lease" in requeued and "ran 1 schedule(s)" in requeued
    assert "resumed 0 import(s)." in requeued
    assert Schedule.objects.get().pin is not None


def test_the_admin_can_nudge_pins_and_retry_failed_ones(pin, cast, client, django_capture_on_commit_callbacks):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.DEFERRED,
                                         next_attempt_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/publishing/pin/", {"action": "publish_now", "_selected_action": [pin.pk]})
    assert response.status_code == 302
    assert Pin.objects.get(pk=pin.pk).next_attempt_at is None
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(pin.pk,)]

    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.FAILED, error_code="pinterest_unavailable")
    client.post("/admin/publishing/pin/", {"action": "retry_failed", "_selected_action": [pin.pk]})
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.QUEUED
    assert client.get(f"/admin/publishing/pin/{pin.pk}/change/").status_code == 200


def test_a_claim_is_exclusive(pin):
    first = pin_claim(pin_id=pin.pk)
    assert first is not None and pin_claim(pin_id=pin.pk) is None
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.PUBLISHING
    assert not PublishAttempt.objects.exists()
