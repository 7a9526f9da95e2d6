"""Notifications: who hears of an event, in the app and by email, as each member chose.

Other services call ``notify`` once per event, inside the transaction that makes the change: the
``Notification`` rows are written there (so they exist exactly when the change does) and each
email is enqueued on commit, to a django-q2 task (``publishing.tasks.send_notification_email``)
that sends it with ``EMAIL_TIMEOUT`` and retries a failure with backoff up to
``NOTIFICATION_EMAIL_MAX_ATTEMPTS`` attempts, recording every attempt on the row. No request
ever waits for a mail server.

Recipients by event (always members of the team, active, and never the actor):

- ``pin.approval_requested``, ``schedule.approval_requested``: the members whose role may approve;
- ``pin.approved``, ``pin.rejected``: the author of the pin (or of the schedule decided on before
  its pin exists);
- ``pin.commented``, ``schedule.commented``: the author and everyone who commented on the thread
  before, except those in ``mentioned`` (the ``comment.mention`` notification tells them);
- ``comment.mention``: the ``mentioned`` members;
- ``schedule.approval_deadline_missed``: the author and the approvers.

A member's channels for an event are their ``NotificationPreference`` or the registry's defaults
(``NOTIFICATION_EVENTS``); the email channel also needs their ``EmailPreference.alerts_enabled``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from publishing.access import AccessForbidden, AccessHidden, Actor, ActorKind, authorize
from publishing.models import (
    NOTIFICATION_EVENTS,
    EmailPreference,
    Membership,
    Notification,
    NotificationPreference,
    Pin,
    PinComment,
    Schedule,
    Team,
    User,
)
from publishing.models.notifications import CHANNELS, EMAIL, IN_APP
from publishing.permissions import Permission, Role, role_can
from publishing.services.errors import ValidationError
from publishing.services.queue import task_enqueue

logger = logging.getLogger("publishing.notifications")

SEND_EMAIL_TASK = "publishing.tasks.send_notification_email"
APPROVAL_EVENTS = frozenset({"pin.approval_requested", "schedule.approval_requested"})
COMMENT_EVENTS = frozenset({"pin.commented", "schedule.commented"})
DECISION_EVENTS = frozenset({"pin.approved", "pin.rejected"})
TITLE_LIMIT = 80
DETAIL_LIMIT = 200


# --- recipients -----------------------------------------------------------------------------------


def _approver_ids(team: Team) -> set[int]:
    roles = [role.value for role in Role if role_can(role, Permission.APPROVE)]
    return set(Membership.objects.filter(team=team, role__in=roles).values_list("user_id", flat=True))


def _thread_participant_ids(pin: Pin | None, schedule: Schedule | None) -> set[int]:
    comments = PinComment.objects.filter(pin=pin) if pin is not None else PinComment.objects.filter(schedule=schedule)
    return {user_id for user_id in comments.values_list("author_id", flat=True) if user_id is not None}


def _recipient_ids(event: str, *, team: Team, pin: Pin | None, schedule: Schedule | None,
                   mentioned: Iterable[User]) -> set[int]:
    subject = pin if pin is not None else schedule
    author_ids = {subject.created_by_id} if subject is not None and subject.created_by_id is not None else set()
    mentioned_ids = {user.pk for user in mentioned}
    if event in APPROVAL_EVENTS:
        return _approver_ids(team)
    if event in DECISION_EVENTS:
        return author_ids
    if event in COMMENT_EVENTS:
        return (author_ids | _thread_participant_ids(pin, schedule)) - mentioned_ids
    if event == "comment.mention":
        return mentioned_ids
    if event == "schedule.approval_deadline_missed":
        return author_ids | _approver_ids(team)
    raise ValueError(f"Unknown notification event {event!r}")  # the registry and this list disagree


def _members(team: Team, user_ids: set[int]) -> list[User]:
    """Of ``user_ids``, those still active members of ``team`` (someone who left hears nothing)."""
    return list(User.objects.filter(pk__in=user_ids, is_active=True, memberships__team=team).order_by("pk"))


# --- preferences ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventChoice:
    """One event's channels as a member has them (their choice, or the registry's default)."""

    event: str
    label: str
    in_app: bool
    email: bool


def notification_choices(user: User, team: Team) -> list[EventChoice]:
    """Every event type, in the registry's order, with this member's channels."""
    chosen = {pref.event: pref for pref in NotificationPreference.objects.for_member(user, team)}
    choices = []
    for name, event in NOTIFICATION_EVENTS.items():
        pref = chosen.get(name)
        choices.append(EventChoice(name, event.label, pref.in_app if pref else event.in_app,
                                   pref.email if pref else event.email))
    return choices


def _channels_by_recipient(recipients: list[User], team: Team, event: str) -> dict[int, tuple[bool, bool]]:
    default = NOTIFICATION_EVENTS[event]
    chosen = {pref.user_id: (pref.in_app, pref.email) for pref in
              NotificationPreference.objects.filter(team=team, event=event, user__in=recipients)}
    alerts_off = set(EmailPreference.objects.filter(team=team, user__in=recipients, alerts_enabled=False)
                     .values_list("user_id", flat=True))
    channels = {}
    for user in recipients:
        in_app, email = chosen.get(user.pk, (default.in_app, default.email))
        channels[user.pk] = (in_app, email and user.pk not in alerts_off)
    return channels


# --- notify -----------------------------------------------------------------------------------------


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(actor: Actor) -> str:
    """How a notice names the actor: a guest's label is whatever name they typed, so it says it is a guest's."""
    if actor.kind != ActorKind.GUEST_LINK:
        return actor.label
    suffix = " (guest reviewer)"
    return _excerpt(actor.label, (Notification._meta.get_field("actor_label").max_length or 255) - len(suffix)) + suffix


def _text(event: str, *, actor: Actor, title: str, reason: str, kind: str) -> str:
    who, what = _who(actor), f"“{_excerpt(title, TITLE_LIMIT)}”"
    detail = f": {_excerpt(reason, DETAIL_LIMIT)}" if reason.strip() else ""
    texts = {
        "pin.approval_requested": f"{who} asked for approval of the pin {what}.",
        "schedule.approval_requested": f"{who} asked for approval of the schedule {what}.",
        "pin.approved": f"{who} approved your {kind} {what}.",
        "pin.rejected": f"{who} rejected your {kind} {what}{detail}",
        "pin.commented": f"{who} commented on {what}{detail}",
        "schedule.commented": f"{who} commented on the schedule {what}{detail}",
        "comment.mention": f"{who} mentioned you on {what}{detail}",
        "schedule.approval_deadline_missed": f"The schedule {what} missed its approval deadline{detail}",
    }
    return _excerpt(texts[event], Notification.TEXT_MAX_LENGTH)


def notify(event: str, *, actor: Actor, pin: Pin | None = None, schedule: Schedule | None = None,
           mentioned: Iterable[User] = (), reason: str = "") -> None:
    """Tell whoever ``event`` concerns (see the module's docstring), as each of them chose.

    Call it inside the transaction that makes the change, after the pin or schedule is saved:
    the notifications are written there and their emails go out only if it commits. ``reason``
    is the detail the text quotes (a rejection's reason, a comment's words)."""
    if event not in NOTIFICATION_EVENTS:
        raise ValueError(f"Unknown notification event {event!r}")
    subject = pin if pin is not None else schedule
    if subject is None:
        raise ValueError("notify needs a pin or a schedule")
    workspace = subject.workspace
    team = workspace.team
    recipient_ids = _recipient_ids(event, team=team, pin=pin, schedule=schedule, mentioned=list(mentioned))
    if actor.user is not None:
        recipient_ids.discard(actor.user.pk)  # nobody hears of what they did themselves
    recipients = _members(team, recipient_ids)
    if not recipients:
        return
    channels = _channels_by_recipient(recipients, team, event)
    text = _text(event, actor=actor, title=subject.title, reason=reason, kind="pin" if pin is not None else "schedule")
    for user in recipients:
        in_app, email = channels[user.pk]
        if not (in_app or email):
            continue
        notification = Notification.objects.create(
            recipient=user, team=team, workspace=workspace, event=event, pin=pin, schedule=schedule,
            actor_label=_who(actor), text=text,
            # Not wanted in the app: written read, so the email has its row but the bell stays quiet.
            read_at=None if in_app else timezone.now(),
            email_status=Notification.EmailStatus.PENDING if email else Notification.EmailStatus.NONE,
        )
        if email:
            task_enqueue(SEND_EMAIL_TASK, notification.pk, timeout=_task_timeout())


# --- the member's own notifications -----------------------------------------------------------------


def _member(actor: Actor) -> User:
    """Notifications are a person's: an API key (no person) is refused."""
    authorize(actor, "workspace.read")
    if actor.user is None:
        raise AccessForbidden("user_required", "Notifications belong to a member: log in (bearer token), "
                                               "an API key has none.")
    return actor.user


def notifications_for(*, actor: Actor) -> QuerySet[Notification]:
    """The caller's notifications in the caller's team, newest first."""
    return Notification.objects.for_member(_member(actor), actor.team).with_links()


def notification_unread_count(*, actor: Actor) -> int:
    return Notification.objects.unread_count(_member(actor), actor.team)


def notifications_mark_read(*, actor: Actor, public_ids: Iterable[str] | None = None) -> int:
    """Mark the caller's notifications read: those named (others' ids are ignored), or all. Returns how many."""
    unread = Notification.objects.for_member(_member(actor), actor.team).unread()
    if public_ids is not None:
        unread = unread.filter(public_id__in=list(public_ids))
    return unread.update(read_at=timezone.now())


def notification_open(*, actor: Actor, public_id: str) -> Notification:
    """The caller's notification, marked read (another member's or team's is a 404)."""
    notification = notifications_for(actor=actor).filter(public_id=public_id).first()
    if notification is None:
        raise AccessHidden("notification_not_found", "Notification not found.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_preferences_set(*, actor: Actor, choices: Mapping[str, Mapping[str, bool]]) -> list[EventChoice]:
    """Set the caller's channels for the events named in ``choices`` ({event: {channel: bool}});
    an event or channel left out keeps what it had. Unknown names or non-booleans: ValidationError."""
    user = _member(actor)
    for name, channels in choices.items():
        if name not in NOTIFICATION_EVENTS:
            raise ValidationError("unknown_event", f"Unknown notification event {name!r}.", field=f"events.{name}")
        for channel, value in channels.items():
            if channel not in CHANNELS:
                raise ValidationError("unknown_channel", f"Unknown channel {channel!r}: use in_app or email.",
                                      field=f"events.{name}.{channel}")
            if not isinstance(value, bool):
                raise ValidationError("not_boolean", "Must be true or false.", field=f"events.{name}.{channel}")
    current = {choice.event: choice for choice in notification_choices(user, actor.team)}
    with transaction.atomic():
        for name, channels in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, team=actor.team, event=name,
                defaults={IN_APP: channels.get(IN_APP, current[name].in_app),
                          EMAIL: channels.get(EMAIL, current[name].email)})
    return notification_choices(user, actor.team)


def email_preference_for(*, actor: Actor) -> EmailPreference:
    """The caller's email preferences (created with the defaults the first time they are asked for)."""
    user = _member(actor)
    preference, _ = EmailPreference.objects.get_or_create(user=user, team=actor.team)
    return preference


def email_preference_update(*, actor: Actor, transactional_enabled: bool, alerts_enabled: bool,
                            verification_enabled: bool) -> EmailPreference:
    """Replace the caller's three email switches (the SDK sends all three)."""
    for field, value in (("transactional_enabled", transactional_enabled), ("alerts_enabled", alerts_enabled),
                         ("verification_enabled", verification_enabled)):
        if not isinstance(value, bool):
            raise ValidationError("not_boolean", "Must be true or false.", field=field)
    preference = email_preference_for(actor=actor)
    preference.transactional_enabled = transactional_enabled
    preference.alerts_enabled = alerts_enabled
    preference.verification_enabled = verification_enabled
    preference.save(update_fields=["transactional_enabled", "alerts_enabled", "verification_enabled", "updated_at"])
    return preference


# --- email --------------------------------------------------------------------------------------------


def _task_timeout() -> int:
    """The task's own limit: the SMTP timeout plus room to render and record the attempt."""
    return int(settings.EMAIL_TIMEOUT or 30) + 30


def notification_email_backoff(attempts: int) -> timedelta:
    """How long after failed attempt number ``attempts`` the next one waits (doubling, capped)."""
    base = settings.NOTIFICATION_EMAIL_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempts - 1), settings.NOTIFICATION_EMAIL_RETRY_MAX_SECONDS))


def _email_body(notification: Notification) -> str:
    link = ""
    if notification.pin is not None:
        link = reverse("pin_detail", args=[notification.pin.public_id])
    elif notification.schedule is not None:
        link = reverse("schedule_detail", args=[notification.schedule.public_id])
    if link and settings.SITE_URL:
        link = f"\n\n{settings.SITE_URL.rstrip('/')}{link}"
    else:
        link = ""
    return (f"{notification.text}{link}\n\n"
            "You get this email because of your notification settings in Pinboard "
            "(Notifications, then Preferences), where you can turn it off.")


def notification_email_send(*, notification_id: int, now: datetime | None = None) -> str:
    """One attempt to email one notification (the task's body). Safe to run twice: a sent,
    failed-for-good, not-yet-due or vanished notification is left alone, and one whose recipient is
    no longer an active member of the team is not sent. Returns the outcome."""
    now = now or timezone.now()
    with transaction.atomic():
        # of=self: PostgreSQL cannot lock the nullable side of the joins that load the pin and workspace.
        notification = (Notification.objects.select_for_update(of=("self",))
                        .select_related("recipient", "pin", "schedule").filter(pk=notification_id).first())
        if notification is None or notification.email_status != Notification.EmailStatus.PENDING:
            return "skipped"
        if notification.email_next_attempt_at is not None and notification.email_next_attempt_at > now:
            return "not_due"
        if not _members(notification.team, {notification.recipient_id}):
            # Removed or deactivated since notify (the email waits for a worker, retries for hours):
            # the team's content is no longer theirs to read.
            notification.email_status = Notification.EmailStatus.NONE
            notification.email_next_attempt_at = None
            notification.save(update_fields=["email_status", "email_next_attempt_at"])
            return "not_a_member"
        notification.email_attempts += 1
        attempt = notification.email_attempts
        try:
            connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
            send_mail(subject=_excerpt(f"Pinboard: {notification.label}", 120), message=_email_body(notification),
                      from_email=None, recipient_list=[notification.recipient.email], connection=connection)
        except Exception as error:  # any failure of the mail server or backend is retried, never raised
            notification.email_last_error = _excerpt(f"{type(error).__name__}: {error}",
                                                     Notification.ERROR_MAX_LENGTH)
            if attempt >= settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS:
                notification.email_status = Notification.EmailStatus.FAILED
                notification.email_next_attempt_at = None
                outcome = "failed"
            else:
                notification.email_next_attempt_at = now + notification_email_backoff(attempt)
                task_enqueue(SEND_EMAIL_TASK, notification.pk, at=notification.email_next_attempt_at,
                             timeout=_task_timeout())
                outcome = "retrying"
            logger.warning("notification email %s attempt %s failed (%s)", notification.pk, attempt, outcome)
        else:
            notification.email_status = Notification.EmailStatus.SENT
            notification.email_sent_at = now
            notification.email_next_attempt_at = None
            notification.email_last_error = ""
            outcome = "sent"
        notification.save(update_fields=["email_status", "email_attempts", "email_last_error",
                                         "email_next_attempt_at", "email_sent_at"])
    return outcome


def notification_emails_requeue_due(*, now: datetime | None = None) -> int:
    """Periodic backstop: enqueue every pending email whose attempt is due (a lost job still goes out)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=_task_timeout())
    due = Notification.objects.filter(email_status=Notification.EmailStatus.PENDING,
                                      created_at__lte=stale).exclude(email_next_attempt_at__gt=now)
    ids = list(due.values_list("pk", flat=True)[:500])
    for notification_id in ids:
        task_enqueue(SEND_EMAIL_TASK, notification_id, timeout=_task_timeout())
    return len(ids)
