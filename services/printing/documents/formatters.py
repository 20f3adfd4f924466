"""Formatters named in document templates: how a form value is written on a document.

Each formatter takes a value as it arrives in an application snapshot (JSON: dates as ISO
strings, sex as ``L``/``P``, enum values such as ``RUMAH_SAKIT``, region codes such as
``32.11.06.2001``) or the output of the previous formatter of a chain, and returns text (or a
date, for formatters meant to be chained into a date formatter). Output is plain text; the
template layer escapes it before it reaches reportlab markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from services.printing.documents import places
from services.printing.documents.content import BULAN, format_tanggal
from silasidakep.clock import WIB

SEX = {"L": "Laki-laki", "P": "Perempuan"}
KIA_AGE_LIMIT = 17  # a KIA is valid until the child turns 17 (and gets a KTP-el)

_ONES = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
_SCALES = ((1_000_000_000, "miliar"), (1_000_000, "juta"), (1000, "ribu"), (100, "ratus"))


def as_date(value: Any) -> dt.date:
    """A date from a snapshot value: ``date``/``datetime`` or an ISO string."""
    if isinstance(value, dt.datetime):
        return value.date() if value.tzinfo is None else value.astimezone(WIB).date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    # "2026-11-28T09:30:00+07:00" is accepted too; the date part is what documents print.
    return dt.date.fromisoformat(text[:10])


def terbilang(number: int) -> str:
    """Indonesian number words: 28 -> ``dua puluh delapan``, 2026 -> ``dua ribu dua puluh enam``."""
    if number < 0:
        return "minus " + terbilang(-number)
    if number < 12:
        return _ONES[number]
    if number < 20:
        return f"{_ONES[number - 10]} belas"
    for size, word in _SCALES:
        if number >= size:
            head, rest = divmod(number, size)
            if head == 1 and size in (100, 1000):
                text = "seratus" if size == 100 else "seribu"
            else:
                text = f"{terbilang(head)} {word}"
            return f"{text} {terbilang(rest)}" if rest else text
    tens, rest = divmod(number, 10)
    text = f"{_ONES[tens]} puluh"
    return f"{text} {_ONES[rest]}" if rest else text


def ordinal(value: Any) -> str:
    """1 -> ``kesatu``, 2 -> ``kedua``, 12 -> ``kedua belas`` (as on civil certificates)."""
    return "ke" + terbilang(int(value))


def date_words(value: Any) -> str:
    """``2026-11-28`` -> ``dua puluh delapan November dua ribu dua puluh enam``."""
    day = as_date(value)
    return f"{terbilang(day.day)} {BULAN[day.month - 1]} {terbilang(day.year)}"


def date_short(value: Any) -> str:
    """``2026-11-28`` -> ``28-11-2026`` (tables and cards)."""
    return as_date(value).strftime("%d-%m-%Y")


def time_of_day(value: Any) -> str:
    """``08:30:00`` -> ``08.30`` (Indonesian writes hours and minutes with a dot)."""
    clock = dt.time.fromisoformat(str(value).strip())
    return f"{clock.hour:02d}.{clock.minute:02d}"


def sex(value: Any) -> str:
    text = str(value).strip().upper()
    return SEX.get(text, str(value))


def enum(value: Any) -> str:
    """``RUMAH_SAKIT`` -> ``RUMAH SAKIT`` (case kept; chain ``title`` for ``Rumah Sakit``)."""
    return str(value).replace("_", " ")


def kia_valid_until(value: Any) -> dt.date:
    """The child's 17th birthday (29 February births: 1 March); chain a date formatter."""
    born = as_date(value)
    year = born.year + KIA_AGE_LIMIT
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def _region_level(level: str) -> Callable[[Any], str]:
    def name(value: Any) -> str:
        return places.level_name(str(value), level)

    name.__doc__ = f"Name of the {level} of a region code (the code itself when unknown)."
    return name


FORMATTERS: Mapping[str, Callable[[Any], Any]] = MappingProxyType(
    {
        "text": str,
        "upper": lambda value: str(value).upper(),
        "lower": lambda value: str(value).lower(),
        "title": lambda value: places.title_case(str(value)),
        "enum": enum,
        "sex": sex,
        "date": lambda value: format_tanggal(as_date(value)),
        "date_short": date_short,
        "date_words": date_words,
        "time": time_of_day,
        "number_words": lambda value: terbilang(int(value)),
        "ordinal": ordinal,
        "kia_valid_until": kia_valid_until,
        "region": lambda value: places.full_name(str(value)),
        "provinsi": _region_level("province"),
        "kabupaten": _region_level("regency"),
        "kabupaten_kota": lambda value: places.regency_name(str(value)),
        "kecamatan": _region_level("district"),
        "desa": _region_level("village"),
    }
)

# Formatters that only make sense on one kind of catalogue field; the template loader checks
# them against the field's type so a misplaced formatter fails at load, not at print time.
INPUT_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "date": frozenset({"date"}),
        "date_short": frozenset({"date"}),
        "date_words": frozenset({"date"}),
        "kia_valid_until": frozenset({"date"}),
        "time": frozenset({"time"}),
        "number_words": frozenset({"integer"}),
        "ordinal": frozenset({"integer"}),
        "sex": frozenset({"enum"}),
        "region": frozenset({"region"}),
        "provinsi": frozenset({"region"}),
        "kabupaten": frozenset({"region"}),
        "kabupaten_kota": frozenset({"region"}),
        "kecamatan": frozenset({"region"}),
        "desa": frozenset({"region"}),
    }
)


def apply(value: Any, names: tuple[str, ...]) -> str:
    """Run `value` through the named formatters in order; the result is text."""
    for name in names:
        value = FORMATTERS[name](value)
    if isinstance(value, dt.date):
        return format_tanggal(value)
    return str(value)
