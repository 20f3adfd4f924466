"""The reports page (/petugas/laporan) and its API in a real browser against all five services.

A system of its own: half a year of synthetic applications (tests/support/report_data.py) plus
one application that goes through the real pipeline to ISSUED today. Staff use only the page;
the CSV and XLSX downloads are parsed (csv module, openpyxl). Screenshots of every state go to
test-artifacts/reports/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy.orm import sessionmaker

from silasidakep.clock import WIB
from silasidakep.db import make_engine
from tests.support.browser import chromium_page, screenshot, staff_log_in
from tests.support.journeys import apply, approve, wait_for_status
from tests.support.report_data import fill
from tests.support.system import System, running_system

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reports-system"
SHOTS = ROOT / "test-artifacts" / "reports"
SYNTHETIC = ("2026-06-01", "2026-11-30")


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(ARTIFACTS) as system:
        engine = make_engine(system.env["DATABASE_URL"])
        with sessionmaker(engine)() as session:
            fill(session, 1500, *SYNTHETIC)
        engine.dispose()
        yield system


@pytest.fixture(scope="module")
def issued_today(system: System) -> dict:
    password = system.add_staff("verifikator.laporan", "verifier")
    token = system.staff_token("verifikator.laporan", password)
    citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=7301)
    approve(system, token, app["id"])
    return wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")


@pytest.fixture(scope="module")
def staff(system: System) -> dict[str, tuple[str, str]]:
    accounts = {"supervisor.laporan": "supervisor", "auditor.laporan": "auditor",
                "verifikator.saja": "verifier"}
    return {name: (name, system.add_staff(name, role)) for name, role in accounts.items()}


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page(SHOTS, accept_downloads=True) as page:
        yield page


def shot(page: Page, name: str) -> None:
    screenshot(page, SHOTS, name)


def log_in(page: Page, system: System, username: str, password: str) -> None:
    staff_log_in(page, system.gateway, username, password)


def today() -> str:
    return datetime.now(WIB).date().isoformat()


def weeks_since(first: str) -> int:
    """Weeks (Mondays) from ``first``, a Monday, up to the week of today."""
    start, end = date.fromisoformat(first), datetime.now(WIB).date()
    return (end - timedelta(days=end.weekday()) - start).days // 7 + 1


def api(system: System, token: str, path: str, **params: str) -> requests.Response:
    return requests.get(f"{system.gateway}/api/v1/staff/{path}", params=params, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def test_supervisor_reads_filters_and_downloads(
    system: System, issued_today: dict, staff: dict, page: Page
) -> None:
    log_in(page, system, *staff["supervisor.laporan"])
    expect(page.get_by_role("link", name="Laporan")).to_be_visible()
    page.get_by_role("link", name="Laporan").click()
    expect(page).to_have_url(re.compile(r"/petugas/laporan"))
    # This month by default: today's issued application is in it.
    expect(page.locator("#total-terbit")).not_to_have_text("0")
    expect(page.locator("#laporan-sampai")).to_have_value(today())
    shot(page, "01-this-month")

    page.locator("#laporan-dari").fill(SYNTHETIC[0])
    page.get_by_role("button", name="Tampilkan laporan").click()
    expect(page).to_have_url(re.compile(rf"from={SYNTHETIC[0]}"))
    expect(page.locator("#total-diterima")).to_have_text(re.compile(r"^1\.[0-9]{3}$"))
    expect(page.locator("#tabel-kanal tbody tr")).to_have_count(5)
    expect(page.locator("#tabel-kecamatan tbody tr")).to_have_count(26)
    expect(page.locator("#tabel-mingguan tbody tr")).to_have_count(weeks_since(SYNTHETIC[0]))
    for chart in ("tren", "kanal", "kecamatan"):
        image = page.locator(f"#grafik-{chart} img")
        expect(image).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    share = page.locator("#total-daring").inner_text()
    assert re.fullmatch(r"\d{2},\d %", share), share
    shot(page, "02-half-year")

    with page.expect_download() as csv_download:
        page.locator("#unduh-csv").click()
    rows = list(csv.reader(io.StringIO(
        Path(csv_download.value.path()).read_text(encoding="utf-8-sig"))))
    header, total = rows[0], rows[1]
    assert header[:4] == ["Kelompok", "Kode", "Nama", "Diterima"] and total[0] == "Total"
    shown = page.locator("#total-diterima").inner_text().replace(".", "")
    assert total[header.index("Diterima")] == shown
    assert {r[0] for r in rows[1:]} >= {"Total", "Layanan", "Kanal", "Kecamatan", "Minggu"}

    with page.expect_download() as xlsx_download:
        page.locator("#unduh-xlsx").click()
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert book.sheetnames == ["Ringkasan", "Per layanan", "Per kanal", "Per kecamatan",
                               "Tren mingguan", "Alasan"]
    assert book["Per kanal"].max_row == 6 and book["Per kecamatan"].max_row == 27

    page.get_by_label("Kanal", exact=True).select_option("KECAMATAN")
    page.get_by_label("Kecamatan", exact=True).select_option("32.11.06")
    page.get_by_role("button", name="Tampilkan laporan").click()
    expect(page.locator("#tabel-kanal tbody tr")).to_have_count(1)
    expect(page.locator("#total-daring")).to_have_text(re.compile(r"^(0,0 %|—)$"))
    shot(page, "03-filtered")

    # The IKM section is shown exactly when its endpoint answers 200.
    token = system.staff_token(*staff["supervisor.laporan"])
    ikm = api(system, token, "reports/ikm", **{"from": SYNTHETIC[0], "to": today()})
    if ikm.status_code == 200:
        expect(page.locator("#ikm")).to_be_visible()
    else:
        expect(page.locator("#ikm")).to_be_hidden()

    page.locator("#laporan-dari").fill("2026-12-31")
    page.locator("#laporan-sampai").fill("2026-01-01")
    page.get_by_role("button", name="Tampilkan laporan").click()
    expect(page.locator('#form-laporan [data-code="INVALID_PERIOD"]')).to_be_visible()
    shot(page, "04-bad-period")


def test_a_verifier_is_refused_and_an_auditor_may_read(
    system: System, staff: dict, page: Page
) -> None:
    log_in(page, system, *staff["verifikator.saja"])
    expect(page.get_by_role("link", name="Laporan")).to_be_hidden()
    page.goto(f"{system.gateway}/petugas/laporan")
    expect(page.locator('[data-code="ROLE_REQUIRED"]').first).to_be_visible()
    shot(page, "05-verifier-refused")
    verifier = system.staff_token(*staff["verifikator.saja"])
    refused = api(system, verifier, "reports", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "ROLE_REQUIRED"
    auditor = system.staff_token(*staff["auditor.laporan"])
    for path in ("reports", "reports.csv", "reports.xlsx", "reports/charts"):
        answer = api(system, auditor, path, **{"from": "2026-11-01", "to": "2026-11-30"})
        assert answer.status_code == 200, (path, answer.text[:300])
    assert "ONLINE" in api(system, auditor, "reports", **{"from": "2026-11-01",
                                                          "to": "2026-11-30"}).text


@pytest.mark.parametrize(("params", "code"), [
    ({"from": "2026-12-01", "to": "2026-11-01"}, "INVALID_PERIOD"),
    ({"from": "2025-01-01", "to": "2026-06-30"}, "PERIOD_TOO_LONG"),
    ({"from": "2026-11-01"}, "PERIOD_REQUIRED"),
    ({"from": "01-11-2026", "to": "2026-11-30"}, "INVALID_DATE"),
    ({"from": "2026-11-01", "to": "2026-11-30", "service_code": "PASPOR"}, "UNKNOWN_SERVICE"),
    ({"from": "2026-11-01", "to": "2026-11-30", "channel": "POS"}, "UNKNOWN_CHANNEL"),
    ({"from": "2026-11-01", "to": "2026-11-30", "kecamatan_code": "31.71.01"},
     "UNKNOWN_KECAMATAN"),
])
def test_bad_input_is_400_with_a_code(system: System, staff: dict, params: dict,
                                      code: str) -> None:
    token = system.staff_token(*staff["auditor.laporan"])
    for path in ("reports", "reports.csv"):
        answer = api(system, token, path, **params)
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["code"] == code and error["message"]
