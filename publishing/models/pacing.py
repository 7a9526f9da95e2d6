"""Token buckets that pace publishing to Pinterest, shared by every worker (see services/pacing.py)."""

from django.db import models


class RateBucket(models.Model):
    """One token bucket: ``tokens`` as of ``refilled_at``; refills continuously up to its capacity.

    Capacity and refill rate live in settings, not here, so changing them applies at once.
    Keys: ``global`` and ``account:<PinterestAccount.public_id>``.
    """

    key = models.CharField(max_length=80, unique=True)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens:.2f}"
