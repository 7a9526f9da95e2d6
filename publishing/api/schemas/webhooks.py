"""/v1/webhooks: where the server posts pin events. The secret is taken, never sent back."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema, SafeStr
from publishing.models import Webhook


class WebhookCreateIn(InSchema):
    url: str = Field(..., min_length=1, max_length=2048)
    secret: str = Field(..., min_length=16, max_length=255)
    events: list[SafeStr] = Field(default_factory=lambda: ["pin.published", "pin.failed"], max_length=20)
    is_enabled: bool = True


class WebhookUpdateIn(InSchema):
    url: str | None = Field(None, min_length=1, max_length=2048)
    secret: str | None = Field(None, min_length=16, max_length=255)
    events: list[SafeStr] | None = Field(None, max_length=20)
    is_enabled: bool | None = None


class WebhookOut(Schema):
    id: UUID
    workspace_id: UUID
    url: str
    events: list[str]
    is_enabled: bool
    created_at: datetime
    updated_at: datetime


def webhook_out(webhook: Webhook) -> dict[str, Any]:
    # Never the secret: it was shown to nobody but the one who chose it.
    return {"id": webhook.public_id, "workspace_id": webhook.workspace.public_id, "url": webhook.url,
            "events": webhook.events, "is_enabled": webhook.is_enabled, "created_at": webhook.created_at,
            "updated_at": webhook.updated_at}
