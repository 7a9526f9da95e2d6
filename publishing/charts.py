"""A daily series as SVG geometry, for templates to draw without any chart library or script.

``daily_bars`` turns one value per day (None: no figure that day) into bars on a value axis with a
few round ticks and a few labelled dates, all in the SVG's own units (its ``viewBox``): the
template writes the ``<rect>``, ``<line>`` and ``<text>`` elements from it. A day without a figure
gets no bar (a gap, never a zero). Pure Python: no database, no Django."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The SVG's user units. Text is sized in these units too (FONT_SIZE), so a chart drawn 330 px wide on
# a phone keeps its labels near 11 px and one drawn 470 px wide near 15 px.
WIDTH, HEIGHT = 400, 180
FONT_SIZE = 13
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 26  # room for the value labels (left) and the dates (below)
MAX_DATE_LABELS = 4
NICE_STEPS = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class Bar:
    day: date
    value: int | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    value: int
    label: str
    y: float


@dataclass(frozen=True)
class DateLabel:
    day: date
    x: float
    anchor: str  # SVG text-anchor: start, middle or end (the first and last dates stay inside)


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    font_size: int
    plot_left: float
    plot_right: float
    plot_top: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    dates: list[DateLabel]
    peak: int | None  # the highest figure (None: no day has one)
    peak_day: date | None
    total: int | None
    days_with_figures: int

    @property
    def has_data(self) -> bool:
        return self.peak is not None

    @property
    def days_without_figures(self) -> int:
        return len(self.bars) - self.days_with_figures

    @property
    def first_day(self) -> date | None:
        return self.bars[0].day if self.bars else None

    @property
    def last_day(self) -> date | None:
        return self.bars[-1].day if self.bars else None


def nice_step(peak: int, count: int) -> int:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten; whole numbers) such that
    ``count`` steps reach ``peak``."""
    if peak <= 0:
        return 1
    magnitude = 1
    while True:
        for factor in NICE_STEPS:
            step = factor * magnitude
            if step == int(step) and step * count >= peak:
                return int(step)
        magnitude *= 10


def compact(value: int) -> str:
    """A short axis label: 950, 1.2k, 12k, 3.4M."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".removesuffix(".0")
            return f"{text}{suffix}"
    return str(value)


def daily_bars(points: Sequence[tuple[date, int | None]], *, width: int = WIDTH, height: int = HEIGHT,
               ticks: int = 4) -> DailyChart:
    """Bars for ``points`` (each day once, oldest first) scaled to the highest figure rounded up to
    a round tick; ``ticks`` gridlines above zero."""
    values = [value for _day, value in points if value is not None]
    peak = max(values) if values else None
    step = nice_step(peak or 0, ticks)
    top_value = step * ticks
    plot_left, plot_right, plot_top, baseline = LEFT, width - RIGHT, TOP, height - BOTTOM
    plot_height = baseline - plot_top
    slot = (plot_right - plot_left) / max(len(points), 1)
    gap = min(slot * 0.2, 2) if slot >= 3 else 0  # thin bars touch rather than vanish
    bars = []
    for index, (day, value) in enumerate(points):
        bar_height = plot_height * value / top_value if value else 0
        bars.append(Bar(day=day, value=value, x=round(plot_left + index * slot + gap / 2, 2),
                        y=round(baseline - bar_height, 2), width=round(max(slot - gap, 0.5), 2),
                        height=round(bar_height, 2)))
    tick_marks = [Tick(value=step * n, label=compact(step * n), y=round(baseline - plot_height * n / ticks, 2))
                  for n in range(ticks + 1)]
    return DailyChart(
        width=width, height=height, font_size=FONT_SIZE, plot_left=plot_left, plot_right=plot_right, plot_top=plot_top,
        baseline=baseline, bars=bars, ticks=tick_marks, dates=date_labels(bars, plot_left, plot_right),
        peak=peak, peak_day=next((day for day, value in points if value == peak), None) if values else None,
        total=sum(values) if values else None, days_with_figures=len(values),
    )


def date_labels(bars: Sequence[Bar], left: float, right: float) -> list[DateLabel]:
    """The first and last days and evenly spaced ones between (at most ``MAX_DATE_LABELS``)."""
    if not bars:
        return []
    count = min(MAX_DATE_LABELS, len(bars))
    if count == 1:
        return [DateLabel(day=bars[0].day, x=round((left + right) / 2, 2), anchor="middle")]
    indexes = sorted({round(n * (len(bars) - 1) / (count - 1)) for n in range(count)})
    labels = []
    for index in indexes:
        bar = bars[index]
        if index == 0:
            labels.append(DateLabel(day=bar.day, x=left, anchor="start"))
        elif index == len(bars) - 1:
            labels.append(DateLabel(day=bar.day, x=right, anchor="end"))
        else:
            labels.append(DateLabel(day=bar.day, x=round(bar.x + bar.width / 2, 2), anchor="middle"))
    return labels
