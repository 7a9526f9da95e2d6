"""Delivery: claiming a pin, publishing it to Pinterest, recording every attempt, and retries.

``pin_publish(pin_id=...)`` is safe to run any number of times, concurrently or after a crash:

1. **Claim.** A conditional UPDATE moves the pin ``queued``/``deferred`` (due, approved, not
   deleted) — or ``publishing`` with an expired lease — to ``publishing`` with a fresh lease and
   a lease token. Exactly one row changed, or someone else has it and this run ends.
2. **Reconcile.** If an earlier create's outcome is unknown (a timeout, a dropped connection, a
   worker killed mid-call: its PublishAttempt never finished), wait until that request surely
   ended (``PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS``), then look on the board for the pin it may
   have made, and adopt it instead of publishing a second one.
3. **Prepare.** Videos: ``media_upload_ensure`` until Pinterest's media succeeded (deferred
   meanwhile). Pacing (services/pacing.py): the pin's slot in the account's and the global bucket;
   a slot ahead, or a turn in the account's line, defers the pin and enqueues its job once, for
   that time (a due schedule's pin takes the earliest turn of its account's line). A pin whose
   slot has come publishes without asking again. A fresh access token (refreshed once, under a
   lock, by accounts).
4. **Call.** A PublishAttempt row is committed *before* the call and completed after it.

Outcomes: ``published`` (Pinterest id and time), ``failed`` (permanent errors, exhausted
attempts; revoked tokens also mark the account reconnect-required) or ``deferred`` with
``next_attempt_at`` (rate limits honour X-RateLimit-Reset; transient errors back off
exponentially with jitter). A deferred pin gets a delayed job for that time; the sweeper
(``pins_requeue_due``) is the backstop for due pins and expired leases.

The marker that recognises our own pin on the board: Pinterest v5 has no idempotency key and
no free-form field to stamp, so it is the exact content we sent (board, title, description,
link, alt text: ``PinFingerprint``) on a pin created no earlier than our first unknown attempt
started, excluding Pinterest pins already recorded on another of our pins (a database
constraint makes one Pinterest pin back at most one of ours). Two of our pins with identical
content are interchangeable, so each adopting a different one of them is still correct.

Every write after the claim is conditional on the lease token: a worker that stalled past its
lease cannot overwrite what the worker that took over recorded.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from pydantic import TypeAdapter

from publishing.access import Actor
from publishing.models import ApprovalState, Asset, MediaUpload, Pin, PinStatus, PublishAttempt
from publishing.pinterest import errors as pinterest_errors
from publishing.pinterest.client import PinFingerprint
from publishing.pinterest.factory import api_client
from publishing.pinterest.models import ImageBase64Source, ImageContentType, ImageUrlSource, VideoSource
from publishing.services import assets, pinterest_access
from publishing.services.audit import audit_record
from publishing.services.errors import DomainError
from publishing.services.pacing import RESERVATION_GRACE, PacingMode, pacing_reserve
from publishing.services.queue import task_enqueue
from publishing.services.webhooks import webhook_event_emit

logger = logging.getLogger("publishing.publish")

PUBLISH_TASK = "publishing.tasks.publish_pin"
MESSAGE_LIMIT = 1000
# A video pin looks at its media upload again after a tenth of the time it has waited so far
# (3 s to 60 s), and fails once Pinterest has been processing the video for MEDIA_WAIT_LIMIT.
MEDIA_POLL_SECONDS = (3, 60)
MEDIA_WAIT_LIMIT = timedelta(hours=1)
APPROVED_STATES = (ApprovalState.NOT_REQUIRED, ApprovalState.APPROVED)
ASSET_CONTENT_TYPES: dict[str, ImageContentType] = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
# An image asset's stored content type, checked to be one Pinterest takes inline.
_IMAGE_CONTENT_TYPE = TypeAdapter(ImageContentType)
# Pins queued this long without a job picking them up are enqueued again by the sweeper.
QUEUED_GRACE = timedelta(minutes=2)
# A deferred pin's job runs at its time; the sweeper enqueues it again only once it is this late (a
# job still on its way would otherwise run twice, the second finding nothing to claim).
DEFERRED_GRACE = timedelta(seconds=30)
# A lease taken this recently is as good as renewed before the call to Pinterest.
FRESH_LEASE = timedelta(seconds=1)
RATE_LIMITED = "rate_limited"
PACING_MESSAGE = "Waiting for the publishing pace (token bucket)."


def pin_publish_enqueue(pin: Pin, *, at: datetime | None = None) -> None:
    """Publish the pin once the current transaction commits (at ``at``, if given)."""
    _publish_job(pin.pk, at)


def _publish_job(pin_id: int, at: datetime | None, *, run_at: datetime | None = None) -> None:
    """The pin's publish job; one for a time (``at``, the pin's ``next_attempt_at``) carries it as
    ``due_at`` (see ``pin_publish``) and is handed out then (or at ``run_at``, if given)."""
    if at is None:
        task_enqueue(PUBLISH_TASK, pin_id)
    else:
        task_enqueue(PUBLISH_TASK, pin_id, at=run_at or at, job_kwargs={"due_at": at.isoformat()})


# --- claim ------------------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    waiting = Q(status__in=[PinStatus.QUEUED, PinStatus.DEFERRED]) & due
    abandoned = Q(status=PinStatus.PUBLISHING, lease_expires_at__lt=now)
    return (waiting | abandoned) & Q(deleted_at__isnull=True, approval_state__in=APPROVED_STATES)


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)


@dataclass
class Claim:
    """One worker's hold on one pin: every write goes through it and checks the token."""

    pin: Pin
    token: uuid.UUID
    claimed_at: datetime

    def rows(self) -> QuerySet[Pin]:
        return Pin.objects.filter(pk=self.pin.pk, status=PinStatus.PUBLISHING, lease_token=self.token)

    def renew(self) -> bool:
        """Extend the lease before a call to Pinterest; False when the pin is no longer ours."""
        now = timezone.now()
        return bool(self.rows().update(lease_expires_at=_lease_until(now), updated_at=now))

    def lease_for_call(self) -> bool:
        """``renew``, unless the claim is fresh: its lease then covers the call as a renewed one
        would (nobody can have taken over an unexpired lease), and costs no query."""
        if timezone.now() - self.claimed_at <= FRESH_LEASE:
            return True
        return self.renew()

    def finish(self, **fields: object) -> bool:
        """Leave ``publishing`` (published, failed or deferred) and drop the lease, atomically."""
        now = timezone.now()
        fields.setdefault("pace_slot_at", None)  # a slot is held only while deferred for it
        fields.update(lease_token=None, lease_expires_at=None, updated_at=now)
        changed = bool(self.rows().update(**fields))
        if changed:
            for name, value in fields.items():
                setattr(self.pin, name, value)
        return changed


def pin_claim(*, pin_id: int, now: datetime | None = None) -> Claim | None:
    now = now or timezone.now()
    token = uuid.uuid4()
    # One conditional UPDATE is the claim; the read after it needs no transaction: the row is ours
    # (our lease token) until we write it again or the lease expires.
    claimed = Pin.objects.filter(_claimable(now), pk=pin_id).update(
        status=PinStatus.PUBLISHING, lease_token=token, lease_expires_at=_lease_until(now), updated_at=now)
    if not claimed:
        return None
    pin = Pin.objects.select_related("workspace__team", "account__workspace__team", "asset",
                                     "cover_image_asset").get(pk=pin_id)
    return Claim(pin=pin, token=token, claimed_at=now)


# --- the job ----------------------------------------------------------------------------------


def pin_publish(*, pin_id: int, due_at: str | None = None) -> str:
    """Run one publishing step for the pin; returns its status afterwards (or ``not_claimed``, or
    ``early``). ``due_at``: the time the job was enqueued for (ISO 8601), if any."""
    claim = pin_claim(pin_id=pin_id)
    if claim is None:
        return _requeue_if_early(pin_id, datetime.fromisoformat(due_at)) if due_at else "not_claimed"
    try:
        _publish_claimed(claim)
    except Exception:
        # A bug or an unexpected failure: leave the pin deferred (not stuck in publishing) and let
        # the bounded attempts decide; an attempt that was in flight stays unfinished (= unknown).
        logger.exception("publishing pin %s failed unexpectedly", claim.pin.public_id)
        _defer(claim, error_code="internal_error", message="An unexpected error interrupted publishing.",
               delay=_backoff_seconds(max(1, _attempts_this_round(claim.pin))))
    return claim.pin.status


EARLY = "early"


def _requeue_if_early(pin_id: int, due_at: datetime) -> str:
    """A job for ``due_at`` whose pin was not claimable. If the pin still waits for that very time
    and it has not come by this worker's clock, the job came early (the pusher's clock runs ahead
    of this one): rather than end and leave the pin to the sweeper, it is enqueued again, as long
    after ``due_at`` as it came before it (so a skewed pusher hands it out at ``due_at`` by this
    clock). Otherwise its pin moved on (published, claimed, given another time): ``not_claimed``."""
    now = timezone.now()
    waiting = Pin.objects.filter(pk=pin_id, status__in=[PinStatus.QUEUED, PinStatus.DEFERRED], next_attempt_at=due_at,
                                 next_attempt_at__gt=now, deleted_at__isnull=True,
                                 approval_state__in=APPROVED_STATES).exists()
    if not waiting:
        return "not_claimed"
    _publish_job(pin_id, due_at, run_at=due_at + (due_at - now))
    return EARLY


def _publish_claimed(claim: Claim) -> None:
    pin = claim.pin
    account = pin.account
    if account.revoked_at is not None or account.reconnect_required:
        _fail(claim, "account_reconnect_required",
              account.health_message or "The Pinterest account must be reconnected before this pin can publish.")
        return
    # attempt_count counts the create calls, and is written with each one's row: a pin that never
    # made one has no answer to adopt and nothing to reconcile (two queries saved on a first publish).
    if pin.attempt_count:
        answered = _answered_create(pin)
        if answered is not None:
            # A worker died after recording Pinterest's answer and before marking the pin: the pin
            # exists on Pinterest, so finish the job with it instead of creating a second one.
            _published(claim, answered.pinterest_pin_id, answered.finished_at)
            return
        if unknown_create_attempts(pin).exists():
            if not _reconcile(claim):
                return
    if _attempts_this_round(pin) >= settings.PUBLISH_MAX_ATTEMPTS:
        _fail(claim, pin.error_code or "attempts_exhausted",
              f"Gave up after {settings.PUBLISH_MAX_ATTEMPTS} attempts. Last error: {pin.error_message or 'none'}")
        return
    media_source = _media_source(claim)
    if media_source is None:
        return  # deferred or failed while preparing the media
    if not _paced(claim):
        return
    access_token = _access_token(claim)
    if access_token is None:
        return
    _create_on_pinterest(claim, access_token, media_source)


# --- pacing -------------------------------------------------------------------------------------


def _paced(claim: Claim) -> bool:
    """True: the pin may publish now. False: it was deferred (its job enqueued once) for its slot,
    or for its turn in its account's line."""
    pin = claim.pin
    now = timezone.now()
    slot = pin.pace_slot_at
    if slot is not None and slot <= now <= slot + timedelta(seconds=RESERVATION_GRACE):
        return True  # its slot has come: reserved when it was deferred for it
    at_its_turn = (pin.error_code == RATE_LIMITED and slot is None and pin.next_attempt_at is not None
                   and pin.next_attempt_at <= now)
    if pin.source == Pin.Source.SCHEDULE:
        if not at_its_turn:
            _backlog_turn_displace(claim, now)
            taken = _backlog_slot_take(claim, now)
            if taken is not None:
                _defer_for_pace(claim, at=taken, slot=True)
                return False
        mode = PacingMode.PRIORITY
    else:
        mode = PacingMode.HEAD if at_its_turn else PacingMode.JOIN
    late_by = (now - pin.next_attempt_at).total_seconds() if at_its_turn and pin.next_attempt_at else 0.0
    paced = pacing_reserve(account=pin.account, mode=mode, late_by=late_by)
    if paced.reserved and paced.wait <= 0:
        return True
    # After the buckets' clock was read: the pin is never due before its slot.
    _defer_for_pace(claim, at=timezone.now() + timedelta(seconds=paced.wait), slot=paced.reserved)
    return False


def _defer_for_pace(claim: Claim, *, at: datetime, slot: bool) -> None:
    with transaction.atomic():
        if claim.finish(status=PinStatus.DEFERRED, error_code=RATE_LIMITED, error_message=PACING_MESSAGE,
                        next_attempt_at=at, pace_slot_at=at if slot else None):
            pin_publish_enqueue(claim.pin, at=at)


def _backlog_turn_displace(claim: Claim, now: datetime) -> datetime | None:
    """Before a due schedule's pin reserves its slot: the earliest turn still ahead in its account's
    line is left unused (its time is the slot's), and the pin that had it gets a turn at the end of
    the line and its job, once. The turn displaced; None when there is no line."""
    pin = claim.pin
    waiting = (Pin.objects.filter(account_id=pin.account_id, status=PinStatus.DEFERRED, error_code=RATE_LIMITED,
                                  pace_slot_at__isnull=True, next_attempt_at__gt=now, deleted_at__isnull=True)
               .exclude(source=Pin.Source.SCHEDULE).order_by("next_attempt_at").values_list("pk", "next_attempt_at"))
    candidates = list(waiting[:3])
    if not candidates:
        return None
    end_of_line = pacing_reserve(account=pin.account, mode=PacingMode.REQUEUE)
    requeued_at = timezone.now() + timedelta(seconds=end_of_line.wait)
    for victim_id, turn in candidates:
        with transaction.atomic():
            # Only while the pin still waits for that very turn: a worker that claimed it has it.
            if Pin.objects.filter(pk=victim_id, status=PinStatus.DEFERRED, next_attempt_at=turn,
                                  pace_slot_at__isnull=True).update(next_attempt_at=requeued_at, updated_at=now):
                _publish_job(victim_id, requeued_at)
                return turn
    return None  # every one was taken meanwhile: the turn at the end of the line goes unused


def _backlog_slot_take(claim: Claim, now: datetime) -> datetime | None:
    """A due schedule's pin takes the earliest slot still ahead that a backlog pin of its account
    holds, and that pin reserves the next slot the buckets give (after every slot promised), its job
    enqueued once, for it. The buckets count one slot per publish still; the schedule's pin is not
    put behind every slot the backlog reserved ahead (a backlog whose turns came while the workers
    were busy reserves them all at once, seconds ahead). The slot taken; None when no backlog pin
    holds one ahead (the pin then reserves its own, next)."""
    pin = claim.pin
    holders = (Pin.objects.filter(account_id=pin.account_id, status=PinStatus.DEFERRED, error_code=RATE_LIMITED,
                                  pace_slot_at__gt=now, deleted_at__isnull=True)
               .exclude(source=Pin.Source.SCHEDULE).order_by("pace_slot_at").values_list("pk", "pace_slot_at"))
    candidates = list(holders[:3])
    if not candidates:
        return None
    replacement = pacing_reserve(account=pin.account, mode=PacingMode.HEAD)
    moved_to = timezone.now() + timedelta(seconds=max(0.0, replacement.wait))
    for holder_id, slot in candidates:
        with transaction.atomic():
            # Only while the pin still waits for that very slot (its job has not claimed it).
            if Pin.objects.filter(pk=holder_id, status=PinStatus.DEFERRED, pace_slot_at=slot).update(
                    pace_slot_at=moved_to, next_attempt_at=moved_to, updated_at=now):
                _publish_job(holder_id, moved_to)
                return slot
    return None  # each was taken meanwhile: the slot reserved for the holder goes unused


def _attempts_this_round(pin: Pin) -> int:
    return pin.attempt_count - pin.attempt_count_at_requeue


def unknown_create_attempts(pin: Pin) -> QuerySet[PublishAttempt]:
    """Create calls whose outcome is not known: the pin may already be on Pinterest."""
    return PublishAttempt.objects.filter(pin=pin, action=PublishAttempt.Action.CREATE,
                                         outcome__in=[PublishAttempt.Outcome.STARTED, PublishAttempt.Outcome.UNKNOWN])


def _answered_create(pin: Pin) -> PublishAttempt | None:
    """The create call Pinterest answered with a pin id, if the pin was never marked published."""
    return (PublishAttempt.objects.filter(pin=pin, action=PublishAttempt.Action.CREATE,
                                          outcome=PublishAttempt.Outcome.PUBLISHED)
            .exclude(pinterest_pin_id="").order_by("-number").first())


def _fingerprint(pin: Pin) -> PinFingerprint:
    return PinFingerprint.of(board_id=pin.board_id, title=pin.title, description=pin.description,
                             link=pin.link_url, alt_text=pin.alt_text)


def _access_token(claim: Claim) -> str | None:
    try:
        return pinterest_access.account_fresh_access_token(claim.pin.account)
    except DomainError as error:  # AccountReconnectRequired: the refresh token is dead
        _fail(claim, "account_reconnect_required", error.message)
    except pinterest_errors.PinterestError as error:  # the refresh itself failed transiently
        _defer(claim, error_code=error.error_code, message=f"Could not refresh the access token: {error.message}",
               delay=_backoff_seconds(max(1, _attempts_this_round(claim.pin))), counts=False)
    return None


# --- reconciling an unknown outcome -----------------------------------------------------------


def _reconcile(claim: Claim) -> bool:
    """Adopt the pin an earlier attempt made, if it is on the board. True: go on and create."""
    pin = claim.pin
    unknown = list(unknown_create_attempts(pin).order_by("started_at"))
    PublishAttempt.objects.filter(pk__in=[attempt.pk for attempt in unknown]).update(
        outcome=PublishAttempt.Outcome.UNKNOWN)
    settle_until = unknown[-1].started_at + timedelta(seconds=settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS)
    now = timezone.now()
    if settle_until > now:
        _defer(claim, error_code="outcome_unknown",
               message="Waiting to check whether an interrupted attempt created the pin.",
               delay=(settle_until - now).total_seconds(), counts=False)
        return False
    access_token = _access_token(claim)
    if access_token is None or not claim.renew():
        return False
    lookup = _attempt_start(claim, PublishAttempt.Action.LOOKUP)
    taken = Pin.objects.filter(account=pin.account).exclude(pk=pin.pk).exclude(pinterest_pin_id="").values_list(
        "pinterest_pin_id", flat=True)
    try:
        with api_client(pin.workspace.environment, access_token) as pinterest:
            found = pinterest.board_pin_find(_fingerprint(pin), created_after=unknown[0].started_at,
                                             exclude_ids=set(taken))
    except pinterest_errors.PinterestError as error:
        _attempt_end(lookup, PublishAttempt.Outcome.FAILED, error=error)
        _handle_error(claim, error, counts=False)
        return False
    if found is None:
        _attempt_end(lookup, PublishAttempt.Outcome.FAILED, error_code="not_found",
                     message="No pin from the interrupted attempt on the board; publishing again.")
        PublishAttempt.objects.filter(pk__in=[attempt.pk for attempt in unknown]).update(
            outcome=PublishAttempt.Outcome.FAILED, finished_at=now,
            error_message="The interrupted attempt did not create the pin.")
        return True
    _attempt_end(lookup, PublishAttempt.Outcome.ADOPTED, pinterest_pin_id=found.id)
    PublishAttempt.objects.filter(pk__in=[attempt.pk for attempt in unknown]).update(
        outcome=PublishAttempt.Outcome.PUBLISHED, finished_at=now, pinterest_pin_id=found.id)
    _published(claim, found.id, found.created_at)
    return False


# --- media ------------------------------------------------------------------------------------


def _asset_base64(asset: Asset) -> ImageBase64Source:
    # Images may be 20 MB (27 MB of base64): the client streams the file into the request body
    # in chunks, so it is never held in memory whole.
    content_type = ASSET_CONTENT_TYPES.get(asset.extension.lower()) or _IMAGE_CONTENT_TYPE.validate_python(
        asset.content_type)
    return ImageBase64Source.from_file(asset.file, content_type)


MediaSourceToSend = ImageUrlSource | ImageBase64Source | VideoSource


def _media_source(claim: Claim) -> MediaSourceToSend | None:
    """What ``media_source`` to send; None after deferring or failing the pin."""
    pin = claim.pin
    asset = pin.asset
    if asset is None:
        return ImageUrlSource(url=pin.image_url)
    if asset.deleted_at is not None:
        _fail(claim, "asset_deleted", "The pin's image or video was deleted.")
        return None
    if asset.asset_type == Asset.Kind.IMAGE:
        return _asset_base64(asset)
    try:
        upload = assets.media_upload_ensure(asset=asset, account=pin.account)
    except DomainError as error:
        _fail(claim, error.code, error.message)
        return None
    if upload.status == MediaUpload.Status.FAILED:
        _fail(claim, "media_failed", upload.error_message or "Pinterest could not process the video.")
        return None
    if upload.status != MediaUpload.Status.SUCCEEDED:
        waited = timezone.now() - upload.created_at
        if waited > MEDIA_WAIT_LIMIT:
            minutes = MEDIA_WAIT_LIMIT.total_seconds() / 60
            _fail(claim, "media_processing_timeout",
                  f"Pinterest was still processing the video after {minutes:.0f} minutes.")
            return None
        shortest, longest = MEDIA_POLL_SECONDS
        _defer(claim, error_code="media_processing", message="Waiting for Pinterest to process the video.",
               delay=min(longest, max(shortest, waited.total_seconds() / 10)), counts=False)
        return None
    if pin.cover_image_url:
        return VideoSource(media_id=upload.pinterest_media_id, cover_image_url=pin.cover_image_url)
    cover_asset = pin.cover_image_asset
    if cover_asset is not None and cover_asset.deleted_at is None:
        image = _asset_base64(cover_asset)
        return VideoSource(media_id=upload.pinterest_media_id, cover_image_content_type=image.content_type,
                           cover_image_data=image.data)
    # Pinterest's default cover: the first frame.
    return VideoSource(media_id=upload.pinterest_media_id, cover_image_key_frame_time=0)


# --- the create call --------------------------------------------------------------------------


def _attempt_start(claim: Claim, action: str) -> PublishAttempt:
    """Committed before the call: if the worker dies during it, the row says "started"."""
    with transaction.atomic():
        # No create call yet means no attempt at all (a lookup follows an unknown create).
        first = claim.pin.attempt_count == 0 and action == PublishAttempt.Action.CREATE
        number = 1 if first else PublishAttempt.objects.filter(pin=claim.pin).count() + 1
        attempt = PublishAttempt.objects.create(pin=claim.pin, number=number, action=action)
        if action == PublishAttempt.Action.CREATE:
            claim.pin.attempt_count += 1
            Pin.objects.filter(pk=claim.pin.pk).update(attempt_count=claim.pin.attempt_count)
    return attempt


def _attempt_end(attempt: PublishAttempt, outcome: str, *, error: pinterest_errors.PinterestError | None = None,
                 error_code: str = "", message: str = "", pinterest_pin_id: str = "") -> None:
    attempt.outcome = outcome
    attempt.finished_at = timezone.now()
    attempt.pinterest_pin_id = pinterest_pin_id
    if error is not None:
        attempt.http_status = error.status
        attempt.error_code = error.error_code
        attempt.error_message = error.message[:MESSAGE_LIMIT]
        attempt.pinterest_request_id = (error.request_id or "")[:128]
    else:
        attempt.error_code, attempt.error_message = error_code, message[:MESSAGE_LIMIT]
    attempt.save()


def _create_on_pinterest(claim: Claim, access_token: str, media_source: MediaSourceToSend) -> None:
    pin = claim.pin
    if not claim.lease_for_call():
        return  # the lease was lost (this worker stalled); whoever holds it now carries on
    attempt = _attempt_start(claim, PublishAttempt.Action.CREATE)
    try:
        with api_client(pin.workspace.environment, access_token) as pinterest:
            created = pinterest.pin_create(
                board_id=pin.board_id, media_source=media_source, title=pin.title or None,
                description=pin.description or None, link=pin.link_url or None, alt_text=pin.alt_text or None,
                dominant_color=pin.dominant_color or None)
    except pinterest_errors.OutcomeUnknown as error:
        _attempt_end(attempt, PublishAttempt.Outcome.UNKNOWN, error=error)
        _defer(claim, error_code=error.error_code, message=error.message,
               delay=settings.PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS, counts=False)
        return
    except pinterest_errors.PinterestError as error:
        _attempt_end(attempt, PublishAttempt.Outcome.DEFERRED if error.transient else PublishAttempt.Outcome.FAILED,
                     error=error)
        _handle_error(claim, error)
        return
    # Anything else (a bug after Pinterest answered) leaves the attempt "started": unknown outcome.
    _attempt_end(attempt, PublishAttempt.Outcome.PUBLISHED, pinterest_pin_id=created.id)
    # Our own clock: Pinterest's created_at has whole seconds only.
    _published(claim, created.id, attempt.finished_at)


def _handle_error(claim: Claim, error: pinterest_errors.PinterestError, *, counts: bool = True) -> None:
    pin = claim.pin
    if isinstance(error, pinterest_errors.AuthenticationFailed | pinterest_errors.MissingScope):
        message = ("Pinterest no longer accepts this account's access (the token was revoked or lacks a scope); "
                   "reconnect the account.")
        pinterest_access.account_mark_reconnect_required(pin.account, message, code=error.error_code)
        _fail(claim, "token_revoked" if isinstance(error, pinterest_errors.AuthenticationFailed) else "scope_missing",
              message)
        return
    if error.permanent:
        _fail(claim, error.error_code, error.message)
        return
    if isinstance(error, pinterest_errors.RateLimited) and error.reset_seconds is not None:
        delay = error.reset_seconds + random.uniform(0, 1)
    else:
        delay = _backoff_seconds(max(1, _attempts_this_round(pin)))
    _defer(claim, error_code=error.error_code, message=error.message, delay=delay, counts=counts)


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2**(attempt-1), capped, times 0.5 to 1."""
    ceiling: float = min(settings.PUBLISH_BACKOFF_MAX_SECONDS,
                         settings.PUBLISH_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return ceiling * random.uniform(0.5, 1.0)


# --- outcomes ---------------------------------------------------------------------------------


def _published(claim: Claim, pinterest_pin_id: str, published_at: datetime | None) -> None:
    try:
        with transaction.atomic():
            if not claim.finish(status=PinStatus.PUBLISHED, pinterest_pin_id=pinterest_pin_id,
                                published_at=published_at or timezone.now(), error_code="", error_message="",
                                next_attempt_at=None):
                return
            webhook_event_emit(pin=claim.pin, event="pin.published")
            _audit_outcome(claim.pin, "pin.published", {"pinterest_pin_id": pinterest_pin_id})
    except IntegrityError:
        # Another of our pins already holds this Pinterest pin: ours was not the one created.
        logger.warning("pin %s: Pinterest pin %s already belongs to another pin", claim.pin.public_id,
                       pinterest_pin_id)
        _defer(claim, error_code="outcome_unknown", message="The pin found on the board belongs to another pin.",
               delay=0, counts=False)


def _fail(claim: Claim, error_code: str, message: str) -> None:
    with transaction.atomic():
        if not claim.finish(status=PinStatus.FAILED, error_code=error_code[:64], error_message=message[:MESSAGE_LIMIT],
                            failed_at=timezone.now(), next_attempt_at=None):
            return
        webhook_event_emit(pin=claim.pin, event="pin.failed")
        _audit_outcome(claim.pin, "pin.publish_failed", {"error_code": error_code[:64]})


def _audit_outcome(pin: Pin, action: str, details: dict[str, object]) -> None:
    """The last step of a pin's story in the audit log, by the publishing job, in the transaction that
    records it (so the log never says published when the pin does not, nor misses it when it does)."""
    audit_record(team=pin.workspace.team, workspace=pin.workspace, action=action, target=pin, details=details,
                 actor=Actor.system(pin.workspace, job="publish"))


def _defer(claim: Claim, *, error_code: str, message: str, delay: float, counts: bool = True) -> None:
    """Wait and try again; when the attempts of this round are used up, fail instead.

    ``counts``: whether this deferral follows a call that used an attempt (pacing and media
    waits do not, and never fail the pin).
    """
    if counts and _attempts_this_round(claim.pin) >= settings.PUBLISH_MAX_ATTEMPTS:
        _fail(claim, error_code, f"Gave up after {settings.PUBLISH_MAX_ATTEMPTS} attempts: {message}")
        return
    next_attempt_at = timezone.now() + timedelta(seconds=max(0.0, delay))
    with transaction.atomic():
        if not claim.finish(status=PinStatus.DEFERRED, error_code=error_code[:64],
                            error_message=message[:MESSAGE_LIMIT], next_attempt_at=next_attempt_at):
            return
        pin_publish_enqueue(claim.pin, at=next_attempt_at)


# --- removal from Pinterest -------------------------------------------------------------------


def pinterest_pin_remove(*, pin: Pin) -> None:
    """Delete the published pin on Pinterest (a pin already gone there counts as removed)."""
    try:
        with pinterest_access.pinterest_for(pin.account) as pinterest:
            pinterest.pin_delete(pin.pinterest_pin_id)
    except DomainError as error:
        if error.status_hint == 404:
            return
        raise


# --- the sweeper ------------------------------------------------------------------------------


def pins_requeue_due(*, now: datetime | None = None, queued_for: timedelta = QUEUED_GRACE) -> dict[str, int]:
    """Enqueue pins that should be moving but have no job: deferred pins overdue by DEFERRED_GRACE,
    expired leases, pins queued for ``queued_for`` or longer. Safe to run anywhere, any time: the
    claim decides.

    After a worker (re)starts, ``queued_for=0``: jobs a dead cluster had taken are gone with it.
    """
    now = now or timezone.now()
    approved = Q(deleted_at__isnull=True, approval_state__in=APPROVED_STATES)
    groups = {
        "deferred_due": Q(status=PinStatus.DEFERRED, next_attempt_at__lte=now - DEFERRED_GRACE),
        "lease_expired": Q(status=PinStatus.PUBLISHING, lease_expires_at__lt=now),
        "queued_stale": Q(status=PinStatus.QUEUED, updated_at__lte=now - queued_for)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)),
    }
    counts: dict[str, int] = {}
    for name, condition in groups.items():
        ids = list(Pin.objects.filter(approved & condition).values_list("pk", flat=True)[:1000])
        for pin_id in ids:
            task_enqueue(PUBLISH_TASK, pin_id)
        counts[name] = len(ids)
    return counts


def pins_publish_now(*, pins: Iterable[Pin]) -> int:
    """Operator's nudge (admin action): make waiting pins due now and enqueue them; a pin whose
    worker died is enqueued too (its claim waits for the lease to expire). Returns how many."""
    now = timezone.now()
    nudged = 0
    with transaction.atomic():
        for pin in pins:
            if pin.deleted_at is not None or pin.approval_state not in APPROVED_STATES:
                continue
            if pin.status in (PinStatus.QUEUED, PinStatus.DEFERRED):
                Pin.objects.filter(pk=pin.pk, status__in=[PinStatus.QUEUED, PinStatus.DEFERRED]).update(
                    next_attempt_at=None, updated_at=now)
            elif pin.status != PinStatus.PUBLISHING:
                continue
            task_enqueue(PUBLISH_TASK, pin.pk, at=pin.lease_expires_at if pin.status == PinStatus.PUBLISHING else None)
            nudged += 1
    return nudged


def pins_watch_leases(*, now: datetime | None = None) -> int:
    """Enqueue a publish job for the moment each running lease expires: if its worker is gone, the
    pin is taken over then (if the worker is alive, the job finds nothing to claim)."""
    now = now or timezone.now()
    leases = Pin.objects.filter(status=PinStatus.PUBLISHING, lease_expires_at__gte=now, deleted_at__isnull=True)
    watched = 0
    for pin_id, lease_expires_at in leases.values_list("pk", "lease_expires_at")[:1000]:
        assert lease_expires_at is not None, "lease_expires_at__gte leaves out pins without a lease"
        task_enqueue(PUBLISH_TASK, pin_id, at=lease_expires_at + timedelta(seconds=1))
        watched += 1
    return watched


def stuck_pins(*, now: datetime | None = None) -> QuerySet[Pin]:
    """Pins that look stuck: publishing past their lease, or due and waiting over QUEUED_GRACE."""
    now = now or timezone.now()
    late = now - QUEUED_GRACE
    return Pin.objects.filter(deleted_at__isnull=True, approval_state__in=APPROVED_STATES).filter(
        Q(status=PinStatus.PUBLISHING, lease_expires_at__lt=now)
        | Q(status=PinStatus.DEFERRED, next_attempt_at__lte=late)
        # A pin retried for a chosen time (next_attempt_at ahead) is waiting, not stuck.
        | Q(status=PinStatus.QUEUED, updated_at__lte=late) & (Q(next_attempt_at__isnull=True)
                                                              | Q(next_attempt_at__lte=late))
    ).select_related("workspace__team", "account").order_by("updated_at")
