"""/v1/pins/{id}/comments and /v1/schedules/{id}/comments (Pinboard extensions): a pin's or a
schedule's comment thread, read and added to."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from publishing.api.schemas.comments import PinCommentIn, PinCommentListOut, PinCommentOut, pin_comment_out
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.lookups import pin_for_workspace_or_404, schedule_for_workspace_or_404
from publishing.models import Pin, PinComment, Schedule
from publishing.services.comments import comment_add

# Mounted under /pins and /schedules; tagged apart in the OpenAPI document as extensions beyond the SDK.
router = Router(tags=["pins", "comments (Pinboard extension)"])
schedule_router = Router(tags=["schedules", "comments (Pinboard extension)"])


def _thread_out(subject: Pin | Schedule) -> PinCommentListOut:
    made_by = Schedule.objects.filter(pin=subject).first() if isinstance(subject, Pin) else None
    return PinCommentListOut(content_version=subject.content_version,
                             data=[pin_comment_out(comment) for comment in PinComment.objects.thread(subject)],
                             schedule_id=made_by.public_id if made_by is not None else None)


def _added(subject: Pin | Schedule, request: HttpRequest, body: str) -> Status:
    comment = comment_add(subject=subject, actor=actor_of(request), body=body)
    return Status(201, pin_comment_out(PinComment.objects.thread(subject).get(pk=comment.pk)))


@router.get("/{pin_id}/comments", response=responses({200: PinCommentListOut}, 403, 404),
            description="Pinboard extension. The pin's comments, oldest first; each says which content version it "
                        "was about and whether the content changed since. A pin made by a schedule names it in "
                        "`schedule_id` (the schedule's thread stays on the schedule). Any member or key with `read`.")
def list_pin_comments(request: HttpRequest, pin_id: UUID) -> PinCommentListOut:
    return _thread_out(pin_for_workspace_or_404(actor_of(request), pin_id))


@router.post("/{pin_id}/comments", response=responses({201: PinCommentOut}, 403, 404),
             description="Pinboard extension. Add a comment about the pin's current content; `@name` mentions a "
                         "team member. An editor, manager or admin (not a viewer); a key needs `write`. A blank "
                         "body, one over the limit or with NUL characters is a 422 naming `body`.")
def create_pin_comment(request: HttpRequest, pin_id: UUID, data: PinCommentIn) -> Status:
    return _added(pin_for_workspace_or_404(actor_of(request), pin_id), request, data.body)


@schedule_router.get("/{schedule_id}/comments", response=responses({200: PinCommentListOut}, 403, 404),
                     description="Pinboard extension. The schedule's comments, oldest first, like a pin's: each "
                                 "says which version of the schedule's content it was about and whether the content "
                                 "changed since. Any member or key with `read`.")
def list_schedule_comments(request: HttpRequest, schedule_id: UUID) -> PinCommentListOut:
    return _thread_out(schedule_for_workspace_or_404(actor_of(request), schedule_id))


@schedule_router.post("/{schedule_id}/comments", response=responses({201: PinCommentOut}, 403, 404),
                      description="Pinboard extension. Add a comment about the schedule's current content; `@name` "
                                  "mentions a team member. An editor, manager or admin (not a viewer); a key needs "
                                  "`write`. A blank body, one over the limit or with NUL characters is a 422 naming "
                                  "`body`.")
def create_schedule_comment(request: HttpRequest, schedule_id: UUID, data: PinCommentIn) -> Status:
    return _added(schedule_for_workspace_or_404(actor_of(request), schedule_id), request, data.body)
