"""What a pin's page and a schedule's page share about their comment threads: posting a comment
(htmx gets the thread back, with the form's errors inline; a plain post goes back to the page) and
the diff of the content since the version an older comment was about."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from publishing.access import TeamContext
from publishing.content import content_diff
from publishing.forms import PinCommentForm
from publishing.models import Pin, PinContentVersion, Schedule
from publishing.services.comments import comment_add
from publishing.views.common import submit

# The subject's page: (request, ctx, subject, fragment=..., comment_form=..., status=...) -> response.
SubjectPage = Callable[..., HttpResponse]


def comment_post(request: HttpRequest, ctx: TeamContext, subject: Pin | Schedule, *, page: SubjectPage,
                 page_url_name: str) -> HttpResponse:
    form = PinCommentForm(request.POST)
    if submit(form, lambda: comment_add(subject=subject, actor=ctx.actor, body=form.cleaned_data["body"])):
        if request.htmx:  # type: ignore[attr-defined]  # set by django-htmx's middleware
            return page(request, ctx, subject, fragment="comments")
        return redirect(reverse(page_url_name, args=[subject.public_id]) + "#comments")
    return page(request, ctx, subject, fragment="comments", comment_form=form, status=422)


def version_diff_context(subject: Pin | Schedule, version: int) -> dict[str, Any]:
    """The earlier version (404 when there is none: the current version is not an earlier one) and
    what changed in each field since."""
    earlier = get_object_or_404(PinContentVersion.objects.of(subject), version=version)
    return {"earlier": earlier, "diffs": content_diff(earlier.values, subject.content_values())}
