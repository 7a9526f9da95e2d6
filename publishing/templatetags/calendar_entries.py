"""The calendar's cells and lines, written in Python because a month shows a few hundred lines and
the template engine's cost per line (and ``format_html``'s per value) is what would make a busy
month slow. The markup is what the templates would write: every value from the database goes
through ``escape`` (the standard library's, which Django's own escaping calls).

- ``{% calendar_cell day %}``: a month's or week's day, its lines and its "+N more";
- ``{% calendar_entry entry %}``: one line (the day page's list);
- ``{% calendar_more shown_day more after %}``: "+N more", which loads the rest of the day after
  ``after`` in place with htmx, or opens the day's own page without JavaScript.
"""

import uuid
from datetime import date
from functools import cache
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from publishing.models import ScheduleStatus
from publishing.templatetags.dashboard import badge

register = template.Library()

_PLACEHOLDER = uuid.UUID(int=0)
_DAY_PLACEHOLDER = "0001-01-01"
TITLE_CHARS = 40


@cache
def _path_around(name: str) -> tuple[str, str]:
    """``reverse(name)`` once, as what comes before and after the public id: each line puts its own
    in between (a line costs no URL resolution)."""
    before, _placeholder, after = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return before, after


def _path(name: str, public_id: str) -> str:
    before, after = _path_around(name)
    return before + public_id + after


@cache
def _day_path_pattern() -> str:
    return reverse("calendar_day", args=[_DAY_PLACEHOLDER])


@cache
def _badge(kind: str, value: str) -> str:
    """``badge`` (the dashboard's), once per kind and value."""
    return str(badge(kind, value))


@cache
def _names_in(language: str | None) -> tuple[list[str], list[str], list[str]]:
    """Weekdays (Monday first) and months (1-12: full, and as the date filter's "M") in ``language``."""
    with translation.override(language):
        return ([str(WEEKDAYS[n]) for n in range(7)], [""] + [str(MONTHS[n]) for n in range(1, 13)],
                [""] + [str(MONTHS_3[n]).title() for n in range(1, 13)])


def _names() -> tuple[list[str], list[str], list[str]]:
    """``_names_in`` the active language: the date filter's names without a translation per cell."""
    return _names_in(translation.get_language())


def _title(text: str) -> str:
    """``text`` cut to ``TITLE_CHARS`` as ``Truncator`` cuts it, escaped."""
    return escape(text if len(text) <= TITLE_CHARS else Truncator(text).chars(TITLE_CHARS))


def _time(local) -> str:
    """``local`` (already in the shown zone) as the line's time."""
    return f'<time datetime="{local.isoformat()}">{local.hour:02d}:{local.minute:02d}</time>'


# ``%b`` of each month, written once (strftime cost about 10 µs a line).
_MONTH_ABBREVIATIONS = [""] + [f"{date(2000, month, 1):%b}" for month in range(1, 13)]


def _day_and_time(local) -> str:
    return f"{local.day} {_MONTH_ABBREVIATIONS[local.month]} {local.hour:02d}:{local.minute:02d}"


# A line's time is converted and its public id written once, in the zone looked up once per cell
# (``zone``): a month shows a few hundred lines.
def _line(entry, *, zone, focus: bool, can_reschedule: bool, can_publish: bool) -> str:
    mark = " data-focus-after-swap" if focus else ""
    if entry.kind == "slot":
        return (f'<li class="item open-slot"{mark}>{_time(entry.at.astimezone(zone))} '
                f'<span class="badge muted">Open slot</span> '
                f'<span class="help">{escape(entry.item["account"].username)}</span></li>')
    if entry.kind == "published":
        pin = entry.item
        return (f'<li class="item published"{mark}>{_time(pin.published_at.astimezone(zone))}\n  '
                f'<a href="{_path("pin_detail", str(pin.public_id))}">{_title(pin.title)}</a> '
                f'{_badge("pin", pin.status)}</li>')
    return _schedule_line(entry.item, zone=zone, mark=mark, can_reschedule=can_reschedule, can_publish=can_publish)


def _schedule_line(schedule, *, zone, mark: str, can_reschedule: bool, can_publish: bool) -> str:
    status = schedule.status
    waiting = status == ScheduleStatus.SCHEDULED
    title = schedule.title or "Untitled pin"
    public_id = str(schedule.public_id)
    local = schedule.run_at.astimezone(zone)
    tick = ""
    if can_reschedule and waiting:
        tick = (f'<input type="checkbox" name="ids" value="{public_id}" form="schedule-bulk" '
                f'id="tick-schedule-{public_id}" aria-label="Tick {escape(title)} at {_day_and_time(local)}">')
    if schedule.pin_id:
        link = f'<a href="{_path("pin_detail", str(schedule.pin.public_id))}">{_title(schedule.title)}</a>'
    else:
        link = f'<a href="{_path("schedule_detail", public_id)}">{_title(title)}</a>'
    in_slot = ' <span class="badge info">In queue slot</span>' if getattr(schedule, "in_slot", False) else ""
    reschedule = ""
    if can_publish and waiting:
        path = _path("schedule_reschedule", public_id)
        reschedule = (f'\n  <a href="{path}" hx-get="{path}" hx-target="this" hx-swap="afterend">Reschedule'
                      f'<span class="visually-hidden"> {escape(schedule.title)}</span></a>')
    return (f'<li class="item scheduled" id="schedule-{public_id}"{mark}>\n  {tick}\n  {_time(local)}\n'
            f'  {link}\n  {_badge("schedule", status)}{in_slot}{reschedule}\n</li>')


def _may(context) -> dict:
    return {"can_reschedule": bool(context.get("can_reschedule")),
            "can_publish": bool((context.get("can") or {}).get("publish"))}


@register.simple_tag(takes_context=True)
def calendar_entry(context, entry) -> SafeString:
    """One line; the first line an "+N more" brought in takes the focus (pinboard.js)."""
    loop = context.get("forloop")
    focus = bool(context.get("focus_first") and loop and loop["first"])
    # every value escaped in _line
    return mark_safe(_line(entry, zone=timezone.get_current_timezone(), focus=focus, **_may(context)))


def _more(context, shown_day: date, more: int, after: str, at_least: bool = False) -> str:
    path = (f'{_day_path_pattern().replace(_DAY_PLACEHOLDER, f"{shown_day:%Y-%m-%d}")}?view={escape(context["view"])}'
            f'&amp;date={context["anchor"]:%Y-%m-%d}&amp;after={escape(after)}')
    label = f"+{more} or more" if at_least else f"+{more} more"
    weekdays, months, _short_months = _names()
    return (f'<li class="item more"><a href="{path}" hx-get="{path}" hx-target="closest li" hx-swap="outerHTML">'
            f'{label}<span class="visually-hidden"> on {weekdays[shown_day.weekday()]} {shown_day.day} '
            f'{months[shown_day.month]}</span></a></li>')


@register.simple_tag(takes_context=True)
def calendar_more(context, shown_day: date, more: int, after: str) -> SafeString:
    return mark_safe(_more(context, shown_day, more, after))  # every value escaped in _more


@register.simple_tag(takes_context=True)
def calendar_cell(context, day) -> SafeString:
    """A day of the month or week: its number, its first lines and "+N more"."""
    today = day.date == context.get("today")
    classes = ("" if day.in_month else "outside") + (" today" if today else "")
    may = _may(context)
    zone = timezone.get_current_timezone()
    lines = "".join(_line(entry, zone=zone, focus=False, **may) for entry in day.entries)
    more = f"\n          {_more(context, day.date, day.more, day.after, day.at_least)}" if day.more else ""
    d = day.date
    weekdays, _months, short_months = _names()
    return mark_safe(  # every value escaped in the lines
        f'<td class="{classes}">\n        <p class="day-number">{"<strong>Today,</strong> " if today else ""}'
        f'<time datetime="{d:%Y-%m-%d}"><span class="phone-only">{weekdays[d.weekday()]} </span>'
        f'{d.day} {short_months[d.month]}</time></p>\n        <ul class="day-items">\n          {lines}{more}\n'
        f'        </ul>\n      </td>')
