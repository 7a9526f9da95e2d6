"""publishing/charts.py: a daily series as SVG geometry. Round ticks that reach the highest figure, bars
that stay inside the plot and are scaled to the top tick, gaps (no bar) for days without a figure, a
few date labels with the first and last days anchored inside the box. No database."""

from datetime import date, timedelta

import pytest

from publishing.charts import HEIGHT, WIDTH, compact, daily_bars, nice_step


def series(values) -> list[tuple[date, int | None]]:
    return [(date(2027, 1, 1) + timedelta(days=n), value) for n, value in enumerate(values)]


@pytest.mark.parametrize(("peak", "step"), [(0, 1), (1, 1), (3, 1), (4, 1), (5, 2), (9, 5), (10, 5), (23, 10),
                                            (95, 25), (230, 100), (400, 100), (401, 200), (12_345, 5_000)])
def test_four_round_steps_reach_the_peak(peak, step):
    assert nice_step(peak, 4) == step
    assert step * 4 >= peak


def test_compact_labels():
    assert [compact(v) for v in (0, 950, 1_000, 1_250, 12_000, 3_400_000)] == ["0", "950", "1k", "1.2k", "12k", "3.4M"]


def test_bars_are_scaled_to_the_top_tick_and_days_without_figures_are_gaps():
    chart = daily_bars(series([100, None, 0, 400, 230]))
    assert [tick.value for tick in chart.ticks] == [0, 100, 200, 300, 400]
    assert chart.ticks[0].y == chart.baseline and chart.ticks[-1].y == chart.plot_top
    assert (chart.peak, chart.peak_day, chart.total, chart.days_with_figures) == (400, date(2027, 1, 4), 730, 4)
    assert chart.days_without_figures == 1
    heights = [bar.height for bar in chart.bars]
    plot = chart.baseline - chart.plot_top
    assert heights == [plot / 4, 0, 0, plot, round(plot * 230 / 400, 2)]
    assert chart.bars[1].value is None and chart.bars[2].value == 0  # the table tells a gap from a zero
    for bar in chart.bars:
        assert chart.plot_left <= bar.x and bar.x + bar.width <= chart.plot_right + 0.01
        assert bar.y + bar.height == pytest.approx(chart.baseline)


def test_a_year_of_days_fits_with_touching_bars_and_four_date_labels():
    chart = daily_bars(series(range(366)))
    assert len(chart.bars) == 366 and all(bar.width > 0 for bar in chart.bars)
    assert chart.bars[-1].x + chart.bars[-1].width <= chart.plot_right + 0.01
    assert [(label.day, label.anchor) for label in chart.dates] == [
        (date(2027, 1, 1), "start"), (date(2027, 5, 3), "middle"), (date(2027, 9, 1), "middle"),
        (date(2028, 1, 1), "end")]
    assert chart.dates[0].x == chart.plot_left and chart.dates[-1].x == chart.plot_right
    assert (chart.width, chart.height) == (WIDTH, HEIGHT)


def test_nothing_stored_draws_no_bar_and_says_so():
    chart = daily_bars(series([None, None]))
    assert not chart.has_data and chart.total is None and chart.peak_day is None
    assert all(bar.height == 0 for bar in chart.bars)
    one = daily_bars(series([5]))
    assert [label.anchor for label in one.dates] == ["middle"]
