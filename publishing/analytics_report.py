"""What the analytics pages show, read from the stored figures (publishing.models.analytics): an
account's days, totals, charts and top pins over a range of dates, and a pin's own small chart.

Dates are the team's: "the last 7 days" ends on today in the workspace's time zone, and each date
stands for the figures Pinterest reports for that calendar day (Pinterest counts its days in UTC,
and they cannot be split into another zone's days). Nothing here calls Pinterest, and a day with no
stored figure stays empty: nothing is invented. Each read is a fixed number of queries, whatever the
range or the number of pins."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.utils.text import slugify

from publishing.charts import DailyChart, daily_bars
from publishing.models import AccountDailyMetric, AnalyticsCollectionRun, Pin, PinDailyMetric, PinterestAccount
from publishing.models.analytics import ACCOUNT_METRICS, METRIC_COLUMNS, METRIC_NAMES
from publishing.models.analytics import STORED_RANGE_MAX_DAYS as MAX_DAYS

METRIC_LABELS = {
    "impression": "Impressions",
    "save": "Saves",
    "pin_click": "Pin clicks",
    "outbound_click": "Outbound clicks",
    "video_view": "Video views",
}
PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
EARLIEST = date(2010, 1, 1)  # before Pinterest existed: a typo, not a range anyone has figures for
TOP_PINS = 10
TOP_PINS_CSV = 100
PIN_CHART_DAYS = 30
PIN_CHART_METRICS = ("impression", "save")
READY = "READY"


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    preset: int | None = None  # 7, 30 or 90 when a preset chose it

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def query(self) -> str:
        """The query string that asks for this range again."""
        return f"days={self.preset}" if self.preset else f"start={self.start:%Y-%m-%d}&end={self.end:%Y-%m-%d}"


def preset_range(days: int, today: date) -> DateRange:
    return DateRange(start=today - timedelta(days=days - 1), end=today, preset=days)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AnalyticsRangeForm(forms.Form):
    """The range picker (a GET form): a preset (``days``) or a custom ``start`` and ``end``, both
    included, as dates in the team's time zone. ``today`` is the team's today."""

    days = forms.TypedChoiceField(choices=[(str(n), f"Last {n} days") for n in PRESETS], coerce=int,
                                  required=False, empty_value=None)
    start = forms.DateField(required=False, widget=DateInput(), input_formats=["%Y-%m-%d"], label="From")
    end = forms.DateField(required=False, widget=DateInput(), input_formats=["%Y-%m-%d"], label="To")

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(min=f"{EARLIEST:%Y-%m-%d}", max=f"{today:%Y-%m-%d}")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.errors:
            return data
        if start is None and end is None:
            data["range"] = preset_range(data.get("days") or DEFAULT_DAYS, self.today)
            return data
        if start is None or end is None:
            self.add_error("start" if start is None else "end", "Give both dates, or pick one of the presets.")
            return data
        for name, day in (("start", start), ("end", end)):
            if day < EARLIEST:
                self.add_error(name, f"Pick a date from {EARLIEST:%-d %b %Y} on.")
            elif day > self.today:
                self.add_error(name, f"Pick a date up to today, {self.today:%-d %b %Y}.")
        if self.errors:
            return data
        if start > end:
            self.add_error("end", "The end must be on or after the start.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", f"A range can span at most {MAX_DAYS} days; this one spans {(end - start).days + 1}.")
        else:
            data["range"] = DateRange(start=start, end=end)
        return data

    def full_clean(self):
        super().full_clean()
        for name in self.errors:  # a field in error says so, and which message explains it
            if name in self.fields:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}_error"})

    def date_range(self) -> DateRange | None:
        """The range asked for, once the form is valid (None otherwise); the date inputs then show
        it, a preset's included."""
        if not self.is_valid():
            return None
        shown = self.cleaned_data["range"]
        self.data = {**dict(self.data.items()), "start": f"{shown.start:%Y-%m-%d}", "end": f"{shown.end:%Y-%m-%d}"}
        return shown



def top_metric(value: str | None) -> str:
    """The metric the top pins are ranked by: one of the account's, impressions otherwise."""
    return value if value in ACCOUNT_METRICS else "impression"


@dataclass(frozen=True)
class MetricChart:
    name: str
    label: str
    total: int | None
    chart: DailyChart


@dataclass(frozen=True)
class DayRow:
    day: date
    metrics: dict[str, int | None]
    data_status: str | None  # None: no stored figures for the day

    @property
    def values(self) -> list[int | None]:
        return list(self.metrics.values())


def day_rows(rows: Iterable, dates: list[date], metrics: Iterable[str]) -> list[DayRow]:
    """One row per date of the range: the stored figures, or empty ones where nothing is stored."""
    names = list(metrics)
    stored = {row.date: row for row in rows}
    return [DayRow(day=day, data_status=stored[day].data_status if day in stored else None,
                   metrics={name: getattr(stored[day], METRIC_COLUMNS[name]) if day in stored else None
                            for name in names})
            for day in dates]


def metric_charts(days: list[DayRow], totals: dict[str, int | None], metrics: Iterable[str],
                  **size) -> list[MetricChart]:
    return [MetricChart(name=name, label=METRIC_LABELS[name], total=totals[name],
                        chart=daily_bars([(row.day, row.metrics[name]) for row in days], **size))
            for name in metrics]


@dataclass(frozen=True)
class AccountReport:
    date_range: DateRange
    days: list[DayRow]
    totals: dict[str, int | None]
    charts: list[MetricChart]
    top_metric: str
    top_pins: list[dict]
    last_collected_at: datetime | None
    latest_run: AnalyticsCollectionRun | None

    @property
    def has_figures(self) -> bool:
        """Anything stored for the account at all (not only in this range)."""
        return self.last_collected_at is not None

    @property
    def days_in_progress(self) -> int:
        """Days whose figures Pinterest still reports as not final (they may grow)."""
        return sum(1 for row in self.days if row.data_status not in (None, READY))


def account_report(account: PinterestAccount, date_range: DateRange, *, top_metric: str = "impression",
                   top_limit: int = TOP_PINS) -> AccountReport:
    """Everything the account's analytics page shows for ``date_range``: five queries."""
    in_range = AccountDailyMetric.objects.filter(account=account).between(date_range.start, date_range.end)
    days = day_rows(in_range, date_range.each_day(), ACCOUNT_METRICS)
    totals = in_range.totals()
    return AccountReport(
        date_range=date_range, days=days, totals=totals, charts=metric_charts(days, totals, ACCOUNT_METRICS),
        top_metric=top_metric,
        top_pins=PinDailyMetric.objects.filter(account=account).between(date_range.start, date_range.end)
        .top_pins(top_metric, limit=top_limit),
        last_collected_at=AccountDailyMetric.objects.filter(account=account).last_collected_at(),
        latest_run=AnalyticsCollectionRun.objects.latest_for(account),
    )


@dataclass(frozen=True)
class PinReport:
    date_range: DateRange
    totals: dict[str, int | None]
    charts: list[MetricChart]
    last_collected_at: datetime | None

    @property
    def reported_totals(self) -> list[tuple[str, int]]:
        """(label, total) of each metric Pinterest reported for the pin (video views: video pins only)."""
        return [(METRIC_LABELS[name], total) for name, total in self.totals.items() if total is not None]


def pin_report(pin: Pin) -> PinReport | None:
    """The pin's stored figures from its first stored day, at most the last ``PIN_CHART_DAYS`` up to its
    newest, or None when nothing is stored for it: three queries."""
    stored = PinDailyMetric.objects.filter(pin=pin)
    span = stored.stored_span()
    if span is None:
        return None
    first, newest = span
    date_range = DateRange(start=max(first, newest - timedelta(days=PIN_CHART_DAYS - 1)), end=newest)
    in_range = stored.between(date_range.start, date_range.end)
    rows = list(in_range)
    days = day_rows(rows, date_range.each_day(), METRIC_NAMES)
    totals = in_range.totals()
    return PinReport(date_range=date_range, totals=totals,
                     charts=metric_charts(days, totals, PIN_CHART_METRICS, height=160),
                     last_collected_at=max(row.collected_at for row in rows))


# CSV export ---------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe
    (OWASP's advice against CSV injection); numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line, every cell through ``safe_cell``."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def daily_csv_rows(report: AccountReport) -> Iterator[list]:
    yield ["date", *(METRIC_COLUMNS[name] for name in ACCOUNT_METRICS), "data_status"]
    for row in report.days:
        yield [f"{row.day:%Y-%m-%d}", *row.values, row.data_status]


def top_pins_csv_rows(report: AccountReport) -> Iterator[list]:
    yield ["pin_id", "title", *(METRIC_COLUMNS[name] for name in METRIC_NAMES)]
    for pin in report.top_pins:
        yield [pin["public_id"], pin["title"], *(pin[name] for name in METRIC_NAMES)]


def csv_filename(account: PinterestAccount, date_range: DateRange, what: str) -> str:
    name = slugify(account.username or account.display_name)[:60] or "account"
    return f"pinboard-{what}-{name}-{date_range.start:%Y-%m-%d}-to-{date_range.end:%Y-%m-%d}.csv"
