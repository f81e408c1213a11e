"""Time, injectable so tests and previews can stand on any day of a campaign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware."""
    return datetime.now(UTC)


def appeal_day(now: datetime) -> date:
    """The calendar day used for deadlines: Anywhere on Earth (UTC-12).

    A deadline is inclusive and must hold for a supporter wherever they are, so the appeal
    period ends only when the deadline day is over everywhere.
    """
    return (now.astimezone(UTC) - timedelta(hours=12)).date()


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (tests, previews with --as-of)."""
    return lambda: moment
