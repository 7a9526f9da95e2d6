"""The conversation on a pin or a schedule: comments, who they mention, and the content versions they
were about.

A pin and a schedule both hold a pin's content (``PinContentColumns``) and count its changes in
``content_version``; a comment and a kept earlier version belong to exactly one of the two (a check
constraint holds it). ``subject`` is that pin or schedule: the reads below take either.
"""

import uuid

from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Prefetch, Q, When

from publishing.models.pins import Pin, Schedule
from publishing.models.teams import User

# Exactly one of ``pin`` and ``schedule``: what the comment or the earlier version is about.
ONE_SUBJECT = (Q(pin__isnull=False, schedule__isnull=True) | Q(pin__isnull=True, schedule__isnull=False))


def _of(subject: Pin | Schedule) -> Q:
    """The rows about ``subject``, a pin or a schedule."""
    return Q(schedule=subject) if isinstance(subject, Schedule) else Q(pin=subject)


class PinContentVersionQuerySet(models.QuerySet):
    def of(self, subject: Pin | Schedule) -> "PinContentVersionQuerySet":
        """The earlier versions of a pin's or a schedule's content, oldest first (``.get(version=n)``
        is the content as it was at version ``n``)."""
        return self.filter(_of(subject)).order_by("version")


class PinContentVersion(models.Model):
    """A pin's or a schedule's content as it was before a change: ``version`` is the number it had
    then (the pin or schedule itself holds the current content and ``content_version``). Written by
    services/content_versions.py in the transaction that changes the content, so a comment's version
    can be shown and diffed."""

    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, null=True, blank=True, related_name="content_versions")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="content_versions")
    version = models.PositiveIntegerField()
    values = models.JSONField()  # PinContent's fields, as ``content_values()`` gives them
    created_at = models.DateTimeField(auto_now_add=True)  # when this version was replaced

    objects = PinContentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["pin", "schedule", "version"]
        constraints = [
            models.UniqueConstraint(fields=["pin", "version"], name="pin_content_version_unique"),
            models.UniqueConstraint(fields=["schedule", "version"], name="schedule_content_version_unique"),
            models.CheckConstraint(condition=ONE_SUBJECT, name="content_version_pin_or_schedule"),
        ]

    def __str__(self) -> str:
        return f"{self.pin or self.schedule} (version {self.version})"


class PinCommentQuerySet(models.QuerySet):
    def thread(self, subject: Pin | Schedule) -> "PinCommentQuerySet":
        """One pin's or schedule's comments, oldest first, with mentioned members loaded and
        ``on_earlier_version``: the content changed after the comment was written."""
        return self.filter(_of(subject)).with_version_state().prefetch_related(
            Prefetch("mentions", queryset=User.objects.order_by("email")))

    def with_version_state(self) -> "PinCommentQuerySet":
        """``on_earlier_version`` on each comment: its version is behind its pin's or schedule's."""
        behind = Case(When(schedule__isnull=False, then=Q(content_version__lt=F("schedule__content_version"))),
                      default=Q(content_version__lt=F("pin__content_version")))
        return self.annotate(on_earlier_version=ExpressionWrapper(behind, output_field=models.BooleanField()))


class PinComment(models.Model):
    """A comment on a pin or on a schedule (exactly one). Its author is a member (``author``), an
    API key (``author_key``) or a guest reviewer with a review link (neither: ``author_label`` is the
    name they gave, ``is_guest``)."""

    # What a comment may hold: a conversation, not a document (the API and the form refuse more).
    BODY_MAX_LENGTH = 2000

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_key = models.ForeignKey("publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    author_label = models.CharField(max_length=255)  # the actor's label, kept if the author goes
    # A guest reviewer wrote it (no user, no key): shown as "<name> (guest)".
    is_guest = models.BooleanField(default=False)
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    content_version = models.PositiveIntegerField()  # the subject's content_version the comment was about
    mentions = models.ManyToManyField(User, blank=True, related_name="pin_comment_mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PinCommentQuerySet.as_manager()

    on_earlier_version: bool  # not a column: set by PinCommentQuerySet.thread()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="comment_on_pin_or_schedule")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"

    @property
    def subject(self) -> Pin | Schedule:
        """The pin or the schedule the comment is on."""
        subject = self.schedule if self.schedule_id is not None else self.pin
        assert subject is not None, "a comment is on a pin or a schedule (comment_on_pin_or_schedule)"
        return subject

    @property
    def author_name(self) -> str:
        """How the thread names the author: the label, and "(guest)" after a guest reviewer's name."""
        return f"{self.author_label} (guest)" if self.is_guest else self.author_label
