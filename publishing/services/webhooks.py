"""Outgoing webhooks: registration, events, signed deliveries with retries, and the delivery log.

Each delivery is a POST of a JSON body with three headers:

- ``X-PinBridge-Signature``: lower-case hex HMAC-SHA256 of the raw body, keyed with the secret;
- ``X-PinBridge-Event``: ``pin.published``, ``pin.failed``, ``pin.approval_requested`` (a pin was put
  on hold for approval), ``pin.approved``, ``pin.rejected`` or ``pin.commented``;
- ``X-PinBridge-Delivery-ID``: the delivery's id (the same on every retry), for de-duplication.

Body: ``{event, delivery_id, pin_id, status, board_id, pinterest_account_id, pinterest_pin_id,
error_code, error_message, occurred_at}``; for ``pin.commented`` (``webhook_comment_emit``) it is
``{event, delivery_id, comment_id, subject, pin_id, schedule_id, author, author_is_guest, body,
mentions, content_version, occurred_at}``: ``subject`` is ``pin`` or ``schedule`` (a comment on a
schedule, whose ``pin_id`` is its pin once it made one, else null). A delivery is retried with exponential backoff until
the receiver answers 2xx or ``WEBHOOK_MAX_ATTEMPTS`` is reached; every attempt updates the
``WebhookDelivery`` row (the delivery log).

Targets must not be private, loopback or link-local addresses (the server would otherwise be a
proxy into its own network), nor IPv6 addresses that embed such an IPv4 address (6to4, NAT64,
Teredo, mapped and compatible forms). Registration needs no DNS: it refuses literal addresses and
names that can only be local (``localhost``, ``.invalid``); before every delivery the host is
resolved, every address checked, and the delivery connects to the checked address (the name kept
for the Host header, SNI and certificate checks), so a name rebound to a private address after the
check is never reached. Redirects are never followed. ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts the
address checks for tests and single-machine setups.

When the environment names a proxy for the target's scheme (``HTTP_PROXY``/``HTTPS_PROXY``/
``ALL_PROXY``, minus ``NO_PROXY``), deliveries go through it and only literal addresses are checked
here: the proxy resolves the name, so it is the proxy that must refuse private destinations (the
usual job of an egress proxy). Certificates are verified against certifi's CA bundle, or
``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import re
import socket
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypedDict
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from pydantic import BaseModel

from publishing.access import Actor, authorize
from publishing.models import WEBHOOK_EVENTS, Pin, PinComment, Schedule, Webhook, WebhookDelivery
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


def webhook_body(payload: Mapping[str, object]) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys, the same on every retry."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- validation -------------------------------------------------------------------------------


# NAT64 (RFC 6052): the IPv4 address in the low 32 bits is where the traffic really goes.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Local-use NAT64 (RFC 8215): translates to whatever IPv4 the local network chooses.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# IPv4-compatible addresses (deprecated), ::a.b.c.d.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _low_32_bits(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a 6to4, Teredo or IPv4-compatible address reaches."""
    embedded = [ip.sixtofour, *(ip.teredo or ())]
    if ip in _IPV4_COMPATIBLE:
        embedded.append(_low_32_bits(ip))
    return [address for address in embedded if address is not None]


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip in _LOCAL_NAT64:
            return False
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address itself
            return _is_public(ip.ipv4_mapped)
        if ip in _NAT64:  # judged by where it leads (the prefix itself sits in reserved ::/8)
            return _is_public(_low_32_bits(ip))
        if not all(_is_public(embedded) for embedded in _embedded_ipv4(ip)):
            return False
    return _is_public(ip)


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return None


def _name_problem(host: str) -> str | None:
    """Why this host, checked without DNS, can never be a public target, or None."""
    host = host.rstrip(".").lower()
    address = _literal_address(host)
    if address is not None:
        if not _address_is_public(address):
            return f"The host {host!r} is a private, loopback or link-local address."
        return None
    if not host:
        return "The URL has no host."
    if host == "localhost" or host.endswith(".localhost"):
        return f"The host {host!r} is a loopback name."
    if host == "invalid" or host.endswith(".invalid"):
        return f"The host {host!r} could not be resolved (.invalid names never resolve)."
    return None


def webhook_target_problem(url: str) -> str | None:
    """Why this URL may not receive webhooks, or None, decided without DNS (registration): the
    resolved addresses are checked before each delivery."""
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None
    return _name_problem(urlsplit(url).hostname or "")


def _environment_proxy(url: str) -> str | None:
    """The proxy the environment names for this URL (``*_PROXY`` honouring ``NO_PROXY``), or None."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


def _vetted_address(url: str) -> tuple[str | None, str | None]:
    """``(address, None)``: a public address of the URL's host to connect to; ``(None, problem)``
    otherwise. ``(None, None)`` when private targets are allowed (connect by name)."""
    parts = urlsplit(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None, None
    host = parts.hostname or ""
    if problem := _name_problem(host):
        return None, problem
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # In the resolver's order of preference (dict keys: unique, ordered). An AF_INET or AF_INET6
        # address's host is a string (typeshed also allows the int of builds without IPv6).
        addresses = list(dict.fromkeys(str(info[4][0])
                                       for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    except (OSError, UnicodeError, ValueError):
        return None, f"The host {host!r} could not be resolved."
    if not addresses:
        return None, f"The host {host!r} could not be resolved."
    private = sorted(address for address in addresses if not _address_is_public(address))
    if private:
        return None, f"The host {host!r} resolves to a private, loopback or link-local address ({private[0]})."
    return addresses[0], None


# A path segment shown as is: a short word (letters, ``-``, ``_``, ``.``). Anything else (digits,
# long or encoded segments) may be a token, as in Slack's /services/T0/B0/XXXX or Discord's
# /api/webhooks/<id>/<token>: shown as ``…``.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z][A-Za-z._-]{0,23}")


def _path_redacted(path: str) -> str:
    return "/".join(segment if not segment or _PLAIN_SEGMENT.fullmatch(segment) else "…"
                    for segment in path.split("/"))


def webhook_url_redacted(url: str) -> str:
    """``scheme://host[:port]/path`` with any userinfo, query and fragment cut off (marked ``…``),
    and every path segment that could be a token (see ``_PLAIN_SEGMENT``) replaced by ``…``:
    receivers often take credentials there (``user:pass@``, ``?token=``, ``/hooks/<token>``).
    Shown to callers who may not manage integrations, and the only form of the URL the audit
    trail keeps."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # an unparsable port: keep the host alone
        port = ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal: brackets again, as in the URL
        host = f"[{host}]"
    redacted = f"{parts.scheme}://{host}{port}{_path_redacted(parts.path)}"
    removed_something = "@" in parts.netloc or parts.query or parts.fragment
    return f"{redacted}…" if removed_something else redacted


def _clean_url(url: object) -> str:
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


def _clean_secret(secret: object) -> str:
    if not isinstance(secret, str) or not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise ValidationError("invalid_secret", f"The secret must be {SECRET_MIN} to {SECRET_MAX} characters.",
                              field="secret")
    if "\x00" in secret:
        raise ValidationError("invalid_characters", "Must not contain NUL characters.", field="secret")
    return secret


def _clean_events(events: object) -> list[str]:
    if events is None:
        return list(DEFAULT_EVENTS)
    if not isinstance(events, list | tuple) or not events or not all(isinstance(event, str) for event in events):
        raise ValidationError("invalid_events", "Choose at least one event.", field="events")
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown:
        raise ValidationError("invalid_events", f"Unknown events: {', '.join(unknown)}. Choose from "
                                                f"{', '.join(WEBHOOK_EVENTS)}.", field="events")
    return [event for event in WEBHOOK_EVENTS if event in events]  # one each, in a stable order


# --- registration -----------------------------------------------------------------------------


@transaction.atomic
def webhook_create(*, actor: Actor, url: str, secret: str, events: Sequence[str] | None = None,
                   is_enabled: bool = True) -> Webhook:
    authorize(actor, "webhook.create")
    workspace = actor.workspace
    webhook = Webhook.objects.create(workspace=workspace, url=_clean_url(url), secret=_clean_secret(secret),
                                     events=_clean_events(events), is_enabled=bool(is_enabled))
    audit_record(team=workspace.team, workspace=workspace, action="webhook.created", actor=actor,
                 target=webhook,
                 details={"url": webhook_url_redacted(webhook.url), "events": webhook.events})
    return webhook


@transaction.atomic
def webhook_update(*, webhook: Webhook, data: Mapping[str, object] | BaseModel, actor: Actor) -> Webhook:
    """Change any of ``url``, ``secret`` (rotation), ``events``, ``is_enabled`` given in ``data``."""
    authorize(actor, "webhook.update", workspace=webhook.workspace)
    data = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
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
                 actor=actor, target=webhook,
                 details={"fields": sorted(data)})
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: Actor) -> None:
    authorize(actor, "webhook.delete", workspace=webhook.workspace)
    audit_record(team=webhook.workspace.team, workspace=webhook.workspace, action="webhook.deleted",
                 actor=actor, target=webhook,
                 details={"url": webhook_url_redacted(webhook.url)})
    webhook.delete()


# --- events and deliveries --------------------------------------------------------------------


def webhook_event_emit(*, pin: Pin, event: str) -> list[WebhookDelivery]:
    """Record one delivery per enabled webhook of the pin's workspace that wants ``event``, and
    enqueue them after the surrounding transaction commits."""
    return _deliveries_record(pin.workspace_id, event, {
        "pin_id": str(pin.public_id),
        "status": pin.status,
        "board_id": pin.board_id,
        "pinterest_account_id": str(pin.account.public_id),
        "pinterest_pin_id": pin.pinterest_pin_id or None,
        "error_code": pin.error_code or None,
        "error_message": pin.error_message or None,
    })


def webhook_comment_emit(*, comment: PinComment) -> list[WebhookDelivery]:
    """``pin.commented`` for a comment on a pin or on a schedule, recorded like every event (one
    signed delivery per webhook that wants it, sent after the transaction commits)."""
    subject = comment.subject
    pin = subject.pin if isinstance(subject, Schedule) else subject
    return _deliveries_record(subject.workspace_id, "pin.commented", {
        "comment_id": str(comment.public_id),
        "subject": "schedule" if isinstance(subject, Schedule) else "pin",
        "pin_id": str(pin.public_id) if pin is not None else None,
        "schedule_id": str(subject.public_id) if isinstance(subject, Schedule) else None,
        "author": comment.author_label,
        "author_is_guest": comment.is_guest,
        "body": comment.body,
        "mentions": [user.email for user in comment.mentions.order_by("email")],
        "content_version": comment.content_version,
    })


def _deliveries_record(workspace_id: int, event: str, fields: Mapping[str, object]) -> list[WebhookDelivery]:
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}")
    webhooks = [webhook for webhook in Webhook.objects.filter(workspace_id=workspace_id, is_enabled=True)
                if event in webhook.events]
    deliveries = []
    occurred_at = timezone.now().isoformat().replace("+00:00", "Z")
    for webhook in webhooks:
        delivery = WebhookDelivery(webhook=webhook, event_type=event, payload={})
        delivery.payload = {"event": event, "delivery_id": str(delivery.public_id), **fields,
                            "occurred_at": occurred_at}
        delivery.save()
        task_enqueue(DELIVER_TASK, delivery.pk)
        deliveries.append(delivery)
    return deliveries


def _backoff(attempt: int) -> float:
    base: float = settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
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
    address = proxy = None
    if not webhook.is_enabled:
        error = "The webhook is disabled."
    elif proxy := _environment_proxy(webhook.url):
        error = webhook_target_problem(webhook.url) or ""  # the proxy resolves the name (module docstring)
    else:
        address, problem = _vetted_address(webhook.url)
        error = problem or ""
    if not error:
        status_code, error = _post(webhook, delivery, address=address, proxy=proxy)
    return _record_delivery_result(delivery, status_code, error)


def _post(webhook: Webhook, delivery: WebhookDelivery, *, address: str | None,
          proxy: str | None = None) -> tuple[int | None, str]:
    """POST the delivery, through ``proxy`` if given. With ``address``, connect to exactly that
    checked address (the name is kept for the Host header, SNI and the certificate check):
    resolving the name again could give a private address (DNS rebinding) after the check passed."""
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
        # trust_env=False: the proxy is chosen above, explicitly; the CA bundle still honours
        # SSL_CERT_FILE / SSL_CERT_DIR.
        with httpx.Client(follow_redirects=False, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, trust_env=False,
                          proxy=proxy, verify=httpx.create_ssl_context(trust_env=True)) as client:
            response = client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: could not deliver"
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"The receiver answered HTTP {response.status_code}."


class _DeliveryResult(TypedDict, total=False):
    """The columns one attempt's outcome writes."""

    last_status_code: int | None
    last_error: str
    updated_at: datetime
    status: str
    delivered_at: datetime
    next_attempt_at: datetime | None


def _record_delivery_result(delivery: WebhookDelivery, status_code: int | None, error: str) -> str:
    now = timezone.now()
    fields: _DeliveryResult = {"last_status_code": status_code, "last_error": error[:ERROR_LIMIT],
                               "updated_at": now}
    if not error:
        fields.update({"status": WebhookDelivery.Status.DELIVERED, "delivered_at": now, "next_attempt_at": None})
    elif delivery.attempt_count >= settings.WEBHOOK_MAX_ATTEMPTS or error == "The webhook is disabled.":
        fields.update({"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None})
    else:
        fields.update({"next_attempt_at": now + timedelta(seconds=_backoff(delivery.attempt_count))})
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if next_attempt_at := fields.get("next_attempt_at"):
            task_enqueue(DELIVER_TASK, delivery.pk, at=next_attempt_at)
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


def webhook_deliveries_requeue_due(*, now: datetime | None = None) -> int:
    """Enqueue every pending delivery that is due (the sweeper's backstop for lost jobs)."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=60))
    ).values_list("pk", flat=True)[:1000])
    for delivery_id in due:
        task_enqueue(DELIVER_TASK, delivery_id)
    return len(due)
