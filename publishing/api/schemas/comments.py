"""/v1/pins/{id}/comments and /v1/schedules/{id}/comments (Pinboard extensions): comment threads."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from publishing.api.schemas.common import InSchema
from publishing.models import PinComment


class PinCommentIn(InSchema):
    # Not blank once trimmed and within the limit: the service checks both and answers 422 on `body`.
    body: str = Field(description=f"The comment; 1-{PinComment.BODY_MAX_LENGTH} characters. `@name` mentions the "
                                  "team member whose email address starts with `name@`.")


class PinCommentOut(Schema):
    id: UUID
    body: str
    author: str = Field(description="The member's email, the API key that wrote it (`API key <prefix>`), or the "
                                    "name a guest reviewer gave (then `author_is_guest` is true).")
    author_is_guest: bool = Field(False, description="A guest reviewer wrote it through a review link.")
    mentions: list[str] = Field(description="Email addresses of the team members the comment mentions.")
    content_version: int = Field(description="The pin's (or schedule's) `content_version` the comment was written "
                                             "about.")
    on_earlier_version: bool = Field(description="The content changed after the comment was written.")
    created_at: datetime


class PinCommentListOut(Schema):
    content_version: int = Field(description="The pin's (or schedule's) current content version.")
    data: list[PinCommentOut]
    schedule_id: UUID | None = Field(None, description="On a pin's thread: the schedule that made the pin, whose "
                                                       "own thread is at `/v1/schedules/{id}/comments`.")


def pin_comment_out(comment: PinComment) -> PinCommentOut:
    """A comment read through ``PinComment.objects.thread()`` (which sets ``on_earlier_version``)."""
    return PinCommentOut(id=comment.public_id, body=comment.body, author=comment.author_label,
                         author_is_guest=comment.is_guest, mentions=[user.email for user in comment.mentions.all()],
                         content_version=comment.content_version, on_earlier_version=comment.on_earlier_version,
                         created_at=comment.created_at)
