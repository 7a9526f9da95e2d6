"""The posting queue: each account's weekly slots and "Add to queue", which schedules a pin at the
account's next free slot.

Slots are wall-clock times in the workspace's time zone (``Workspace.timezone``), so a 09:00 slot
stays at 09:00 across daylight saving time. On the day the clocks jump forward a slot inside the
skipped hour moves to the first valid time after it (02:30 in Europe/Paris on 2026-03-29 is 03:00
CEST); on the day they go back a slot in the repeated hour is its first occurrence (02:30 on
2026-10-25 is 02:30 CEST, 00:30 UTC).

A slot is free when the account has no live schedule (not canceled, not failed) at that instant.
``queue_add`` creates the schedule through ``schedule_create`` (the one creation path: approval,
audit, the run job) while holding a row lock on the account, so two adds for the same account are
serialised and never take the same slot. Changing the workspace's time zone moves nothing that is
already scheduled: schedules keep their UTC instant, only future slots are read in the new zone.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from publishing.access import Actor, authorize
from publishing.models import PinterestAccount, PostingSlot, Schedule, ScheduleStatus, Workspace, validate_time_zone
from publishing.services.audit import audit_record
from publishing.services.errors import Conflict, ValidationError
from publishing.services.pin_drafts import PinData, as_mapping
from publishing.services.schedules import TIME_FIELDS, local_time_to_utc, next_valid_local_time, schedule_create

MAX_SLOTS_PER_ACCOUNT = 100
# How far ahead the queue looks for a free slot (a year and a week: every weekly slot comes up 53 times).
HORIZON = timedelta(days=372)
TIME_TEXT = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A schedule in one of these no longer holds its slot.
RELEASED_STATUSES = (ScheduleStatus.CANCELED, ScheduleStatus.FAILED)


class NoFreeSlot(Conflict):
    code = "no_free_slot"


@dataclass(frozen=True)
class Slot:
    weekday: int
    local_time: time


@dataclass(frozen=True)
class FreeSlot:
    """One upcoming slot: its instant in UTC and the wall-clock time it stands for."""

    run_at: datetime
    local: datetime  # aware, in the workspace's zone (after a gap: the time it moved to)
    slot: Slot


# --- slots ------------------------------------------------------------------------------------


def _weekday(value: object, field: str) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(value.strip().lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 0 <= int(value) <= 6:
        return int(value)
    raise ValidationError("invalid_weekday", "Must be 0 (Monday) to 6 (Sunday), or the day's English name.",
                          field=field)


def _local_time(value: object, field: str) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    match = TIME_TEXT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValidationError("invalid_time", "Must be a time of day as HH:MM, from 00:00 to 23:59.", field=field)
    return time(int(match[1]), int(match[2]))


def clean_slots(slots: Iterable[Mapping[str, Any]]) -> list[Slot]:
    """The slots as given (``weekday``, ``time``), checked; duplicates kept once, in the week's order.
    A bad entry is a ValidationError naming it (``slots.2.time``)."""
    cleaned: set[Slot] = set()
    for index, entry in enumerate(slots):
        if not isinstance(entry, Mapping):
            raise ValidationError("invalid_slot", "Each slot is {weekday, time}.", field=f"slots.{index}")
        cleaned.add(Slot(_weekday(entry.get("weekday"), f"slots.{index}.weekday"),
                         _local_time(entry.get("time"), f"slots.{index}.time")))
    if len(cleaned) > MAX_SLOTS_PER_ACCOUNT:
        raise ValidationError("too_many_slots", f"At most {MAX_SLOTS_PER_ACCOUNT} slots a week per account.",
                              field="slots")
    return sorted(cleaned, key=lambda slot: (slot.weekday, slot.local_time))


def posting_slots_of(account: PinterestAccount) -> list[Slot]:
    """The account's slots in the week's order (read through ``prefetch_related("posting_slots")``
    when the caller prefetched them, as the calendar does for every account at once)."""
    return sorted((Slot(row.weekday, row.local_time) for row in account.posting_slots.all()),
                  key=lambda slot: (slot.weekday, slot.local_time))


def posting_slots_set(*, actor: Actor, account: PinterestAccount, slots: Iterable[Mapping[str, Any]]) -> list[Slot]:
    """Replace the account's weekly slots (an empty list clears them). Schedules already queued stay."""
    authorize(actor, "account.slots_set", workspace=account.workspace, account=account)
    cleaned = clean_slots(slots)
    with transaction.atomic():
        locked = PinterestAccount.objects.select_for_update().get(pk=account.pk)
        before = posting_slots_of(locked)
        if before != cleaned:
            PostingSlot.objects.filter(account=locked).delete()
            PostingSlot.objects.bulk_create(
                PostingSlot(account=locked, weekday=slot.weekday, local_time=slot.local_time) for slot in cleaned)
            audit_record(team=locked.workspace.team, workspace=locked.workspace, action="account.slots_changed",
                         actor=actor, target=locked,
                         details={"slots": [f"{slot.weekday}@{slot.local_time:%H:%M}" for slot in cleaned]})
    return cleaned


def posting_slots_add(*, actor: Actor, account: PinterestAccount,
                      slots: Iterable[Mapping[str, Any]]) -> tuple[list[Slot], list[Slot]]:
    """Add slots to the account's week, keeping every slot it has: (added, already there). Adding a
    slot the account has adds nothing, so adding the same slots twice changes nothing the second time.
    Only suggested times are added this way (managers may; replacing the week is ``posting_slots_set``)."""
    authorize(actor, "account.slots_apply_suggested", workspace=account.workspace, account=account)
    cleaned = clean_slots(slots)
    with transaction.atomic():
        locked = PinterestAccount.objects.select_for_update().get(pk=account.pk)
        before = set(posting_slots_of(locked))
        added = [slot for slot in cleaned if slot not in before]
        kept = [slot for slot in cleaned if slot in before]
        if len(before) + len(added) > MAX_SLOTS_PER_ACCOUNT:
            raise ValidationError("too_many_slots", f"At most {MAX_SLOTS_PER_ACCOUNT} slots a week per account.",
                                  field="slots")
        if added:
            PostingSlot.objects.bulk_create(
                PostingSlot(account=locked, weekday=slot.weekday, local_time=slot.local_time) for slot in added)
            audit_record(team=locked.workspace.team, workspace=locked.workspace, action="account.slots_added",
                         actor=actor, target=locked,
                         details={"added": [f"{slot.weekday}@{slot.local_time:%H:%M}" for slot in added]})
    return added, kept


# --- finding the next free slot ---------------------------------------------------------------


def slot_instant(day: datetime, slot: Slot, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The slot on ``day`` (a date at midnight, naive) as (UTC instant, aware local time).

    A wall-clock time the clocks skip moves to the first minute that exists after it; one that
    happens twice is its first occurrence."""
    local = next_valid_local_time(datetime.combine(day.date(), slot.local_time), zone)
    run_at = local_time_to_utc(local, zone, fold=0)
    return run_at, run_at.astimezone(zone)


def upcoming_slots(account: PinterestAccount, *, after: datetime, horizon: timedelta = HORIZON,
                   zone_of: Workspace | None = None) -> Iterable[FreeSlot]:
    """Every slot of the account in (``after``, ``after + horizon``], in time order (taken or not).
    ``zone_of``: the account's workspace when the caller has it (no query for it)."""
    slots = posting_slots_of(account)
    if not slots:
        return
    zone = (zone_of or account.workspace).zone
    start_day = after.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    end = after + horizon
    for offset in range((horizon.days) + 2):
        day = start_day + timedelta(days=offset)
        found = sorted(slot_instant(day, slot, zone) + (slot,) for slot in slots if slot.weekday == day.weekday())
        for run_at, local, slot in found:
            if after < run_at <= end:
                yield FreeSlot(run_at=run_at, local=local, slot=slot)


def taken_instants(account: PinterestAccount, *, after: datetime, until: datetime) -> set[datetime]:
    """The instants at which the account already has a live schedule."""
    return set(
        Schedule.objects.filter(account=account, run_at__gt=after, run_at__lte=until)
        .with_status().exclude(current_status__in=RELEASED_STATUSES)
        .values_list("run_at", flat=True)
    )


def queue_free_slots(account: PinterestAccount, *, after: datetime | None = None, count: int = 1) -> list[FreeSlot]:
    """The account's next ``count`` free slots after ``after`` (default now), earliest first."""
    after = (after or timezone.now()).astimezone(UTC)
    taken = {moment.astimezone(UTC) for moment in taken_instants(account, after=after, until=after + HORIZON)}
    free: list[FreeSlot] = []
    for candidate in upcoming_slots(account, after=after):
        if candidate.run_at not in taken:
            free.append(candidate)
            taken.add(candidate.run_at)  # two slots that land on one instant (a gap) count once
            if len(free) >= count:
                break
    return free


def queue_next_free_slot(account: PinterestAccount, after: datetime | None = None) -> FreeSlot:
    """The account's next free slot after ``after`` (default now); NoFreeSlot when it has no slots
    or every slot of the coming year is taken."""
    found = queue_free_slots(account, after=after, count=1)
    if not found:
        if not PostingSlot.objects.filter(account=account).exists():
            raise NoFreeSlot("no_posting_slots", "This account has no posting slots: add some in the workspace "
                             "settings first.", field="account_id")
        raise NoFreeSlot("no_free_slot", "Every posting slot of this account is taken for the coming year.",
                         field="account_id")
    return found[0]


# --- adding to the queue ----------------------------------------------------------------------


def _queue_account(actor: Actor, data: Mapping[str, Any]) -> PinterestAccount:
    raw = data.get("account_id")
    try:
        account_id = uuid.UUID(str(raw)) if raw not in (None, "") else None
    except ValueError:
        raise ValidationError("invalid_id", "Must be an id (a UUID).", field="account_id") from None
    if account_id is None:
        raise ValidationError("required", "Which account's queue? Give account_id.", field="account_id")
    account: PinterestAccount | None = (
        PinterestAccount.objects.for_workspace(actor.workspace).filter(public_id=account_id).first())
    if account is None:
        raise ValidationError("account_not_found", "No connected Pinterest account with this id here.",
                              field="account_id")
    return account


def _earlier_add(actor: Actor, fields: Mapping[str, Any]) -> Schedule | None:
    """The schedule an earlier add with this ``idempotency_key`` made (a form sent twice): a repeat
    gets it back instead of taking the next slot (whose other ``run_at`` would be a key conflict)."""
    key = fields.get("idempotency_key")
    if not key:
        return None
    earlier = Schedule.objects.filter(workspace=actor.workspace, idempotency_key=str(key).strip()).first()
    if earlier is not None:
        earlier.idempotent_replay = True
    return earlier


def queue_add(*, actor: Actor, data: PinData, now: datetime | None = None) -> Schedule:
    """A schedule of ``data`` (a ScheduleCreate without its time) at the account's next free slot.

    The account's row stays locked until the schedule is saved, so concurrent adds for one account
    take consecutive slots. The chosen time is the schedule's ``run_at``."""
    fields = {name: value for name, value in as_mapping(data).items() if name not in TIME_FIELDS}
    account = _queue_account(actor, fields)
    authorize(actor, "queue.add", workspace=account.workspace, account=account)
    with transaction.atomic():
        account = PinterestAccount.objects.select_for_update().select_related("workspace").get(pk=account.pk)
        repeat = _earlier_add(actor, fields)
        if repeat is not None:
            return repeat
        slot = queue_next_free_slot(account, after=now)
        return schedule_create(actor=actor, data={**fields, "run_at": slot.run_at})


# --- the workspace's time zone ----------------------------------------------------------------


def workspace_time_zone_set(*, actor: Actor, time_zone: str) -> tuple[Workspace, bool]:
    """Set the workspace's IANA time zone; returns (workspace, changed). Schedules keep their UTC
    instant (the calendar shows them at the new local time); slots are read in the new zone."""
    authorize(actor, "workspace.time_zone")
    name = (time_zone or "").strip()
    try:
        validate_time_zone(name)
    except Exception:  # django's ValidationError: not a zone name
        raise ValidationError("invalid_time_zone", f"{name!r} is not an IANA time zone such as Europe/Paris.",
                              field="time_zone") from None
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
        before = workspace.timezone
        if before == name:
            return workspace, False
        workspace.timezone = name
        workspace.save(update_fields=["timezone"])
        audit_record(team=workspace.team, workspace=workspace, action="workspace.time_zone_changed", actor=actor,
                     target=workspace, details={"from": before, "to": name})
    return workspace, True
