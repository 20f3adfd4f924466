"""Dates, time windows and ids as they arrive in requests and on the command line."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from silasidakep.errors import NotFound, ValidationFailed

DATE_MESSAGE = "Tanggal tidak valid (format TTTT-BB-HH)."
# Appointments and slots lie in this range; a date far outside it (9999-12-31) would overflow
# the date arithmetic of a listing instead of being refused.
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)
RANGE_MESSAGE = "Tanggal di luar rentang yang dilayani (2000–2199)."
WINDOW_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
MAX_ROW_ID = 2**63 - 1  # BIGINT: a larger id cannot exist (and would not fit the query)


def parse_date(value: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(fields={field: [DATE_MESSAGE]}, code="INVALID_DATE") from None
    if not EARLIEST <= parsed <= LATEST:
        raise ValidationFailed(fields={field: [RANGE_MESSAGE]}, code="INVALID_DATE")
    return parsed


def parse_window(value: str) -> tuple[time, time]:
    match = WINDOW_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError("Tulis jam sebagai JJ:MM-JJ:MM, misalnya 08:00-09:00.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise ValueError("Jam selesai harus setelah jam mulai.")
    return start, end


def slot_key(value: Any) -> int:
    try:
        key = int(str(value))
    except ValueError:
        key = 0
    if not 0 < key <= MAX_ROW_ID:
        raise NotFound("Jadwal tidak ditemukan.", code="SLOT_NOT_FOUND")
    return key


def appointment_key(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND") from None
