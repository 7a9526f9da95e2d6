"""/v1/webhooks: where pin events are POSTed, signed with the webhook's secret (never returned)."""

from uuid import UUID

from ninja import Router, Status

from publishing.access import Actor
from publishing.api.schemas.common import responses
from publishing.api.schemas.webhooks import WebhookCreateIn, WebhookOut, WebhookUpdateIn, webhook_out
from publishing.api.security import actor_of
from publishing.lookups import webhook_for_workspace_or_404
from publishing.models import Webhook
from publishing.services import webhooks as webhook_services

router = Router(tags=["webhooks"])


def _shown(who: Actor, webhook: Webhook) -> dict:
    """The webhook as this caller may see it: the full URL (it may hold the receiver's credentials)
    only for those who may manage integrations, the redacted one for everyone else, as in the dashboard."""
    out = webhook_out(webhook)
    if not who.may("webhook.update"):
        out["url"] = webhook_services.webhook_url_redacted(webhook.url)
    return out


@router.post("", response=responses({201: WebhookOut}, 403))
def create_webhook(request, data: WebhookCreateIn):
    who = actor_of(request)
    webhook = webhook_services.webhook_create(url=data.url, secret=data.secret,
                                              events=data.events, is_enabled=data.is_enabled,
                                              actor=who)
    return Status(201, webhook_out(webhook))


@router.get("", response=responses({200: list[WebhookOut]}, 403))
def list_webhooks(request):
    who = actor_of(request, "workspace.read")
    return [_shown(who, w) for w in Webhook.objects.filter(workspace=who.workspace).select_related("workspace")]


@router.get("/{webhook_id}", response=responses({200: WebhookOut}, 403, 404))
def get_webhook(request, webhook_id: UUID):
    who = actor_of(request, "workspace.read")
    return _shown(who, webhook_for_workspace_or_404(who, webhook_id))


@router.patch("/{webhook_id}", response=responses({200: WebhookOut}, 403, 404))
def update_webhook(request, webhook_id: UUID, data: WebhookUpdateIn):
    who = actor_of(request)
    changes = data.model_dump(exclude_unset=True)
    webhook = webhook_services.webhook_update(webhook=webhook_for_workspace_or_404(who, webhook_id), data=changes,
                                              actor=who)
    return webhook_out(webhook)


@router.delete("/{webhook_id}", response=responses({204: None}, 403, 404))
def delete_webhook(request, webhook_id: UUID):
    who = actor_of(request)
    webhook_services.webhook_delete(webhook=webhook_for_workspace_or_404(who, webhook_id), actor=who)
    return Status(204, None)
