"""Analytics collected from Pinterest into our own tables: one row per account and per pin per
Pinterest day (UTC, as Pinterest reports them), and a record of each collection run.

Pages and the API read these rows; only the collection job (``publishing.services.analytics``)
calls Pinterest, so a page view costs nothing at Pinterest."""

from datetime import date, datetime

from django.db import models
from django.db.models import F, Max, Min, Q, Sum

from publishing.models.integrations import PinterestAccount
from publishing.models.pins import Pin

# Our metric names (the SDK's: lower case) -> Pinterest v5's ``metric_types``.
# ``video_view`` is Pinterest's VIDEO_MRC_VIEW, which it reports for video pins only.
PIN_METRICS: dict[str, str] = {
    "impression": "IMPRESSION",
    "save": "SAVE",
    "pin_click": "PIN_CLICK",
    "outbound_click": "OUTBOUND_CLICK",
    "video_view": "VIDEO_MRC_VIEW",
}
# /user_account/analytics has no video views in its metric_types.
ACCOUNT_METRICS: dict[str, str] = {name: pinterest for name, pinterest in PIN_METRICS.items()
                                   if name != "video_view"}
METRIC_NAMES: tuple[str, ...] = tuple(PIN_METRICS)
# The longest range read from the stored figures, in days (the dashboard's and /v1's alike).
STORED_RANGE_MAX_DAYS = 366
# Each metric's column: plural, because a model field named ``save`` would hide Model.save().
METRIC_COLUMNS: dict[str, str] = {name: f"{name}s" for name in METRIC_NAMES}


class DailyMetricsQuerySet(models.QuerySet):
    def between(self, start: date, end: date) -> "DailyMetricsQuerySet":
        """Days from ``start`` to ``end``, both included, oldest first."""
        return self.filter(date__gte=start, date__lte=end).order_by("date")

    def totals(self) -> dict[str, int | None]:
        """Each metric summed over the rows (None where no row has it): one query."""
        sums = self.aggregate(**{name: Sum(column) for name, column in METRIC_COLUMNS.items()})
        return {name: sums[name] for name in METRIC_NAMES}

    def stored_span(self) -> tuple[date, date] | None:
        """The first and last days of these rows (None: no row): one query."""
        span = self.aggregate(first=Min("date"), last=Max("date"))
        return None if span["first"] is None else (span["first"], span["last"])

    def last_collected_at(self) -> datetime | None:
        """When the newest of these rows was collected (None: no row): one query."""
        return self.aggregate(last=Max("collected_at"))["last"]


class PinDailyMetricQuerySet(DailyMetricsQuerySet):
    def top_pins(self, metric: str, *, limit: int) -> list[dict]:
        """The pins with the most ``metric`` over these rows, most first (pins without it left out):
        each pin's ``public_id``, ``title``, ``deleted_at`` and every metric summed under its SDK name.
        One grouped query joined to the pins, however many pins and days."""
        sums = {name: Sum(column) for name, column in METRIC_COLUMNS.items()}
        return list(
            self.order_by()
            .values("pin_id", public_id=F("pin__public_id"), title=F("pin__title"), deleted_at=F("pin__deleted_at"))
            .annotate(**sums)
            .filter(**{f"{metric}__isnull": False})
            .order_by(F(metric).desc(), "pin_id")[:limit]
        )


class DailyMetrics(models.Model):
    """One Pinterest day's figures. A metric Pinterest did not report is NULL, not 0."""

    date = models.DateField()
    impressions = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    pin_clicks = models.BigIntegerField(null=True, blank=True)
    outbound_clicks = models.BigIntegerField(null=True, blank=True)
    video_views = models.BigIntegerField(null=True, blank=True)
    # Pinterest's ``data_status`` for the day (READY, PROCESSING, ...): a day that is not READY is
    # collected again until it is.
    data_status = models.CharField(max_length=40, blank=True)
    collected_at = models.DateTimeField()

    class Meta:
        abstract = True

    def metrics(self) -> dict[str, int | None]:
        """Figures by the SDK's metric names."""
        return {name: getattr(self, column) for name, column in METRIC_COLUMNS.items()}


class AccountDailyMetric(DailyMetrics):
    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="daily_metrics")

    objects = DailyMetricsQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="account_daily_metric_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.account} on {self.date}"


class PinDailyMetric(DailyMetrics):
    pin = models.ForeignKey(Pin, on_delete=models.CASCADE, related_name="daily_metrics")
    # The pin's account, kept here so an account's top pins and engagement by posting hour are read
    # from this table's index alone.
    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="pin_daily_metrics")

    objects = PinDailyMetricQuerySet.as_manager()

    class Meta:
        ordering = ["pin_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["pin", "date"], name="pin_daily_metric_unique_day"),
        ]
        indexes = [models.Index(fields=["account", "date"], name="pin_daily_metric_account_day")]

    def __str__(self) -> str:
        return f"{self.pin_id} on {self.date}"


class AnalyticsCollectionRunQuerySet(models.QuerySet):
    def latest_for(self, account: PinterestAccount) -> "AnalyticsCollectionRun | None":
        """The account's most recent collection run, whatever its outcome (None: never collected)."""
        return self.filter(account=account).order_by("-started_at", "-id").first()

    def recent_for(self, account: PinterestAccount, *, limit: int) -> list["AnalyticsCollectionRun"]:
        """The account's last ``limit`` collection runs, newest first: one query."""
        return list(self.filter(account=account).order_by("-started_at", "-id")[:limit])


class AnalyticsCollectionRun(models.Model):
    """One collection of an account's analytics: what it asked Pinterest for and how it ended.
    ``calls`` counts every request sent to Pinterest, retries included."""

    class Kind(models.TextChoices):
        BACKFILL = "backfill", "Backfill on connect"
        DAILY = "daily", "Daily collection"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        DEFERRED = "deferred", "Deferred (publishing first)"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(PinterestAccount, on_delete=models.CASCADE, related_name="analytics_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    start_date = models.DateField()
    end_date = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    pins_collected = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AnalyticsCollectionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "-started_at"], name="analytics_run_account_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="analytics_run_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.account}: {self.outcome}"
