"""/v1/email: the member's email preferences (the SDK's contract, plus the per-event ``events``
Pinboard extension); unsubscribing stays unavailable (Pinboard sends no marketing email)."""

from typing import NoReturn

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from publishing.api.errors import not_available
from publishing.api.schemas.common import responses
from publishing.api.schemas.notifications import EmailPreferencesIn, EmailPreferencesOut, email_preferences_out
from publishing.api.security import actor_of
from publishing.services.notifications import (
    email_preference_for,
    email_preference_update,
    notification_choices,
    notification_preferences_set,
)

router = Router(tags=["self-hosted"])

PREFERENCES_DESCRIPTION = (
    "The calling member's email preferences in their team (a logged-in member, bearer token; an API key "
    "has no person: `403 user_required`). `alerts_enabled` switches every notification email on or off; "
    "under it, the Pinboard extension `events` holds each notification event's channels (`in_app`, "
    "`email`). Invitation and password-reset emails are asked for by their recipient and always sent: "
    "`transactional_enabled` and `verification_enabled` are stored and reported only.")

# Operation ids are part of the published OpenAPI document; these keep the ids they were given
# when the module was routers/peripheral.py.


@router.get("/preferences", response=responses({200: EmailPreferencesOut}, 403, 404),
            operation_id="publishing_api_routers_peripheral_email_preferences", description=PREFERENCES_DESCRIPTION)
def email_preferences(request: HttpRequest) -> EmailPreferencesOut:
    who = actor_of(request)
    preference = email_preference_for(actor=who)
    return email_preferences_out(preference, who.workspace, notification_choices(preference.user, who.team))


@router.patch("/preferences", response=responses({200: EmailPreferencesOut}, 403, 404),
              operation_id="publishing_api_routers_peripheral_update_email_preferences",
              description=PREFERENCES_DESCRIPTION + " The SDK sends all three booleans; `events` may name any "
                                                    "of the events, with either channel (the rest stay as they are).")
def update_email_preferences(request: HttpRequest, data: EmailPreferencesIn) -> EmailPreferencesOut:
    who = actor_of(request)
    with transaction.atomic():  # the switches and the per-event choices together, or neither
        preference = email_preference_update(actor=who, transactional_enabled=data.transactional_enabled,
                                             alerts_enabled=data.alerts_enabled,
                                             verification_enabled=data.verification_enabled)
        if data.events:
            notification_preferences_set(actor=who, choices={
                name: channels.model_dump(exclude_none=True) for name, channels in data.events.items()})
    return email_preferences_out(preference, who.workspace, notification_choices(preference.user, who.team))


@router.get("/unsubscribe", response=responses({200: dict}, 404), auth=None,
            operation_id="publishing_api_routers_peripheral_email_unsubscribe")
def email_unsubscribe(request: HttpRequest) -> NoReturn:
    not_available("Pinboard sends no marketing emails to unsubscribe from; notification emails are "
                  "turned off in the member's preferences.")
