"""The conversation on a pin: writing a comment, with the members it mentions.

A comment records the pin's ``content_version`` when it was written; the pins service moves that
version on (keeping the earlier content) whenever the content changes. ``@name`` mentions a member
of the pin's team whose email address starts with ``name@`` (case ignored); anything else after
an @ is just text. Only who was mentioned is stored: telling them is for notifications.
"""

import re

from django.db import transaction

from publishing.access import Actor, authorize
from publishing.models import Pin, PinComment, User
from publishing.services.audit import audit_record
from publishing.services.errors import ValidationError

# ``@`` then an email's local part, not itself inside a word or an address (``a@b`` mentions nobody).
MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9._+-]+)")


def mentioned_names(body: str) -> set[str]:
    """The lower-cased names a comment mentions (a sentence's full stop is not part of one)."""
    return {match.rstrip(".").lower() for match in MENTION.findall(body) if match.rstrip(".")}


def _mentioned_members(pin: Pin, body: str) -> list[User]:
    names = mentioned_names(body)
    if not names:
        return []
    members = User.objects.filter(memberships__team_id=pin.workspace.team_id, is_active=True).order_by("email")
    return [user for user in members if user.email.rsplit("@", 1)[0].lower() in names]


def clean_comment_body(body: str) -> str:
    """The body as stored, or ValidationError naming ``body``: not blank, no NUL, within the limit."""
    text = body.strip()
    if not text:
        raise ValidationError("validation_error", "Write a comment first.", field="body")
    if "\x00" in text:
        raise ValidationError("validation_error", "A comment cannot contain NUL (0x00) characters.", field="body")
    if len(text) > PinComment.BODY_MAX_LENGTH:
        raise ValidationError("validation_error",
                              f"A comment holds at most {PinComment.BODY_MAX_LENGTH} characters.", field="body")
    return text


def pin_comment(*, pin: Pin, actor: Actor, body: str) -> PinComment:
    """Add a comment to ``pin``'s thread, about its current content, with the members it mentions."""
    authorize(actor, "pin.comment", workspace=pin.workspace, account=pin.account)
    text = clean_comment_body(body)
    mentioned = _mentioned_members(pin, text)
    with transaction.atomic():
        # The version is read under the pin's lock: an edit committing meanwhile cannot slip between.
        version = Pin.objects.select_for_update().values_list("content_version", flat=True).get(pk=pin.pk)
        comment = PinComment.objects.create(pin=pin, author=actor.user, author_key=actor.api_key,
                                            author_label=actor.label, body=text, content_version=version)
        comment.mentions.set(mentioned)
        audit_record(team=pin.workspace.team, workspace=pin.workspace, action="pin.commented", actor=actor,
                     target=pin, details={"comment_id": str(comment.public_id), "content_version": version,
                                          "mentions": [user.email for user in mentioned]})
    return comment
