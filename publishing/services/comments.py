"""The conversation on a pin or a schedule: writing a comment, with the members it mentions.

A pin and a schedule (the pin to be) each have a thread. A comment records its subject's
``content_version`` when it was written; services/content_versions.py moves that version on (keeping
the earlier content) whenever the content changes. ``@name`` mentions a member of the subject's team
whose email address starts with ``name@`` (case ignored); anything else after an @ is just text.

When a schedule makes its pin, its thread stays on the schedule: each thread's versions count its
own subject's changes, so the two are not merged (the pin's page shows the schedule's thread too).
"""

import re

from django.db import transaction

from publishing.access import Actor, ActorKind, authorize
from publishing.models import Pin, PinComment, Schedule, User
from publishing.services.audit import audit_record
from publishing.services.errors import ValidationError
from publishing.services.notifications import notify
from publishing.services.webhooks import webhook_comment_emit

# A guest reviewer's name is stored as the comment's author_label.
GUEST_NAME_MAX_LENGTH = PinComment._meta.get_field("author_label").max_length or 255

# ``@`` then an email's local part, not itself inside a word or an address (``a@b`` mentions nobody).
MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9._+-]+)")


def mentioned_names(body: str) -> set[str]:
    """The lower-cased names a comment mentions (a sentence's full stop is not part of one)."""
    return {match.rstrip(".").lower() for match in MENTION.findall(body) if match.rstrip(".")}


def _mentioned_members(subject: Pin | Schedule, body: str) -> list[User]:
    names = mentioned_names(body)
    if not names:
        return []
    members = User.objects.filter(memberships__team_id=subject.workspace.team_id, is_active=True).order_by("email")
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


def _guest_name(actor: Actor) -> str:
    """A guest reviewer's name as the thread will show it, or ValidationError naming ``name``."""
    name = actor.guest_name.strip()
    if not name:
        raise ValidationError("validation_error", "Give your name, so the team knows who commented.", field="name")
    if "\x00" in name or len(name) > GUEST_NAME_MAX_LENGTH:
        raise ValidationError("validation_error",
                              f"A name holds at most {GUEST_NAME_MAX_LENGTH} characters, none of them NUL.",
                              field="name")
    return name


def comment_add(*, subject: Pin | Schedule, actor: Actor, body: str) -> PinComment:
    """Add a comment to ``subject``'s thread (a pin or a schedule), about its current content.

    Who (``actor``): a member who may publish (editors, managers, admins; a viewer is
    ``AccessForbidden``), an API key with ``write`` and the subject's account on its allow-list, or a
    guest reviewer: ``Actor.for_review_link(link, guest_name=...)``, of kind ``ActorKind.GUEST_LINK``
    with no user, whose label is the name they gave; ``authorize`` lets them through only on a pin or
    schedule their open link covers (anything else is ``AccessHidden``). A guest's comment is stored
    with ``author=None``, ``author_key=None``, ``author_label=<name>`` and ``is_guest=True``, and the
    thread shows it as "<name> (guest)"; a blank name (or one over 255 characters or with NUL) is a
    ValidationError on ``name``. Another workspace's subject is ``AccessHidden``.

    ``body`` is trimmed; blank, with NUL or over ``PinComment.BODY_MAX_LENGTH`` characters is a
    ValidationError on ``body``. In one transaction: the comment with the members it mentions, the
    audit event (``pin.commented`` or ``schedule.commented``) and the ``pin.commented`` webhook
    deliveries, sent once it commits."""
    is_schedule = isinstance(subject, Schedule)
    authorize(actor, "schedule.comment" if is_schedule else "pin.comment", workspace=subject.workspace,
              account=subject.account, item=subject)
    is_guest = actor.kind == ActorKind.GUEST_LINK
    label = _guest_name(actor) if is_guest else actor.label
    text = clean_comment_body(body)
    mentioned = _mentioned_members(subject, text)
    with transaction.atomic():
        # The version is read under the subject's lock: an edit committing meanwhile cannot slip between.
        version = (type(subject).objects.select_for_update().values_list("content_version", flat=True)
                   .get(pk=subject.pk))
        comment = PinComment.objects.create(
            **({"schedule": subject} if is_schedule else {"pin": subject}), author=actor.user,
            author_key=actor.api_key, author_label=label, is_guest=is_guest, body=text, content_version=version)
        comment.mentions.set(mentioned)
        audit_record(team=subject.workspace.team, workspace=subject.workspace,
                     action="schedule.commented" if is_schedule else "pin.commented", actor=actor, target=subject,
                     details={"comment_id": str(comment.public_id), "content_version": version,
                              "mentions": [user.email for user in mentioned], **({"guest": True} if is_guest else {})})
        webhook_comment_emit(comment=comment)
        # The author and the thread hear of the comment; whoever it mentions hears of the mention instead.
        on_pin, on_schedule = (None, subject) if isinstance(subject, Schedule) else (subject, None)
        notify("schedule.commented" if is_schedule else "pin.commented", actor=actor, pin=on_pin,
               schedule=on_schedule, mentioned=mentioned, reason=text)
        notify("comment.mention", actor=actor, pin=on_pin, schedule=on_schedule, mentioned=mentioned, reason=text)
    return comment


def pin_comment(*, pin: Pin, actor: Actor, body: str) -> PinComment:
    """Add a comment to ``pin``'s thread: ``comment_add`` with the pin as its subject (a guest
    reviewer's comment comes this way)."""
    return comment_add(subject=pin, actor=actor, body=body)


def schedule_comment(*, schedule: Schedule, actor: Actor, body: str) -> PinComment:
    """Add a comment to ``schedule``'s thread: ``comment_add`` with the schedule as its subject."""
    return comment_add(subject=schedule, actor=actor, body=body)
