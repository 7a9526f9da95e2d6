"""``{% calendar_entry entry %}``: one line of a calendar day, written in Python because a month
shows a few hundred of them and the template engine's cost per line is what would make a busy month
slow (the lines carry the same markup as a template would write)."""

import uuid
from functools import cache

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from publishing.models import ScheduleStatus
from publishing.templatetags.dashboard import badge

register = template.Library()

_PLACEHOLDER = uuid.UUID(int=0)


@cache
def _path_pattern(name: str) -> str:
    """``reverse(name)`` once; each line fills in its own public id (a line costs no URL resolution)."""
    return reverse(name, args=[_PLACEHOLDER])


def _path(name: str, public_id: uuid.UUID) -> str:
    return _path_pattern(name).replace(str(_PLACEHOLDER), str(public_id))


def _focus(context) -> SafeString:
    """The first line an "+N more" brought in takes the focus (pinboard.js)."""
    loop = context.get("forloop")
    return mark_safe(" data-focus-after-swap" if context.get("focus_first") and loop and loop["first"] else "")


def _time(at) -> SafeString:
    local = timezone.localtime(at)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), f"{local:%H:%M}")


def _day_and_time(at) -> str:
    local = timezone.localtime(at)
    return f"{local.day} {local:%b %H:%M}"


@register.simple_tag(takes_context=True)
def calendar_entry(context, entry) -> SafeString:
    if entry.kind == "slot":
        return format_html('<li class="item open-slot"{}>{} <span class="badge muted">Open slot</span> '
                           '<span class="help">{}</span></li>', _focus(context), _time(entry.at),
                           entry.item["account"].username)
    if entry.kind == "published":
        pin = entry.item
        return format_html('<li class="item published"{}>{}\n  <a href="{}">{}</a> {}</li>', _focus(context),
                           _time(pin.published_at), _path("pin_detail", pin.public_id),
                           Truncator(pin.title).chars(40), badge("pin", pin.status))
    return _schedule_line(context, entry.item)


def _schedule_line(context, schedule) -> SafeString:
    status = schedule.status
    waiting = status == ScheduleStatus.SCHEDULED
    title = schedule.title or "Untitled pin"
    tick = format_html(
        '<input type="checkbox" name="ids" value="{}" form="schedule-bulk" id="tick-schedule-{}" aria-label="Tick {} '
        'at {}">', schedule.public_id, schedule.public_id, title,
        _day_and_time(schedule.run_at)) if context.get("can_reschedule") and waiting else ""
    if schedule.pin_id:
        link = format_html('<a href="{}">{}</a>', _path("pin_detail", schedule.pin.public_id),
                           Truncator(schedule.title).chars(40))
    else:
        link = format_html('<a href="{}">{}</a>', _path("schedule_detail", schedule.public_id),
                           Truncator(title).chars(40))
    in_slot = mark_safe(' <span class="badge info">In queue slot</span>') if getattr(schedule, "in_slot", False) else ""
    can = context.get("can") or {}
    reschedule = ""
    if can.get("publish") and waiting:
        path = _path("schedule_reschedule", schedule.public_id)
        reschedule = format_html('\n  <a href="{}" hx-get="{}" hx-target="this" hx-swap="afterend">Reschedule'
                                 '<span class="visually-hidden"> {}</span></a>', path, path, schedule.title)
    return format_html('<li class="item scheduled" id="schedule-{}"{}>\n  {}\n  {}\n  {}\n  {}{}{}\n</li>',
                       schedule.public_id, _focus(context), tick, _time(schedule.run_at), link,
                       badge("schedule", status), in_slot, reschedule)
