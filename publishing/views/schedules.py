"""A schedule's own page: its content, when it runs, its pin once made, and its comment thread
(with a diff of its content since the version an older comment was about)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from publishing.access import TeamContext, team_context_or_404
from publishing.forms import PinCommentForm
from publishing.lookups import schedule_for_workspace_or_404
from publishing.models import PinComment, Schedule
from publishing.views.comments import comment_post, version_diff_context
from publishing.views.common import render_page

TEMPLATE = "publishing/schedules/detail.html"


@login_required
def schedule_detail(request, public_id):
    ctx = team_context_or_404(request)
    return schedule_detail_page(request, ctx, schedule_for_workspace_or_404(ctx.actor, public_id))


def schedule_detail_page(request, ctx: TeamContext, schedule: Schedule, *, fragment: str | None = None,
                         comment_form: PinCommentForm | None = None, status: int = 200) -> HttpResponse:
    return render_page(request, TEMPLATE, {
        "ctx": ctx, "schedule": schedule, "comments": PinComment.objects.thread(schedule),
        "comment_form": comment_form or PinCommentForm(),
        "can_comment": ctx.actor.may("schedule.comment", account=schedule.account),
    }, fragment=fragment, status=status)


@login_required
@require_POST
def schedule_comment_view(request, public_id):
    """Add to the schedule's thread (see views/comments.py for what each kind of request gets back)."""
    ctx = team_context_or_404(request, "schedule.comment")
    return comment_post(request, ctx, schedule_for_workspace_or_404(ctx.actor, public_id),
                        page=schedule_detail_page, page_url_name="schedule_detail")


@login_required
def schedule_version_diff(request, public_id, version: int):
    """What changed in the schedule's content since ``version`` (the version an older comment was about)."""
    ctx = team_context_or_404(request)
    schedule = schedule_for_workspace_or_404(ctx.actor, public_id)
    return render_page(request, "publishing/schedules/diff.html",
                       {"ctx": ctx, "schedule": schedule, **version_diff_context(schedule, version)})
