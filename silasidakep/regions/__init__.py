"""Kemendagri region codes: provinces, regencies/cities, kecamatan and desa/kelurahan.

Pure-Python lookups over the vendored `idn-area-data` list (data/, ODbL, see
data/LICENSE-DATA.md). Codes use the dotted Kemendagri form: province `32`, regency `32.11`,
kecamatan `32.11.06`, desa `32.11.06.2001` (shared/domain.md section 2).

Each level's file is read on first use and kept in memory (`functools.cache`), so a province or
kecamatan lookup never reads the ~84k villages; the villages are loaded on the first village
lookup (well under a second). The data is read-only after loading.
"""

import csv
import gzip
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Level = Literal["province", "regency", "district", "village"]

DATA_DIR = Path(__file__).with_name("data")

# Level -> data file stem, from the top of the tree down.
_FILES: dict[Level, str] = {
    "province": "provinces",
    "regency": "regencies",
    "district": "districts",
    "village": "villages",
}

# Format of a code at each level; ASCII digits only (`\d` would accept other scripts' digits).
_FORMATS: dict[Level, re.Pattern[str]] = {
    "province": re.compile(r"[0-9]{2}"),
    "regency": re.compile(r"[0-9]{2}\.[0-9]{2}"),
    "district": re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}"),
    "village": re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}"),
}

# Level -> level of its children.
_CHILD_LEVEL: dict[Level, Level] = {
    "province": "regency",
    "regency": "district",
    "district": "village",
}

_NIK_REGION = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})")


@dataclass(frozen=True)
class Region:
    """One administrative region of the Kemendagri list."""

    code: str
    name: str
    level: str  # "province" | "regency" | "district" | "village"

    @property
    def parent_code(self) -> str | None:
        """Code of the region one level up (`32.11.06` for `32.11.06.2001`); None for provinces."""
        parent = self.code.rpartition(".")[0]
        return parent or None


def level_of(code: str) -> Level | None:
    """The level a code's format names, or None for a malformed code. Does not look it up."""
    if not isinstance(code, str):
        return None
    for level, pattern in _FORMATS.items():
        if pattern.fullmatch(code):
            return level
    return None


@cache
def _names(level: Level) -> dict[str, str]:
    """Name by code for one level, read from the vendored gzip CSV on first use."""
    path = DATA_DIR / f"{_FILES[level]}.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header: code,name
        return dict(reader)


@cache
def _sorted_codes(level: Level) -> list[str]:
    """All codes of one level, sorted, so that the children of a region are one slice."""
    return sorted(_names(level))


def _region(code: str, level: Level) -> Region | None:
    name = _names(level).get(code)
    return None if name is None else Region(code, name, level)


def get(code: str) -> Region | None:
    """The region with this code, or None if the code is malformed or not in the list."""
    level = level_of(code)
    return _region(code, level) if level else None


def exists(code: str) -> bool:
    """Whether the code names a region in the list."""
    return get(code) is not None


def children(code: str | None) -> list[Region]:
    """Regions directly under `code` sorted by code; the provinces for None.

    Empty for a village, an unknown code or a malformed one.
    """
    if code is None:
        return _slice("province", "")
    level = level_of(code)
    child_level = _CHILD_LEVEL.get(level) if level else None
    return _slice(child_level, code + ".") if child_level else []


def _slice(level: Level, prefix: str) -> list[Region]:
    """Regions of `level` whose code starts with `prefix` followed by digits, sorted by code."""
    codes, names = _sorted_codes(level), _names(level)
    start = bisect_left(codes, prefix)
    end = bisect_left(codes, prefix + ":")  # ":" sorts right after "9"
    return [Region(code, names[code], level) for code in codes[start:end]]


def path(code: str) -> list[Region]:
    """The chain province -> ... -> the region itself; empty if the code is not in the list.

    For display, e.g. `", ".join(r.name for r in reversed(path(code)))`.
    """
    if level_of(code) is None:
        return []
    parts = code.split(".")
    chain: list[Region] = []
    for depth in range(1, len(parts) + 1):
        region = get(".".join(parts[:depth]))
        if region is None:
            return []
        chain.append(region)
    return chain


def nik_region_known(nik: str) -> bool:
    """Whether the NIK's first 6 digits (PP KK CC) name a kecamatan in the current list.

    Only the region prefix is looked at; the rest of the NIK is checked by
    `services.intake.domain.identity`. A False answer is a soft warning, not a rejection:
    regions split and get new codes, and a NIK keeps the code it was first issued under.
    """
    match = _NIK_REGION.match(nik) if isinstance(nik, str) else None
    return match is not None and exists(".".join(match.groups()))


def is_kelurahan(code: str) -> bool:
    """Whether a village code is a kelurahan (4-digit part starts with 1) rather than a desa.

    Format only, no lookup. False for desa (2xxx), desa adat (3xxx, in Papua) and any code that
    is not a village code.
    """
    return level_of(code) == "village" and code[-4] == "1"
