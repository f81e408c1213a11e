"""The chart of actions per day that /stats sends (a PNG, drawn off the event loop)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Most day labels the x-axis shows; longer campaigns label every second, third... day.
MAX_LABELS = 10


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, in the organizer's language."""

    title: str
    axis: str
    lang: str


def chart_figure(labels: ChartLabels, per_day: list[tuple[date, int]]) -> Figure:
    """Actions per day as a bar chart: one bar and at most one label per day.

    The axis is laid out in whole days (a tick at each labelled day, the view one day wider
    than the data): matplotlib's automatic date axis would label a one-day campaign with
    hours, which `%d %b` prints as the same day seven times.
    """
    # Imported here: matplotlib takes a second to import and only /stats needs it. A Figure
    # made without pyplot needs no display and keeps no global state between requests.
    from matplotlib.dates import date2num, num2date
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    days = [day for day, _ in per_day]
    axes.bar(date2num(days), [count for _, count in per_day], color="#ffcc00", edgecolor="#000000")
    axes.set_title(labels.title)
    axes.set_ylabel(labels.axis)
    first, last = min(days), max(days)
    span = (last - first).days + 1
    step = -(-span // MAX_LABELS)
    ticks = [first + timedelta(days=n) for n in range(0, span, step)]
    axes.set_xlim(date2num(first) - 0.6, date2num(last) + 0.6)
    axes.xaxis.set_major_locator(FixedLocator(date2num(ticks)))
    axes.xaxis.set_major_formatter(
        FuncFormatter(
            lambda value, _: format_date(num2date(value).date(), "d MMM", locale=labels.lang)
        )
    )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.autofmt_xdate()
    return figure


def render_chart(labels: ChartLabels, per_day: list[tuple[date, int]]) -> bytes:
    """Actions per day as a PNG bar chart (matplotlib, headless)."""
    output = io.BytesIO()
    chart_figure(labels, per_day).savefig(output, format="png")
    return output.getvalue()
