"""Notifications (services/notifications.py): who hears of each event, in which channel, and the
email task with its retries. Real database, Django's locmem mail backend, jobs read from the queue."""

import pytest
from django.core import mail
from django.test import override_settings

from publishing.access import Actor
from publishing.models import EmailPreference, Notification, NotificationPreference
from publishing.services.notifications import (
    notification_email_send,
    notification_open,
    notification_preferences_set,
    notifications_for,
    notifications_mark_read,
    notify,
)
from publishing.services.pins import pin_approve, pin_create, pin_reject
from tests.pipeline_fixtures import pin_payload, queued_jobs

SEND = "publishing.tasks.send_notification_email"


def recipients(event):
    return sorted(n.recipient.email for n in Notification.objects.filter(event=event))


@pytest.fixture
def pending_pin(workspace, cast, offline_account, offline_board):
    return pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                      data=pin_payload(offline_account, offline_board))


def test_a_pin_held_for_approval_tells_the_approvers_not_its_author(pending_pin, cast):
    # Admin and manager may approve; the editor asked (the actor), the viewer may not approve.
    assert recipients("pin.approval_requested") == [cast.admin.email, cast.manager.email]
    notification = Notification.objects.get(recipient=cast.manager)
    assert (notification.pin, notification.team, notification.actor_label) == (pending_pin, cast.team,
                                                                                 cast.editor.email)
    assert "asked for approval" in notification.text and pending_pin.title in notification.text


def test_an_approver_who_asks_is_not_told_of_their_own_request(workspace, cast, offline_account, offline_board):
    pin_create(actor=Actor.for_user(cast.manager, workspace), source="dashboard",
               data=pin_payload(offline_account, offline_board), approval_required=True)
    assert recipients("pin.approval_requested") == [cast.admin.email]


def test_the_author_hears_of_the_decision_and_the_decider_does_not(pending_pin, cast, workspace):
    pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, workspace), reason="The link is broken")
    assert recipients("pin.rejected") == [cast.editor.email]
    assert "The link is broken" in Notification.objects.get(event="pin.rejected").text


def test_approval_is_told_to_the_author(pending_pin, cast, workspace):
    pin_approve(pin=pending_pin, actor=Actor.for_user(cast.admin, workspace))
    assert recipients("pin.approved") == [cast.editor.email]


def test_a_comment_tells_the_author_and_the_thread_and_a_mention_tells_the_mentioned(pending_pin, cast, workspace):
    notify("pin.commented", actor=Actor.for_user(cast.admin, workspace), pin=pending_pin, reason="first")
    assert recipients("pin.commented") == [cast.editor.email]
    Notification.objects.all().delete()
    # The manager had commented before: a participant of the thread.
    from publishing.models import PinComment
    PinComment.objects.create(pin=pending_pin, author=cast.manager, author_label=cast.manager.email, body="hi",
                              content_version=pending_pin.content_version)
    actor = Actor.for_user(cast.admin, workspace)
    notify("pin.commented", actor=actor, pin=pending_pin, mentioned=[cast.viewer], reason="see @vera")
    notify("comment.mention", actor=actor, pin=pending_pin, mentioned=[cast.viewer, cast.admin], reason="see @vera")
    assert recipients("pin.commented") == [cast.editor.email, cast.manager.email]
    assert recipients("comment.mention") == [cast.viewer.email]  # the admin mentioned themselves: not told


def test_another_teams_member_is_never_a_recipient(pending_pin, cast, workspace):
    notify("comment.mention", actor=Actor.for_user(cast.admin, workspace), pin=pending_pin,
           mentioned=[cast.outsider])
    assert recipients("comment.mention") == []


def test_the_in_app_channel_off_leaves_the_bell_quiet_and_email_still_goes(pending_pin, cast, workspace,
                                                                          django_capture_on_commit_callbacks):
    notification_preferences_set(actor=Actor.for_user(cast.editor, workspace),
                                 choices={"pin.rejected": {"in_app": False, "email": True}})
    with django_capture_on_commit_callbacks(execute=True):
        pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, workspace), reason="No")
    notification = Notification.objects.get(event="pin.rejected")
    assert notification.read_at is not None  # not on the bell
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert [args for args, _ in queued_jobs(SEND)] == [(notification.pk,)]


def test_both_channels_off_means_no_notification(pending_pin, cast, workspace):
    notification_preferences_set(actor=Actor.for_user(cast.editor, workspace),
                                 choices={"pin.rejected": {"in_app": False, "email": False}})
    pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, workspace), reason="No")
    assert not Notification.objects.filter(event="pin.rejected").exists()


def test_email_follows_the_choice_per_event_and_the_alerts_switch(pending_pin, cast, workspace,
                                                                 django_capture_on_commit_callbacks):
    # pin.approved: email off by default; pin.approval_requested: on by default, but the admin
    # switched alerts off (the SDK's alerts_enabled).
    assert Notification.objects.get(recipient=cast.manager).email_status == Notification.EmailStatus.PENDING
    EmailPreference.objects.create(user=cast.manager, team=cast.team, alerts_enabled=False)
    Notification.objects.all().delete()
    notify("pin.approval_requested", actor=Actor.for_user(cast.editor, workspace), pin=pending_pin)
    statuses = {n.recipient: n.email_status for n in Notification.objects.all()}
    assert statuses == {cast.admin: Notification.EmailStatus.PENDING, cast.manager: Notification.EmailStatus.NONE}
    with django_capture_on_commit_callbacks(execute=True):
        pin_approve(pin=pending_pin, actor=Actor.for_user(cast.admin, workspace))
    assert Notification.objects.get(event="pin.approved").email_status == Notification.EmailStatus.NONE


def test_a_bad_preference_names_the_field(cast, workspace):
    from publishing.services.errors import ValidationError
    with pytest.raises(ValidationError) as refused:
        notification_preferences_set(actor=Actor.for_user(cast.editor, workspace),
                                     choices={"pin.rejected": {"email": "yes"}})
    assert refused.value.field == "events.pin.rejected.email"
    assert not NotificationPreference.objects.exists()


def test_a_member_reads_only_their_own_and_marks_them_read(pending_pin, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    mine = notifications_for(actor=manager)
    assert [n.recipient for n in mine] == [cast.manager]
    admins = Notification.objects.get(recipient=cast.admin)
    from publishing.access import AccessHidden
    with pytest.raises(AccessHidden):
        notification_open(actor=manager, public_id=str(admins.public_id))
    assert notifications_mark_read(actor=manager, public_ids=[str(admins.public_id)]) == 0
    assert notifications_mark_read(actor=manager) == 1
    assert Notification.objects.get(recipient=cast.admin).read_at is None


# --- the email task ----------------------------------------------------------------------------------


@pytest.fixture
def emailed(pending_pin, cast):
    return Notification.objects.get(recipient=cast.manager)


def test_the_task_sends_the_email_once(emailed, cast):
    assert mail.outbox == []  # creating the pin only enqueued it
    assert notification_email_send(notification_id=emailed.pk) == "sent"
    assert notification_email_send(notification_id=emailed.pk) == "skipped"
    assert [message.to for message in mail.outbox] == [[cast.manager.email]]
    assert f"/app/pins/{emailed.pin.public_id}/" in mail.outbox[0].body and emailed.text in mail.outbox[0].body
    emailed.refresh_from_db()
    assert (emailed.email_status, emailed.email_attempts) == (Notification.EmailStatus.SENT, 1)


def test_a_guests_decision_is_told_as_a_guests_whatever_name_they_give(pending_pin, cast, workspace):
    """A guest types any name: one that reads like a member's must not pass for that member."""
    from publishing.services.review_links import review_link_create, review_link_decide
    issued = review_link_create(actor=Actor.for_user(cast.manager, workspace), pin_ids=[pending_pin.public_id])
    review_link_decide(token=issued.token, item_id=str(pending_pin.public_id), kind="pin", decision="reject",
                       guest_name=cast.admin.email, comment="Not on brand")
    told = Notification.objects.get(event="pin.rejected", recipient=cast.editor)
    assert told.text.startswith(f"{cast.admin.email} (guest reviewer) rejected your pin")
    assert told.actor_label == f"{cast.admin.email} (guest reviewer)"


@pytest.mark.parametrize("how", ["removed", "deactivated"])
def test_a_member_who_left_before_the_email_went_out_is_not_emailed(emailed, cast, how):
    """The email is sent later (a worker, retries for hours): whoever is no longer an active member
    of the team by then does not get the team's content."""
    if how == "removed":
        cast.manager.memberships.filter(team=cast.team).delete()
    else:
        cast.manager.is_active = False
        cast.manager.save(update_fields=["is_active"])
    assert notification_email_send(notification_id=emailed.pk) == "not_a_member"
    assert mail.outbox == []
    emailed.refresh_from_db()
    assert (emailed.email_status, emailed.email_attempts) == (Notification.EmailStatus.NONE, 0)


class FailingBackend:
    """A mail server that refuses every message (a stand-in for an SMTP outage)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@override_settings(EMAIL_BACKEND="tests.services.pins.test_notifications.FailingBackend",
                   NOTIFICATION_EMAIL_MAX_ATTEMPTS=3, NOTIFICATION_EMAIL_RETRY_BASE_SECONDS=60)
def test_a_failing_send_is_retried_with_backoff_then_given_up(emailed, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_email_send(notification_id=emailed.pk, now=now) == "retrying"
    emailed.refresh_from_db()
    assert emailed.email_attempts == 1 and "mail server down" in emailed.email_last_error
    assert emailed.email_next_attempt_at == now + timedelta(seconds=60)
    # The next attempt waits in the queue until then (django-q2's ORM broker: lock = run_at).
    assert queued_jobs(SEND) == [((emailed.pk,), emailed.email_next_attempt_at)]
    assert notification_email_send(notification_id=emailed.pk, now=now) == "not_due"
    later = now + timedelta(seconds=60)
    assert notification_email_send(notification_id=emailed.pk, now=later) == "retrying"
    emailed.refresh_from_db()
    assert emailed.email_next_attempt_at == later + timedelta(seconds=120)  # doubled
    assert notification_email_send(notification_id=emailed.pk, now=later + timedelta(seconds=120)) == "failed"
    emailed.refresh_from_db()
    assert (emailed.email_status, emailed.email_attempts) == (Notification.EmailStatus.FAILED, 3)


# --- the comment service calls notify ------------------------------------------------------------------


def test_a_comment_through_the_service_tells_the_author_and_the_mentioned(pending_pin, cast, workspace):
    from publishing.services.comments import pin_comment
    pin_comment(pin=pending_pin, actor=Actor.for_user(cast.manager, workspace), body="Ask @vera about the link")
    assert recipients("pin.commented") == [cast.editor.email]
    assert recipients("comment.mention") == [cast.viewer.email]
    assert "Ask @vera about the link" in Notification.objects.get(event="comment.mention").text
    # The author answers: the manager (in the thread) hears of it, the author does not.
    pin_comment(pin=pending_pin, actor=Actor.for_user(cast.editor, workspace), body="Fixed")
    assert recipients("pin.commented") == [cast.editor.email, cast.manager.email]


def test_a_comment_on_a_schedule_tells_its_author(cast, workspace, offline_account, offline_board):
    from datetime import timedelta

    from django.utils import timezone

    from publishing.services.comments import schedule_comment
    from publishing.services.schedules import schedule_create
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    schedule = schedule_create(actor=Actor.for_user(cast.editor, workspace),
                               data={**data, "run_at": timezone.now() + timedelta(days=2)})
    schedule_comment(schedule=schedule, actor=Actor.for_user(cast.manager, workspace), body="Friday instead?")
    notification = Notification.objects.get(event="schedule.commented")
    assert (notification.recipient, notification.schedule, notification.pin) == (cast.editor, schedule, None)


def test_a_schedule_held_for_approval_tells_the_approvers_and_its_decision_its_author(
        cast, workspace, offline_account, offline_board):
    from datetime import timedelta

    from django.utils import timezone

    from publishing.services.schedules import schedule_approve, schedule_create, schedule_reject, schedule_update
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    editor, manager = Actor.for_user(cast.editor, workspace), Actor.for_user(cast.manager, workspace)
    schedule = schedule_create(actor=editor, data={**data, "run_at": timezone.now() + timedelta(days=2)})
    assert recipients("schedule.approval_requested") == [cast.admin.email, cast.manager.email]
    assert Notification.objects.filter(event="schedule.approval_requested", schedule=schedule).count() == 2

    schedule_reject(schedule=schedule, actor=manager, reason="Wrong board")
    rejected = Notification.objects.get(event="pin.rejected")
    assert (rejected.recipient, rejected.schedule) == (cast.editor, schedule)
    assert "rejected your schedule" in rejected.text and "Wrong board" in rejected.text

    Notification.objects.all().delete()
    schedule_update(schedule=schedule, actor=editor, data={"title": "Fixed the board"})  # resubmitted
    assert recipients("schedule.approval_requested") == [cast.admin.email, cast.manager.email]
    schedule_approve(schedule=schedule, actor=manager)
    assert recipients("pin.approved") == [cast.editor.email]


def test_the_sweeper_requeues_a_pending_email_whose_job_was_lost_and_leaves_a_waiting_retry(
        emailed, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from publishing.services.notifications import notification_emails_requeue_due
    now = timezone.now()
    assert notification_emails_requeue_due(now=now) == 0  # just enqueued: its job may still be on its way
    Notification.objects.filter(pk=emailed.pk).update(created_at=now - timedelta(hours=1))
    Notification.objects.exclude(pk=emailed.pk).update(
        created_at=now - timedelta(hours=1), email_next_attempt_at=now + timedelta(minutes=5))  # retry waiting
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_emails_requeue_due(now=now) == 1
    assert [args for args, _ in queued_jobs(SEND)] == [(emailed.pk,)]
