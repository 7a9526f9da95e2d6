"""Notification emails on a real django-q2 cluster: the request that makes the event only writes
the notification and enqueues the email; a worker sends it and records the attempt on the row."""

from publishing.access import Actor
from publishing.models import Notification
from publishing.services.pins import pin_create, pin_reject
from tests.pipeline_fixtures import pin_payload, wait_for


def test_a_rejection_email_is_sent_by_a_worker_and_recorded(start_cluster, workspace, cast, account, board):
    start_cluster(media=False)
    pin = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                     data=pin_payload(account, board))
    pin_reject(pin=pin, actor=Actor.for_user(cast.manager, workspace), reason="The photo is blurry")
    rejected = Notification.objects.get(event="pin.rejected")
    assert rejected.recipient == cast.editor

    def sent():
        rejected.refresh_from_db()
        return rejected.email_status == Notification.EmailStatus.SENT

    wait_for(sent, timeout=60, message="the worker to send the notification email")
    assert rejected.email_attempts == 1 and rejected.email_sent_at is not None and rejected.email_last_error == ""
