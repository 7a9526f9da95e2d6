"""Telling members what happened: the event types, each member's choices, and the notifications.

``NOTIFICATION_EVENTS`` is the one registry of event types: the name a service passes to
``services.notifications.notify``, the label the preferences form and the API show, and whether
each channel is on for a member who never chose. ``NotificationPreference`` holds only the choices
a member made; ``EmailPreference`` is the SDK's ``/v1/email/preferences`` resource, whose
``alerts_enabled`` is the master switch over every event's email channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from publishing.models.pins import Pin, Schedule
from publishing.models.teams import Team, User, Workspace

IN_APP = "in_app"
EMAIL = "email"
CHANNELS = (IN_APP, EMAIL)


@dataclass(frozen=True)
class NotificationEvent:
    name: str
    label: str  # what the member reads in the preferences form ("A pin needs my approval")
    in_app: bool = True  # the default for a member who never chose
    email: bool = False

    def default(self, channel: str) -> bool:
        return bool(getattr(self, channel))


NOTIFICATION_EVENTS: dict[str, NotificationEvent] = {event.name: event for event in (
    NotificationEvent("pin.approval_requested", "A pin needs my approval", email=True),
    NotificationEvent("schedule.approval_requested", "A schedule needs my approval", email=True),
    NotificationEvent("pin.approved", "My pin or schedule was approved"),
    NotificationEvent("pin.rejected", "My pin or schedule was rejected", email=True),
    NotificationEvent("pin.commented", "Someone commented on my pin or a thread I am in"),
    NotificationEvent("schedule.commented", "Someone commented on my schedule or a thread I am in"),
    NotificationEvent("comment.mention", "Someone mentioned me in a comment", email=True),
    NotificationEvent("schedule.approval_deadline_missed", "A schedule missed its approval deadline", email=True),
)}


class NotificationQuerySet(models.QuerySet):
    def for_member(self, user: User, team: Team) -> NotificationQuerySet:
        """One member's notifications in one team (another team's are never among them), newest first."""
        return self.filter(recipient=user, team=team).order_by("-created_at", "-id")

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unread_count(self, user: User, team: Team) -> int:
        """The bell's number (served by ``notification_unread_idx``)."""
        return self.filter(recipient=user, team=team, read_at__isnull=True).count()

    def with_links(self) -> NotificationQuerySet:
        """Loads what a listing links to (the pin, the schedule and their workspace) in one query."""
        return self.select_related("pin", "schedule", "workspace")


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        NONE = "none", "Not emailed"  # the member's choices leave email off for this event
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # every attempt failed

    TEXT_MAX_LENGTH = 500
    ERROR_MAX_LENGTH = 1000

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notifications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event = models.CharField(max_length=64)
    # A deleted pin or schedule leaves the notification (its text still says what happened), unlinked.
    pin = models.ForeignKey(Pin, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    schedule = models.ForeignKey(Schedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=255)
    text = models.CharField(max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The email, sent by a django-q2 task (services/notifications.py), retried with backoff.
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.NONE)
    email_attempts = models.PositiveIntegerField(default=0)
    email_last_error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "team"], condition=Q(read_at__isnull=True),
                         name="notification_unread_idx"),
            models.Index(fields=["recipient", "team", "-created_at"], name="notification_list_idx"),
            models.Index(fields=["email_status", "email_next_attempt_at"], name="notification_email_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} for {self.recipient_id}: {self.text[:40]}"

    @property
    def label(self) -> str:
        event = NOTIFICATION_EVENTS.get(self.event)
        return event.label if event is not None else self.event


class NotificationPreferenceQuerySet(models.QuerySet):
    def for_member(self, user: User, team: Team) -> NotificationPreferenceQuerySet:
        return self.filter(user=user, team=team)


class NotificationPreference(models.Model):
    """A member's choice for one event type in one team: each channel on or off. Absent: the
    registry's defaults (``NOTIFICATION_EVENTS``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=64)
    in_app = models.BooleanField()
    email = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team", "event"],
                                               name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}: in_app={self.in_app} email={self.email}"


class EmailPreference(models.Model):
    """The SDK's email preferences of one member in one team. ``alerts_enabled`` switches every
    notification email off (or back to the per-event choices); invitation and password emails are
    asked for by the person receiving them and are always sent, whatever the other two say."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_preferences")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    transactional_enabled = models.BooleanField(default=True)
    alerts_enabled = models.BooleanField(default=True)
    verification_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="email_preference_unique")]

    def __str__(self) -> str:
        return f"email preferences of {self.user_id} in {self.team_id}"
