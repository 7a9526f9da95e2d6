"""Outgoing webhooks: registration, events, signed deliveries with retries, and the delivery log.

Each delivery is a POST of a JSON body with three headers:

- ``X-PinBridge-Signature``: lower-case hex HMAC-SHA256 of the raw body, keyed with the secret;
- ``X-PinBridge-Event``: ``pin.published``, ``pin.failed``, ``pin.approved`` or ``pin.rejected``;
- ``X-PinBridge-Delivery-ID``: the delivery's id (the same on every retry), for de-duplication.

Body: ``{event, delivery_id, pin_id, status, board_id, pinterest_account_id, pinterest_pin_id,
error_code, error_message, occurred_at}``. A delivery is retried with exponential backoff until
the receiver answers 2xx or ``WEBHOOK_MAX_ATTEMPTS`` is reached; every attempt updates the
``WebhookDelivery`` row (the delivery log).

Targets must not be private, loopback or link-local addresses (the server would otherwise be a
proxy into its own network): the host is resolved and checked on registration and again before
every delivery, and redirects are never followed. ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts this
for tests and single-machine setups.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from publishing.models import WEBHOOK_EVENTS, ApiKey, Pin, User, Webhook, WebhookDelivery, Workspace
from publishing.services.audit import audit_record
from publishing.services.errors import ValidationError
from publishing.services.queue import task_enqueue

logger = logging.getLogger("publishing.webhooks")

DEFAULT_EVENTS = ["pin.published", "pin.failed"]
SECRET_MIN, SECRET_MAX = 16, 255
URL_MAX = 2048
DELIVER_TASK = "publishing.tasks.deliver_webhook"
ERROR_LIMIT = 1000
_url_validator = URLValidator(schemes=["http", "https"])

SIGNATURE_HEADER = "X-PinBridge-Signature"
EVENT_HEADER = "X-PinBridge-Event"
DELIVERY_HEADER = "X-PinBridge-Delivery-ID"


def webhook_signature(secret: str, body: bytes) -> str:
    """What a receiver recomputes: hex HMAC-SHA256 of the raw body with the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys, the same on every retry."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- validation -------------------------------------------------------------------------------


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def webhook_target_problem(url: str) -> str | None:
    """Why this URL may not receive webhooks, or None. Resolves the host (DNS) to check it."""
    return _vetted_address(url)[1]


def _vetted_address(url: str) -> tuple[str | None, str | None]:
    """``(address, None)``: a public address of the URL's host to connect to; ``(None, problem)``
    otherwise. ``(None, None)`` when private targets are allowed (connect by name)."""
    parts = urlsplit(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None, None
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # In the resolver's order of preference (dict keys: unique, ordered).
        addresses = list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    except (OSError, UnicodeError, ValueError):
        return None, f"The host {host!r} could not be resolved."
    if not addresses:
        return None, f"The host {host!r} could not be resolved."
    private = sorted(address for address in addresses if not _address_is_public(address))
    if private:
        return None, f"The host {host!r} resolves to a private, loopback or link-local address ({private[0]})."
    return addresses[0], None


def webhook_url_redacted(url: str) -> str:
    """``scheme://host[:port]/path`` with any userinfo, query and fragment cut off (marked ``…``):
    receivers often take credentials there (``user:pass@`` or ``?token=``). Shown to members who
    may not manage integrations, and the only form of the URL the audit trail keeps."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # an unparsable port: keep the host alone
        port = ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal: brackets again, as in the URL
        host = f"[{host}]"
    redacted = f"{parts.scheme}://{host}{port}{parts.path}"
    removed_something = "@" in parts.netloc or parts.query or parts.fragment
    return f"{redacted}…" if removed_something else redacted


def _clean_url(url) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("required", "A webhook URL is required.", field="url")
    url = url.strip()
    if "\x00" in url:
        raise ValidationError("invalid_characters", "Must not contain NUL characters.", field="url")
    if len(url) > URL_MAX:
        raise ValidationError("too_long", f"Must be at most {URL_MAX} characters.", field="url")
    try:
        _url_validator(url)
    except DjangoValidationError:
        raise ValidationError("invalid_url", "Must be a full http:// or https:// address.", field="url") from None
    problem = webhook_target_problem(url)
    if problem:
        raise ValidationError("webhook_target_not_allowed", problem, field="url")
    return url


def _clean_secret(secret) -> str:
    if not isinstance(secret, str) or not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise ValidationError("invalid_secret", f"The secret must be {SECRET_MIN} to {SECRET_MAX} characters.",
                              field="secret")
    if "\x00" in secret:
        raise ValidationError("invalid_characters", "Must not contain NUL characters.", field="secret")
    return secret


def _clean_events(events) -> list[str]:
    if events is None:
        return list(DEFAULT_EVENTS)
    if not isinstance(events, list | tuple) or not events or not all(isinstance(event, str) for event in events):
        raise ValidationError("invalid_events", "Choose at least one event.", field="events")
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown:
        raise ValidationError("invalid_events", f"Unknown events: {', '.join(unknown)}. Choose from "
                                                f"{', '.join(WEBHOOK_EVENTS)}.", field="events")
    return [event for event in WEBHOOK_EVENTS if event in events]  # one each, in a stable order


def _actor_label(actor_key: ApiKey | None) -> str | None:
    return f"API key {actor_key.prefix}" if actor_key is not None else None


# --- registration -----------------------------------------------------------------------------


@transaction.atomic
def webhook_create(*, workspace: Workspace, url: str, secret: str, events=None, is_enabled: bool = True,
                   actor_user: User | None = None, actor_key: ApiKey | None = None) -> Webhook:
    webhook = Webhook.objects.create(workspace=workspace, url=_clean_url(url), secret=_clean_secret(secret),
                                     events=_clean_events(events), is_enabled=bool(is_enabled))
    audit_record(team=workspace.team, workspace=workspace, action="webhook.created", actor_user=actor_user,
                 actor_label=_actor_label(actor_key), target=webhook,
                 details={"url": webhook_url_redacted(webhook.url), "events": webhook.events})
    return webhook


@transaction.atomic
def webhook_update(*, webhook: Webhook, data, actor_user: User | None = None,
                   actor_key: ApiKey | None = None) -> Webhook:
    """Change any of ``url``, ``secret`` (rotation), ``events``, ``is_enabled`` given in ``data``."""
    data = data.model_dump(exclude_unset=True) if hasattr(data, "model_dump") else dict(data)
    unknown = sorted(set(data) - {"url", "secret", "events", "is_enabled"})
    if unknown:
        raise ValidationError("validation_error", f"These fields cannot be changed: {', '.join(unknown)}.",
                              field=unknown[0])
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if "url" in data:
        webhook.url = _clean_url(data["url"])
    if "secret" in data:
        webhook.secret = _clean_secret(data["secret"])
    if "events" in data:
        webhook.events = _clean_events(data["events"])
    if "is_enabled" in data:
        if not isinstance(data["is_enabled"], bool):
            raise ValidationError("invalid_type", "Must be true or false.", field="is_enabled")
        webhook.is_enabled = data["is_enabled"]
    webhook.save()
    # The secret itself never reaches the audit trail, only the fact that it changed.
    audit_record(team=webhook.workspace.team, workspace=webhook.workspace, action="webhook.updated",
                 actor_user=actor_user, actor_label=_actor_label(actor_key), target=webhook,
                 details={"fields": sorted(data)})
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor_user: User | None = None, actor_key: ApiKey | None = None) -> None:
    audit_record(team=webhook.workspace.team, workspace=webhook.workspace, action="webhook.deleted",
                 actor_user=actor_user, actor_label=_actor_label(actor_key), target=webhook,
                 details={"url": webhook_url_redacted(webhook.url)})
    webhook.delete()


# --- events and deliveries --------------------------------------------------------------------


def webhook_event_emit(*, pin: Pin, event: str) -> list[WebhookDelivery]:
    """Record one delivery per enabled webhook of the pin's workspace that wants ``event``, and
    enqueue them after the surrounding transaction commits."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}")
    webhooks = [webhook for webhook in Webhook.objects.filter(workspace_id=pin.workspace_id, is_enabled=True)
                if event in webhook.events]
    deliveries = []
    occurred_at = timezone.now().isoformat().replace("+00:00", "Z")
    for webhook in webhooks:
        delivery = WebhookDelivery(webhook=webhook, event_type=event, payload={})
        delivery.payload = {
            "event": event,
            "delivery_id": str(delivery.public_id),
            "pin_id": str(pin.public_id),
            "status": pin.status,
            "board_id": pin.board_id,
            "pinterest_account_id": str(pin.account.public_id),
            "pinterest_pin_id": pin.pinterest_pin_id or None,
            "error_code": pin.error_code or None,
            "error_message": pin.error_message or None,
            "occurred_at": occurred_at,
        }
        delivery.save()
        task_enqueue(DELIVER_TASK, delivery.pk)
        deliveries.append(delivery)
    return deliveries


def _backoff(attempt: int) -> float:
    base = settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
    return min(base, 6 * 3600) * random.uniform(0.5, 1.0)


def webhook_delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery once (if it is still pending and due). Returns its status afterwards.

    The claim moves ``next_attempt_at`` past the request's timeout, so a second worker holding
    the same job id finds nothing due and leaves; a worker that dies leaves the delivery due
    again once that time passes (the sweeper re-sends it).
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
    ).update(next_attempt_at=now + lease, attempt_count=F("attempt_count") + 1, updated_at=now)
    if not claimed:
        return "not_due"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    status_code, error = None, ""
    address = None
    if not webhook.is_enabled:
        error = "The webhook is disabled."
    else:
        address, problem = _vetted_address(webhook.url)
        error = problem or ""
    if not error:
        status_code, error = _post(webhook, delivery, address=address)
    return _record_delivery_result(delivery, status_code, error)


def _post(webhook: Webhook, delivery: WebhookDelivery, *, address: str | None) -> tuple[int | None, str]:
    """POST the delivery. With ``address``, connect to exactly that checked address (the name is
    kept for the Host header and TLS): resolving the name again could give a private address
    (DNS rebinding) after the check passed."""
    body = webhook_body(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Pinboard-Webhooks/1",
        SIGNATURE_HEADER: webhook_signature(webhook.secret, body),
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.public_id),
    }
    url, extensions = httpx.URL(webhook.url), {}
    if address is not None:
        headers["Host"] = url.netloc.decode("ascii")
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
        url = url.copy_with(host=address)
    try:
        # trust_env=False: an environment proxy would resolve the name itself, unchecked.
        with httpx.Client(follow_redirects=False, timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                          trust_env=address is None) as client:
            response = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: could not deliver"
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"The receiver answered HTTP {response.status_code}."


def _record_delivery_result(delivery: WebhookDelivery, status_code: int | None, error: str) -> str:
    now = timezone.now()
    fields = {"last_status_code": status_code, "last_error": error[:ERROR_LIMIT], "updated_at": now}
    if not error:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif delivery.attempt_count >= settings.WEBHOOK_MAX_ATTEMPTS or error == "The webhook is disabled.":
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + timedelta(seconds=_backoff(delivery.attempt_count)))
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if fields.get("next_attempt_at"):
            task_enqueue(DELIVER_TASK, delivery.pk, at=fields["next_attempt_at"])
    if error:
        logger.info("webhook delivery %s attempt %s: %s", delivery.public_id, delivery.attempt_count, error)
    return fields.get("status", WebhookDelivery.Status.PENDING)


def webhook_delivery_resend(*, delivery: WebhookDelivery) -> bool:
    """Send a failed (or waiting) delivery again now, with a fresh round of attempts."""
    with transaction.atomic():
        changed = WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
            status=WebhookDelivery.Status.DELIVERED).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=None, attempt_count=0, updated_at=timezone.now())
        if changed:
            task_enqueue(DELIVER_TASK, delivery.pk)
    return bool(changed)


def webhook_deliveries_requeue_due(*, now=None) -> int:
    """Enqueue every pending delivery that is due (the sweeper's backstop for lost jobs)."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=60))
    ).values_list("pk", flat=True)[:1000])
    for delivery_id in due:
        task_enqueue(DELIVER_TASK, delivery_id)
    return len(due)
