"""The team's webhooks (per workspace): register with a generated secret shown once, pause, delete,
and the recent deliveries."""

import secrets

from django.contrib.auth.decorators import login_required
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from publishing.access import team_context_or_404
from publishing.forms import WebhookForm
from publishing.lookups import webhook_for_workspace_or_404
from publishing.models import Webhook, WebhookDelivery
from publishing.services.errors import DomainError
from publishing.services.webhooks import webhook_create, webhook_delete, webhook_update
from publishing.views.common import attempt, render_page, submit

TEMPLATE = "publishing/team/webhooks.html"
RECENT_DELIVERIES = 20
SECRET_BYTES = 32


def webhooks_page(request, ctx, *, form=None, issued_secret=None, issued_for=None, error=None, status=200):
    response = render_page(
        request, TEMPLATE,
        {
            "ctx": ctx,
            "webhooks": Webhook.objects.filter(workspace=ctx.workspace).order_by("created_at", "id"),
            "deliveries": WebhookDelivery.objects.filter(webhook__workspace=ctx.workspace)
            .select_related("webhook").order_by("-created_at", "-id")[:RECENT_DELIVERIES],
            "form": form or WebhookForm(),
            "issued_secret": issued_secret,
            "issued_for": issued_for,
            "error": error,
        },
        status=status, fragment="webhooks_area",
    )
    if issued_secret:
        add_never_cache_headers(response)  # the secret is shown in this one response only
    return response


@login_required
def webhook_list(request):
    return webhooks_page(request, team_context_or_404(request))


@login_required
@require_POST
def webhook_create_view(request):
    ctx = team_context_or_404(request, "webhook.create")
    form = WebhookForm(request.POST)
    # Generated here, shown once: receivers need it to verify signatures; we keep it encrypted.
    secret = secrets.token_urlsafe(SECRET_BYTES)
    webhook = submit(form, lambda: webhook_create(url=form.cleaned_data["url"], secret=secret,
                                                  events=form.cleaned_data["events"], actor=ctx.actor))
    if webhook is not None:
        return webhooks_page(request, ctx, issued_secret=secret, issued_for=webhook)
    return webhooks_page(request, ctx, form=form, status=422)


@login_required
@require_POST
def webhook_toggle(request, public_id):
    ctx = team_context_or_404(request)
    webhook = webhook_for_workspace_or_404(ctx.actor, public_id)
    toggled = attempt(lambda: webhook_update(webhook=webhook, data={"is_enabled": not webhook.is_enabled},
                                             actor=ctx.actor))
    if isinstance(toggled, DomainError):
        return webhooks_page(request, ctx, error=toggled.message, status=toggled.status_hint)
    return webhooks_page(request, ctx)


@login_required
@require_POST
def webhook_delete_view(request, public_id):
    ctx = team_context_or_404(request)
    webhook_delete(webhook=webhook_for_workspace_or_404(ctx.actor, public_id), actor=ctx.actor)
    return webhooks_page(request, ctx)
