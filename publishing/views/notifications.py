"""Notifications: the bell's unread count (polled by htmx), the list, opening one, marking all
read, and the member's choices per event and channel. Every read is the member's own, in the
current team (services/notifications.py scopes them)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from publishing.access import team_context_or_404
from publishing.models.notifications import CHANNELS
from publishing.pagination import keyset_page
from publishing.services.notifications import (
    EventChoice,
    notification_choices,
    notification_open,
    notification_preferences_set,
    notification_unread_count,
    notifications_for,
    notifications_mark_read,
)
from publishing.views.common import render_page, submit, uuid_or_none

PAGE_SIZE = 25
# Sent with every answer that changes what is unread: the bell's slot (templates/publishing/_shared/_bell.html)
# refreshes on it at once instead of at its next poll.
CHANGED_EVENT = "notifications-changed"


class NotificationPreferencesForm(forms.Form):
    """One checkbox per event type and channel (``<event>__<channel>``), filled with the member's choices."""

    def __init__(self, *args, choices: list[EventChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for choice in choices:
            names = {}
            for channel in CHANNELS:
                name = f"{choice.event}__{channel}"
                self.fields[name] = forms.BooleanField(
                    required=False, initial=getattr(choice, channel),
                    label=f"{choice.label}: {'in the app' if channel == 'in_app' else 'by email'}")
                names[channel] = name
            self.rows.append((choice, names))

    def choices(self) -> dict[str, dict[str, bool]]:
        return {choice.event: {channel: self.cleaned_data[name] for channel, name in names.items()}
                for choice, names in self.rows}

    def bound_rows(self):
        """(label, in-app field, email field) per event, for the table."""
        return [(choice.label, self[names["in_app"]], self[names["email"]]) for choice, names in self.rows]


def _page(request, ctx, *, form=None, status=200):
    page = keyset_page(notifications_for(actor=ctx.actor), size=PAGE_SIZE,
                       after=uuid_or_none(request.GET.get("after")), before=uuid_or_none(request.GET.get("before")))
    form = form or NotificationPreferencesForm(choices=notification_choices(ctx.user, ctx.team))
    return render_page(request, "publishing/notifications/list.html",
                       {"ctx": ctx, "page": page, "form": form,
                        "unread": notification_unread_count(actor=ctx.actor)},
                       fragment="results", status=status)


@login_required
@require_GET
def notification_list(request):
    return _page(request, team_context_or_404(request))


@login_required
@require_GET
def notification_bell(request):
    """The bell's link alone, for htmx to swap into its slot on load, every 20 seconds and after a change."""
    ctx = team_context_or_404(request)
    return render(request, "publishing/_shared/_bell.html#link",
                  {"team_context": ctx, "unread_count": notification_unread_count(actor=ctx.actor)})


@login_required
@require_GET
def notification_go(request, public_id):
    """Open a notification: it is marked read and the member lands on what it is about."""
    ctx = team_context_or_404(request)
    notification = notification_open(actor=ctx.actor, public_id=str(public_id))  # another's: the 404 page
    if notification.pin is not None:
        return redirect("pin_detail", public_id=notification.pin.public_id)
    if notification.schedule is not None:
        return redirect("schedule_detail", public_id=notification.schedule.public_id)
    return redirect("notifications")  # what it was about is gone; the text still says what happened


@login_required
@require_POST
def notifications_read_all(request):
    ctx = team_context_or_404(request)
    marked = notifications_mark_read(actor=ctx.actor)
    if not request.htmx:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
        return redirect("notifications")
    response = _page(request, ctx)  # the list, now read; the bell hears of it at once
    response["HX-Trigger"] = CHANGED_EVENT
    return response


@login_required
@require_POST
def notification_preferences(request):
    ctx = team_context_or_404(request)
    form = NotificationPreferencesForm(request.POST, choices=notification_choices(ctx.user, ctx.team))
    saved = submit(form, lambda: notification_preferences_set(actor=ctx.actor, choices=form.choices()))
    if saved is None:
        return _page(request, ctx, form=form, status=422)
    messages.success(request, "Your notification choices are saved.")
    return redirect(f"{reverse('notifications')}#preferences")

