"""Service-time deadlines in working days (Monday to Friday, minus public holidays), in WIB."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from silasidakep.clock import WIB

# A deadline falls at the end of the office day.
OFFICE_CLOSES = time(16, 0)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def deadline(start: datetime, working_days: int, holidays: Collection[date] = ()) -> datetime:
    """End of the ``working_days``-th working day after the day of ``start`` (WIB).

    Submitted on Friday with a one-day target: due Monday 16:00. Zero days: due the same
    day if that is a working day, else the next one.
    """
    day = start.astimezone(WIB).date()
    remaining = working_days
    if remaining == 0:
        while not is_working_day(day, holidays):
            day += timedelta(days=1)
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=WIB)
