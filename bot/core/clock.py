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


def calendar_day(now: datetime) -> date:
    """The supporter's calendar day, which dates letters and counts the days left.

    Telegram does not tell the bot a supporter's time zone, so this is the UTC day: the day
    /mydata records an action on, and within a day of anyone's. It is never the
    Anywhere-on-Earth day, which is yesterday for most of the world every morning.
    """
    return now.astimezone(UTC).date()


def days_left(deadline: date, calendar: date) -> int:
    """Whole days from the supporter's calendar day to the (inclusive) deadline: 0 on the day.

    Counted from the calendar day (UTC unless known otherwise), not the Anywhere-on-Earth day
    that decides whether the appeal is still open: the card, the case list, reminders and the
    digest then say the same number at the same moment, and a deadline a year away is 365
    days (366 in a leap year) away. Between midnight UTC after the deadline and the end of
    the deadline day everywhere, it is still open and this is 0: the last day.
    """
    return max(0, (deadline - calendar).days)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (tests, previews with --as-of)."""
    return lambda: moment
