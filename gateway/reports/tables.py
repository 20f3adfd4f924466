"""The report as one flat table (Indonesian headers): the total, a row per service, channel,
kecamatan and week, then the most common reason codes. CSV and XLSX both write it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# (key in the report's rows, header, kind): kind "share" is a fraction 0..1.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "Diterima", "count"),
    ("issued", "Terbit", "count"),
    ("rejected", "Ditolak", "count"),
    ("cancelled", "Dibatalkan", "count"),
    ("median_working_days", "Median hari kerja sampai terbit", "days"),
    ("p90_working_days", "Persentil 90 hari kerja", "days"),
    ("target_working_days", "Target layanan (hari kerja)", "count"),
    ("within_target", "Terbit dalam target", "count"),
    ("within_target_share", "Terbit dalam target (%)", "share"),
    ("revised", "Permohonan pernah direvisi", "count"),
    ("revision_rate", "Tingkat revisi (%)", "share"),
    ("revision_requests", "Permintaan revisi", "count"),
    ("top_revision_reason", "Alasan revisi terbanyak", "text"),
    ("online_received", "Diterima daring", "count"),
    ("online_share", "Porsi daring (%)", "share"),
    ("appointments_booked", "Janji temu dipesan", "count"),
    ("appointments_attended", "Janji temu hadir", "count"),
    ("attendance_rate", "Kehadiran (%)", "share"),
)
HEADERS = ("Kelompok", "Kode", "Nama", *(header for _, header, _ in COLUMNS))
DIMENSIONS = (
    ("by_service", "Layanan"),
    ("by_channel", "Kanal"),
    ("by_kecamatan", "Kecamatan"),
)
REASON_GROUPS = {"REVISION_REQUESTED": ("Alasan revisi", "revision_requests"),
                 "REJECTED": ("Alasan penolakan", "rejected")}


def cells(row: dict[str, Any]) -> list[Any]:
    return [row.get(key) for key, _, _ in COLUMNS]


def grouped_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    """[group, code, name, figures...] for the total, services, channels, kecamatan, weeks."""
    yield ["Total", "", "Semua", *cells(report["total"])]
    for key, label in DIMENSIONS:
        for row in report[key]:
            yield [label, row["code"], row["name"], *cells(row)]
    for week in report["weekly"]:
        yield ["Minggu", week["week_start"], f"Minggu mulai {week['week_start']}", *cells(week)]


def reason_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    """A reason code's count goes in its decision's column (revision requests or rejected)."""
    for reason in report["reason_codes"]:
        label, column = REASON_GROUPS[reason["decision"]]
        figures = {column: reason["count"]}
        yield [label, reason["code"], reason["label"], *cells(figures)]


def all_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield from grouped_rows(report)
    yield from reason_rows(report)


def filter_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    """What the report covers, for the first lines of a spreadsheet."""
    filters = report["filters"]
    return [
        ("Periode", f"{report['period']['from']} s.d. {report['period']['to']} (WIB)"),
        ("Layanan", filters.get("service_code") or "Semua"),
        ("Kanal", filters.get("channel") or "Semua"),
        ("Kecamatan", filters.get("kecamatan_code") or "Semua"),
        ("Dibuat", report["generated_at"]),
    ]
