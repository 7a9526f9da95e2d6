"""/v1/stripe: the Stripe webhook a self-hosted server has no use for."""

from typing import NoReturn

from django.http import HttpRequest
from ninja import Router

from publishing.api.errors import not_available
from publishing.api.schemas.common import responses

router = Router(tags=["self-hosted"])


# The operation id keeps the one it was given when the module was routers/peripheral.py.
@router.post("/webhook", response=responses({200: dict}, 404), auth=None,
             operation_id="publishing_api_routers_peripheral_stripe_webhook")
def stripe_webhook(request: HttpRequest) -> NoReturn:
    not_available("Self-hosted Pinboard does not take Stripe events.")
