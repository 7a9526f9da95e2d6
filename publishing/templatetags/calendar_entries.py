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
def _path_pattern(name: str) -> str:
    """``reverse(name)`` once; each line fills in its own public id (a line costs no URL resolution)."""
    return reverse(name, args=[_PLACEHOLDER])


def _path(name: str, public_id: uuid.UUID) -> str:
    return _path_pattern(name).replace(str(_PLACEHOLDER), str(public_id))


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


def _time(at) -> str:
    local = timezone.localtime(at)
    return f'<time datetime="{local.isoformat()}">{local:%H:%M}</time>'


def _day_and_time(local) -> str:
    return f"{local.day} {local:%b %H:%M}"


def _line(entry, *, focus: bool, can_reschedule: bool, can_publish: bool) -> str:
    mark = " data-focus-after-swap" if focus else ""
    if entry.kind == "slot":
        return (f'<li class="item open-slot"{mark}>{_time(entry.at)} <span class="badge muted">Open slot</span> '
                f'<span class="help">{escape(entry.item["account"].username)}</span></li>')
    if entry.kind == "published":
        pin = entry.item
        return (f'<li class="item published"{mark}>{_time(pin.published_at)}\n  '
                f'<a href="{_path("pin_detail", pin.public_id)}">{_title(pin.title)}</a> '
                f'{_badge("pin", pin.status)}</li>')
    return _schedule_line(entry.item, mark=mark, can_reschedule=can_reschedule, can_publish=can_publish)


def _schedule_line(schedule, *, mark: str, can_reschedule: bool, can_publish: bool) -> str:
    status = schedule.status
    waiting = status == ScheduleStatus.SCHEDULED
    title = schedule.title or "Untitled pin"
    public_id = schedule.public_id
    tick = ""
    if can_reschedule and waiting:
        tick = (f'<input type="checkbox" name="ids" value="{public_id}" form="schedule-bulk" '
                f'id="tick-schedule-{public_id}" aria-label="Tick {escape(title)} at '
                f'{_day_and_time(timezone.localtime(schedule.run_at))}">')
    if schedule.pin_id:
        link = f'<a href="{_path("pin_detail", schedule.pin.public_id)}">{_title(schedule.title)}</a>'
    else:
        link = f'<a href="{_path("schedule_detail", public_id)}">{_title(title)}</a>'
    in_slot = ' <span class="badge info">In queue slot</span>' if getattr(schedule, "in_slot", False) else ""
    reschedule = ""
    if can_publish and waiting:
        path = _path("schedule_reschedule", public_id)
        reschedule = (f'\n  <a href="{path}" hx-get="{path}" hx-target="this" hx-swap="afterend">Reschedule'
                      f'<span class="visually-hidden"> {escape(schedule.title)}</span></a>')
    return (f'<li class="item scheduled" id="schedule-{public_id}"{mark}>\n  {tick}\n  {_time(schedule.run_at)}\n'
            f'  {link}\n  {_badge("schedule", status)}{in_slot}{reschedule}\n</li>')


def _may(context) -> dict:
    return {"can_reschedule": bool(context.get("can_reschedule")),
            "can_publish": bool((context.get("can") or {}).get("publish"))}


@register.simple_tag(takes_context=True)
def calendar_entry(context, entry) -> SafeString:
    """One line; the first line an "+N more" brought in takes the focus (pinboard.js)."""
    loop = context.get("forloop")
    focus = bool(context.get("focus_first") and loop and loop["first"])
    return mark_safe(_line(entry, focus=focus, **_may(context)))  # every value escaped in _line


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
    lines = "".join(_line(entry, focus=False, **may) for entry in day.entries)
    more = f"\n          {_more(context, day.date, day.more, day.after, day.at_least)}" if day.more else ""
    d = day.date
    weekdays, _months, short_months = _names()
    return mark_safe(  # every value escaped in the lines
        f'<td class="{classes}">\n        <p class="day-number">{"<strong>Today,</strong> " if today else ""}'
        f'<time datetime="{d:%Y-%m-%d}"><span class="phone-only">{weekdays[d.weekday()]} </span>'
        f'{d.day} {short_months[d.month]}</time></p>\n        <ul class="day-items">\n          {lines}{more}\n'
        f'        </ul>\n      </td>')
