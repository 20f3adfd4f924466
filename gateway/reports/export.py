"""CSV and XLSX downloads of a report. Text a spreadsheet would run as a formula (a reason
code's label is typed by an admin) gets a leading quote, as in the audit export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from gateway.reports import tables

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHARE_COLUMNS = {i + 3 for i, (_, _, kind) in enumerate(tables.COLUMNS) if kind == "share"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_cell(index: int, value: Any) -> Any:
    """Shares as percentages with one decimal (a CSV has no number formats)."""
    if value is None:
        return ""
    if index in SHARE_COLUMNS:
        return f"{value * 100:.1f}"
    return safe_text(value)


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(tables.HEADERS)
    for row in tables.all_rows(report):
        writer.writerow([_csv_cell(i, value) for i, value in enumerate(row)])
    return out.getvalue()


def _sheet(sheet: Worksheet, rows: Iterable[list[Any]]) -> None:
    sheet.append(list(tables.HEADERS))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_text(value) for value in row])
        for index in SHARE_COLUMNS:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = "0.0%"
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["C"].width = 36


def to_xlsx(report: dict[str, Any]) -> bytes:
    """A workbook: what the report covers and the total, then a sheet per grouping."""
    book = Workbook()
    summary = book.active
    summary.title = "Ringkasan"
    for label, value in tables.filter_lines(report):
        summary.append([label, safe_text(value)])
    summary.append([])
    start = summary.max_row + 1
    _sheet(summary, [next(tables.grouped_rows(report))])
    summary.freeze_panes = None
    summary.cell(row=start, column=1).font = Font(bold=True)
    rows = list(tables.grouped_rows(report))[1:]
    for title, group in (("Per layanan", "Layanan"), ("Per kanal", "Kanal"),
                         ("Per kecamatan", "Kecamatan"), ("Tren mingguan", "Minggu")):
        _sheet(book.create_sheet(title), [r for r in rows if r[0] == group])
    _sheet(book.create_sheet("Alasan"), tables.reason_rows(report))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
