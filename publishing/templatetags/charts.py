"""The analytics charts' bars and the daily table's rows, written in Python: a year's range is 366 bars
per chart and 366 rows, and the template engine's cost per element is what made such a page slow.
The markup is what the templates would write; nothing here comes from a member (numbers and dates
only), and the only text, a status Pinterest reports, goes through ``escape``."""

from collections.abc import Sequence
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from publishing.charts import Bar

register = template.Library()
TITLED_UP_TO = 92  # bars carry a tooltip (<title>) up to a quarter's worth of days


def _figure(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


@register.simple_tag
def chart_bars(bars: Sequence[Bar]) -> SafeString:
    """A ``<rect>`` per bar with a figure above zero (a day without one is a gap), with its day and
    figure as a tooltip when there are few enough bars."""
    titled = len(bars) <= TITLED_UP_TO
    return mark_safe("".join(
        f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}">'
        + (f"<title>{bar.day:%a} {bar.day.day} {bar.day:%b}: {bar.value:,}</title>" if titled else "")
        + "</rect>"
        for bar in bars if bar.height))


@register.simple_tag
def daily_table_rows(days) -> SafeString:
    """The rows of "the daily figures as a table": the date as a row header, each metric, the status."""
    return mark_safe("\n".join(
        f'<tr><th scope="row"><time datetime="{row.day:%Y-%m-%d}">{row.day:%a} {row.day.day} {row.day:%b %Y}</time>'
        f'</th>{"".join(f"<td>{_figure(value)}</td>" for value in row.values)}'
        f'<td>{escape(row.data_status) if row.data_status is not None else "no figures"}</td></tr>'
        for row in days))
