"""Per-token rate limiting in minute-long windows of sandbox time (so moving the clock resets
them deterministically), reported the way Pinterest does: ``X-RateLimit-Limit: 1000, 1000;w=60``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds until the window resets).

Each rate-limit category the OpenAPI document names (``x-ratelimit-category``) that the sandbox
counts apart has its own budget per token: ``org_analytics`` (the analytics endpoints,
``SANDBOX_ANALYTICS_RATE_LIMIT_PER_MINUTE``); every other endpoint shares the general one."""

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


ORG_ANALYTICS = "org_analytics"


def _limit(category: str) -> int:
    return conf.analytics_rate_limit_per_minute() if category == ORG_ANALYTICS else conf.rate_limit_per_minute()


def rate_limit_untouched(now: datetime, category: str = "") -> RateLimitState:
    """The headers of a call that counts against no token (bad token, the token endpoint)."""
    limit = _limit(category)
    return RateLimitState(limit, limit, _window(now)[1])


def rate_limit_consume(token: AccessToken, now: datetime, category: str = "") -> RateLimitState:
    """Count one call in its category; ``exceeded`` once the token went over that category's limit
    in this window."""
    start, reset = _window(now)
    limit = _limit(category)
    counters = RateLimitCounter.objects.filter(access_token=token, category=category, window_start=start)
    if not counters.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateLimitCounter.objects.create(access_token=token, category=category, window_start=start, count=1)
        except IntegrityError:  # a concurrent call created it first
            counters.update(count=F("count") + 1)
        RateLimitCounter.objects.filter(access_token=token, category=category, window_start__lt=start).delete()
    used = counters.values_list("count", flat=True).first() or 1
    return RateLimitState(limit, limit - used, reset)
