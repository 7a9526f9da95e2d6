"""Pins: the one create path for every source, edits, approval, retries and deletion. Cleaning
and checking a submission (and the dry run) are in ``pin_drafts``.

``pin_create`` serves the dashboard, the API, batches, imports and schedules alike. The
database enforces ``idempotency_key`` uniqueness per workspace: the pin is inserted inside a
savepoint and an IntegrityError means someone else holds the key — a repeat with the same
payload gets that pin back (and nothing is published again), a different payload is an
``idempotency_conflict``.

Every operation takes the ``Actor`` and opens with ``authorize`` (publishing.access: the role's
permission, the key's scope and account allow-list); then it applies the domain rules (approval,
self-approval, which status allows what).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal, TypedDict, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from publishing.access import Actor, ActorKind, authorize
from publishing.models import (
    ApiKey,
    ApprovalState,
    Asset,
    Pin,
    PinStatus,
    Schedule,
    User,
    Workspace,
)
from publishing.models.pins import WAITING_STATUSES
from publishing.permissions import Permission, Role, role_can
from publishing.services.approvals import approval_hold, approval_step_record, approval_waiting_message
from publishing.services.assets import media_upload_ensure
from publishing.services.audit import audit_record
from publishing.services.bulk import BulkResult, bulk_apply
from publishing.services.content_versions import content_version_keep
from publishing.services.delivery import pin_publish_enqueue, pinterest_pin_remove, unknown_create_attempts
from publishing.services.errors import (
    DomainError,
    IdempotencyConflict,
    InvalidState,
    NotFound,
    ValidationError,
)
from publishing.services.notifications import notify
from publishing.services.pin_drafts import PinData, PinDraft, as_mapping, clean_fields, resolve_targets
from publishing.services.webhooks import webhook_event_emit

REJECTION_REASON_LIMIT = 500
# What PATCH may change (the SDK's PinUpdate); an explicit None clears an optional field.
UPDATABLE_FIELDS = ("title", "description", "link_url", "alt_text", "board_id")

BatchStatus = Literal["created", "existing", "failed"]


class BatchItemResult(TypedDict):
    index: int
    idempotency_key: str | None
    status: BatchStatus
    pin: Pin | None
    error: dict[str, str | dict[str, str]] | None


class BatchResult(TypedDict):
    """The SDK's PinBatchResponse, with the Pin objects in ``results[].pin``."""

    created_count: int
    existing_count: int
    failed_count: int
    results: list[BatchItemResult]


class PinDeleteOutcome(TypedDict):
    """The SDK's PinDeleteResponse."""

    id: str
    deleted: bool
    removed_from_pinterest: bool
    pinterest_pin_id: str | None
    reason: str | None


# --- approval ---------------------------------------------------------------------------------


def pin_needs_approval(*, actor: Actor) -> bool:
    """The team's rule: editors' pins (by default) and API keys' pins (if the team says so)."""
    team = actor.team
    if actor.kind == ActorKind.API_KEY:
        return team.api_key_pins_need_approval
    if actor.kind != ActorKind.USER or actor.role is None:
        return False  # a system job (a schedule keeps the decision made when it was created)
    if role_can(actor.role, Permission.APPROVE):
        return False
    return actor.role != Role.EDITOR or team.editor_pins_need_approval


AWAITING_APPROVAL = "awaiting_approval"


def _hold_for_approval(pin: Pin, *, actor: Actor) -> None:
    """Send ``pin`` to its approvers. A queued pin on hold says so, and who may release it, in the
    error fields (the SDK's PinResponse keeps those and drops approval_state); approving clears
    them, rejecting replaces them with ``rejected``. Every path to PENDING goes through here, so
    this is where the ``pin.approval_requested`` webhook is emitted: callers hold the transaction
    that saves the pin, so the delivery is recorded with the hold (or not at all) and sent on commit.
    The approvers are notified (``pin.approval_requested``) the same way: ``pin`` must be saved."""
    approval_hold(pin)  # a new round: every step of the team's rule again
    if pin.status == PinStatus.QUEUED:
        pin.error_code = AWAITING_APPROVAL
        pin.error_message = approval_waiting_message(pin, pin.workspace.team)
    webhook_event_emit(pin=pin, event="pin.approval_requested")
    notify("pin.approval_requested", actor=actor, pin=pin)


def _audit(pin: Pin, action: str, *, actor: Actor, details: dict[str, object] | None = None) -> None:
    audit_record(team=pin.workspace.team, workspace=pin.workspace, action=action, actor=actor, target=pin,
                 details=details)


# --- create -----------------------------------------------------------------------------------


def pin_create(*, actor: Actor, source: str, data: PinData, approval_required: bool = False,
               created_by: tuple[User | None, ApiKey | None] | None = None,
               approved_as: Schedule | None = None, enqueue: bool = True) -> Pin:
    """Create a pin (queued, or queued awaiting approval) and enqueue its publishing.

    ``approval_required`` sends it to approval whatever the actor's role (a schedule whose content
    an editor wrote or changed becomes a pin as its author, who may be a manager). ``created_by``:
    the (user, key) a system job creates the pin for. ``approved_as``: a schedule approved before its
    pin existed, whose decision the pin carries (it is created approved and publishes). Returns the
    pin; ``pin.idempotent_replay`` is True when an earlier pin with the same ``idempotency_key`` and
    payload came back instead (nothing new is published then). ``enqueue=False``: no publish job,
    the caller publishes the pin itself once this commits (a schedule's job, in the same worker).
    Raises ValidationError (fields named), PermissionDenied (key allow-list) or
    IdempotencyConflict (same key, other payload).
    """
    if source not in Pin.Source.values:
        raise ValueError(f"Unknown pin source {source!r}")
    authorize(actor, "pin.create")
    workspace = actor.workspace
    fields = as_mapping(data)
    draft = clean_fields(fields)
    if not fields.get("idempotency_key") and not draft.has_problem("idempotency_key"):
        # Sources without a client-chosen key (dashboard forms) get a fresh one: never a replay.
        draft.values["idempotency_key"] = f"{source}:{uuid.uuid4().hex}"
    key = draft.values.get("idempotency_key", "")
    fingerprint = draft.fingerprint()
    if not draft.problems:
        existing = _replay_of(workspace, key, fingerprint)
        if existing is not None:
            return existing
    resolve_targets(draft, workspace=workspace, actor=actor)
    draft.raise_if_invalid()

    needs_approval = approved_as is None and (approval_required or pin_needs_approval(actor=actor))
    creator_user, creator_key = created_by or (actor.user, actor.api_key)
    pin = Pin(
        workspace=workspace,
        account=draft.account,
        board_id=draft.values["board_id"],
        idempotency_key=key,
        payload_fingerprint=fingerprint,
        source=source,
        created_by=creator_user,
        created_by_key=creator_key,
    )
    if approved_as is not None:
        pin.approval_state, pin.approved_by_id = ApprovalState.APPROVED, approved_as.approved_by_id
        pin.decided_at, pin.approval_steps_done = approved_as.decided_at, approved_as.approval_steps_done
    _apply_content(pin, draft)
    try:
        with transaction.atomic():
            pin.save()
            if needs_approval:  # inside the savepoint: a lost race on the key announces no hold
                _hold_for_approval(pin, actor=actor)  # after the insert: its notifications point at the pin
                pin.save(update_fields=["approval_state", "error_code", "error_message"])
            _audit(pin, "pin.created", actor=actor,
                   details={"source": source, "needs_approval": needs_approval})
            if not needs_approval and enqueue:
                pin_publish_enqueue(pin)
    except IntegrityError:
        existing = _replay_of(workspace, key, fingerprint)
        if existing is None:
            raise
        return existing
    pin.idempotent_replay = False
    return pin


def _replay_of(workspace: Workspace, key: str, fingerprint: str) -> Pin | None:
    """The pin already created with this key, or None; a different payload is a conflict."""
    return idempotent_replay_of(Pin.objects.select_related("account", "asset", "workspace").filter(
        workspace=workspace), key=key, fingerprint=fingerprint, noun="pin")


# Pins and schedules both keep an idempotency key and the fingerprint of the request that made them.
IdempotentRow = TypeVar("IdempotentRow", Pin, Schedule)


def idempotent_replay_of(candidates: QuerySet[IdempotentRow], *, key: str, fingerprint: str,
                         noun: str) -> IdempotentRow | None:
    """The row of ``candidates`` (one workspace's pins or schedules) holding ``key``, marked
    ``idempotent_replay``, or None; the same key with another payload fingerprint is a conflict."""
    existing = candidates.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.payload_fingerprint != fingerprint:
        raise IdempotencyConflict(
            message=f"idempotency_key {key!r} was already used for a different {noun}.",
            field="idempotency_key",
            remediation="Send the original payload again, or use a new idempotency_key.",
        )
    existing.idempotent_replay = True
    return existing


def _apply_content(pin: Pin, draft: PinDraft) -> None:
    """A valid draft's content and account onto ``pin`` (the draft holds every content field).

    Every content change goes through here: on a stored pin that says something new, the earlier
    content is kept as a PinContentVersion and ``content_version`` moves on, so comments on it show
    as "on an earlier version" and can be diffed against the current content."""
    before = pin.content_values() if pin.pk is not None else None
    pin.set_content(draft.values, asset=draft.asset, cover_image_asset=draft.cover_asset)
    content_version_keep(pin, before)
    if draft.account is not None:
        pin.account = draft.account


def pin_batch_create(*, actor: Actor, source: str = Pin.Source.BATCH, items: Iterable[PinData]) -> BatchResult:
    """Create many pins, each on its own (one bad item does not stop the others).

    Returns the SDK's PinBatchResponse shape with the Pin objects in ``results[].pin``.
    """
    authorize(actor, "pin.create")  # a caller who may not create pins is refused whole, not per item
    results: list[BatchItemResult] = []
    counts: dict[BatchStatus, int] = {"created": 0, "existing": 0, "failed": 0}
    for index, item in enumerate(items):
        fields = as_mapping(item)
        try:
            pin = pin_create(actor=actor, source=source, data=fields)
        except DomainError as error:
            counts["failed"] += 1
            results.append({"index": index, "idempotency_key": fields.get("idempotency_key"), "status": "failed",
                            "pin": None, "error": error.as_dict()})
            continue
        status: BatchStatus = "existing" if pin.idempotent_replay else "created"
        counts[status] += 1
        results.append({"index": index, "idempotency_key": pin.idempotency_key, "status": status, "pin": pin,
                        "error": None})
    return {"created_count": counts["created"], "existing_count": counts["existing"],
            "failed_count": counts["failed"], "results": results}


# --- edits and state changes ------------------------------------------------------------------


def _locked(pin: Pin) -> Pin:
    locked = Pin.objects.select_for_update().select_related("workspace__team", "account").filter(
        pk=pin.pk, deleted_at__isnull=True).first()
    if locked is None:
        raise NotFound(message="Pin not found.")
    return locked


def _refuse_unless_editable(pin: Pin) -> None:
    if pin.status == PinStatus.PUBLISHED:
        raise InvalidState("pin_already_published",
                           "This pin is already published on Pinterest and cannot be edited.",
                           remediation="Delete the pin and publish a corrected one.")
    if pin.status == PinStatus.PUBLISHING:
        raise InvalidState("pin_publishing", "This pin is being published right now; try again in a moment.")


def _refuse_if_outcome_unknown(pin: Pin) -> None:
    """An interrupted attempt may have created the pin on Pinterest; the next attempt recognises it
    by the content it sent. Changing content or board before then would publish a second pin."""
    if unknown_create_attempts(pin).exists():
        raise InvalidState("pin_publishing",
                           "An interrupted attempt may already have published this pin; it cannot change until "
                           "that is checked. Try again in a minute.")


def _reapproval_needed(pin: Pin, *, actor: Actor) -> bool:
    """Content its approvers never saw may not publish: an edit by someone whose pins need approval
    sends an approved (or never-reviewed) pin back to the queue, and any edit between two approval
    steps starts the round again (the first step approved content that has changed)."""
    if pin.approval_state == ApprovalState.PENDING and pin.approval_steps_done:
        return True
    return pin.approval_state in (ApprovalState.APPROVED, ApprovalState.NOT_REQUIRED) and pin_needs_approval(
        actor=actor)


def pin_edit(*, pin: Pin, actor: Actor, data: PinData) -> Pin:
    """Change a pin that has not been published (queued, deferred or failed), in one transaction:
    a rejected pin, once edited, goes back to its approvers (every face: the dashboard and /v1).

    ``data`` holds only the fields to change; None clears an optional one. A new board is
    checked like on create.
    """
    authorize(actor, "pin.edit", workspace=pin.workspace, account=pin.account)
    changes = as_mapping(data)
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError("validation_error", f"These fields cannot be changed: {', '.join(unknown)}.",
                              field=unknown[0])
    for name in ("title", "board_id"):
        if name in changes and changes[name] is None:
            raise ValidationError("field_not_clearable", "This field cannot be cleared.", field=name)
    with transaction.atomic():
        locked = _locked(pin)
        _refuse_unless_editable(locked)
        _refuse_if_outcome_unknown(locked)
        merged = _current_payload(locked)
        merged.update(changes)
        draft = clean_fields(merged)
        resolve_targets(draft, workspace=locked.workspace, actor=actor)
        draft.raise_if_invalid()
        before = {name: merged_value for name, merged_value in _current_payload(locked).items() if name in changes}
        _apply_content(locked, draft)
        if _reapproval_needed(locked, actor=actor):
            if locked.status == PinStatus.DEFERRED:  # awaiting approval is "queued" (a failed pin stays failed)
                locked.status = PinStatus.QUEUED
                locked.next_attempt_at = None
            _hold_for_approval(locked, actor=actor)
        locked.save()
        _audit(locked, "pin.updated", actor=actor, details={"fields": sorted(changes), "before": before})
        if locked.approval_state == ApprovalState.REJECTED and locked.status == PinStatus.FAILED:
            # Inside the same transaction: the edit and the resubmission happen together or not at all.
            locked = _resubmit_locked(locked, actor=actor)
    return locked


def _current_payload(pin: Pin) -> dict[str, Any]:
    return {"account_id": str(pin.account.public_id), **pin.content_values(), "idempotency_key": pin.idempotency_key}


def _requeue(pin: Pin) -> None:
    """Back to queued for a fresh round of attempts."""
    pin.status = PinStatus.QUEUED
    pin.error_code = ""
    pin.error_message = ""
    pin.failed_at = None
    pin.next_attempt_at = None
    pin.lease_expires_at = None
    pin.lease_token = None
    pin.attempt_count_at_requeue = pin.attempt_count


def pin_retry(*, pin: Pin, actor: Actor, board_id: str | None = None, account_id: str | None = None,
              at: datetime | None = None) -> Pin:
    """Queue a failed pin again, optionally to another board or account (an approver's call). A
    rejected pin goes back to its approvers, never straight to publishing.

    ``at`` (aware, in the future): publish then rather than now. The pin waits queued with
    ``next_attempt_at`` = ``at``, which the claim honours (see services/delivery.py), so neither
    an early job nor the sweeper publishes it sooner. Refused for a pin that must go back to its
    approvers first (their decision, not a time, releases it)."""
    authorize(actor, "pin.retry", workspace=pin.workspace, account=pin.account)
    if at is not None and (timezone.is_naive(at) or at <= timezone.now()):
        raise ValidationError("run_at_in_past", "Choose a time in the future.", field="run_at")
    with transaction.atomic():
        return _retry(_locked(pin), actor=actor, board_id=board_id, account_id=account_id, at=at)


def _resubmit_locked(locked: Pin, *, actor: Actor) -> Pin:
    """Send a rejected, just edited pin back for approval (``pin_edit`` holds the lock)."""
    return _retry(locked, actor=actor)


def _retry(locked: Pin, *, actor: Actor, board_id: str | None = None, account_id: str | None = None,
           at: datetime | None = None) -> Pin:
    """The retry itself; the caller holds the row lock in its transaction."""
    if at is not None and locked.status in WAITING_STATUSES:
        # Its time is the delivery service's (due now, or backing off after Pinterest's answer); a
        # worker may be taking it this moment. Moving a waiting pin is not offered.
        raise InvalidState("conflict", f"This pin is {locked.status}: it is already on its way to Pinterest, "
                                       "so it cannot be given a time. Only failed pins can be retried at a time.")
    if locked.status != PinStatus.FAILED:
        raise InvalidState("conflict", f"Only failed pins can be retried; this one is {locked.status}.")
    if at is not None and locked.approval_state in (ApprovalState.PENDING, ApprovalState.REJECTED):
        raise InvalidState("awaiting_approval",
                           "A retry sends this pin back to its approvers, and their approval publishes it: it "
                           "cannot wait for a time. Retry it without one.")
    if board_id is not None or account_id is not None:
        _refuse_if_outcome_unknown(locked)
        merged = _current_payload(locked)
        merged.update({name: value for name, value in (("board_id", board_id), ("account_id", account_id))
                       if value is not None})
        draft = clean_fields(merged)
        resolve_targets(draft, workspace=locked.workspace, actor=actor)
        draft.raise_if_invalid()
        _apply_content(locked, draft)
    else:
        _check_account_can_publish(locked)
    asset = locked.asset
    if asset is not None and asset.asset_type == Asset.Kind.VIDEO and asset.deleted_at is None:
        # A video Pinterest refused gets a fresh upload: the retry may follow a fixed file.
        media_upload_ensure(asset=asset, account=locked.account, restart_failed=True)
    was_rejected = locked.approval_state == ApprovalState.REJECTED
    moved = board_id is not None or account_id is not None
    needs_approval = was_rejected or locked.approval_state == ApprovalState.PENDING or (
        moved and _reapproval_needed(locked, actor=actor))
    _requeue(locked)
    locked.next_attempt_at = at  # None: due now
    if needs_approval:
        _hold_for_approval(locked, actor=actor)
    if was_rejected:
        locked.rejection_reason = ""
    locked.save()
    details: dict[str, object] = {"board_id": locked.board_id, "account_id": str(locked.account.public_id)}
    if at is not None:
        details["at"] = at.isoformat()
    _audit(locked, "pin.resubmitted" if was_rejected else "pin.retried", actor=actor, details=details)
    if not needs_approval:
        pin_publish_enqueue(locked, at=at)
    return locked


def _check_account_can_publish(pin: Pin) -> None:
    account = pin.account
    if account.revoked_at is not None:
        raise ValidationError("account_not_found", "The pin's Pinterest account was disconnected.",
                              field="account_id")
    if account.reconnect_required:
        raise ValidationError("account_reconnect_required",
                              "This Pinterest account must be reconnected before it can publish.",
                              field="account_id")


def _decide(pin: Pin) -> Pin:
    """The pin, locked, if it awaits a decision (who may decide is ``approval_step_record``'s to say)."""
    locked = _locked(pin)
    if locked.status != PinStatus.QUEUED or locked.approval_state != ApprovalState.PENDING:
        raise InvalidState("not_awaiting_approval", "This pin is not awaiting approval.")
    return locked


def clean_rejection_reason(reason: object) -> str:
    """The reason as stored, or ValidationError naming ``reason``."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("required", "Give a reason for the rejection.", field="reason")
    if "\x00" in reason:
        raise ValidationError("invalid_characters", "Must not contain NUL characters.", field="reason")
    if len(reason) > REJECTION_REASON_LIMIT:
        raise ValidationError("too_long", f"Must be at most {REJECTION_REASON_LIMIT} characters.", field="reason")
    return reason.strip()


def pin_approve(*, pin: Pin, actor: Actor, comment: str = "") -> Pin:
    """Approve the step ``pin`` waits for (the team's rule: one step or two). Only the last step's
    approval releases it to publish (audited ``pin.approved``, webhook, notice); an earlier step
    leaves it held, its error_message naming the step still needed (audited
    ``pin.approval_step_approved``)."""
    authorize(actor, "pin.approve", workspace=pin.workspace, account=pin.account, item=pin)
    with transaction.atomic():
        locked = _decide(pin)
        if not approval_step_record(locked, actor=actor, approved=True, comment=comment):
            locked.error_message = approval_waiting_message(locked, locked.workspace.team)
            locked.save(update_fields=["approval_steps_done", "error_message", "updated_at"])
            _audit(locked, "pin.approval_step_approved", actor=actor,
                   details={"step": locked.approval_steps_done, "still_needed": locked.error_message})
            return locked
        locked.approval_state = ApprovalState.APPROVED
        locked.approved_by = actor.user
        locked.decided_at = timezone.now()
        locked.error_code = locked.error_message = ""  # the hold _hold_for_approval announced is over
        locked.save(update_fields=["approval_state", "approved_by", "decided_at", "error_code", "error_message",
                                   "approval_steps_done", "updated_at"])
        _audit(locked, "pin.approved", actor=actor, details={"step": locked.approval_steps_done})
        webhook_event_emit(pin=locked, event="pin.approved")
        notify("pin.approved", actor=actor, pin=locked)
        pin_publish_enqueue(locked)
    return locked


def pin_reject(*, pin: Pin, actor: Actor, reason: str) -> Pin:
    """Refuse a pin: it becomes failed with error_code ``rejected`` and stays editable."""
    authorize(actor, "pin.reject", workspace=pin.workspace, account=pin.account, item=pin)
    reason = clean_rejection_reason(reason)
    with transaction.atomic():
        locked = _decide(pin)
        approval_step_record(locked, actor=actor, approved=False, comment=reason)
        now = timezone.now()
        locked.approval_state = ApprovalState.REJECTED
        locked.approved_by = actor.user
        locked.decided_at = now
        locked.rejection_reason = reason.strip()
        locked.status = PinStatus.FAILED
        locked.error_code = "rejected"
        locked.error_message = f"Rejected: {reason.strip()}"[:1000]
        locked.failed_at = now
        locked.save()
        _audit(locked, "pin.rejected", actor=actor, details={"reason": reason.strip()})
        webhook_event_emit(pin=locked, event="pin.rejected")
        notify("pin.rejected", actor=actor, pin=locked, reason=locked.rejection_reason)
    return locked


def pin_delete(*, pin: Pin, actor: Actor, delete_from_pinterest: bool = False) -> PinDeleteOutcome:
    """Delete the pin's record and, if asked, the published pin on Pinterest first.

    Returns the SDK's PinDeleteResponse fields. A pin mid-publish cannot be deleted (its
    outcome is not known yet); Pinterest being unavailable leaves the record in place.
    """
    authorize(actor, "pin.delete", workspace=pin.workspace, account=pin.account)
    with transaction.atomic():
        locked = _locked(pin)
        if locked.status == PinStatus.PUBLISHING:
            raise InvalidState("pin_publishing", "This pin is being published right now; try again in a moment.")
    outcome: PinDeleteOutcome = {"id": str(locked.public_id), "deleted": True, "removed_from_pinterest": False,
               "pinterest_pin_id": locked.pinterest_pin_id or None, "reason": None}
    if delete_from_pinterest:
        if locked.status != PinStatus.PUBLISHED or not locked.pinterest_pin_id:
            outcome["reason"] = "not_published"
        elif locked.removed_from_pinterest_at is None:
            pinterest_pin_remove(pin=locked)  # raises a DomainError when Pinterest refuses or is down
            outcome["removed_from_pinterest"] = True
        else:
            outcome["reason"] = "already_removed"
    now = timezone.now()
    with transaction.atomic():
        # Only pins that are still not publishing: a claim cannot slip in between.
        changed = Pin.objects.filter(pk=locked.pk, deleted_at__isnull=True).exclude(
            status=PinStatus.PUBLISHING).update(
            deleted_at=now, updated_at=now,
            removed_from_pinterest_at=now if outcome["removed_from_pinterest"] else locked.removed_from_pinterest_at)
        if not changed:
            raise InvalidState("pin_publishing", "This pin started publishing; try again in a moment.")
        _audit(locked, "pin.deleted", actor=actor,
               details={"delete_from_pinterest": delete_from_pinterest,
                        "removed_from_pinterest": outcome["removed_from_pinterest"]})
    return outcome


def pin_removed_from_pinterest_mark(*, pin_id: int, now: datetime | None = None) -> bool:
    """Record that Pinterest no longer has this published pin (it answered 404: deleted there):
    ``removed_from_pinterest_at`` is set once, the record stays (its stored analytics too), and the
    audit log says so once (someone deleted it on Pinterest, outside Pinboard). Whether it was set now
    (False when it already was, or the pin is gone)."""
    now = now or timezone.now()
    with transaction.atomic():
        marked = (Pin.objects.filter(pk=pin_id, removed_from_pinterest_at__isnull=True).exclude(pinterest_pin_id="")
                  .update(removed_from_pinterest_at=now, updated_at=now))
        if marked:
            pin = Pin.objects.select_related("workspace__team").get(pk=pin_id)
            _audit(pin, "pin.removed_from_pinterest", actor=Actor.system(pin.workspace, job="Pinterest answered 404"),
                   details={"pinterest_pin_id": pin.pinterest_pin_id})
    return bool(marked)


# --- bulk -------------------------------------------------------------------------------------


def _bulk(*, actor: Actor, action_name: str, pin_ids: Iterable[uuid.UUID | str],
          action: Callable[[Pin], object]) -> BulkResult:
    """``action(pin)`` for each id of a pin the actor may use: the SDK's BulkOperationResponse. A
    caller who may not do this at all is refused whole; pins of accounts outside a key's
    allow-list are not found, like other workspaces' pins."""
    authorize(actor, action_name)
    pins = actor.filter_accounts(Pin.objects.for_workspace(actor.workspace), "account")
    return bulk_apply(pin_ids, find=lambda public_id: pins.filter(public_id=public_id).first(), action=action,
                      not_found="Pin not found.")


def pin_bulk_delete(*, actor: Actor, pin_ids: Iterable[uuid.UUID | str]) -> BulkResult:
    return _bulk(actor=actor, action_name="pin.delete", pin_ids=pin_ids,
                 action=lambda pin: pin_delete(pin=pin, actor=actor))


def pin_bulk_retry(*, actor: Actor, pin_ids: Iterable[uuid.UUID | str], at: datetime | None = None) -> BulkResult:
    """Retry each pin, now or (``at``, aware and in the future) at that moment; a bad ``at`` refuses
    the whole request, naming ``run_at``."""
    if at is not None and (timezone.is_naive(at) or at <= timezone.now()):
        authorize(actor, "pin.retry")
        raise ValidationError("run_at_in_past", "Choose a time in the future.", field="run_at")
    return _bulk(actor=actor, action_name="pin.retry", pin_ids=pin_ids,
                 action=lambda pin: pin_retry(pin=pin, actor=actor, at=at))


def pin_bulk_approve(*, actor: Actor, pin_ids: Iterable[uuid.UUID | str]) -> BulkResult:
    return _bulk(actor=actor, action_name="pin.approve", pin_ids=pin_ids,
                 action=lambda pin: pin_approve(pin=pin, actor=actor))


def pin_bulk_reject(*, actor: Actor, pin_ids: Iterable[uuid.UUID | str], reason: str) -> BulkResult:
    """Reject each pin with the same reason (checked by ``pin_reject``, so a bad reason fails every item)."""
    return _bulk(actor=actor, action_name="pin.reject", pin_ids=pin_ids,
                 action=lambda pin: pin_reject(pin=pin, actor=actor, reason=reason))
