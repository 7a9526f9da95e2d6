"""Calendar: month and week views of scheduled and published pins in the workspace's zone;
scheduled pins can be moved to another time from here.

A day's cell shows its first few entries (schedules, open posting slots and published pins, in time
order) and "+N more", which loads the rest of that day a page at a time (``calendar_day``): however
many schedules a month holds, the page runs the same queries and sends about the same bytes."""

import calendar as calendar_module
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import team_context_or_404
from publishing.forms import FILTER_DAYS, RescheduleForm, ScheduleBulkRescheduleForm
from publishing.lookups import schedule_for_workspace_or_404
from publishing.models import Pin, PinterestAccount, Schedule
from publishing.services.posting_queue import upcoming_slots
from publishing.services.schedules import schedule_bulk_reschedule, schedule_update
from publishing.views.common import render_page, submit, uuid_or_none

TEMPLATE = "publishing/calendar/calendar.html"
DAY_TEMPLATE = "publishing/calendar/calendar_day.html"
VIEWS = ("month", "week")
# Entries a day's cell shows before "+N more" (a week's cells are taller), and entries one
# "+N more" adds.
PER_DAY = {"month": 4, "week": 12}
PAGE = 50
# Rows of a kind in the range above which a day's entries are read day by day (``fill_days``).
BUSY_MONTH = 2000
# Rows of a kind a busy month counts per day: a day with more shows "+N or more" (the day's own
# page counts exactly), so a busy month's counts cost the same however full its days are.
DAY_COUNT_CAP = 100
# Entries at the same instant: schedules, then open slots, then published pins; then by id.
RANKS = {"schedule": 0, "slot": 1, "published": 2}

Position = tuple[datetime, int, int]  # (instant, rank, id): an entry's place in its day


@dataclass
class Entry:
    """One line of a day: a schedule, an open posting slot ({account, run_at, slot}) or a published pin."""

    kind: str
    at: datetime
    pk: int
    item: object

    @property
    def position(self) -> Position:
        return (self.at, RANKS[self.kind], self.pk)


@dataclass(slots=True)
class PinOfLine:
    public_id: uuid.UUID
    status: str


# A month's lines are read as values, the columns they show (``COLUMNS``, in field order), not as
# model instances: building an instance from a few columns cost about 20 µs a row (3 ms for the
# 140 lines a month shows at most). The day's own page shows the models themselves; the lines read the same
# attributes off either.
@dataclass(slots=True)
class ScheduleLine:
    COLUMNS: ClassVar = ("id", "public_id", "title", "run_at", "own_status", "account_id", "pin_id")
    id: int
    public_id: uuid.UUID
    title: str
    run_at: datetime
    own_status: str
    account_id: int
    pin_id: int | None
    pin: PinOfLine | None = None  # read by primary key beside the lines (a join hashed every pin of the table)
    in_slot: bool = False

    # What a schedule reports: the model's own definition, read off these columns.
    _reports_its_pin = Schedule._reports_its_pin
    status = Schedule.status


@dataclass(slots=True)
class PublishedLine:
    COLUMNS: ClassVar = ("id", "public_id", "title", "published_at", "status")
    id: int
    public_id: uuid.UUID
    title: str
    published_at: datetime
    status: str


@dataclass
class Day:
    date: date
    in_month: bool
    entries: list[Entry] = field(default_factory=list)  # the first ones, in time order
    more: int = 0  # entries of the day not shown
    at_least: bool = False  # ``more`` is a lower bound (a kind's count reached ``DAY_COUNT_CAP``)
    has_pins: bool = False  # any schedule or published pin (open slots alone leave a day empty)

    @property
    def after(self) -> str:
        """Where "+N more" continues: after the last entry shown."""
        return position_text(self.entries[-1].position) if self.entries else ""


def position_text(position: Position) -> str:
    at, rank, pk = position
    return f"{at.astimezone(UTC):%Y%m%dT%H%M%S%f}_{rank}_{pk}"


def position_or_none(text: str | None) -> Position | None:
    """The position ``position_text`` wrote, or None (from the day's start) for anything else."""
    try:
        at, rank, pk = (text or "").split("_")
        return datetime.strptime(at, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC), int(rank), int(pk)
    except ValueError:
        return None


def after_position(time_field: str, kind: str, after: Position | None) -> Q:
    """Rows of ``kind`` placed after ``after`` in a day's order (everything when it is None)."""
    if after is None:
        return Q()
    at, rank, pk = after
    later = Q(**{f"{time_field}__gt": at})
    if RANKS[kind] > rank:
        return later | Q(**{time_field: at})
    if RANKS[kind] == rank:
        return later | Q(**{time_field: at, "id__gt": pk})
    return later


def any_movable(ctx, start: datetime, end: datetime) -> bool:
    """Whether a schedule in [start, end) may still be moved."""
    return Schedule.objects.on_calendar(ctx.workspace, start, end).movable().exists()


def posting_slots(ctx, schedules: list[Schedule] | list[ScheduleLine], *, start: datetime,
                  end: datetime) -> list[Entry]:
    """Every account's posting slots from now to ``end``: a schedule at a slot is marked ``in_slot``
    (queued), a slot no schedule takes is an open slot (returned)."""
    after = max(start, timezone.now())
    if after >= end:
        return []
    accounts = PinterestAccount.objects.for_workspace(ctx.workspace).prefetch_related("posting_slots")
    slots = [(account, slot) for account in accounts
             for slot in upcoming_slots(account, after=after, horizon=end - after, zone_of=ctx.workspace)
             if slot.run_at < end]
    if not slots:
        return []
    at_slot = {(account.pk, slot.run_at) for account, slot in slots}
    for schedule in schedules:
        schedule.in_slot = (schedule.account_id, schedule.run_at) in at_slot
    taken = set(Schedule.objects.on_calendar(ctx.workspace, start, end)
                .filter(run_at__in={slot.run_at for _, slot in slots}).values_list("account_id", "run_at"))
    return [Entry("slot", slot.run_at, account.pk, {"account": account, "run_at": slot.run_at, "slot": slot})
            for account, slot in slots if (account.pk, slot.run_at) not in taken]


def visible_range(view: str, anchor: date) -> tuple[date, date]:
    """First and last day shown: whole weeks, Monday first."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    first = anchor.replace(day=1)
    last = first.replace(day=calendar_module.monthrange(first.year, first.month)[1])
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def neighbours(view: str, anchor: date) -> tuple[date, date]:
    if view == "week":
        return anchor - timedelta(days=7), anchor + timedelta(days=7)
    first = anchor.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return previous, following


def fill_days(ctx, days: dict[date, Day], *, per_day: int) -> None:
    """Each day's first ``per_day`` entries and how many more it has: per kind, a bounded count
    that chooses how to read, then one read of each day's count and first rows together. Up to
    ``BUSY_MONTH`` rows of a kind, one pass numbers them by local day; above, each day's bounds are
    its local midnights (a day that DST makes 23 or 25 hours long keeps its rows) and the database
    counts each day's rows up to ``DAY_COUNT_CAP`` and reads at most ``per_day`` of them, however
    many the day has (planning a read per day costs more than a small month's whole pass)."""
    bounds = {day: (local_midnight(day), local_midnight(day + timedelta(days=1))) for day in days}
    start, end = min(bounds.values())[0], max(bounds.values())[1]
    workspace = ctx.workspace
    entries: list[Entry] = []
    lines: dict[str, list] = {}
    # Each kind's rows in range, an upper bound of their number that is cheap to count (published
    # pins without the join that leaves out a schedule's pins), and its line.
    for kind, rows, bound, time_field, line in (
        ("schedule", Schedule.objects.on_calendar(workspace, start, end), None, "run_at", ScheduleLine),
        ("published", Pin.objects.on_calendar(workspace, start, end),
         Pin.objects.published_between(workspace, start, end), "published_at", PublishedLine),
    ):
        busy = (rows if bound is None else bound).order_by().values("pk")[:BUSY_MONTH + 1].count() > BUSY_MONTH
        if busy:
            firsts = rows.first_of_each_day(time_field, bounds, limit=per_day, cap=DAY_COUNT_CAP, columns=line.COLUMNS)
        else:
            firsts = [(day, day_total, values) for day, day_total, *values in rows.first_of_each_local_day(
                time_field, zone=workspace.zone, limit=per_day, columns=line.COLUMNS)]
        for day, day_total in {day: day_total for day, day_total, _values in firsts}.items():
            days[day].has_pins = True
            days[day].more += day_total
            days[day].at_least |= busy and day_total >= DAY_COUNT_CAP
        lines[kind] = [line(*values) for _day, _total, values in firsts]
        entries += [Entry(kind, getattr(shown, time_field), shown.id, shown) for shown in lines[kind]]
    schedules = lines["schedule"]
    pinned = {schedule.pin_id: schedule for schedule in schedules if schedule.pin_id}
    if pinned:
        for pk, public_id, status in Pin.objects.filter(pk__in=pinned).values_list("pk", "public_id", "status"):
            pinned[pk].pin = PinOfLine(public_id, status)
    slots = posting_slots(ctx, schedules, start=start, end=end)
    for entry in sorted(entries + slots, key=lambda e: e.position):
        day = days[timezone.localtime(entry.at).date()]
        day.more += entry.kind == "slot"  # schedules and published pins are in their day's count already
        if len(day.entries) < per_day:
            day.entries.append(entry)
            day.more -= 1


@login_required
def calendar_view(request):
    return calendar_page(request, team_context_or_404(request))


def calendar_page(request, ctx, *, bulk: dict | None = None, bulk_form: ScheduleBulkRescheduleForm | None = None,
                  status: int = 200):
    """The month or week the query string asks for, with the bulk move's outcome (``bulk``) or errors."""
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    today = timezone.localdate()
    anchor = parse_date_or(request.GET.get("date"), today)
    first, last = visible_range(view, anchor)
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    shown = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    days = {day: Day(day, day.month == anchor.month or view == "week") for day in shown}
    fill_days(ctx, days, per_day=PER_DAY[view])
    previous, following = neighbours(view, anchor)
    ordered = list(days.values())
    return render_page(
        request, TEMPLATE,
        {
            "ctx": ctx, "view": view, "anchor": anchor, "today": today, "previous": previous, "following": following,
            "weeks": [ordered[i:i + 7] for i in range(0, len(ordered), 7)],
            "weekday_names": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "nothing": not any(day.has_pins for day in ordered),
            # Checkboxes on upcoming schedules and the "Move" bar only for who may move them.
            "can_reschedule": ctx.actor.may("schedule.update"),
            "movable": ctx.actor.may("schedule.update") and any_movable(ctx, start, end),
            "bulk": bulk, "bulk_form": bulk_form or ScheduleBulkRescheduleForm(),
        },
        fragment="results", status=status,
    )


@login_required
def calendar_day(request, day: str):
    """One day's entries after ``after`` (a position "+N more" gave), ``PAGE`` at a time: with htmx the
    lines that replace "+N more" in the day's cell, else a page of its own."""
    ctx = team_context_or_404(request)
    shown_day = parse_date_or(day, date.min)
    if shown_day == date.min:  # parse_date_or never accepts date.min itself
        raise Http404("No such day.")
    after = position_or_none(request.GET.get("after"))
    start, end = local_midnight(shown_day), local_midnight(shown_day + timedelta(days=1))
    day_schedules = Schedule.objects.on_calendar(ctx.workspace, start, end).filter(
        after_position("run_at", "schedule", after))
    schedules = list(day_schedules.order_by("run_at", "id")[:PAGE])
    published = Pin.objects.on_calendar(ctx.workspace, start, end).filter(
        after_position("published_at", "published", after))
    entries = [Entry("schedule", s.run_at, s.pk, s) for s in schedules]
    entries += [Entry("published", p.published_at, p.pk, p) for p in published.order_by("published_at", "id")[:PAGE]]
    slots = [slot for slot in posting_slots(ctx, schedules, start=start, end=end)
             if after is None or slot.position > after]
    entries = sorted(entries + slots, key=lambda e: e.position)[:PAGE]
    remaining = day_schedules.count() + published.count() + len(slots)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    return render_page(
        request, DAY_TEMPLATE,
        {
            "ctx": ctx, "shown_day": shown_day, "view": view,
            "anchor": parse_date_or(request.GET.get("date"), shown_day),
            "entries": entries, "more": remaining - len(entries), "after": after, "focus_first": bool(request.htmx),
            "next_after": position_text(entries[-1].position) if entries else "",
            "can_reschedule": ctx.actor.may("schedule.update"),
            "movable": ctx.actor.may("schedule.update") and any_movable(ctx, start, end),
            "bulk_form": ScheduleBulkRescheduleForm(),
        },
        fragment="day_entries",
    )


BULK_DONE = {"move_to": "Moved", "move_by": "Moved"}


@login_required
@require_POST
def schedule_bulk_reschedule_view(request):
    """Move the ticked schedules to one time or by N days (``schedule_bulk_reschedule``), then show
    the same month or week again (the query string) with one result line per schedule."""
    ctx = team_context_or_404(request, "schedule.update")
    form = ScheduleBulkRescheduleForm(request.POST)
    outcome = submit(form, lambda: schedule_bulk_reschedule(
        actor=ctx.actor, schedule_ids=form.cleaned_data["ids"],
        **({"run_at_local": form.cleaned_data["run_at"]} if form.cleaned_data["action"] == "move_to"
           else {"shift_days": form.cleaned_data["shift_days"]})))
    if outcome is None:  # bad input: inline, beside its field
        return calendar_page(request, ctx, bulk_form=form, status=422)
    titles = dict(Schedule.objects.filter(workspace=ctx.workspace, public_id__in=[
        public_id for public_id in (uuid_or_none(item["id"]) for item in outcome["results"]) if public_id
    ]).values_list("public_id", "title"))
    for item in outcome["results"]:
        public_id = uuid_or_none(item["id"])
        item["title"] = titles.get(public_id) if public_id else None  # type: ignore[typeddict-unknown-key]
    return calendar_page(request, ctx, bulk={"done": BULK_DONE[form.cleaned_data["action"]], "noun": "schedule",
                                             **outcome})


def parse_date_or(value: str | None, default: date) -> date:
    """The day asked for, or ``default`` for anything unreadable or too near the calendar's ends
    (showing the weeks around year 1 or 9999 would overflow Python's dates)."""
    try:
        day = parse_date(value or "")
    except ValueError:
        return default
    return day if day and FILTER_DAYS[0] <= day <= FILTER_DAYS[1] else default


@login_required
def schedule_reschedule(request, public_id):
    """GET: the inline form for one calendar entry; POST: move it (scheduled entries only)."""
    ctx = team_context_or_404(request, "schedule.update")
    schedule = schedule_for_workspace_or_404(ctx.actor, public_id)
    initial = {"run_at": timezone.localtime(schedule.run_at).replace(tzinfo=None)}
    form = RescheduleForm(request.POST if request.method == "POST" else None, initial=initial)
    moved = request.method == "POST" and submit(form, lambda: schedule_update(
        schedule=schedule, actor=ctx.actor, data={"run_at_local": form.cleaned_data["run_at"]}))
    if moved:
        # ``moved`` makes the address differ from the page's own even within the same week,
        # so the browser really loads it (a change of the #fragment alone would not).
        target = (f"{reverse('calendar')}?view=week&date={timezone.localtime(moved.run_at):%Y-%m-%d}"
                  f"&moved={moved.run_at:%Y%m%d%H%M}#schedule-{moved.public_id}")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    return render_page(
        request, "publishing/calendar/reschedule.html", {"ctx": ctx, "schedule": schedule, "form": form},
        status=422 if form.errors else 200, fragment="reschedule_form",
    )
