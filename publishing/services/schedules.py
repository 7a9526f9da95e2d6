"""Schedules: a pin's content plus ``run_at``; at that time it becomes a pin through ``pin_create``.

Time: ``run_at`` is stored in UTC. Callers give either an aware ``run_at`` (the API: ISO 8601
with an offset) or ``run_at_local``, a wall-clock time in the workspace's time zone (the
dashboard). Daylight-saving transitions are never guessed: a local time that does not exist
(clocks jump forward over it) is refused, and one that happens twice (clocks go back) is
refused unless the caller says which with ``run_at_fold`` (0 = the first, 1 = the second),
as Python's ``datetime.fold`` does.

Running: a schedule waits in this table (``run_at``), not in the broker, until the dispatcher
(``schedules_dispatch_due``, run by the publishing cluster's pusher about every half second, see
publishing/brokers.py) hands it over: shortly before ``run_at`` it marks the schedule
``dispatched_at`` and enqueues a ``run_schedule`` job for ``run_at`` exactly (services/queue.py),
so the broker only ever holds the schedules due within the next poll. Re-timing a schedule, or
scheduling it again, clears the mark. A periodic due-scanner runs whatever is due, dispatched or
not, so a schedule whose job was lost, or that fell due while the workers were down, runs when
they return. Both go through ``schedule_run``, which claims the schedule with a conditional
UPDATE (scheduled → queued) in the same transaction that creates its pin, whose idempotency key
is ``schedule:<id>``: a schedule runs once however many jobs reach it.

Once its pin exists, the schedule reports the pin's status (queued, deferred, running while
publishing, done when published, or failed) and error, read through the relation
(``Schedule.status``, ``ScheduleQuerySet.with_status()``): nothing copies them. Its own column
keeps only what happens before the pin exists (scheduled, queued while making it, failed) and
``canceled``, which outranks the pin's status.

Repeats: a caller that may submit twice (an import run again, a Compose form sent twice) gives an
``idempotency_key``; the database keeps it unique per workspace, so the same key and payload get
the first schedule back and another payload is an ``idempotency_conflict`` (as for pins).

Approval: ``needs_approval`` remembers whether someone whose pins need approval wrote or changed
the content; the schedule is then pending (``ApprovalColumns``, as a pin's) and is decided before
its pin exists, through the same steps as a pin (``services.approvals``). Approved when it comes
due, its pin is created approved and publishes; rejected, it fails (``Rejected: <reason>``) and
stays editable (an edit sends it back for approval); still undecided when it comes due, it is not
published: it fails with ``approval_deadline_missed`` and its author and approvers are told.
Once its pin exists (a pin sent back to approval by an edit), ``schedule_approve`` and
``schedule_reject`` decide on that pin.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from publishing.access import Actor, authorize
from publishing.content import ContentProblem, PinContent, content_fingerprint
from publishing.models import ApprovalState, Pin, PinStatus, Schedule, ScheduleStatus, Workspace
from publishing.services.approvals import approval_hold, approval_step_record
from publishing.services.audit import audit_record
from publishing.services.bulk import BulkResult, bulk_apply
from publishing.services.content_versions import content_version_keep
from publishing.services.delivery import pin_publish
from publishing.services.errors import (
    BadRequest,
    DomainError,
    InvalidState,
    NotFound,
    ValidationError,
)
from publishing.services.notifications import notify
from publishing.services.pin_drafts import PinData, PinDraft, ValidationReport, pin_draft, pin_validate
from publishing.services.pins import (
    clean_rejection_reason,
    idempotent_replay_of,
    pin_approve,
    pin_create,
    pin_needs_approval,
    pin_reject,
    pin_retry,
)
from publishing.services.queue import task_enqueue

RUN_TASK = "publishing.tasks.run_schedule"
TIME_FIELDS = ("run_at", "run_at_local", "run_at_fold")
UPDATABLE_FIELDS = (*PinContent.FIELDS, *TIME_FIELDS, "account_id")
DUE_BATCH = 200
# The dispatcher hands over what is due this far ahead: more than the time between two of its
# runs (about half a second on the ORM broker, up to a second on Redis), so a job is waiting for
# its time, not the time for the next dispatch.
DISPATCH_AHEAD = timedelta(seconds=2)
DISPATCH_BATCH = 500
APPROVAL_DEADLINE_MISSED = "approval_deadline_missed"


def schedule_idempotency_key(schedule: Schedule) -> str:
    return f"schedule:{schedule.public_id}"


# --- time -------------------------------------------------------------------------------------


def local_time_to_utc(local: datetime, zone: zoneinfo.ZoneInfo, *, fold: int | None = None,
                      field: str = "run_at_local") -> datetime:
    """A wall-clock time in ``zone`` as UTC; nonexistent and (unless ``fold``) ambiguous times refused."""
    if local.tzinfo is not None:
        raise ValidationError("invalid_datetime", "Give the local time without a UTC offset.", field=field)
    readings = local_time_readings(local, zone)
    if len(readings) == 1:
        return readings[0].astimezone(UTC)
    if not readings:
        raise ValidationError(
            "nonexistent_local_time",
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks skip it for daylight saving time. "
            "Choose a time outside the skipped hour.",
            field=field,
        )
    first, second = readings
    if fold not in (0, 1):
        raise ValidationError(
            "ambiguous_local_time",
            f"{local:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back): first at UTC offset "
            f"{_offset(first)}, then at {_offset(second)}. Say which (run_at_fold 0 for the first, 1 for the second).",
            field=field,
        )
    return (second if fold == 1 else first).astimezone(UTC)


def local_time_readings(local: datetime, zone: zoneinfo.ZoneInfo) -> tuple[datetime, ...]:
    """The moments a naive wall-clock ``local`` names in ``zone``, aware and in order: one for an
    ordinary time, two when the clocks go back over it (fold 0, then fold 1), none when they skip it.
    ``local_time_to_utc`` decides with the same reading, so a form can offer the choices it would ask for."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return (first,)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        return ()
    return (first, second)


def next_valid_local_time(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """For a wall-clock time the clocks skip, the first one after the jump (02:30 → 03:00 in
    Europe/Paris on 2026-03-29); any other time is returned unchanged."""
    if local_time_readings(local, zone):
        return local
    candidate = local.replace(second=0, microsecond=0)
    while not local_time_readings(candidate, zone):  # gaps are at most a few hours: a few hundred steps
        candidate += timedelta(minutes=1)
    return candidate


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    assert offset is not None, "an aware datetime (the callers' are placed in a zone)"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _parse_datetime(value: object, field: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and "\x00" not in value:
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
    raise ValidationError("invalid_datetime", "Must be a date and time such as 2026-12-01T09:30:00+01:00.",
                          field=field)


def schedule_run_at(*, workspace: Workspace, data: Mapping[str, Any], now: datetime | None = None) -> datetime:
    """The UTC ``run_at`` from ``run_at`` (aware) or ``run_at_local`` (+ ``run_at_fold``); in the future."""
    try:
        return _run_at(workspace=workspace, data=data, now=now)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00: in UTC it falls past the year 9999
        field = "run_at" if data.get("run_at") is not None else "run_at_local"
        raise ValidationError("invalid_datetime", "This date and time is out of range.", field=field) from None


def _run_at(*, workspace: Workspace, data: Mapping[str, Any], now: datetime | None) -> datetime:
    if data.get("run_at") is not None:
        run_at = _parse_datetime(data["run_at"], "run_at")
        if run_at.tzinfo is None:
            raise ValidationError("timezone_required",
                                  "run_at needs a UTC offset or Z (or give run_at_local in the workspace's time zone).",
                                  field="run_at")
        run_at, field = run_at.astimezone(UTC), "run_at"
    elif data.get("run_at_local") is not None:
        fold = data.get("run_at_fold")
        if fold is not None and fold not in (0, 1):
            raise ValidationError("invalid_fold", "Must be 0 (the first) or 1 (the second).", field="run_at_fold")
        local = _parse_datetime(data["run_at_local"], "run_at_local")
        field = "run_at_local"
        # An aware value was already placed in time by the caller (a form in the workspace's zone).
        run_at = local.astimezone(UTC) if local.tzinfo else local_time_to_utc(local, workspace.zone, fold=fold)
    else:
        raise ValidationError("required", "When should it publish? Give run_at.", field="run_at")
    if run_at <= (now or timezone.now()):
        raise ValidationError("run_at_in_past", "run_at must be in the future.", field=field)
    return run_at


# --- create, validate, update -----------------------------------------------------------------


def _mapping(data: PinData) -> dict[str, Any]:
    return dict(data) if isinstance(data, Mapping) else data.model_dump(exclude_unset=True)


def _pin_part(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` its pin will get; the pin's own idempotency key is chosen when the
    schedule runs (``schedule_idempotency_key``)."""
    return {name: data.get(name) for name in (*PinContent.FIELDS, "account_id")}


def _checked_content(data: Mapping[str, Any], actor: Actor) -> PinDraft:
    """The pin part checked like a pin create (board preflight now, not at run time); raises
    ValidationError. The draft holds every content field, the account and the assets."""
    draft = pin_draft(actor=actor, data=_pin_part(data))
    draft.raise_if_invalid()
    return draft


def _apply_content(schedule: Schedule, draft: PinDraft) -> None:
    """A checked draft onto ``schedule``; on a stored schedule whose content changes, the earlier
    content is kept and ``content_version`` moves on (comments on it are then on an earlier version)."""
    before = schedule.content_values() if schedule.pk is not None else None
    schedule.set_content(draft.values, asset=draft.asset, cover_image_asset=draft.cover_asset)
    content_version_keep(schedule, before)
    assert draft.account is not None, "a checked draft has its account (account_id is required)"
    schedule.account = draft.account


def _audit(schedule: Schedule, action: str, actor: Actor, details: dict[str, object] | None = None) -> None:
    audit_record(team=schedule.workspace.team, workspace=schedule.workspace, action=action, actor=actor,
                 target=schedule, details=details)


def _idempotency_key(data: Mapping[str, Any]) -> str | None:
    """The caller's key, cleaned like a pin's; None when there is none."""
    try:
        return PinContent.idempotency_key.normalise(data.get("idempotency_key")) or None
    except ContentProblem as problem:
        raise ValidationError(problem.code, problem.message, field="idempotency_key") from None


def _fingerprint(data: Mapping[str, Any]) -> str:
    """A hash of the request as submitted (pin part, account and time), empty fields left out."""
    return content_fingerprint({name: data[name] for name in (*PinContent.FIELDS, *TIME_FIELDS, "account_id")
                                if data.get(name) not in (None, "", [])})


def _replay_of(workspace: Workspace, key: str | None, fingerprint: str) -> Schedule | None:
    """The schedule already created with this key, or None; a different payload is a conflict."""
    if key is None:
        return None
    return idempotent_replay_of(Schedule.objects.filter(workspace=workspace), key=key, fingerprint=fingerprint,
                                noun="schedule")


def schedule_create(*, actor: Actor, data: PinData) -> Schedule:
    """A schedule (status ``scheduled``) that will create its pin at ``run_at``.

    With an ``idempotency_key`` in ``data``, a repeat of the same request returns the first
    schedule (``schedule.idempotent_replay`` is True, nothing new runs) even once its time has
    passed; the same key with another payload raises IdempotencyConflict.
    """
    authorize(actor, "schedule.create")
    workspace = actor.workspace
    fields = _mapping(data)
    key = _idempotency_key(fields)
    fingerprint = _fingerprint(fields)
    existing = _replay_of(workspace, key, fingerprint)
    if existing is not None:
        return existing
    errors: list[ValidationError] = []
    try:
        run_at = schedule_run_at(workspace=workspace, data=fields)
    except ValidationError as error:
        errors.append(error)
    try:
        draft = _checked_content(fields, actor)
    except ValidationError as error:
        errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        fields = {**errors[0].fields, **errors[1].fields}
        raise ValidationError("validation_error", "; ".join(f"{name}: {text}" for name, text in fields.items()),
                              field=errors[0].field, fields=fields)
    needs_approval = pin_needs_approval(actor=actor)
    try:
        with transaction.atomic():  # a savepoint: a lost race on the key leaves the caller's transaction usable
            schedule = Schedule(workspace=workspace, run_at=run_at, idempotency_key=key,
                                payload_fingerprint=fingerprint, needs_approval=needs_approval,
                                created_by=actor.user, created_by_key=actor.api_key)
            if needs_approval:
                approval_hold(schedule)
            _apply_content(schedule, draft)
            schedule.save()
            if needs_approval:
                notify("schedule.approval_requested", actor=actor, schedule=schedule)
            _audit(schedule, "schedule.created", actor,
                   {"run_at": run_at.isoformat(), "needs_approval": needs_approval})
    except IntegrityError:
        existing = _replay_of(workspace, key, fingerprint)
        if existing is None:
            raise
        return existing
    schedule.idempotent_replay = False
    return schedule


def schedule_validate(*, actor: Actor, data: PinData) -> ValidationReport:
    """Dry run of schedule_create: the pin checks plus a ``run_at`` check (PinValidationResponse)."""
    authorize(actor, "schedule.validate")
    workspace = actor.workspace
    fields = _mapping(data)
    # Without a key pin_validate makes no idempotency check: a schedule's pin gets its key when it runs.
    report = pin_validate(actor=actor, data=_pin_part(fields))
    try:
        run_at = schedule_run_at(workspace=workspace, data=fields)
    except ValidationError as error:
        report["checks"].append({"name": "run_at", "status": "failed", "code": error.code, "message": error.message})
        report["valid"] = False
    else:
        report["checks"].append({"name": "run_at", "status": "passed", "message": "OK"})
        report["resolved"]["run_at"] = run_at.isoformat().replace("+00:00", "Z")
    return report


def _locked(schedule: Schedule) -> Schedule:
    locked = Schedule.objects.select_for_update(of=("self",)).select_related("workspace__team", "pin").filter(
        pk=schedule.pk).first()
    if locked is None:
        raise NotFound(message="Schedule not found.")
    return locked


def _rejected_before_its_pin(schedule: Schedule) -> bool:
    return (schedule.own_status == ScheduleStatus.FAILED and schedule.pin_id is None
            and schedule.approval_state == ApprovalState.REJECTED)


def _missed_its_deadline(schedule: Schedule) -> bool:
    """Failed because it came due undecided: still pending, so it may be approved (then retried) or
    given a new time, as its error says."""
    return (schedule.own_status == ScheduleStatus.FAILED and schedule.pin_id is None
            and schedule.approval_state == ApprovalState.PENDING
            and schedule.own_error.startswith(APPROVAL_DEADLINE_MISSED))


def schedule_update(*, schedule: Schedule, actor: Actor, data: PinData) -> Schedule:
    """Change a schedule that has not started (status ``scheduled``), or one rejected before its pin
    existed or that missed its approval deadline, which the edit sends back to its approvers
    (scheduled again: its time must be ahead).
    A content change by someone whose pins need approval sends an approved schedule back to pending."""
    authorize(actor, "schedule.update", workspace=schedule.workspace, account=schedule.account)
    changes = _mapping(data)
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError("validation_error", f"These fields cannot be changed: {', '.join(unknown)}.",
                              field=unknown[0])
    with transaction.atomic():
        locked = _locked(schedule)
        resubmitted = _rejected_before_its_pin(locked) or _missed_its_deadline(locked)
        if locked.status != ScheduleStatus.SCHEDULED and not resubmitted:
            raise InvalidState("schedule_not_editable",
                               f"This schedule is {locked.status}; only scheduled ones can be edited.")
        if any(changes.get(name) is not None for name in TIME_FIELDS):
            locked.run_at = schedule_run_at(workspace=locked.workspace, data=changes)
            locked.dispatched_at = None  # a job already handed over finds it not due, and the new time is dispatched
        before = (locked.content_values(), locked.account_id)
        merged = {**locked.content_values(), "account_id": str(locked.account.public_id)}
        merged.update({name: value for name, value in changes.items() if name not in TIME_FIELDS})
        _apply_content(locked, _checked_content(merged, actor))
        changed = (locked.content_values(), locked.account_id) != before
        held = False  # sent (back) to its approvers by this edit: they are notified
        if changed and pin_needs_approval(actor=actor):
            locked.needs_approval = True  # content its approvers never saw; moving it in time needs none
            if locked.approval_state != ApprovalState.REJECTED:
                approval_hold(locked)  # approved, or halfway through its steps: a new round
                held = True
        elif changed and locked.approval_state == ApprovalState.PENDING and locked.approval_steps_done:
            approval_hold(locked)  # a first step approved content that has changed: the round starts again
            held = True
        if resubmitted:
            if locked.run_at <= timezone.now():
                raise ValidationError("run_at_in_past", "Its time has passed: give a new run_at to resubmit it.",
                                      field="run_at")
            locked.own_status, locked.own_error, locked.rejection_reason = ScheduleStatus.SCHEDULED, "", ""
            locked.dispatched_at = None
            approval_hold(locked)
            held = True
        locked.save()
        if held:
            notify("schedule.approval_requested", actor=actor, schedule=locked)
        _audit(locked, "schedule.resubmitted" if resubmitted else "schedule.updated", actor,
               {"fields": sorted(changes)})
    return locked


# --- cancel, retry, delete --------------------------------------------------------------------


def schedule_cancel(*, schedule: Schedule, actor: Actor) -> Schedule:
    """Stop a schedule that is scheduled, or queued with a pin that has not started publishing."""
    authorize(actor, "schedule.cancel", workspace=schedule.workspace, account=schedule.account)
    with transaction.atomic():
        locked = _locked(schedule)
        if locked.status not in (ScheduleStatus.SCHEDULED, ScheduleStatus.QUEUED):
            raise BadRequest(message=f"A {locked.status} schedule cannot be canceled.")
        if locked.pin_id:
            now = timezone.now()
            withdrawn = Pin.objects.filter(pk=locked.pin_id, deleted_at__isnull=True,
                                           status__in=[PinStatus.QUEUED, PinStatus.DEFERRED]).update(
                deleted_at=now, updated_at=now)
            if not withdrawn:
                raise BadRequest(message="Its pin has started publishing; the schedule can no longer be canceled.")
        locked.own_status = ScheduleStatus.CANCELED
        locked.save(update_fields=["own_status", "updated_at"])
        _audit(locked, "schedule.canceled", actor)
    return locked


def schedule_retry(*, schedule: Schedule, actor: Actor) -> Schedule:
    """Run a failed schedule again: its failed pin is retried, or (no pin yet) it is scheduled again
    and, when ``run_at`` has passed, runs at the next tick."""
    authorize(actor, "schedule.retry", workspace=schedule.workspace, account=schedule.account)
    with transaction.atomic():
        locked = _locked(schedule)
        if locked.status != ScheduleStatus.FAILED:
            raise BadRequest(message=f"Only failed schedules can be retried; this one is {locked.status}.")
        pin = locked.pin
        if pin is not None and pin.deleted_at is None:
            locked.pin = pin_retry(pin=pin, actor=actor)  # the schedule reports its pin's new status
        else:
            locked.pin = None
            locked.own_status = ScheduleStatus.SCHEDULED
            locked.own_error = ""
            locked.dispatched_at = None  # the next dispatch hands it over (at once when run_at has passed)
            if locked.needs_approval and locked.approval_state != ApprovalState.APPROVED:
                approval_hold(locked)  # rejected or past its deadline: it asks its approvers again
            locked.save(update_fields=["pin", "own_status", "own_error", "dispatched_at", "approval_state",
                                       "approval_steps_done", "updated_at"])
        _audit(locked, "schedule.retried", actor)
    return locked


def schedule_delete(*, schedule: Schedule, actor: Actor) -> None:
    """Delete a finished schedule (done, failed or canceled); its published pin is left alone."""
    authorize(actor, "schedule.delete", workspace=schedule.workspace, account=schedule.account)
    with transaction.atomic():
        locked = _locked(schedule)
        if locked.status not in (ScheduleStatus.DONE, ScheduleStatus.FAILED, ScheduleStatus.CANCELED):
            raise BadRequest(message=f"A {locked.status} schedule cannot be deleted; cancel it first.")
        _audit(locked, "schedule.deleted", actor)
        locked.delete()


# --- approval ---------------------------------------------------------------------------------


def _held_pin(locked: Schedule) -> Pin:
    """The pin a schedule's decision is about once it has made one: not withdrawn (canceling the
    schedule withdraws it). Whether that pin awaits approval (and who may decide) is the pins service's."""
    pin = locked.pin
    if pin is None or pin.deleted_at is not None:
        raise InvalidState("not_awaiting_approval", f"This schedule is {locked.status} and is not awaiting approval.")
    return pin


def _awaiting_before_its_pin(locked: Schedule) -> bool:
    """A schedule that has not made its pin yet and waits for a decision of its own (one that missed
    its deadline still does: approved, a retry runs it)."""
    return (locked.pin_id is None and locked.own_status == ScheduleStatus.SCHEDULED
            and locked.approval_state == ApprovalState.PENDING) or _missed_its_deadline(locked)


def schedule_approve(*, schedule: Schedule, actor: Actor, comment: str = "") -> Schedule:
    """Approve the step the schedule waits for: before its pin exists, on the schedule (once every
    step has approved, its pin will be created approved at run_at); afterwards, its pin held for
    approval (``pin_approve``)."""
    authorize(actor, "schedule.approve", workspace=schedule.workspace, account=schedule.account, item=schedule)
    with transaction.atomic():
        locked = _locked(schedule)
        if not _awaiting_before_its_pin(locked):
            locked.pin = pin_approve(pin=_held_pin(locked), actor=actor, comment=comment)
            _audit(locked, "schedule.approved", actor, {"pin_id": str(locked.pin.public_id)})
            return locked
        if approval_step_record(locked, actor=actor, approved=True, comment=comment):
            locked.approval_state = ApprovalState.APPROVED
            locked.approved_by = actor.user
            locked.decided_at = timezone.now()
        locked.save(update_fields=["approval_state", "approved_by", "decided_at", "approval_steps_done",
                                   "updated_at"])
        final = locked.approval_state == ApprovalState.APPROVED
        _audit(locked, "schedule.approved" if final else "schedule.approval_step_approved", actor,
               {"step": locked.approval_steps_done, "before_its_pin": True})
        if final:
            notify("pin.approved", actor=actor, schedule=locked)  # its author hears of the decision
    return locked


def schedule_reject(*, schedule: Schedule, actor: Actor, reason: str) -> Schedule:
    """Reject the schedule: before its pin exists, it fails (``Rejected: <reason>``), does not run
    and stays editable; afterwards, its pin held for approval (``pin_reject``)."""
    authorize(actor, "schedule.reject", workspace=schedule.workspace, account=schedule.account, item=schedule)
    reason = clean_rejection_reason(reason)
    with transaction.atomic():
        locked = _locked(schedule)
        if not _awaiting_before_its_pin(locked):
            locked.pin = pin_reject(pin=_held_pin(locked), actor=actor, reason=reason)
            _audit(locked, "schedule.rejected", actor,
                   {"pin_id": str(locked.pin.public_id), "reason": locked.pin.rejection_reason})
            return locked
        approval_step_record(locked, actor=actor, approved=False, comment=reason)
        locked.approval_state = ApprovalState.REJECTED
        locked.approved_by = actor.user
        locked.decided_at = timezone.now()
        locked.rejection_reason = reason
        locked.own_status = ScheduleStatus.FAILED
        locked.own_error = f"Rejected: {reason}"[:1000]
        locked.save()
        _audit(locked, "schedule.rejected", actor, {"reason": reason, "before_its_pin": True})
        notify("pin.rejected", actor=actor, schedule=locked, reason=reason)
    return locked


def _approval_bulk(*, actor: Actor, action: str, schedule_ids: Iterable[uuid.UUID | str],
                   decide: Callable[[Schedule], object]) -> BulkResult:
    authorize(actor, action)
    schedules = actor.filter_accounts(Schedule.objects.filter(workspace=actor.workspace), "account")
    return bulk_apply(schedule_ids, find=lambda public_id: schedules.filter(public_id=public_id).first(),
                      action=decide, not_found="Schedule not found.")


def schedule_bulk_approve(*, actor: Actor, schedule_ids: Iterable[uuid.UUID | str]) -> BulkResult:
    return _approval_bulk(actor=actor, action="schedule.approve", schedule_ids=schedule_ids,
                          decide=lambda schedule: schedule_approve(schedule=schedule, actor=actor))


def schedule_bulk_reject(*, actor: Actor, schedule_ids: Iterable[uuid.UUID | str], reason: str) -> BulkResult:
    """Reject each schedule with the same reason (a bad reason fails every item, naming ``reason``)."""
    return _approval_bulk(actor=actor, action="schedule.reject", schedule_ids=schedule_ids,
                          decide=lambda schedule: schedule_reject(schedule=schedule, actor=actor, reason=reason))


# Moving many schedules at once: at most this many days either way ("Move by N days").
SHIFT_DAYS_LIMIT = 366


def schedule_bulk_reschedule(*, actor: Actor, schedule_ids: Iterable[uuid.UUID | str],
                             run_at_local: datetime | str | None = None, run_at_fold: int | None = None,
                             shift_days: int | None = None) -> BulkResult:
    """Move each schedule, through ``schedule_update`` (the calendar's single reschedule), either to
    one wall-clock time ``run_at_local`` in the workspace's zone or by ``shift_days`` days of its own
    wall-clock time (09:00 stays 09:00 across a daylight-saving change). Exactly one of the two.

    A bad time (unreadable, skipped or repeated by the clocks without ``run_at_fold``, past) refuses
    the whole request, naming the field. Per item, ``schedule_update`` decides: a schedule that has
    run, been canceled or is running is skipped (``schedule_not_editable``); a shifted time the clocks
    skip or repeat, or one that would be past, is refused for that item with the same message the
    single reschedule gives. Other workspaces' ids, and accounts outside a key's allow-list, are not found.
    """
    authorize(actor, "schedule.update")
    if (run_at_local is None) == (shift_days is None):
        raise ValidationError("required", "Give either a new time or a number of days to move by.",
                              field="run_at_local")
    if run_at_local is not None:
        fixed: dict[str, Any] = {"run_at_local": run_at_local, "run_at_fold": run_at_fold}
        schedule_run_at(workspace=actor.workspace, data=fixed)  # a bad time refuses the whole request once
    elif isinstance(shift_days, bool) or not isinstance(shift_days, int) or not 0 < abs(shift_days) <= SHIFT_DAYS_LIMIT:
        raise ValidationError("invalid_shift", f"Move by 1 to {SHIFT_DAYS_LIMIT} days, forwards or back (-).",
                              field="shift_days")
    zone = actor.workspace.zone

    def new_time(schedule: Schedule) -> dict[str, Any]:
        if shift_days is None:
            return fixed
        # The schedule's own wall-clock time moved by whole days; schedule_update places it in the
        # zone again and refuses a time the clocks skip or repeat on the new day.
        try:
            return {"run_at_local": schedule.run_at.astimezone(zone).replace(tzinfo=None) + timedelta(days=shift_days)}
        except OverflowError:
            raise ValidationError("invalid_datetime", "This date and time is out of range.",
                                  field="shift_days") from None

    schedules = actor.filter_accounts(Schedule.objects.filter(workspace=actor.workspace), "account").select_related(
        "workspace", "account")
    return bulk_apply(
        schedule_ids,
        find=lambda public_id: schedules.filter(public_id=public_id).first(),
        action=lambda schedule: schedule_update(schedule=schedule, actor=actor, data=new_time(schedule)),
        not_found="Schedule not found.",
    )


class ScheduleAction(Protocol):
    def __call__(self, *, schedule: Schedule, actor: Actor) -> object: ...


def schedule_bulk(*, actor: Actor, schedule_ids: Iterable[uuid.UUID | str], action: str) -> BulkResult:
    """``action`` ("cancel", "retry" or "delete") for each id: the SDK's BulkOperationResponse. A
    caller who may not do it at all is refused whole; schedules of accounts outside a key's
    allow-list are not found."""
    operations: dict[str, ScheduleAction] = {
        "cancel": schedule_cancel, "retry": schedule_retry, "delete": schedule_delete}
    operation = operations[action]
    authorize(actor, f"schedule.{action}")
    schedules = actor.filter_accounts(Schedule.objects.filter(workspace=actor.workspace), "account")
    return bulk_apply(
        schedule_ids,
        find=lambda public_id: schedules.filter(public_id=public_id).first(),
        action=lambda schedule: operation(schedule=schedule, actor=actor),
        not_found="Schedule not found.",
    )


# --- running ----------------------------------------------------------------------------------


def schedule_run(*, schedule_id: int, now: datetime | None = None, publish: bool = False) -> str:
    """Turn a due schedule into its pin, exactly once. Returns what happened (for logs).

    ``publish`` (the schedule's own job): publish the pin here, once it is committed, instead of
    enqueuing a job for it: a due schedule's pin starts at once, not a pusher's poll later, and
    takes its turn ahead of a backlog (services/pacing.py). Its claim decides as a job's would (a
    pin held for approval is not claimed); should this worker die before the claim, the pin is
    queued and the sweepers enqueue it, as for a lost job. Otherwise (the due-scanner, which runs
    many) each pin gets its publish job."""
    now = now or timezone.now()
    outcome = _run(schedule_id, now=now, enqueue=not publish)
    if outcome == CHANGED_MEANWHILE:  # read again, once: if it changes again, the due-scanner takes it
        outcome = _run(schedule_id, now=now, enqueue=not publish)
    if outcome == "ran" and publish:
        pin_id = Schedule.objects.filter(pk=schedule_id).values_list("pin_id", flat=True).first()
        if pin_id is not None:
            pin_publish(pin_id=pin_id)
    return outcome


# The claim found the schedule no longer as it was read (an edit or a decision committed in between).
CHANGED_MEANWHILE = "changed_meanwhile"


def _run(schedule_id: int, *, now: datetime, enqueue: bool = True) -> str:
    schedule = Schedule.objects.select_related("workspace__team", "account", "asset", "cover_image_asset", "created_by",
                                               "created_by_key").filter(pk=schedule_id).first()
    if schedule is None:
        return "gone"
    if schedule.own_status != ScheduleStatus.SCHEDULED:
        return "already_run"
    if schedule.run_at > now:
        # Re-timed later (which cleared dispatched_at), or handed over early by a clock ahead of
        # this one: the mark goes, so the dispatcher hands it over again for its time.
        Schedule.objects.filter(pk=schedule.pk, run_at=schedule.run_at).update(dispatched_at=None)
        return "not_due"
    if schedule.needs_approval and schedule.approval_state != ApprovalState.APPROVED:
        return _approval_deadline_missed(schedule, now=now)
    try:
        with transaction.atomic():
            # Claimed only as read (updated_at): an edit or decision committing since the read above
            # must not be lost, nor its pin made from the content and approval read before it.
            claimed = Schedule.objects.filter(
                pk=schedule.pk, own_status=ScheduleStatus.SCHEDULED, run_at__lte=now, updated_at=schedule.updated_at
            ).update(own_status=ScheduleStatus.QUEUED, updated_at=now)
            if not claimed:
                return CHANGED_MEANWHILE  # ran, re-timed, edited or decided since the read: read again
            data = {**schedule.content_values(), "account_id": str(schedule.account.public_id),
                    "idempotency_key": schedule_idempotency_key(schedule)}
            # The job acts (its creator was authorized, allow-list included, when scheduling); the
            # pin is the creator's.
            approved = schedule.approval_state == ApprovalState.APPROVED
            pin = pin_create(actor=Actor.system(schedule.workspace, job="schedule"), source=Pin.Source.SCHEDULE,
                             data=data, approval_required=schedule.needs_approval and not approved,
                             created_by=(schedule.created_by, schedule.created_by_key),
                             approved_as=schedule if approved else None, enqueue=enqueue)
            # From here on the schedule reports its pin's status and error.
            Schedule.objects.filter(pk=schedule.pk).update(pin=pin, own_error="", updated_at=now)
    except DomainError as error:
        Schedule.objects.filter(pk=schedule.pk, own_status=ScheduleStatus.SCHEDULED).update(
            own_status=ScheduleStatus.FAILED, own_error=error.message[:1000], updated_at=timezone.now())
        return "failed"
    return "ran"


def _approval_deadline_missed(schedule: Schedule, *, now: datetime) -> str:
    """A schedule still waiting for approval when it comes due is not published: it fails with
    ``approval_deadline_missed`` (retry or edit it to ask again), audited, and its author and
    approvers are told."""
    message = (f"{APPROVAL_DEADLINE_MISSED}: it was not approved by its time "
               f"({schedule.run_at:%Y-%m-%d %H:%M} UTC), so nothing was published. Approve it and retry it, "
               "or give it a new time.")
    system = Actor.system(schedule.workspace, job="schedule")
    with transaction.atomic():
        missed = Schedule.objects.filter(pk=schedule.pk, own_status=ScheduleStatus.SCHEDULED, run_at__lte=now,
                                         updated_at=schedule.updated_at).update(
            own_status=ScheduleStatus.FAILED, own_error=message, updated_at=now)
        if not missed:  # ran, approved or changed since it was read: decide again on what it holds now
            return CHANGED_MEANWHILE
        schedule.own_status, schedule.own_error = ScheduleStatus.FAILED, message
        _audit(schedule, "schedule.approval_deadline_missed", system,
               {"run_at": schedule.run_at.isoformat(), "approval_steps_done": schedule.approval_steps_done})
        notify("schedule.approval_deadline_missed", actor=system, schedule=schedule,
               reason="it was not approved before its time; nothing was published")
    return APPROVAL_DEADLINE_MISSED


def schedules_dispatch_due(*, now: datetime | None = None) -> int:
    """The dispatcher: hand the workers each schedule due within ``DISPATCH_AHEAD``, once, as a
    ``run_schedule`` job for its ``run_at``. Reads only those (``awaiting_dispatch``, an index range),
    however many wait further ahead. Any number of dispatchers may run at once: each takes the rows
    no other holds (SKIP LOCKED, on PostgreSQL) and marks each only if still unmarked, so one of
    them enqueues it. Returns how many it handed over."""
    now = now or timezone.now()
    dispatched = 0
    with transaction.atomic():
        due = list(Schedule.objects.awaiting_dispatch(now + DISPATCH_AHEAD).select_for_update(skip_locked=True)
                   .values_list("pk", "run_at")[:DISPATCH_BATCH])
        for schedule_id, run_at in due:
            if Schedule.objects.filter(pk=schedule_id, dispatched_at__isnull=True, run_at=run_at,
                                       own_status=ScheduleStatus.SCHEDULED).update(dispatched_at=now):
                task_enqueue(RUN_TASK, schedule_id, at=run_at)  # once the marks commit
                dispatched += 1
    return dispatched


def schedules_run_due(*, now: datetime | None = None) -> int:
    """The due-scanner: run every schedule whose time has come (those missed while workers were down too)."""
    now = now or timezone.now()
    due = list(Schedule.objects.due(now).order_by("run_at", "id").values_list("pk", flat=True)[:DUE_BATCH])
    return sum(schedule_run(schedule_id=schedule_id, now=now) == "ran" for schedule_id in due)
