"""Schedules and webhooks with the real cluster: on time, after an outage, signed deliveries."""

import hashlib
import hmac
import json
import statistics
from datetime import timedelta

from django.utils import timezone
from django_q.models import OrmQ

from pinterest_sandbox.models import Pin as SandboxPin
from publishing.access import Actor
from publishing.models import Pin, PinStatus, Schedule, ScheduleStatus, WebhookDelivery
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create
from publishing.services.webhooks import webhook_create
from tests.pipeline_fixtures import WEBHOOK_RECEIVER_SECRET, pin_payload, wait_for

SECRET = WEBHOOK_RECEIVER_SECRET  # what the webhook_receiver checks signatures with


def schedule_in(workspace, user, account, board, seconds, **overrides):
    data = pin_payload(account, board, **overrides)
    del data["idempotency_key"]
    data["run_at"] = (timezone.now() + timedelta(seconds=seconds)).isoformat()
    return schedule_create(actor=Actor.for_user(user, workspace), data=data)


def published_at_of(schedule) -> float | None:
    schedule.refresh_from_db()
    if schedule.status != ScheduleStatus.DONE:
        return None
    return (schedule.pin.published_at - schedule.run_at).total_seconds()


def test_scheduled_pins_publish_once_each_and_never_before_run_at(start_cluster, workspace, cast, account, board):
    # How soon after run_at is a benchmark's question (bench/schedule_latency.py), not a test's:
    # a shared machine makes any limit here a flake.
    start_cluster()
    schedules = [schedule_in(workspace, cast.manager, account, board, seconds=3 + n, title=f"Chair at +{3 + n}s")
                 for n in range(3)]

    delays = [wait_for(lambda s=schedule: published_at_of(s) is not None and [published_at_of(s)], timeout=60,
                       message="the scheduled pin to publish")[0] for schedule in schedules]

    assert all(delay >= 0 for delay in delays), delays
    assert SandboxPin.objects.count() == 3
    assert {schedule.pin.source for schedule in schedules} == {"schedule"}
    print(f"\n[measure] run_at -> published on Pinterest: {', '.join(f'{d:.2f}s' for d in delays)} "
          f"(median {statistics.median(delays):.2f}s)")


def test_a_schedule_that_fell_due_while_the_workers_were_down_runs_once_when_they_return(
        start_cluster, workspace, cast, account, board):
    schedule = schedule_in(workspace, cast.manager, account, board, seconds=60)
    OrmQ.objects.all().delete()  # its delayed job is lost too (a Redis flush, a restore from backup)
    # It fell due while no worker ran: moved into the past rather than waited for.
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(minutes=5))
    assert Schedule.objects.get(pk=schedule.pk).status == ScheduleStatus.SCHEDULED

    start_cluster()
    wait_for(lambda: published_at_of(schedule) is not None, timeout=30, message="the overdue schedule to run")

    assert Pin.objects.count() == 1 and SandboxPin.objects.count() == 1
    assert Schedule.objects.get().status == ScheduleStatus.DONE


def test_webhook_deliveries_reach_a_receiver_that_verifies_them(start_cluster, workspace, cast, account, board,
                                                                 webhook_receiver):
    webhook_create(actor=Actor.for_user(cast.admin, workspace), url=webhook_receiver.url, secret=SECRET)
    webhook_receiver.statuses = [503]  # the first delivery fails: it is retried with backoff
    start_cluster()
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api", data=pin_payload(account, board))

    wait_for(lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED).exists(), timeout=30,
             message="the webhook delivery")

    pin.refresh_from_db()
    assert pin.status == PinStatus.PUBLISHED
    assert len(webhook_receiver.received) == 2
    assert all(received.signature_valid for received in webhook_receiver.received)  # else it answered 401
    for received in webhook_receiver.received:
        signature = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(received.headers["x-pinbridge-signature"], signature)
        assert received.headers["x-pinbridge-event"] == "pin.published"
    body = json.loads(webhook_receiver.received[-1].body)
    assert (body["event"], body["pin_id"], body["pinterest_pin_id"], body["status"]) == (
        "pin.published", str(pin.public_id), pin.pinterest_pin_id, "published")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt_count, delivery.last_status_code) == (2, 204)
    assert received.headers["x-pinbridge-delivery-id"] == str(delivery.public_id) == body["delivery_id"]
