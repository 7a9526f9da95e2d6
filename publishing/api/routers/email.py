"""/v1/email: preferences for emails Pinboard does not send."""

from typing import NoReturn

from django.http import HttpRequest
from ninja import Router

from publishing.api.errors import not_available
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of

router = Router(tags=["self-hosted"])

ONLY_ESSENTIAL_EMAILS = "Pinboard sends only invitation and password emails, which cannot be turned off."

# Operation ids are part of the published OpenAPI document; these keep the ids they were given
# when the module was routers/peripheral.py.


@router.get("/preferences", response=responses({200: dict}, 404),
            operation_id="publishing_api_routers_peripheral_email_preferences")
def email_preferences(request: HttpRequest) -> NoReturn:
    actor_of(request, "workspace.read")
    not_available(ONLY_ESSENTIAL_EMAILS)


@router.patch("/preferences", response=responses({200: dict}, 404),
              operation_id="publishing_api_routers_peripheral_update_email_preferences")
def update_email_preferences(request: HttpRequest) -> NoReturn:
    actor_of(request, "workspace.read")
    not_available(ONLY_ESSENTIAL_EMAILS)


@router.get("/unsubscribe", response=responses({200: dict}, 404), auth=None,
            operation_id="publishing_api_routers_peripheral_email_unsubscribe")
def email_unsubscribe(request: HttpRequest) -> NoReturn:
    not_available("Pinboard sends no marketing or alert emails to unsubscribe from.")
