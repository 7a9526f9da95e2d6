"""Pins, their publish attempts, and schedules: every status lives here."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from django.db import models
from django.db.models import Case, Count, F, OrderBy, Q, Sum, Value, When
from django.db.models.functions import TruncDate

from publishing.content import PinContent
from publishing.models.assets import Asset
from publishing.models.epochs import Epoch, EpochQuerySet
from publishing.models.integrations import PinterestAccount
from publishing.models.local_days import LocalDayReads
from publishing.models.teams import Team, User, Workspace


class PinStatus(models.TextChoices):
    """Exactly the SDK's values."""

    QUEUED = "queued", "Queued"
    DEFERRED = "deferred", "Deferred"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class ApprovalState(models.TextChoices):
    NOT_REQUIRED = "not_required", "Not required"
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Statuses of a pin that has not reached an outcome yet.
WAITING_STATUSES = (PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.PUBLISHING)

# /v1/pins sort names -> ordering; every ordering ends on the primary key so pages never overlap.
PIN_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "created_at_desc": ("-created_at", "-id"),
    "created_at_asc": ("created_at", "id"),
    "published_at_desc": (F("published_at").desc(nulls_last=True), "-id"),
    "published_at_asc": (F("published_at").asc(nulls_last=True), "id"),
    "title_asc": ("title", "id"),
    "title_desc": ("-title", "-id"),
    "status_asc": ("status", "id"),
    "status_desc": ("-status", "-id"),
}


def content_contains(text: str) -> Q:
    """Title, description or link URL contains ``text``, ignoring case: what searching pins and
    schedules means (both keep their content in ``PinContentColumns``)."""
    return Q(title__icontains=text) | Q(description__icontains=text) | Q(link_url__icontains=text)


class PinStats(TypedDict):
    total: int
    submitted: int
    by_status: dict[str, int]
    success_rate: float | None


# The /v1 list cache's epoch (publishing/services/list_cache.py): it changes after every committed
# write to a pin, and after an asset's delete (which empties the pins' asset columns without saving
# them). What a pin list shows beyond the pin's own row (its workspace's, account's and asset's public
# ids, an asset's kind) never changes once written.
PIN_LIST_EPOCH = Epoch("pinboard:pin-list-epoch", name="pin list epoch",
                       stale="cached /v1/pins pages stay in use until they expire (API_LIST_CACHE_SECONDS)")


class PinQuerySet(EpochQuerySet, LocalDayReads):
    def for_team(self, team: Team) -> "PinQuerySet":
        return self.filter(workspace__team=team)

    def for_workspace(self, workspace: Workspace) -> "PinQuerySet":
        """A workspace's pins that have not been deleted, with what list pages show loaded."""
        return self.filter(workspace=workspace, deleted_at__isnull=True).select_related(
            "account", "asset", "cover_image_asset")

    def published_between(self, workspace: Workspace, start: datetime, end: datetime) -> "PinQuerySet":
        """A workspace's pins published in [start, end): a range of ``pin_published_idx``."""
        return self.for_workspace(workspace).filter(status=PinStatus.PUBLISHED, published_at__gte=start,
                                                    published_at__lt=end)

    def on_calendar(self, workspace: Workspace, start: datetime, end: datetime) -> "PinQuerySet":
        """The calendar's published pins in [start, end): those no schedule made (a schedule's pin
        shows as its schedule)."""
        return self.published_between(workspace, start, end).filter(schedule__isnull=True)

    def awaiting_approval(self) -> "PinQuerySet":
        return self.filter(status=PinStatus.QUEUED, approval_state=ApprovalState.PENDING)

    def in_flight(self) -> "PinQuerySet":
        """Pins whose status may still change without anyone acting."""
        return self.filter(status__in=[PinStatus.QUEUED, PinStatus.DEFERRED, PinStatus.PUBLISHING]).exclude(
            approval_state__in=[ApprovalState.PENDING, ApprovalState.REJECTED]
        )

    def search(self, text: str | None) -> "PinQuerySet":
        """Pins whose title, description or link URL contains ``text``, ignoring case.

        The one meaning of a pin search: the dashboard's ``q`` and /v1/pins' ``q`` both call this.
        Empty text narrows nothing.
        """
        return self.filter(content_contains(text)) if text else self

    def filtered(
        self,
        *,
        q: str | None = None,
        status: str | None = None,
        approval_state: str | None = None,
        account_id: uuid.UUID | str | None = None,
        board_id: str | None = None,
        error_code: str | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        removed: bool | None = None,
    ) -> "PinQuerySet":
        """The filters the pin lists offer (dashboard and /v1/pins); ``None`` or empty leaves one out.

        ``q`` is ``search()``; ``account_id`` is the account's public id; pins created in
        ``[created_from, created_before)``; ``removed`` True keeps published pins since removed on
        Pinterest, False the ones not removed.
        """
        pins = self.search(q)
        exact = {"status": status, "approval_state": approval_state, "account__public_id": account_id,
                 "board_id": board_id, "error_code": error_code}
        pins = pins.filter(**{field: value for field, value in exact.items() if value})
        if created_from:
            pins = pins.filter(created_at__gte=created_from)
        if created_before:
            pins = pins.filter(created_at__lt=created_before)
        if removed is True:
            pins = pins.filter(status=PinStatus.PUBLISHED, removed_from_pinterest_at__isnull=False)
        elif removed is False:
            pins = pins.filter(removed_from_pinterest_at__isnull=True)
        return pins

    def sorted_by(self, sort: str) -> "PinQuerySet":
        """One of ``PIN_SORTS``; an unknown name is a ``ValueError`` (the API validates first)."""
        try:
            return self.order_by(*PIN_SORTS[sort])
        except KeyError:
            raise ValueError(f"Unknown pin sort {sort!r}; expected one of {', '.join(PIN_SORTS)}") from None

    def stats(self, start: datetime, end: datetime) -> "PinStats":
        """What became of these pins in ``[start, end)``, in one aggregate query.

        ``by_status``: published and failed count the pins that published or failed in the range;
        queued, deferred and publishing count the pins created in the range that are in that status
        now. ``total`` is their sum, ``submitted`` the pins created in the range, and
        ``success_rate`` published / (published + failed), None when neither happened.
        """
        in_range: dict[str, Q] = {
            PinStatus.PUBLISHED.value: Q(status=PinStatus.PUBLISHED, published_at__gte=start, published_at__lt=end),
            PinStatus.FAILED.value: Q(status=PinStatus.FAILED, failed_at__gte=start, failed_at__lt=end),
        }
        for waiting in WAITING_STATUSES:
            in_range[waiting.value] = Q(status=waiting, created_at__gte=start, created_at__lt=end)
        counts = self.aggregate(submitted=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
                                **{name: Count("id", filter=condition) for name, condition in in_range.items()})
        by_status = {status.value: counts[status.value] for status in PinStatus}
        decided = by_status[PinStatus.PUBLISHED.value] + by_status[PinStatus.FAILED.value]
        return {"total": sum(by_status.values()), "submitted": counts["submitted"], "by_status": by_status,
                "success_rate": round(by_status[PinStatus.PUBLISHED.value] / decided, 4) if decided else None}

    def waiting_counts(self) -> dict[str, int]:
        """How many of these pins are queued, deferred and publishing now (one aggregate query)."""
        return self.aggregate(**{status.value: Count("id", filter=Q(status=status)) for status in WAITING_STATUSES})

    def first_days_engagement(self, *, days: int, columns: tuple[str, ...],
                              published_from: datetime) -> "models.QuerySet[Pin, dict[str, Any]]":
        """Each published pin (not deleted) since ``published_from``: ``id``, ``published_at`` and,
        for each PinDailyMetric column (``saves``...), ``<column>`` summed over the pin's first
        ``days`` Pinterest days (its UTC publication day and the ``days - 1`` after it) and
        ``<column>_days``, how many of those days have a final figure (NULL days are not counted, nor
        days Pinterest did not report ``READY`` yet: their figure is part of a day). A pin without
        figures is still listed, with 0 days. One query."""
        first = TruncDate("published_at", tzinfo=UTC)
        last = TruncDate(F("published_at") + timedelta(days=days - 1), tzinfo=UTC)
        window = Q(daily_metrics__date__gte=first, daily_metrics__date__lte=last)
        final = window & Q(daily_metrics__data_status="READY")
        figures: dict[str, Any] = {}
        for column in columns:
            figures[column] = Sum(f"daily_metrics__{column}", filter=window)
            figures[f"{column}_days"] = Count(f"daily_metrics__{column}", filter=final)
        return (self.filter(status=PinStatus.PUBLISHED, deleted_at__isnull=True, published_at__gte=published_from)
                .order_by().values("id", "published_at").annotate(**figures).order_by("published_at", "id"))


class PinContentColumns(models.Model):
    """PinContent's fields as columns: what a pin says and shows, and where it goes. Lengths come
    from ``publishing.content`` so the database, the API and the forms refuse the same values."""

    board_id = models.CharField(max_length=PinContent.board_id.max_length, help_text="Pinterest board id")
    title = models.CharField(max_length=PinContent.title.max_length)
    description = models.TextField(max_length=PinContent.description.max_length, blank=True)
    link_url = models.URLField(max_length=PinContent.link_url.max_length, blank=True)
    alt_text = models.CharField(max_length=PinContent.alt_text.max_length, blank=True)
    dominant_color = models.CharField(max_length=PinContent.dominant_color.max_length, blank=True)
    related_terms = models.JSONField(default=list, blank=True)
    image_url = models.URLField(max_length=PinContent.image_url.max_length, blank=True)
    asset = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="%(class)ss")
    cover_image_url = models.URLField(max_length=PinContent.cover_image_url.max_length, blank=True)
    cover_image_asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="cover_for_%(class)ss"
    )
    # Counts content changes: services/content_versions.py adds one (and keeps the earlier content as
    # a PinContentVersion) whenever an edit, a retry or a schedule's edit changes what it says or where.
    content_version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def media_type(self) -> str:
        return self.asset.asset_type if self.asset_id and self.asset else "image"

    def content_values(self) -> dict[str, Any]:
        """The content as PinContent names it, in its order: text as stored, assets by public id."""
        assets = {"asset_id": self.asset, "cover_image_asset_id": self.cover_image_asset}
        return {name: (str(assets[name].public_id) if assets[name] else None) if name in assets else getattr(self, name)
                for name in PinContent.FIELDS}

    def set_content(self, values: Mapping[str, Any], *, asset: Asset | None, cover_image_asset: Asset | None) -> None:
        """Replace the content with cleaned ``values`` (every PinContent field) and the assets they named."""
        for name in PinContent.FIELDS:
            if name not in PinContent.ASSET_FIELDS:
                setattr(self, name, values[name])
        self.asset = asset
        self.cover_image_asset = cover_image_asset


class ApprovalColumns(models.Model):
    """Where an approval stands, for a pin and for a schedule before its pin exists (the one definition
    of the concept: the approvals service reads and writes these columns on both). Each decision is
    also an ``ApprovalDecision`` row; these columns say where the current round stands."""

    approval_state = models.CharField(max_length=16, choices=ApprovalState.choices, default=ApprovalState.NOT_REQUIRED)
    approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    # Steps approved so far in the current round (the team's ``approval_steps`` says how many there
    # are); every hold for approval starts a new round at 0.
    approval_steps_done = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


class Pin(PinContentColumns, ApprovalColumns):
    class Source(models.TextChoices):
        DASHBOARD = "dashboard", "Dashboard"
        API = "api", "API"
        BATCH = "batch", "Batch"
        IMPORT = "import", "Import"
        SCHEDULE = "schedule", "Schedule"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pins")
    account = models.ForeignKey(PinterestAccount, on_delete=models.PROTECT, related_name="pins")
    idempotency_key = models.CharField(max_length=PinContent.idempotency_key.max_length)
    # A hash of the payload as first submitted: a repeat with the same key and another payload is a conflict.
    payload_fingerprint = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)

    status = models.CharField(max_length=16, choices=PinStatus.choices, default=PinStatus.QUEUED, db_index=True)

    pinterest_pin_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    # attempt_count when someone last retried or resubmitted the pin: only the attempts made
    # since then count toward PUBLISH_MAX_ATTEMPTS.
    attempt_count_at_requeue = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The publishing slot this pin holds in the pacing buckets (services/pacing.py): its job publishes
    # at that time without asking the buckets again. None: no slot (or a turn in its account's line).
    pace_slot_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Who holds the lease: the worker that claimed the pin writes only while this is still its token,
    # so a worker that stalled past its lease cannot overwrite what the next one recorded.
    lease_token = models.UUIDField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    removed_from_pinterest_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by_key = models.ForeignKey(
        "publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PinQuerySet.as_manager()

    # Not a column: pin_create sets it on the pin it returns, True when the pin came from an earlier
    # request with the same idempotency_key (nothing new was created).
    idempotent_replay: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        # A related manager's add() and deletion's updates write through the base manager: it must
        # change the epoch too (publishing/models/epochs.py).
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="pin_idempotency_key_unique_per_workspace"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PinStatus]), name="pin_status_valid"
            ),
            # One Pinterest pin backs at most one of our pins: adopting a pin found on the board
            # after an unknown outcome can never hand the same Pinterest pin to two records.
            models.UniqueConstraint(
                fields=["account", "pinterest_pin_id"],
                condition=~Q(pinterest_pin_id=""),
                name="pinterest_pin_backs_one_pin",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="pin_list_idx"),
            models.Index(fields=["workspace", "status", "-created_at"], name="pin_status_list_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="pin_due_idx"),
            # The calendar: a workspace's published pins by time (with the id, so reading a day is index only).
            models.Index(fields=["workspace", "published_at", "id"], name="pin_published_idx",
                         condition=Q(status="published", deleted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class PublishAttempt(models.Model):
    """One row per call to Pinterest: the truthful record of what happened."""

    class Outcome(models.TextChoices):
        STARTED = "started", "Started"
        PUBLISHED = "published", "Published"
        ADOPTED = "adopted", "Found already published"
        DEFERRED = "deferred", "Deferred"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    class Action(models.TextChoices):
        CREATE = "create", "Create the pin"
        LOOKUP = "lookup", "Look on the board for a pin made by an earlier attempt"

    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.CREATE)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.STARTED)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=1000, blank=True)
    pinterest_pin_id = models.CharField(max_length=64, blank=True)
    pinterest_request_id = models.CharField(max_length=128, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pin_id", "number"]
        constraints = [models.UniqueConstraint(fields=["pin", "number"], name="attempt_number_unique_per_pin")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.pin_id}: {self.outcome}"


class ScheduleStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    DEFERRED = "deferred", "Deferred"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# A schedule's status once it has its pin: the pin's status, in a schedule's words.
SCHEDULE_STATUS_OF_PIN_STATUS = {
    PinStatus.QUEUED: ScheduleStatus.QUEUED,
    PinStatus.DEFERRED: ScheduleStatus.DEFERRED,
    PinStatus.PUBLISHING: ScheduleStatus.RUNNING,
    PinStatus.PUBLISHED: ScheduleStatus.DONE,
    PinStatus.FAILED: ScheduleStatus.FAILED,
}
# What a schedule's own column says: it waits (scheduled), it has started making its pin (queued),
# making its pin failed (failed), or someone stopped it (canceled, which outranks its pin's status).
SCHEDULE_OWN_STATUSES = (ScheduleStatus.SCHEDULED, ScheduleStatus.QUEUED, ScheduleStatus.FAILED,
                         ScheduleStatus.CANCELED)


# /v1/schedules sort names -> ordering; every ordering ends on the primary key so pages never overlap.
SCHEDULE_SORTS: dict[str, tuple[str, ...]] = {
    "run_at_desc": ("-run_at", "-id"),
    "run_at_asc": ("run_at", "id"),
    "created_at_desc": ("-created_at", "-id"),
    "created_at_asc": ("created_at", "id"),
    "title_asc": ("title", "id"),
    "title_desc": ("-title", "-id"),
    "status_asc": ("current_status", "id"),
    "status_desc": ("-current_status", "-id"),
}


class ScheduleQuerySet(LocalDayReads):
    def for_team(self, team: Team) -> "ScheduleQuerySet":
        return self.filter(workspace__team=team)

    def with_status(self) -> "ScheduleQuerySet":
        """Annotate ``current_status``: what ``Schedule.status`` reports, as SQL to filter, sort and
        count by (a canceled schedule stays canceled; one with a pin reports the pin's status)."""
        return self.annotate(current_status=Case(
            When(own_status=ScheduleStatus.CANCELED, then=Value(ScheduleStatus.CANCELED.value)),
            *(When(pin__status=pin_status, then=Value(status.value))
              for pin_status, status in SCHEDULE_STATUS_OF_PIN_STATUS.items()),
            default=F("own_status"),
            output_field=models.CharField(),
        ))

    def for_workspace(self, workspace: Workspace) -> "ScheduleQuerySet":
        return self.filter(workspace=workspace).select_related("account", "pin", "asset", "cover_image_asset")

    def on_calendar(self, workspace: Workspace, start: datetime, end: datetime) -> "ScheduleQuerySet":
        """The calendar's schedules in [start, end): all but canceled ones (``schedule_calendar_idx``)."""
        return self.for_workspace(workspace).filter(run_at__gte=start, run_at__lt=end).exclude(
            own_status=ScheduleStatus.CANCELED)

    def movable(self) -> "ScheduleQuerySet":
        """Schedules that may still be moved: scheduled, and no pin made yet."""
        return self.filter(own_status=ScheduleStatus.SCHEDULED, pin__isnull=True)

    def due(self, now) -> "ScheduleQuerySet":
        """Schedules whose time has come and that nobody has started."""
        return self.filter(own_status=ScheduleStatus.SCHEDULED, run_at__lte=now)

    def awaiting_dispatch(self, until: datetime) -> "ScheduleQuerySet":
        """Schedules due by ``until`` that no dispatcher has handed to the workers yet, soonest
        first: a range of ``schedule_due_idx`` (the few handed over and not yet run are skipped)."""
        return self.filter(own_status=ScheduleStatus.SCHEDULED, dispatched_at__isnull=True,
                           run_at__lte=until).order_by("run_at", "id")

    def upcoming(self, now: datetime) -> "ScheduleQuerySet":
        """Schedules still waiting for a time at or after ``now``."""
        return self.filter(own_status=ScheduleStatus.SCHEDULED, run_at__gte=now)

    def awaiting_approval(self) -> "ScheduleQuerySet":
        """Schedules waiting for a decision of their own: pending, not run yet, no pin made (a
        schedule's held pin is among the pins awaiting approval)."""
        return self.filter(own_status=ScheduleStatus.SCHEDULED, pin__isnull=True,
                           approval_state=ApprovalState.PENDING)

    def yet_to_make_their_pin(self) -> "ScheduleQuerySet":
        """Schedules that will still create a pin: waiting, or making it right now."""
        return self.filter(own_status__in=(ScheduleStatus.SCHEDULED, ScheduleStatus.QUEUED), pin__isnull=True)

    def search(self, text: str | None) -> "ScheduleQuerySet":
        """Schedules whose title, description or link URL contains ``text``, ignoring case (what a pin
        search means, ``PinQuerySet.search``). Empty text narrows nothing."""
        return self.filter(content_contains(text)) if text else self

    def filtered(
        self,
        *,
        q: str | None = None,
        status: str | None = None,
        board_id: str | None = None,
        run_from: datetime | None = None,
        run_before: datetime | None = None,
    ) -> "ScheduleQuerySet":
        """The filters /v1/schedules offers; ``None`` or empty leaves one out.

        ``q`` is ``search()``; ``status`` is the reported status, so it needs ``with_status()``
        first; schedules due in ``[run_from, run_before)``.
        """
        schedules = self.search(q)
        if status:
            schedules = schedules.filter(current_status=status)
        if board_id:
            schedules = schedules.filter(board_id=board_id)
        if run_from:
            schedules = schedules.filter(run_at__gte=run_from)
        if run_before:
            schedules = schedules.filter(run_at__lt=run_before)
        return schedules

    def sorted_by(self, sort: str) -> "ScheduleQuerySet":
        """One of ``SCHEDULE_SORTS`` (the status sorts need ``with_status()`` first); an unknown name
        is a ``ValueError`` (the API validates first)."""
        try:
            return self.order_by(*SCHEDULE_SORTS[sort])
        except KeyError:
            raise ValueError(f"Unknown schedule sort {sort!r}; expected one of {', '.join(SCHEDULE_SORTS)}") from None


class Schedule(PinContentColumns, ApprovalColumns):
    """A pin's content (the same columns as a pin's) to publish at ``run_at``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="schedules")
    account = models.ForeignKey(PinterestAccount, on_delete=models.PROTECT, related_name="schedules")
    run_at = models.DateTimeField(db_index=True)
    # The schedule's own status: all there is to say before its pin exists, and "canceled" after.
    # What it reports is ``status`` (with_status() in SQL), which reads its pin's once it has one.
    own_status = models.CharField(max_length=16, choices=ScheduleStatus.choices, default=ScheduleStatus.SCHEDULED)
    # The caller's key (an import row's, a Compose form's): a repeat with the same key and payload
    # gets this schedule back instead of publishing twice. The API's ScheduleCreate has no key, so
    # most schedules have none: NULL, which the partial unique constraint below leaves out.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=PinContent.idempotency_key.max_length, null=True, blank=True)
    # A hash of the request as first submitted: same key + another fingerprint = a conflict.
    payload_fingerprint = models.CharField(max_length=64, blank=True)
    # Someone whose pins need approval (an editor, by the team's rules) wrote or changed the content:
    # it must be approved (``approval_state``, decided before or after its pin exists) to publish.
    needs_approval = models.BooleanField(default=False)
    # Why making its pin failed, or why it was canceled; once it has a pin, ``last_error`` is the pin's.
    own_error = models.CharField(max_length=1000, blank=True)
    pin = models.OneToOneField(Pin, on_delete=models.SET_NULL, null=True, blank=True, related_name="schedule")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The API key that created the schedule: its pin is then created on the key's behalf, so the
    # team's approval rule for API-key pins applies.
    created_by_key = models.ForeignKey(
        "publishing.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When a dispatcher handed its run_schedule job to the workers, shortly before run_at
    # (services/schedules.py, schedules_dispatch_due); cleared whenever it is to wait for a new time.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()

    # Not a column: schedule_create sets it on the schedule it returns, True when the schedule came
    # from an earlier request with the same idempotency_key (nothing new was created).
    idempotent_replay: bool

    class Meta:
        ordering = ["run_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(own_status__in=[s.value for s in SCHEDULE_OWN_STATUSES]), name="schedule_own_status_valid"
            ),
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="schedule_idempotency_key_unique_per_workspace",
            ),
        ]
        indexes = [
            models.Index(fields=["own_status", "run_at"], name="schedule_due_idx"),
            # The calendar: a workspace's schedules by time, with the id and the status it filters on
            # (reading and counting a month is then index only).
            models.Index(fields=["workspace", "run_at", "id", "own_status"], name="schedule_calendar_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'schedule'} at {self.run_at:%Y-%m-%d %H:%M} UTC"

    def _reports_its_pin(self) -> bool:
        return self.pin_id is not None and self.own_status != ScheduleStatus.CANCELED

    @property
    def status(self) -> ScheduleStatus:
        """What the schedule reports: its pin's status once it has one (unless it was canceled),
        else its own. ``ScheduleQuerySet.with_status()`` computes the same in SQL."""
        if self._reports_its_pin():
            return SCHEDULE_STATUS_OF_PIN_STATUS[PinStatus(self.pin.status)]
        return ScheduleStatus(self.own_status)

    @property
    def last_error(self) -> str:
        """Why it failed: its pin's error once it has a pin (unless it was canceled), else its own."""
        if self._reports_its_pin():
            return self.pin.error_message if self.pin.status == PinStatus.FAILED else ""
        return self.own_error
