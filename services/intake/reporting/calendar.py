"""Working days for SQL: the existing calendar (``domain.workdays``: Monday to Friday minus the
catalogue's holidays) as an ordinal per date, so a query subtracts two ordinals instead of
counting days row by row. ``ordinal(d)`` is the number of working days from the calendar's
first day up to and including ``d``; ``ordinal(issue) - ordinal(submission)`` is the number of
working days after the day of submission up to the day of issue, the same count
``workdays.deadline`` uses (issued within a 5-day target means at most 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.catalogue import holidays
from services.intake.domain.workdays import is_working_day
from services.intake.reporting.filters import ReportQuery
from silasidakep.clock import WIB


@dataclass(frozen=True)
class WorkdayCalendar:
    first: date
    ordinals: list[int]  # ordinals[i]: the ordinal of first + i days

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(len(self.ordinals))]

    def params(self) -> dict[str, object]:
        return {"cal_first": self.first, "cal_ords": self.ordinals}


def ordinals(first: date, last: date, closed: frozenset[date] | set[date]) -> WorkdayCalendar:
    """Every date from ``first`` to ``last`` with its working-day ordinal."""
    ords, count = [], 0
    day = first
    while day <= last:
        count += is_working_day(day, closed)
        ords.append(count)
        day += timedelta(days=1)
    return WorkdayCalendar(first, ords)


def for_session(session: Session, query: ReportQuery) -> WorkdayCalendar:
    """A calendar from the earliest submission on record (an application issued in the period
    may have been submitted long before it) to the period's last day."""
    earliest = session.execute(text(
        "SELECT min(at) FROM intake.status_history WHERE status = 'SUBMITTED'"
    )).scalar()
    first = min(earliest.astimezone(WIB).date(), query.first_day) if earliest else query.first_day
    return ordinals(first, query.last_day, holidays())


def ordinal_sql(timestamp: str) -> str:
    """SQL for the ordinal of the WIB day of ``timestamp`` (a column expression): an array
    subscript, no join."""
    return (f"(CAST(:cal_ords AS integer[]))[(({timestamp}) AT TIME ZONE 'Asia/Jakarta')::date"
            " - CAST(:cal_first AS date) + 1]")
