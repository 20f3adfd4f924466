"""The report as answered: figures per group with their shares, named rows (service names and
targets from the catalogue, kecamatan names from the region data), every week of the period.
Pure: no database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from services.intake.catalogue import load_catalogue
from services.intake.reporting.filters import CHANNEL_NAMES, CHANNELS, ReportQuery
from services.intake.reporting.groups import Group
from silasidakep import regions

COUNTS = (
    "received", "issued", "rejected", "cancelled", "revision_requests", "revised",
    "online_received", "within_target", "appointments_booked", "appointments_attended",
    "appointments_no_show",
)
# share name -> (numerator, denominator)
SHARES = {
    "within_target_share": ("within_target", "issued"),
    "revision_rate": ("revised", "received"),
    "online_share": ("online_received", "received"),
    "attendance_rate": ("appointments_attended", "appointments_booked"),
}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def figures(flow: dict[str, Any] | None, visits: dict[str, Any] | None) -> dict[str, Any]:
    """One row's figures: counts (0 when nothing happened), durations and shares."""
    merged = {**(flow or {}), **(visits or {})}
    row: dict[str, Any] = {name: int(merged.get(name) or 0) for name in COUNTS}
    row["median_working_days"] = _days(merged.get("median_working_days"))
    row["p90_working_days"] = _days(merged.get("p90_working_days"))
    row["top_revision_reason"] = merged.get("top_revision_reason")
    for name, (part, whole) in SHARES.items():
        row[name] = _share(row[part], row[whole])
    return row


def _index(groups: Iterable[Group]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(g.dimension, g.key): g.figures for g in groups}


def _weeks(query: ReportQuery) -> list[str]:
    """The Monday of every week the period touches (the first and last may be partial)."""
    monday = query.first_day - timedelta(days=query.first_day.weekday())
    found = []
    while monday <= query.last_day:
        found.append(monday.isoformat())
        monday += timedelta(days=7)
    return found


def _kecamatan_name(code: str) -> str:
    region = regions.get(code)
    return region.name if region else code


def _keys(query: ReportQuery, flows: dict, visits: dict) -> dict[str, list[tuple[str, str]]]:
    """The rows to show per dimension, with their names: every service and channel (only the
    chosen one under a filter), the kecamatan that had anything (or the chosen one)."""
    catalogue = load_catalogue()
    seen = sorted({key for dim, key in (*flows, *visits) if dim == "kecamatan" and key})
    kecamatan = [query.kecamatan_code] if query.kecamatan_code else seen
    return {
        "service": [(code, s.name) for code, s in catalogue.items()
                    if query.service_code in (None, code)],
        "channel": [(c, CHANNEL_NAMES[c]) for c in CHANNELS if query.channel in (None, c)],
        "kecamatan": [(code, _kecamatan_name(code)) for code in kecamatan],
    }


def report(query: ReportQuery, *, groups: list[Group], weeks: list[Group], visits: list[Group],
           reasons: list[dict[str, Any]], generated_at: datetime) -> dict[str, Any]:
    flows, seen = _index([*groups, *weeks]), _index(visits)
    targets = {code: s.target_working_days for code, s in load_catalogue().items()}

    def row(dimension: str, key: str | None) -> dict[str, Any]:
        return figures(flows.get((dimension, key)), seen.get((dimension, key)))

    rows = {
        dimension: [{"code": key, "name": name, **row(dimension, key)}
                    for key, name in keys]
        for dimension, keys in _keys(query, flows, seen).items()
    }
    for service in rows["service"]:
        service["target_working_days"] = targets[service["code"]]
    return {
        "period": {"from": query.first_day.isoformat(), "to": query.last_day.isoformat(),
                   "days": query.days},
        "filters": query.as_dict(),
        "generated_at": generated_at.isoformat(),
        "total": row("total", None),
        "by_service": rows["service"],
        "by_channel": rows["channel"],
        "by_kecamatan": rows["kecamatan"],
        "weekly": [{"week_start": week, **row("week", week)} for week in _weeks(query)],
        "reason_codes": reasons,
    }
