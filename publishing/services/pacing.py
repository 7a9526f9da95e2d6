"""Token buckets that keep every worker, together, under Pinterest's publishing limits, and the
order in which waiting pins get their turn.

Two buckets pace each publish: one per Pinterest account and one for the whole server
(capacity and refill rate in settings: 50 / 1.0 per s and 200 / 3.0 per s by default, the
numbers PinBridge documents). A publish takes one token from both or from neither, so a busy
account cannot starve the global bucket by half-taking.

**Reservations, not polling.** Each bucket is kept as a "theoretical arrival time" (GCRA): the
moment it will be full again, ``TAT = refilled_at + (capacity - tokens) / rate``, stored as the
same two numbers as ever (tokens may go below zero: slots promised ahead). A pin asks once and
gets a *slot*: the first moment both buckets conform, ``max(now, TAT - (capacity - 1) / rate)``,
and every bucket's TAT moves to ``max(TAT, slot, now) + 1 / rate``. Its job is enqueued once, for that
slot, and publishes without asking again (``Pin.pace_slot_at``; a slot used more than
``RESERVATION_GRACE`` late is given up and a new one reserved, so a late job cannot burst). The
set of slots handed out is exactly what the buckets allow, in any order, so the rate is never
exceeded, however many workers reserve at once.

**A bounded horizon and a line per account.** Slots are reserved at most
``PACING_RESERVATION_HORIZON_SECONDS`` ahead. A backlog beyond that does not reserve the future
(which would push a due schedule's pin behind every slot already promised, and would make the
global bucket look busy for other accounts): each further pin takes a *turn* in its account's line
(``line:account:<id>``, one turn every ``1 / rate`` seconds after the last) and its job is enqueued
once, for the turn. At its turn the pin reserves its slot, which is due at once in the steady
state, so it publishes in that same job (a slot a little later, after a priority pin or a late
job: one more job, for that slot). Turns come ``1 / rate`` apart, so slots reserved at their
turns never run ahead of the horizon by more than the workers' lateness.

**Due schedules first.** A pin made by a schedule (``Pin.Source.SCHEDULE``) is a *priority* pin:
it reserves a slot at once, however far, which is at most the horizon ahead since the backlog
waits in the line. To keep the line's pace, it displaces the earliest turn still ahead in its
account's line: that pin (the conditional update wins only while it still waits for that turn)
takes a turn at the end of the line, its job enqueued once more, and the turn it left unused is
the time the priority slot takes. When backlog pins already hold slots ahead (turns that came
while the workers were busy reserve at once, one after another, seconds ahead), the priority pin
takes the earliest of those instead, and its holder reserves the next slot the buckets give
(``delivery._backlog_slot_take``). So a due schedule's pin publishes within about a turn of its
time, even behind a 150-pin backlog, and the buckets still see exactly one slot per publish.

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


# A slot taken up to this many seconds after its time still counts as taken at its time (a job
# starts within a poll of its slot); later, the pin gives it up and reserves again.
RESERVATION_GRACE = 1.0


class PacingMode:
    """What a pin may get from ``pacing_reserve``."""

    TAKE = "take"  # a token now, or nothing and the wait until one is there
    JOIN = "join"  # an ordinary pin: a slot within the horizon unless its account has a line, else a turn
    HEAD = "head"  # a pin whose turn came: a slot, however far (one turn apart, they cannot run away)
    PRIORITY = "priority"  # a due schedule's pin: a slot, however far
    REQUEUE = "requeue"  # a pin displaced from its turn: a turn at the end of the line


MODES = (PacingMode.TAKE, PacingMode.JOIN, PacingMode.HEAD, PacingMode.PRIORITY, PacingMode.REQUEUE)


@dataclass(frozen=True)
class PacingTurn:
    """``reserved``: a slot in both buckets is the pin's, ``wait`` seconds from now (0.0: now).
    Otherwise a turn in the account's line (or, for TAKE, nothing) ``wait`` seconds from now."""

    reserved: bool
    wait: float


def _line_key(account: PinterestAccount) -> str:
    return f"line:{account_bucket_key(account)}"


def _horizon() -> float:
    return float(settings.PACING_RESERVATION_HORIZON_SECONDS)


def _tat(tokens: float, at: float, limits: BucketLimits) -> float:
    """When the bucket is full again (at or before ``at`` if it was full then)."""
    return at + (limits.capacity - tokens) / limits.refill_rate


def _decide(now: float, limits: list[BucketLimits], tats: list[float], line: float, mode: str,
            horizon: float, late_by: float = 0.0) -> tuple[PacingTurn, list[float] | None, float | None]:
    """The turn for one pin, the buckets' new TATs (None: unchanged) and the line's (None: unchanged).
    The same arithmetic as the Redis script below."""
    conforming = [tat - (item.capacity - 1) / item.refill_rate for item, tat in zip(limits, tats, strict=True)]
    slot = max([now - late_by, *conforming])
    if mode == PacingMode.TAKE:
        reserve = slot <= now
    elif mode in (PacingMode.PRIORITY, PacingMode.HEAD):
        reserve = True
    elif mode == PacingMode.JOIN:
        reserve = slot <= now + horizon and line <= now
    else:
        reserve = False
    if reserve:
        return (PacingTurn(True, slot - now),
                # Never below now: a slot back-dated (late_by) to when a bucket was full would
                # otherwise be credited the tokens that bucket refilled since, above its capacity.
                [max(tat, slot, now) + 1 / item.refill_rate for item, tat in zip(limits, tats, strict=True)], None)
    if mode == PacingMode.TAKE:
        return PacingTurn(False, slot - now), None, None
    turn = max(line, slot)
    return PacingTurn(False, turn - now), None, turn + max(1 / item.refill_rate for item in limits)


def pacing_take(*, account: PinterestAccount) -> float:
    """Take one publish token for ``account`` (and the server). 0.0 when taken, otherwise the
    seconds to wait until both buckets hold a token again (nothing is taken then)."""
    return pacing_reserve(account=account, mode=PacingMode.TAKE).wait


def pacing_reserve(*, account: PinterestAccount, mode: str, late_by: float = 0.0) -> PacingTurn:
    """A slot (or a turn in the account's line) for one publish to ``account``; see the module
    docstring for the modes. Atomic across every worker.

    ``late_by``: seconds since the pin's turn came (its job started late). The slot may then be
    the turn's own time, up to ``RESERVATION_GRACE`` back, as a reserved slot used late counts: so
    the line keeps its pace through the workers' jitter instead of deferring each pin once more."""
    if mode not in MODES:
        raise ValueError(f"Unknown pacing mode {mode!r}")
    limits = _limits_for(account)
    late_by = min(max(0.0, late_by), RESERVATION_GRACE)
    if settings.PACING_REDIS_URL:
        return _redis_reserve(limits, _line_key(account), mode, late_by)
    return _database_reserve(limits, _line_key(account), mode, late_by)


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


def _locked_rows(keys: list[str]) -> dict[str, RateBucket]:
    return {row.key: row for row in RateBucket.objects.select_for_update().filter(key__in=keys).order_by("key")}


def _database_reserve(limits: list[BucketLimits], line_key: str, mode: str, late_by: float) -> PacingTurn:
    keys = sorted([item.key for item in limits] + [line_key])  # one locking order for every worker
    with transaction.atomic():
        rows = _locked_rows(keys)
        if len(rows) < len(keys):
            # Rows are created full (a line: empty) on first use; ignore_conflicts makes concurrent
            # first uses safe.
            first_use = timezone.now()
            capacities = {item.key: item.capacity for item in limits}
            RateBucket.objects.bulk_create([RateBucket(key=key, tokens=capacities.get(key, 0.0), refilled_at=first_use)
                                            for key in keys if key not in rows], ignore_conflicts=True)
            rows = _locked_rows(keys)
        # The clock is read once the rows are ours: a worker that waited for the lock must not
        # write a refill time older than the one its predecessor just wrote (that would count the
        # same seconds of refill twice).
        now_dt = timezone.now()
        now = _epoch(now_dt)
        tats = [_tat(rows[item.key].tokens, _epoch(rows[item.key].refilled_at), item) for item in limits]
        line_row = rows[line_key]
        turn, new_tats, new_line = _decide(now, limits, tats, _epoch(line_row.refilled_at), mode, _horizon(), late_by)
        changed = []
        if new_tats is not None:
            for item, tat in zip(limits, new_tats, strict=True):
                row = rows[item.key]
                row.tokens, row.refilled_at = item.capacity - (tat - now) * item.refill_rate, now_dt
                changed.append(row)
        if new_line is not None:
            line_row.refilled_at = datetime.fromtimestamp(new_line, tz=now_dt.tzinfo)
            changed.append(line_row)
        if changed:
            RateBucket.objects.bulk_update(changed, ["tokens", "refilled_at"])
    return turn


def _database_peek(limits: list[BucketLimits]) -> list[BucketState]:
    now = time.time()
    rows = {row.key: row for row in RateBucket.objects.filter(key__in=[item.key for item in limits])}
    states = []
    for item in limits:
        row = rows.get(item.key)
        tokens = item.capacity if row is None else _refilled(row.tokens, _epoch(row.refilled_at), now, item)
        # Below zero: slots promised ahead; none is available now either way.
        states.append(BucketState(item.key, round(max(0.0, tokens), 3), item.capacity, item.refill_rate))
    return states


# --- Redis backend ----------------------------------------------------------------------------

# KEYS: the buckets. ARGV: take (1 or 0), then capacity and rate for each key. Uses Redis's clock,
# so workers on machines with skewed clocks still agree. Returns [wait, tokens...] as strings.
# With take=0 it only reads (the meters).
_REDIS_BUCKETS_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local result = {'0'}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then tokens = capacity; at = now end
  result[#result + 1] = tostring(math.min(capacity, tokens + math.max(0, now - at) * rate))
end
return result
"""

# KEYS: the buckets, then the account's line. ARGV: the mode, the horizon, late_by, then capacity and
# rate for each bucket. The arithmetic of ``_decide``, atomically, on Redis's clock. Returns
# [reserved (1 or 0), wait] as strings.
_REDIS_RESERVE_SCRIPT = """
local mode = ARGV[1]
local horizon = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local buckets = #KEYS - 1
local tats = {}
local slot = now - tonumber(ARGV[3])
local interval = 0
for i = 1, buckets do
  local capacity = tonumber(ARGV[2 * i + 2])
  local rate = tonumber(ARGV[2 * i + 3])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then tokens = capacity; at = now end
  tats[i] = at + (capacity - tokens) / rate
  slot = math.max(slot, tats[i] - (capacity - 1) / rate)
  interval = math.max(interval, 1 / rate)
end
local line = tonumber(redis.call('GET', KEYS[#KEYS])) or now
local reserve = false
if mode == 'take' then reserve = slot <= now
elseif mode == 'priority' or mode == 'head' then reserve = true
elseif mode == 'join' then reserve = slot <= now + horizon and line <= now
end
if reserve then
  for i = 1, buckets do
    local capacity = tonumber(ARGV[2 * i + 2])
    local rate = tonumber(ARGV[2 * i + 3])
    local tat = math.max(tats[i], slot, now) + 1 / rate  -- never below now (see _decide)
    redis.call('HSET', KEYS[i], 'tokens', tostring(capacity - (tat - now) * rate), 'at', tostring(now))
    redis.call('EXPIRE', KEYS[i], 86400)
  end
  return {'1', tostring(slot - now)}
end
if mode == 'take' then return {'0', tostring(slot - now)} end
local turn = math.max(line, slot)
redis.call('SET', KEYS[#KEYS], tostring(turn + interval), 'EX', 86400)
return {'0', tostring(turn - now)}
"""


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _redis_key(key: str) -> str:
    # One hash tag for every bucket: a Redis Cluster keeps them in one slot, as the script needs.
    prefix = getattr(settings, "PACING_REDIS_PREFIX", "pinboard:pacing")
    return f"{{{prefix}}}:{key}"


def _redis_args(limits: list[BucketLimits]) -> list[float]:
    args: list[float] = []
    for item in limits:
        args += [item.capacity, item.refill_rate]
    return args


def _redis_reserve(limits: list[BucketLimits], line_key: str, mode: str, late_by: float) -> PacingTurn:
    client = _redis_client(settings.PACING_REDIS_URL)
    keys = [_redis_key(item.key) for item in limits] + [_redis_key(line_key)]
    reserved, wait = client.eval(_REDIS_RESERVE_SCRIPT, len(keys), *keys, mode, _horizon(), late_by,
                                 *_redis_args(limits))
    return PacingTurn(reserved in (b"1", "1"), float(wait))


def _redis_peek(limits: list[BucketLimits]) -> list[BucketState]:
    client = _redis_client(settings.PACING_REDIS_URL)
    result = client.eval(_REDIS_BUCKETS_SCRIPT, len(limits), *[_redis_key(item.key) for item in limits], 0,
                         *_redis_args(limits))
    levels = [float(value) for value in result[1:]]
    return [BucketState(item.key, round(max(0.0, level), 3), item.capacity, item.refill_rate)
            for item, level in zip(limits, levels, strict=True)]
