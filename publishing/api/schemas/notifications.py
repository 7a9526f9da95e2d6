"""/v1/email/preferences (the SDK's contract, plus ``events``) and /v1/notifications (Pinboard
extensions): a member's email switches, per-event channel choices, and notifications."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool

from publishing.api.schemas.common import InSchema, Limit
from publishing.models import EmailPreference, Notification, Workspace
from publishing.services.notifications import EventChoice

EVENTS_DESCRIPTION = ("Pinboard extension: each notification event's channels, `{event: {in_app, email}}` "
                      "(`label` in answers). `alerts_enabled` is the master switch of every `email` channel.")


class EventChannelsIn(InSchema):
    in_app: StrictBool | None = Field(None, description="Show it on the dashboard's bell and notifications page.")
    email: StrictBool | None = Field(None, description="Email it (when `alerts_enabled` is on too).")


class EventChannelsOut(Schema):
    label: str
    in_app: bool
    email: bool


class EmailPreferencesIn(InSchema):
    # The SDK's EmailPreferencesUpdateRequest sends all three; strict: "yes", 1 or null are a 422 naming the field.
    transactional_enabled: StrictBool
    alerts_enabled: StrictBool = Field(description="Every notification email on (as each event's `email` "
                                                   "choice says) or off.")
    verification_enabled: StrictBool
    events: dict[str, EventChannelsIn] | None = Field(None, description=EVENTS_DESCRIPTION)


class EmailPreferencesOut(Schema):
    id: UUID
    workspace_id: UUID
    user_id: UUID
    transactional_enabled: bool
    alerts_enabled: bool
    verification_enabled: bool
    created_at: datetime
    updated_at: datetime
    events: dict[str, EventChannelsOut] = Field(description=EVENTS_DESCRIPTION)


def email_preferences_out(preference: EmailPreference, workspace: Workspace,
                          choices: list[EventChoice]) -> EmailPreferencesOut:
    return EmailPreferencesOut(
        id=preference.public_id, workspace_id=workspace.public_id, user_id=preference.user.public_id,
        transactional_enabled=preference.transactional_enabled, alerts_enabled=preference.alerts_enabled,
        verification_enabled=preference.verification_enabled, created_at=preference.created_at,
        updated_at=preference.updated_at,
        events={choice.event: EventChannelsOut(label=choice.label, in_app=choice.in_app, email=choice.email)
                for choice in choices})


class NotificationOut(Schema):
    id: UUID
    event: str
    text: str
    actor: str = Field(description="Who acted: a member's email, `API key <prefix>` or `system (<job>)`.")
    pin_id: UUID | None = Field(description="The pin it is about; null once the pin is deleted (or for a schedule).")
    schedule_id: UUID | None
    workspace_id: UUID | None
    read: bool
    read_at: datetime | None
    created_at: datetime


class NotificationListOut(Schema):
    data: list[NotificationOut]
    unread_count: int
    has_more: bool


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")
    limit: Limit = 50
    before: UUID | None = Field(None, description="The `id` of the last notification of the previous page.")


class NotificationReadIn(InSchema):
    ids: list[UUID] | None = Field(None, max_length=500, description="The notifications to mark read; "
                                   "leave out to mark every one read. Ids that are not yours are ignored.")


class NotificationReadOut(Schema):
    marked: int
    unread_count: int


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.public_id, event=notification.event, text=notification.text, actor=notification.actor_label,
        pin_id=notification.pin.public_id if notification.pin else None,
        schedule_id=notification.schedule.public_id if notification.schedule else None,
        workspace_id=notification.workspace.public_id if notification.workspace else None,
        read=notification.read_at is not None, read_at=notification.read_at, created_at=notification.created_at)
