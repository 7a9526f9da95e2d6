"""Review links: a manager sends pins (and schedules) awaiting approval to someone outside the team.

A link is single-purpose (``approval``): it shows only its items and lets the guest approve or
reject each, under the name they give, until it expires (``REVIEW_LINK_DAYS`` by default, at most
``REVIEW_LINK_MAX_DAYS``) or is revoked. Its token is ``secrets.token_urlsafe`` shown once; the
database keeps its sha256. The guest acts as an ``Actor`` of kind GUEST_LINK through the same
``pin_approve``/``pin_reject`` (and schedule) step logic as members, so the team's steps and the
access policy (``authorize(item=...)``: only the link's items) hold for guests too; a guest's
comment goes into the item's comment thread. Every step is audited: created, opened, each
decision (by the pins and schedules services, and ``review_link.decided``), revoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import ApprovalState, Pin, PinStatus, ReviewLink, Schedule, ScheduleStatus
from publishing.services.approvals import authored_by
from publishing.services.audit import audit_record
from publishing.services.comments import pin_comment, schedule_comment
from publishing.services.errors import DomainError, NotFound, PermissionDenied, ValidationError
from publishing.services.pins import pin_approve, pin_reject
from publishing.services.schedules import schedule_approve, schedule_reject
from publishing.services.secrets import credential_hash, token_new

REVIEW_LINK_DAYS = 7
REVIEW_LINK_MAX_DAYS = 30
REVIEW_LINK_MAX_ITEMS = 50
# A link's opening is audited once per this window, not on every page view.
OPENED_AUDIT_INTERVAL = timedelta(hours=1)

Decision = Literal["approve", "reject"]
Item = TypeVar("Item", Pin, Schedule)


class ReviewLinkUnknown(NotFound):
    """No link has this token (404): the page says only that the link does not work."""

    code = "review_link_not_found"


class ReviewLinkClosed(DomainError):
    """The link expired or was revoked (410): the page says so, and nothing about its items."""

    code = "review_link_closed"
    status_hint = 410


@dataclass(frozen=True)
class IssuedReviewLink:
    link: ReviewLink
    token: str  # shown once to the manager; only its hash is stored


def _audit(link: ReviewLink, action: str, actor: Actor, details: dict[str, object] | None = None) -> None:
    audit_record(team=link.workspace.team, workspace=link.workspace, action=action, actor=actor, target=link,
                 details=details)


def _awaiting(item: Pin | Schedule) -> bool:
    if isinstance(item, Pin):
        return item.status == PinStatus.QUEUED and item.approval_state == ApprovalState.PENDING
    held = item.pin
    if held is not None and held.deleted_at is None:
        return _awaiting(held)
    return item.own_status == ScheduleStatus.SCHEDULED and item.approval_state == ApprovalState.PENDING


def _checked(ids: Sequence[str], found: Mapping[str, Item], field: str) -> list[Item]:
    """The items named by ``ids``, each awaiting approval; otherwise a ValidationError on ``field``."""
    missing = [item_id for item_id in ids if item_id not in found]
    if missing:
        raise ValidationError("not_found", f"Not found in this workspace: {', '.join(missing)}.", field=field)
    idle = [item_id for item_id in ids if not _awaiting(found[item_id])]
    if idle:
        raise ValidationError("not_awaiting_approval", f"Not awaiting approval: {', '.join(idle)}.", field=field)
    return [found[item_id] for item_id in ids]


def _found_pins(actor: Actor, ids: Sequence[str]) -> list[Pin]:
    rows = actor.filter_accounts(Pin.objects.for_workspace(actor.workspace).filter(public_id__in=ids), "account")
    return _checked(ids, {str(pin.public_id): pin for pin in rows}, "pin_ids")


def _found_schedules(actor: Actor, ids: Sequence[str]) -> list[Schedule]:
    rows = actor.filter_accounts(Schedule.objects.for_workspace(actor.workspace).filter(public_id__in=ids), "account")
    return _checked(ids, {str(schedule.public_id): schedule for schedule in rows}, "schedule_ids")


def _clean_ids(ids: Iterable[object], field: str) -> list[str]:
    cleaned: list[str] = []
    for raw in ids:
        text = str(raw).strip().lower()
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > REVIEW_LINK_MAX_ITEMS:
        raise ValidationError("too_many", f"A link holds at most {REVIEW_LINK_MAX_ITEMS} items.", field=field)
    return cleaned


def _clean_guest(guest_name: str, guest_email: str) -> tuple[str, str]:
    name, email = guest_name.strip(), guest_email.strip()
    if "\x00" in name or len(name) > ReviewLink.GUEST_NAME_MAX_LENGTH:
        raise ValidationError("invalid", f"At most {ReviewLink.GUEST_NAME_MAX_LENGTH} characters, none of them NUL.",
                              field="guest_name")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError("invalid_email", "Enter a valid email address.", field="guest_email") from None
    return name, email


def review_link_create(*, actor: Actor, pin_ids: Iterable[object] = (), schedule_ids: Iterable[object] = (),
                       expires_in_days: int = REVIEW_LINK_DAYS, guest_name: str = "",
                       guest_email: str = "") -> IssuedReviewLink:
    """A link to the given pins and schedules (all awaiting approval, all the actor's to decide on),
    valid for ``expires_in_days``. Returns it with its token, which is never shown again."""
    authorize(actor, "review_link.create")
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= REVIEW_LINK_MAX_DAYS:
        raise ValidationError("out_of_range", f"Between 1 and {REVIEW_LINK_MAX_DAYS} days.", field="expires_in_days")
    name, email = _clean_guest(guest_name, guest_email)
    pins = _found_pins(actor, _clean_ids(pin_ids, "pin_ids"))
    schedules = _found_schedules(actor, _clean_ids(schedule_ids, "schedule_ids"))
    if not pins and not schedules:
        raise ValidationError("required", "Choose at least one pin or schedule to send for review.", field="pin_ids")
    for pin in pins:
        authorize(actor, "review_link.create", workspace=pin.workspace, account=pin.account)
    for schedule in schedules:
        authorize(actor, "review_link.create", workspace=schedule.workspace, account=schedule.account)
    _refuse_own_items(actor, [*pins, *schedules])
    token, token_hash = token_new()
    with transaction.atomic():
        link = ReviewLink.objects.create(workspace=actor.workspace, token_hash=token_hash, guest_name=name,
                                         guest_email=email, created_by=actor.user, created_by_key=actor.api_key,
                                         expires_at=timezone.now() + timedelta(days=expires_in_days))
        link.pins.set(pins)
        link.schedules.set(schedules)
        _audit(link, "review_link.created", actor, {
            "pins": [str(pin.public_id) for pin in pins], "schedules": [str(s.public_id) for s in schedules],
            "expires_at": link.expires_at.isoformat(), "guest_email": email})
    return IssuedReviewLink(link=link, token=token)


def _refuse_own_items(actor: Actor, items: Sequence[Pin | Schedule]) -> None:
    """Said at once, not when the guest acts: a guest's decision through a link sent by the author of
    an item no colleague has approved yet would be refused (``approval_step_refusal``)."""
    if actor.workspace.team.allow_self_approval:
        return
    own = [item for item in items if item.approval_steps_done == 0 and authored_by(item, actor)]
    if own:
        raise PermissionDenied("self_approval_forbidden",
                               "Your team does not allow approving your own pins, so you cannot send them to a guest "
                               f"reviewer yourself ({', '.join(str(item.public_id) for item in own)}): a colleague "
                               "who may approve can approve them or send the link.")


def review_link_revoke(*, actor: Actor, link: ReviewLink) -> ReviewLink:
    """Close the link now; a second revoke changes nothing."""
    authorize(actor, "review_link.revoke", workspace=link.workspace)
    with transaction.atomic():
        locked = ReviewLink.objects.select_for_update().get(pk=link.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            _audit(locked, "review_link.revoked", actor)
    return locked


def review_link_by_token(token: str) -> ReviewLink:
    """The open link ``token`` names; ReviewLinkUnknown (404) or ReviewLinkClosed (410) otherwise."""
    link = (ReviewLink.objects.select_related("workspace__team").filter(token_hash=credential_hash(token)).first()
            if token and "\x00" not in token else None)
    if link is None:
        raise ReviewLinkUnknown(message="This review link does not work. Ask whoever sent it for a new one.")
    _refuse_unless_open(link)
    return link


def _refuse_unless_open(link: ReviewLink) -> None:
    if not link.is_open():
        raise ReviewLinkClosed(message="This review link has expired or was withdrawn. Ask whoever sent it for "
                                       "a new one.")


def review_link_open(*, token: str) -> ReviewLink:
    """The guest opens the page: the link (see ``review_link_by_token``), its opening audited (at most
    once per ``OPENED_AUDIT_INTERVAL``)."""
    link = review_link_by_token(token)
    now = timezone.now()
    if link.last_opened_at is None or now - link.last_opened_at >= OPENED_AUDIT_INTERVAL:
        with transaction.atomic():
            if ReviewLink.objects.filter(pk=link.pk, last_opened_at=link.last_opened_at).update(last_opened_at=now):
                _audit(link, "review_link.opened", Actor.for_review_link(link, guest_name=link.guest_name))
        link.last_opened_at = now
    return link


def review_link_items(link: ReviewLink) -> tuple[list[Pin], list[Schedule]]:
    """What the guest sees: the link's pins (not deleted) and schedules, oldest first."""
    pins = list(link.pins.filter(deleted_at__isnull=True).select_related("asset", "account").order_by("created_at",
                                                                                                        "id"))
    schedules = list(link.schedules.select_related("asset", "account", "pin").order_by("run_at", "id"))
    return pins, schedules


def review_link_decide(*, token: str, item_id: str, kind: Literal["pin", "schedule"], decision: Decision,
                       guest_name: str, comment: str = "") -> Pin | Schedule:
    """The guest's decision on one item of the link: approve (comment optional) or reject (the comment
    is the reason), under the name they give; the comment joins the item's thread. Another item, or
    a closed link, is refused before anything is recorded."""
    link = review_link_by_token(token)
    actor = Actor.for_review_link(link, guest_name=guest_name)
    if not actor.guest_name:
        raise ValidationError("required", "Give your name: the team sees who decided.", field="name")
    model: type[Pin] | type[Schedule] = Pin if kind == "pin" else Schedule
    item = model.objects.filter(workspace=link.workspace, public_id=item_id).select_related("workspace__team",
                                                                                             "account").first()
    if item is None:
        raise NotFound(message="Not found.")
    text = comment.strip()
    with transaction.atomic():
        # The link's row first (revoke locks it too): a revoke that has committed refuses the decision,
        # one under way waits for it, and the two never deadlock on the decision's reference to the link.
        link = ReviewLink.objects.select_for_update(of=("self",)).select_related("workspace__team").get(pk=link.pk)
        _refuse_unless_open(link)
        actor = Actor.for_review_link(link, guest_name=guest_name)
        if isinstance(item, Pin):
            decided: Pin | Schedule = (pin_approve(pin=item, actor=actor, comment=text) if decision == "approve"
                                       else pin_reject(pin=item, actor=actor, reason=text))
            if text:
                pin_comment(pin=item, actor=actor, body=text)
        else:
            decided = (schedule_approve(schedule=item, actor=actor, comment=text) if decision == "approve"
                       else schedule_reject(schedule=item, actor=actor, reason=text))
            if text:
                schedule_comment(schedule=item, actor=actor, body=text)
        _audit(link, "review_link.decided", actor, {kind: str(item.public_id), "decision": decision})
    return decided
