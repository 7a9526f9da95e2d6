"""/v1/pins/{id}/comments (Pinboard extension): the pin's comment thread, read and added to."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from publishing.api.schemas.comments import PinCommentIn, PinCommentListOut, PinCommentOut, pin_comment_out
from publishing.api.schemas.common import responses
from publishing.api.security import actor_of
from publishing.lookups import pin_for_workspace_or_404
from publishing.models import PinComment
from publishing.services.comments import pin_comment

# Mounted under /pins; tagged apart in the OpenAPI document as an extension beyond the SDK.
router = Router(tags=["pins", "comments (Pinboard extension)"])


@router.get("/{pin_id}/comments", response=responses({200: PinCommentListOut}, 403, 404),
            description="Pinboard extension. The pin's comments, oldest first; each says which content version it "
                        "was about and whether the content changed since. Any member or key with `read`.")
def list_pin_comments(request: HttpRequest, pin_id: UUID) -> PinCommentListOut:
    pin = pin_for_workspace_or_404(actor_of(request), pin_id)
    return PinCommentListOut(content_version=pin.content_version,
                             data=[pin_comment_out(comment) for comment in PinComment.objects.thread(pin)])


@router.post("/{pin_id}/comments", response=responses({201: PinCommentOut}, 403, 404),
             description="Pinboard extension. Add a comment about the pin's current content; `@name` mentions a "
                         "team member. An editor, manager or admin (not a viewer); a key needs `write`. A blank "
                         "body, one over the limit or with NUL characters is a 422 naming `body`.")
def create_pin_comment(request: HttpRequest, pin_id: UUID, data: PinCommentIn) -> Status:
    who = actor_of(request)
    pin = pin_for_workspace_or_404(who, pin_id)
    comment = pin_comment(pin=pin, actor=who, body=data.body)
    return Status(201, pin_comment_out(PinComment.objects.thread(pin).get(pk=comment.pk)))
