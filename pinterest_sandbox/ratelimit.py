"""Per-token rate limiting in minute-long windows of sandbox time (so moving the clock resets
them deterministically), reported the way Pinterest does: ``X-RateLimit-Limit: 1000, 1000;w=60``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds until the window resets)."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from pinterest_sandbox import conf
from pinterest_sandbox.models import AccessToken, RateLimitCounter

WINDOW_SECONDS = 60


@dataclass
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": f"{self.limit}, {self.limit};w={WINDOW_SECONDS}",
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


def _window(now: datetime) -> tuple[datetime, int]:
    epoch = now.timestamp()
    start = math.floor(epoch / WINDOW_SECONDS) * WINDOW_SECONDS
    reset = max(1, math.ceil(start + WINDOW_SECONDS - epoch))
    return datetime.fromtimestamp(start, tz=UTC), reset


def rate_limit_untouched(now: datetime) -> RateLimitState:
    """The headers of a call that counts against no token (bad token, the token endpoint)."""
    limit = conf.rate_limit_per_minute()
    return RateLimitState(limit, limit, _window(now)[1])


def rate_limit_consume(token: AccessToken, now: datetime) -> RateLimitState:
    """Count one call; ``exceeded`` once the token went over its limit in this window."""
    start, reset = _window(now)
    limit = conf.rate_limit_per_minute()
    counters = RateLimitCounter.objects.filter(access_token=token, window_start=start)
    if not counters.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateLimitCounter.objects.create(access_token=token, window_start=start, count=1)
        except IntegrityError:  # a concurrent call created it first
            counters.update(count=F("count") + 1)
        RateLimitCounter.objects.filter(access_token=token, window_start__lt=start).delete()
    used = counters.values_list("count", flat=True).first() or 1
    return RateLimitState(limit, limit - used, reset)
