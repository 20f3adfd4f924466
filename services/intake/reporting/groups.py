"""A row of a ``GROUPING SETS`` query: which dimension it is grouped by and its figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

# Dimensions of a grouped row, in the order of the GROUPING(...) arguments of the queries:
# GROUPING(service_code, channel, kecamatan_code, week).
DIMENSIONS = ("service", "channel", "kecamatan", "week")
GROUPING_SETS = "GROUPING SETS ((), (service_code), (channel), (kecamatan_code), (week))"
GROUPING_MASK = "GROUPING(service_code, channel, kecamatan_code, week) AS grouping_mask"
COLUMNS = {"service": "service_code", "channel": "channel", "kecamatan": "kecamatan_code",
           "week": "week"}


@dataclass(frozen=True)
class Group:
    dimension: str  # total, service, channel, kecamatan, week
    key: str | None  # the service code, channel, kecamatan code or week's Monday (ISO)
    figures: dict[str, Any]


def dimension_of(mask: int) -> str:
    """The bit of GROUPING(...) that is 0 names the grouped column (all 1: the total)."""
    for i, name in enumerate(DIMENSIONS):
        if not mask & (1 << (len(DIMENSIONS) - 1 - i)):
            return name
    return "total"


def from_rows(rows: Iterable[Any], figures: Iterable[str]) -> list[Group]:
    names = tuple(figures)
    found = []
    for row in rows:
        dimension = dimension_of(row.grouping_mask)
        key = getattr(row, COLUMNS[dimension]) if dimension != "total" else None
        found.append(Group(dimension, key.isoformat() if isinstance(key, date) else key,
                           {name: getattr(row, name) for name in names}))
    return found
