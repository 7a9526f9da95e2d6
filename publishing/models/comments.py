"""The conversation on a pin: comments, who they mention, and the content versions they were about."""

import uuid

from django.db import models
from django.db.models import ExpressionWrapper, F, Prefetch, Q

from publishing.models.pins import Pin
from publishing.models.teams import User


class PinContentVersion(models.Model):
    """A pin's content as it was before a change: ``version`` is the number it had then (the pin
    itself holds the current content and ``content_version``). Written by the pins service, in the
    transaction that changes the content, so a comment's version can be shown and diffed."""

    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, related_name="content_versions")
    version = models.PositiveIntegerField()
    values = models.JSONField()  # PinContent's fields, as ``Pin.content_values()`` gives them
    created_at = models.DateTimeField(auto_now_add=True)  # when this version was replaced

    class Meta:
        ordering = ["pin", "version"]
        constraints = [models.UniqueConstraint(fields=["pin", "version"], name="pin_content_version_unique")]

    def __str__(self) -> str:
        return f"{self.pin} (version {self.version})"


class PinCommentQuerySet(models.QuerySet):
    def thread(self, pin: Pin) -> "PinCommentQuerySet":
        """One pin's comments, oldest first, with mentioned members loaded and ``on_earlier_version``:
        the pin's content changed after the comment was written."""
        return (self.filter(pin=pin)
                .annotate(on_earlier_version=ExpressionWrapper(Q(content_version__lt=F("pin__content_version")),
                                                               output_field=models.BooleanField()))
                .prefetch_related(Prefetch("mentions", queryset=User.objects.order_by("email"))))


class PinComment(models.Model):
    # What a comment may hold: a conversation, not a document (the API and the form refuse more).
    BODY_MAX_LENGTH = 2000

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_key = models.ForeignKey("publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    author_label = models.CharField(max_length=255)  # the actor's label, kept if the author goes
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    content_version = models.PositiveIntegerField()  # the pin's content_version the comment was about
    mentions = models.ManyToManyField(User, blank=True, related_name="pin_comment_mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PinCommentQuerySet.as_manager()

    on_earlier_version: bool  # not a column: set by PinCommentQuerySet.thread()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_label}: {self.body[:40]}"
