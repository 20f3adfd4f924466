"""The one clock: UTC for storage and events, WIB for what a citizen or an officer reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# Western Indonesia Time. Indonesia has no daylight saving, so a fixed offset is exact (and
# cheaper than a zoneinfo lookup on every conversion).
WIB = timezone(timedelta(hours=7), "WIB")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_wib(now: datetime | None = None) -> date:
    """The calendar day in Sumedang at ``now`` (default: this instant)."""
    return (now or now_utc()).astimezone(WIB).date()
