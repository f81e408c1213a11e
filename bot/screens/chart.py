"""The chart of actions per day that /stats sends (a PNG, drawn off the event loop)."""

from __future__ import annotations

import io
from datetime import date

from bot.content.models import CaseContent


def render_chart(case: CaseContent, per_day: list[tuple[date, int]]) -> bytes:
    """Actions per day as a PNG bar chart (matplotlib, headless)."""
    # Imported here: matplotlib takes a second to import and only /stats needs it. A Figure
    # made without pyplot needs no display and keeps no global state between requests.
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    days = [day for day, _ in per_day]
    axes.bar(date2num(days), [count for _, count in per_day], color="#ffcc00", edgecolor="#000000")
    axes.set_title(f"Urgent Action {case.case.ua_number}: actions per day")
    axes.set_ylabel("actions")
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=2, maxticks=10))
    axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.autofmt_xdate()
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()
