"""The report page's charts: the weekly trend, the share per channel, received per kecamatan."""

from __future__ import annotations

from typing import Any

from gateway.reports.svg import Bar, Series, bar_chart, line_chart


def percent(share: float | None) -> str:
    """Indonesian style: 80,5 %."""
    return "–" if share is None else f"{share * 100:.1f} %".replace(".", ",")


def trend(report: dict[str, Any]) -> str:
    weeks = report["weekly"]
    labels = [f"{w['week_start'][8:10]}/{w['week_start'][5:7]}" for w in weeks]
    return line_chart("Tren per minggu: diterima dan terbit", labels, [
        Series("Diterima", [w["received"] for w in weeks]),
        Series("Terbit", [w["issued"] for w in weeks]),
        Series("Diterima daring", [w["online_received"] for w in weeks]),
    ])


def channels(report: dict[str, Any]) -> str:
    total = report["total"]["received"]
    return bar_chart("Porsi permohonan diterima per kanal", [
        Bar(row["name"], row["received"],
            f"{row['received']} ({percent(row['received'] / total if total else None)})")
        for row in report["by_channel"]
    ])


def kecamatan(report: dict[str, Any]) -> str:
    rows = sorted(report["by_kecamatan"], key=lambda r: (-r["received"], r["name"]))
    return bar_chart("Permohonan diterima per kecamatan (porsi daring)", [
        Bar(row["name"], row["received"],
            f"{row['received']} (daring {percent(row['online_share'])})")
        for row in rows
    ])


def all_charts(report: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"id": "tren", "title": "Tren per minggu", "svg": trend(report)},
        {"id": "kanal", "title": "Per kanal", "svg": channels(report)},
        {"id": "kecamatan", "title": "Per kecamatan", "svg": kecamatan(report)},
    ]
