from datetime import date, datetime

from services.intake.domain.workdays import deadline
from silasidakep.clock import WIB


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=WIB)  # November 2026: the 27th is a Friday


def test_one_working_day_after_a_weekday_is_the_next_day_at_closing() -> None:
    assert deadline(at(24), 1) == datetime(2026, 11, 25, 16, tzinfo=WIB)


def test_weekends_do_not_count() -> None:
    assert deadline(at(27), 1) == datetime(2026, 11, 30, 16, tzinfo=WIB)  # Friday -> Monday
    assert deadline(at(28), 1) == datetime(2026, 11, 30, 16, tzinfo=WIB)  # Saturday -> Monday
    assert deadline(at(27), 3) == datetime(2026, 12, 2, 16, tzinfo=WIB)


def test_holidays_do_not_count() -> None:
    assert deadline(at(24), 1, {date(2026, 11, 25)}) == datetime(2026, 11, 26, 16, tzinfo=WIB)


def test_a_late_evening_submission_in_utc_counts_from_the_local_day() -> None:
    utc_evening = datetime.fromisoformat("2026-11-26T18:00:00+00:00")  # Friday 01:00 WIB
    assert deadline(utc_evening, 1) == datetime(2026, 11, 30, 16, tzinfo=WIB)
