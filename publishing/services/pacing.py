"""Token buckets that keep every worker, together, under Pinterest's publishing limits.

Two buckets pace each publish: one per Pinterest account and one for the whole server
(capacity and refill rate in settings: 50 / 1.0 per s and 200 / 3.0 per s by default, the
numbers PinBridge documents). A publish takes one token from both or from neither, so a busy
account cannot starve the global bucket by half-taking.

The buckets live where every worker sees them: in Redis when ``PACING_REDIS_URL`` is set (one
atomic Lua script, Redis's own clock), otherwise in ``RateBucket`` rows locked with SELECT …
FOR UPDATE (on SQLite the IMMEDIATE transaction serialises writers the same way).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NotRequired, TypedDict

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from publishing.models import PinterestAccount, RateBucket

GLOBAL_KEY = "global"


@dataclass(frozen=True)
class BucketLimits:
    key: str
    capacity: float
    refill_rate: float  # tokens per second


@dataclass(frozen=True)
class BucketState:
    key: str
    tokens_available: float
    capacity: float
    refill_rate: float


class BucketMeter(TypedDict):
    tokens_available: float
    capacity: float
    refill_rate: float


class AccountBucketMeter(BucketMeter):
    account_id: str


# The functional form: "global" is a Python keyword, so it cannot be a class-syntax key.
PacingMeter = TypedDict("PacingMeter", {"global": BucketMeter, "account": NotRequired[AccountBucketMeter]})


def account_bucket_key(account: PinterestAccount) -> str:
    return f"account:{account.public_id}"


def _account_limits(account: PinterestAccount) -> BucketLimits:
    return BucketLimits(account_bucket_key(account), float(settings.PACING_ACCOUNT_CAPACITY),
                        float(settings.PACING_ACCOUNT_REFILL_PER_SECOND))


def _global_limits() -> BucketLimits:
    return BucketLimits(GLOBAL_KEY, float(settings.PACING_GLOBAL_CAPACITY),
                        float(settings.PACING_GLOBAL_REFILL_PER_SECOND))


def _limits_for(account: PinterestAccount) -> list[BucketLimits]:
    # Sorted by key: every worker locks rows in the same order, so two never deadlock.
    return sorted([_account_limits(account), _global_limits()], key=lambda limits: limits.key)


def _refilled(tokens: float, since: float, now: float, limits: BucketLimits) -> float:
    return min(limits.capacity, tokens + max(0.0, now - since) * limits.refill_rate)


def pacing_take(*, account: PinterestAccount) -> float:
    """Take one publish token for ``account`` (and the server). 0.0 when taken, otherwise the
    seconds to wait until both buckets hold a token again (nothing is taken then)."""
    limits = _limits_for(account)
    if settings.PACING_REDIS_URL:
        return _redis_take(limits)
    return _database_take(limits)


def pacing_meter(*, account: PinterestAccount | None = None) -> PacingMeter:
    """The buckets' current state, without taking anything (the API's ``GET /v1/rate-meter``)."""
    global_meter, account_meters = pacing_meters(accounts=[account] if account is not None else [])
    meter: PacingMeter = {"global": global_meter}
    if account is not None:
        meter["account"] = account_meters[0]
    return meter


def pacing_meters(*, accounts: Sequence[PinterestAccount]) -> tuple[BucketMeter, list[AccountBucketMeter]]:
    """The server's bucket and each account's (in ``accounts``' order), read in one go: one query, or
    one Redis call, however many accounts (the dashboard's overview shows them all)."""
    limits = [_global_limits(), *(_account_limits(account) for account in accounts)]
    states = {state.key: state for state in (_redis_peek if settings.PACING_REDIS_URL else _database_peek)(limits)}
    global_state = states[GLOBAL_KEY]
    global_meter: BucketMeter = {"tokens_available": global_state.tokens_available,
                                 "capacity": global_state.capacity, "refill_rate": global_state.refill_rate}
    account_meters: list[AccountBucketMeter] = []
    for account in accounts:
        state = states[account_bucket_key(account)]
        account_meters.append({"account_id": str(account.public_id), "tokens_available": state.tokens_available,
                               "capacity": state.capacity, "refill_rate": state.refill_rate})
    return global_meter, account_meters


# --- database backend -------------------------------------------------------------------------


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _database_take(limits: list[BucketLimits]) -> float:
    now_dt = timezone.now()
    now = _epoch(now_dt)
    with transaction.atomic():
        # Rows are created full on first use; ignore_conflicts makes concurrent first uses safe.
        RateBucket.objects.bulk_create(
            [RateBucket(key=item.key, tokens=item.capacity, refilled_at=now_dt) for item in limits],
            ignore_conflicts=True,
        )
        rows = {row.key: row for row in RateBucket.objects.select_for_update().filter(
            key__in=[item.key for item in limits]).order_by("key")}
        # The clock is read once the rows are ours: a worker that waited for the lock must not
        # write a refill time older than the one its predecessor just wrote (that would count the
        # same seconds of refill twice).
        now_dt = timezone.now()
        now = _epoch(now_dt)
        levels = {item.key: _refilled(rows[item.key].tokens, _epoch(rows[item.key].refilled_at), now, item)
                  for item in limits}
        wait = max(((1.0 - levels[item.key]) / item.refill_rate for item in limits if levels[item.key] < 1.0),
                   default=0.0)
        for item in limits:
            row = rows[item.key]
            row.tokens = levels[item.key] - (1.0 if wait == 0.0 else 0.0)
            row.refilled_at = now_dt
            row.save(update_fields=["tokens", "refilled_at"])
    return wait


def _database_peek(limits: list[BucketLimits]) -> list[BucketState]:
    now = time.time()
    rows = {row.key: row for row in RateBucket.objects.filter(key__in=[item.key for item in limits])}
    states = []
    for item in limits:
        row = rows.get(item.key)
        tokens = item.capacity if row is None else _refilled(row.tokens, _epoch(row.refilled_at), now, item)
        states.append(BucketState(item.key, round(tokens, 3), item.capacity, item.refill_rate))
    return states


# --- Redis backend ----------------------------------------------------------------------------

# KEYS: the buckets. ARGV: take (1 or 0), then capacity and rate for each key. Uses Redis's clock,
# so workers on machines with skewed clocks still agree. Returns [wait, tokens...] as strings.
_REDIS_BUCKETS_SCRIPT = """
local take = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then tokens = capacity; at = now end
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < 1 then wait = math.max(wait, (1 - tokens) / rate) end
end
local result = {tostring(wait)}
for i = 1, #KEYS do
  local tokens = levels[i]
  if take == 1 then
    if wait == 0 then tokens = tokens - 1 end
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(now))
    redis.call('EXPIRE', KEYS[i], 86400)
  end
  result[#result + 1] = tostring(tokens)
end
return result
"""


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _redis_key(key: str) -> str:
    # One hash tag for every bucket: a Redis Cluster keeps them in one slot, as the script needs.
    prefix = getattr(settings, "PACING_REDIS_PREFIX", "pinboard:pacing")
    return f"{{{prefix}}}:{key}"


def _redis_run(limits: list[BucketLimits], *, take: bool) -> list[float]:
    client = _redis_client(settings.PACING_REDIS_URL)
    args: list[float] = [1 if take else 0]
    for item in limits:
        args += [item.capacity, item.refill_rate]
    result = client.eval(_REDIS_BUCKETS_SCRIPT, len(limits), *[_redis_key(item.key) for item in limits], *args)
    return [float(value) for value in result]


def _redis_take(limits: list[BucketLimits]) -> float:
    return _redis_run(limits, take=True)[0]


def _redis_peek(limits: list[BucketLimits]) -> list[BucketState]:
    levels = _redis_run(limits, take=False)[1:]
    return [BucketState(item.key, round(level, 3), item.capacity, item.refill_rate)
            for item, level in zip(limits, levels, strict=True)]
