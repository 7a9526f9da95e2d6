"""Approval decisions, one row per step, and review links that let a guest decide without an account."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from publishing.models.keys import ApiKey
from publishing.models.pins import Pin, Schedule
from publishing.models.teams import User, Workspace


class ApprovalDecisionQuerySet(models.QuerySet):
    def about(self, item: Pin | Schedule) -> "ApprovalDecisionQuerySet":
        """The decisions on one pin or schedule, newest first."""
        lookup = {"pin": item} if isinstance(item, Pin) else {"schedule": item}
        return self.filter(**lookup).order_by("-at", "-id")


class ApprovalDecision(models.Model):
    """One step's decision on a pin or a schedule: by a member or key, or by a guest through a review link."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    COMMENT_MAX_LENGTH = 2000

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="approval_decisions")
    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, null=True, blank=True, related_name="approval_decisions")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="approval_decisions")
    step = models.PositiveSmallIntegerField()
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    guest_name = models.CharField(max_length=120, blank=True)
    review_link = models.ForeignKey("publishing.ReviewLink", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="decisions")
    decided_by_label = models.CharField(max_length=255)  # the actor's label, kept if the person goes
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = ApprovalDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pin__isnull=False, schedule__isnull=True)
                                   | Q(pin__isnull=True, schedule__isnull=False),
                                   name="approval_decision_on_pin_or_schedule"),
        ]

    def __str__(self) -> str:
        return f"step {self.step} {self.decision} by {self.decided_by_label}"


class ReviewLinkQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> "ReviewLinkQuerySet":
        """A workspace's review links, newest first, with what the lists show loaded."""
        return (self.filter(workspace=workspace).select_related("created_by")
                .prefetch_related("pins", "schedules").order_by("-created_at", "-id"))

    def within_accounts(self, account_ids: Iterable[int] | None) -> "ReviewLinkQuerySet":
        """Links whose every pin and schedule uses one of ``account_ids`` (None: every link), for an
        API key limited to some accounts: a link names its items and its guest."""
        if account_ids is None:
            return self
        allowed = list(account_ids)
        return (self.exclude(pins__in=Pin.objects.exclude(account_id__in=allowed))
                .exclude(schedules__in=Schedule.objects.exclude(account_id__in=allowed)))


class ReviewLink(models.Model):
    """A link a manager sends to someone outside the team: it shows only its pins and schedules and
    lets the guest approve or reject each, until it expires or is revoked."""

    class Purpose(models.TextChoices):
        APPROVAL = "approval", "Approve or reject"

    GUEST_NAME_MAX_LENGTH = 120

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="review_links")
    pins = models.ManyToManyField(Pin, blank=True, related_name="review_links")
    schedules = models.ManyToManyField(Schedule, blank=True, related_name="review_links")
    # sha256 of the token (services.secrets.token_new): the token itself is shown once, never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.APPROVAL)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    guest_email = models.EmailField(blank=True)
    guest_name = models.CharField(max_length=GUEST_NAME_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Sent by an API key (created_by is then empty): a guest's decision through it is the key's hand.
    created_by_key = models.ForeignKey("publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"review link {self.public_id}"

    def is_open(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
