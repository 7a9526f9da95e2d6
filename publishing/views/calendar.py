"""Calendar: month and week views of scheduled and published pins in the workspace's zone;
scheduled pins can be moved to another time from here."""

import calendar as calendar_module
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import team_context_or_404
from publishing.forms import FILTER_DAYS, RescheduleForm, ScheduleBulkRescheduleForm
from publishing.lookups import schedule_for_workspace_or_404
from publishing.models import Pin, PinStatus, PinterestAccount, Schedule, ScheduleStatus
from publishing.services.posting_queue import upcoming_slots
from publishing.services.schedules import schedule_bulk_reschedule, schedule_update
from publishing.views.common import render_page, submit, uuid_or_none

TEMPLATE = "publishing/calendar/calendar.html"
VIEWS = ("month", "week")


@dataclass
class Day:
    date: date
    in_month: bool
    schedules: list = field(default_factory=list)
    published: list = field(default_factory=list)
    open_slots: list = field(default_factory=list)  # upcoming posting slots nothing is queued in

    @property
    def is_empty(self) -> bool:
        return not self.schedules and not self.published

    @property
    def planned(self) -> list[tuple[str, object]]:
        """Schedules and open posting slots, in time order: ("schedule", s) or ("slot", {account, slot})."""
        entries = [(s.run_at, 0, "schedule", s) for s in self.schedules]
        entries += [(o["run_at"], 1, "slot", o) for o in self.open_slots]
        return [(kind, item) for _at, _order, kind, item in sorted(entries, key=lambda e: (e[0], e[1]))]


def mark_posting_slots(ctx, days: dict, schedules: list, *, start: datetime, end: datetime) -> None:
    """Every account's posting slots from now to ``end``: a schedule at a slot is marked ``in_slot``
    (queued), a slot with nothing in it becomes an open slot of its day."""
    after = max(start, timezone.now())
    if after >= end:
        return
    at_slot = {(s.account_id, s.run_at): s for s in schedules}
    accounts = PinterestAccount.objects.for_workspace(ctx.workspace).prefetch_related("posting_slots")
    for account in accounts:
        for slot in upcoming_slots(account, after=after, horizon=end - after, zone_of=ctx.workspace):
            queued = at_slot.get((account.pk, slot.run_at))
            if queued is not None:
                queued.in_slot = True
            elif slot.run_at < end:
                days[timezone.localtime(slot.run_at).date()].open_slots.append(
                    {"account": account, "run_at": slot.run_at, "slot": slot})


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
    schedules = (
        Schedule.objects.for_workspace(ctx.workspace)
        .filter(run_at__gte=start, run_at__lt=end)
        .exclude(own_status=ScheduleStatus.CANCELED)
        .order_by("run_at", "id")
    )
    schedules = list(schedules)
    for schedule in schedules:
        days[timezone.localtime(schedule.run_at).date()].schedules.append(schedule)
    mark_posting_slots(ctx, days, schedules, start=start, end=end)
    published = (
        Pin.objects.for_workspace(ctx.workspace)
        .filter(status=PinStatus.PUBLISHED, published_at__gte=start, published_at__lt=end, schedule__isnull=True)
        .order_by("published_at", "id")
    )
    for pin in published:
        days[timezone.localtime(pin.published_at).date()].published.append(pin)
    previous, following = neighbours(view, anchor)
    ordered = list(days.values())
    return render_page(
        request, TEMPLATE,
        {
            "ctx": ctx, "view": view, "anchor": anchor, "today": today, "previous": previous, "following": following,
            "weeks": [ordered[i:i + 7] for i in range(0, len(ordered), 7)],
            "weekday_names": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "nothing": all(day.is_empty for day in ordered),
            # Checkboxes on upcoming schedules and the "Move" bar only for who may move them.
            "can_reschedule": ctx.actor.may("schedule.update"),
            "movable": any(s.status == ScheduleStatus.SCHEDULED for s in schedules),
            "bulk": bulk, "bulk_form": bulk_form or ScheduleBulkRescheduleForm(),
        },
        fragment="results", status=status,
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
