"""The pure parts of the Dinas reports: parameters, the working-day ordinals, the answer's
shape, and the CSV, XLSX and SVG the gateway makes of it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from gateway.reports import charts, export, svg
from services.intake.domain.workdays import deadline
from services.intake.ops_metrics import channel_label
from services.intake.reporting import calendar, shape
from services.intake.reporting.filters import ReportQuery, parse_query
from services.intake.reporting.groups import Group, dimension_of
from silasidakep.clock import WIB
from silasidakep.errors import ValidationFailed


def refused(params: dict) -> str:
    with pytest.raises(ValidationFailed) as caught:
        parse_query(params)
    return caught.value.code


@pytest.mark.parametrize(("params", "code"), [
    ({}, "PERIOD_REQUIRED"),
    ({"from": "2026-01-01"}, "PERIOD_REQUIRED"),
    ({"from": "2026-13-01", "to": "2026-12-31"}, "INVALID_DATE"),
    ({"from": "kemarin", "to": "2026-12-31"}, "INVALID_DATE"),
    ({"from": "2026-02-01", "to": "2026-01-31"}, "INVALID_PERIOD"),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "PERIOD_TOO_LONG"),
    ({"from": "2026-01-01", "to": "2026-01-31", "service_code": "PASPOR"}, "UNKNOWN_SERVICE"),
    ({"from": "2026-01-01", "to": "2026-01-31", "channel": "FAX"}, "UNKNOWN_CHANNEL"),
    ({"from": "2026-01-01", "to": "2026-01-31", "kecamatan_code": "32.73.01"},
     "UNKNOWN_KECAMATAN"),
    ({"from": "2026-01-01", "to": "2026-01-31", "kecamatan_code": "32.11"},
     "UNKNOWN_KECAMATAN"),
])
def test_bad_parameters_are_refused_with_a_code(params: dict, code: str) -> None:
    assert refused(params) == code


def test_a_leap_year_fits_and_filters_are_kept() -> None:
    query = parse_query({"from": "2028-01-01", "to": "2028-12-31", "service_code": "KK_PERUBAHAN",
                         "channel": "DESA", "kecamatan_code": "32.11.06"})
    assert query.days == 366
    assert query.start == datetime(2028, 1, 1, tzinfo=WIB)
    assert query.end == datetime(2029, 1, 1, tzinfo=WIB)
    sql, params = query.application_filter("a")
    assert sql == (" AND a.service_code = :f_service_code AND a.channel = :f_channel"
                   " AND a.kecamatan_code = :f_kecamatan_code")
    assert params == {"f_service_code": "KK_PERUBAHAN", "f_channel": "DESA",
                      "f_kecamatan_code": "32.11.06"}


def test_empty_filters_mean_all() -> None:
    query = parse_query({"from": "2026-01-01", "to": "2026-01-01", "channel": ""})
    assert query.application_filter("a") == ("", {})


def test_ordinals_count_working_days_as_the_deadline_does() -> None:
    holidays = {date(2026, 12, 25)}
    cal = calendar.ordinals(date(2026, 11, 1), date(2027, 2, 28), holidays)
    ordinal = dict(zip(cal.days, cal.ordinals, strict=True))
    for offset in range(60):
        start = datetime(2026, 11, 2, 10, tzinfo=WIB) + timedelta(days=offset)
        for target in (0, 1, 3, 5, 14):
            due = deadline(start, target, holidays).date()
            elapsed = ordinal[due] - ordinal[start.date()]
            # Zero days on a closed day means the next working day: one ordinal step.
            closed = start.weekday() >= 5 or start.date() in holidays
            assert elapsed == target or (target == 0 and closed and elapsed == 1)


def test_grouping_mask_names_the_grouped_column() -> None:
    assert dimension_of(0b1111) == "total"
    assert dimension_of(0b0111) == "service"
    assert dimension_of(0b1011) == "channel"
    assert dimension_of(0b1101) == "kecamatan"
    assert dimension_of(0b1110) == "week"


def test_figures_give_shares_and_none_when_nothing_to_divide() -> None:
    row = shape.figures({"received": 8, "online_received": 6, "revised": 2, "issued": 4,
                         "within_target": 3, "median_working_days": 2.25},
                        {"appointments_booked": 0})
    assert row["online_share"] == 0.75 and row["revision_rate"] == 0.25
    assert row["within_target_share"] == 0.75 and row["attendance_rate"] is None
    assert row["median_working_days"] == 2.2 and row["p90_working_days"] is None
    assert row["rejected"] == 0


def sample_report() -> dict:
    query = ReportQuery(date(2026, 11, 4), date(2026, 11, 18), channel="ONLINE")
    groups = [
        Group("total", None, {"received": 5, "online_received": 5, "issued": 2,
                              "within_target": 1, "median_working_days": 3.0}),
        Group("service", "KK_PERUBAHAN", {"received": 5, "online_received": 5}),
        Group("channel", "ONLINE", {"received": 5, "online_received": 5}),
        Group("kecamatan", "32.11.06", {"received": 5, "online_received": 5}),
    ]
    weeks = [Group("week", "2026-11-09", {"received": 3, "issued": 2})]
    visits = [Group("total", None, {"appointments_booked": 2, "appointments_attended": 1})]
    reasons = [{"decision": "REVISION_REQUESTED", "code": "DOKUMEN_TIDAK_TERBACA",
                "label": "=HYPERLINK(\"x\")", "count": 2}]
    return shape.report(query, groups=groups, weeks=weeks, visits=visits, reasons=reasons,
                        generated_at=datetime(2026, 11, 19, tzinfo=UTC))


def test_report_lists_every_week_and_only_the_chosen_channel() -> None:
    report = sample_report()
    assert [w["week_start"] for w in report["weekly"]] == [
        "2026-11-02", "2026-11-09", "2026-11-16"]
    assert report["weekly"][1]["received"] == 3 and report["weekly"][0]["received"] == 0
    assert [c["code"] for c in report["by_channel"]] == ["ONLINE"]
    assert len(report["by_service"]) > 10  # every service of the catalogue
    assert report["by_kecamatan"][0]["name"] != "32.11.06"  # named from the region data
    assert report["total"]["attendance_rate"] == 0.5
    assert report["total"]["within_target_share"] == 0.5


def test_csv_has_a_row_per_group_and_reason_and_quotes_formulas() -> None:
    report = sample_report()
    rows = list(csv.reader(io.StringIO(export.to_csv(report))))
    header, total = rows[0], rows[1]
    assert header[:5] == ["Kelompok", "Kode", "Nama", "Diterima", "Terbit"]
    assert total[header.index("Porsi daring (%)")] == "100.0"
    assert total[header.index("Median hari kerja sampai terbit")] == "3.0"
    reason = rows[-1]
    assert reason[0] == "Alasan revisi" and reason[2].startswith("'=")
    assert reason[header.index("Permintaan revisi")] == "2"
    assert len(rows) == 1 + 1 + len(report["by_service"]) + 1 + 1 + 3 + 1


def test_xlsx_has_a_sheet_per_grouping_with_percent_cells() -> None:
    book = load_workbook(io.BytesIO(export.to_xlsx(sample_report())))
    assert book.sheetnames == ["Ringkasan", "Per layanan", "Per kanal", "Per kecamatan",
                               "Tren mingguan", "Alasan"]
    channel = book["Per kanal"]
    header = [c.value for c in channel[1]]
    cell = channel.cell(row=2, column=header.index("Porsi daring (%)") + 1)
    assert cell.value == 1.0 and cell.number_format == "0.0%"
    assert book["Alasan"].cell(row=2, column=3).value.startswith("'=")


def test_charts_are_well_formed_svg_with_escaped_labels() -> None:
    drawn = svg.bar_chart("A & B", [svg.Bar("<Desa>", 3, "3"), svg.Bar("Kota", 0, "0")])
    root = ElementTree.fromstring(drawn)
    assert root.tag.endswith("svg") and "<Desa>" in [e.text for e in root.iter()]
    for chart in charts.all_charts(sample_report()):
        ElementTree.fromstring(chart["svg"])
    assert svg.nice_max(0) == 1 and svg.nice_max(7) == 10 and svg.nice_max(120) == 200
    assert charts.percent(0.805) == "80,5 %"


def test_the_submitted_counter_is_labelled_by_channel() -> None:
    assert [channel_label(c) for c in ("ONLINE", "SUPER_APP", "LOKET_MPP", None)] == [
        "online", "super_app", "loket_mpp", "online"]
