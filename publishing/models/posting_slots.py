"""Posting slots: each Pinterest account's weekly times (in its workspace's time zone) that
"Add to queue" fills in order (``publishing.services.posting_queue``)."""

from datetime import time

from django.db import models
from django.db.models import Q

from publishing.models.integrations import PinterestAccount

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PostingSlot(models.Model):
    """A weekly wall-clock time (``weekday`` 0 = Monday, as Python's ``date.weekday()``) at which the
    account posts from its queue. Stored local, not UTC: 09:00 stays 09:00 across daylight saving."""

    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="posting_slots")
    weekday = models.PositiveSmallIntegerField()
    local_time = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "weekday", "local_time"]
        constraints = [
            models.UniqueConstraint(fields=["account", "weekday", "local_time"],
                                    name="posting_slot_unique_per_account_weekday_time"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="posting_slot_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.local_time:%H:%M}"

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def time_text(self) -> str:
        return time.strftime(self.local_time, "%H:%M")
