"""The counter (loket, issue 15) against all five services: a front-office account files for a
walk-in citizen in the staff console (headless Chromium), uploads a scan, submits, prints the
receipt and books the biometrics slot; the phone-only citizen gets the tracking code by
WhatsApp. Bad input over the API: another desk, a citizen claiming a counter channel, another
role, invalid applicant data — each a 4xx with its code, and nothing written (checked in the
database). Screenshots go to test-artifacts/front-office/.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import requests
from sqlalchemy import create_engine, text

from silasidakep.clock import WIB
from tests.support.browser import chromium_page, screenshot, staff_log_in
from tests.support.citizen import CitizenClient
from tests.support.forms import adult, application_payload
from tests.support.infra import run_cli, wait_until
from tests.support.provider import LoopbackProvider
from tests.support.scans import pdf_scan
from tests.support.system import System, running_system

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "front-office-system"
SHOTS = ROOT / "test-artifacts" / "front-office"
SECRET = "e2e-provider-secret"
FRONT = "/api/v1/staff/front-office"


@pytest.fixture(scope="module")
def provider() -> Iterator[LoopbackProvider]:
    server = LoopbackProvider(timeout_seconds=2).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(provider: LoopbackProvider) -> Iterator[System]:
    with running_system(ARTIFACTS, {
        "SMS_PROVIDER": "webhook", "SMS_URL": provider.url, "SMS_SECRET": SECRET,
        "WHATSAPP_PROVIDER": "fonnte", "WHATSAPP_URL": provider.url, "WHATSAPP_SECRET": SECRET,
    }) as system:
        yield system


def staff_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_location(system: System, admin: str, kind: str, steps: list[str]) -> str:
    code = f"{kind[:3]}-{uuid.uuid4().hex[:6].upper()}"
    location = {"code": code, "name": f"Loket {kind.title()} Uji {code[-6:]}", "kind": kind,
                "kecamatan_code": "32.11.06", "steps": steps,
                "address": "Jalan Prabu Geusan Ulun No. 36, Sumedang"}
    created = requests.post(f"{system.gateway}/api/v1/staff/locations",
                            headers=staff_headers(admin), json=location, timeout=30)
    assert created.status_code == 201, created.text
    return code


@pytest.fixture(scope="module")
def desks(system: System) -> dict[str, Any]:
    """An MPP counter with biometrics slots, a desa counter, and a front office at each."""
    admin_password = system.add_staff("admin.loket", "admin")
    admin = system.staff_token("admin.loket", admin_password)
    mpp = add_location(system, admin, "MPP", ["BIOMETRICS"])
    desa = add_location(system, admin, "DESA", [])
    first_day = datetime.now(WIB).date() + timedelta(days=1)
    slots = requests.post(f"{system.gateway}/api/v1/staff/locations/{mpp}/slots",
                          headers=staff_headers(admin), timeout=30,
                          json={"from": first_day.isoformat(), "to": first_day.isoformat(),
                                "windows": ["08:00-09:00"], "capacity": 5,
                                "include_weekends": True, "include_holidays": True})
    assert slots.status_code == 201, slots.text
    passwords = {"mpp": system.add_staff("loket.mpp", "front_office", location=mpp),
                 "desa": system.add_staff("loket.desa", "front_office", location=desa)}
    verifier = system.add_staff("verifikator.loket", "verifier")
    return {
        "mpp": mpp, "desa": desa, "passwords": passwords,
        "tokens": {"mpp": system.staff_token("loket.mpp", passwords["mpp"]),
                   "desa": system.staff_token("loket.desa", passwords["desa"]),
                   "verifier": system.staff_token("verifikator.loket", verifier)},
    }


def db_count(system: System, sql: str) -> int:
    engine = create_engine(system.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def applications(system: System) -> int:
    return db_count(system, "SELECT count(*) FROM intake.applications")


# --- the console ----------------------------------------------------------------------------


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page(SHOTS) as page:
        yield page


def shot(page: Page, name: str) -> None:
    screenshot(page, SHOTS, name)


def field(page: Page, path: str) -> Any:
    return page.locator(f'[data-path="{path}"]').locator("input, select, textarea").first


def choose(select: Any, value: str) -> None:
    expect(select.locator(f'option[value="{value}"]')).to_be_attached()
    select.select_option(value)


def open_picker(card: Any) -> None:
    """Click the step's "Pesan jadwal" until its picker shows. Chromium's PDF viewer, still
    starting in the receipt's frame under load, can swallow the first click (seen in CI: the
    picker never asked for locations); a person would click again."""
    trigger = card.get_by_role("button", name=re.compile("^Pesan jadwal: "))
    for _attempt in range(3):
        if trigger.is_visible():
            trigger.click()
        try:
            expect(card.get_by_label("Lokasi layanan")).to_be_visible(timeout=8000)
            return
        except AssertionError:
            continue
    expect(card.get_by_label("Lokasi layanan")).to_be_visible()


def test_the_counter_files_prints_and_books_for_a_walk_in(
    system: System, desks: dict, provider: LoopbackProvider, page: Page, tmp_path: Path
) -> None:
    staff_log_in(page, system.gateway, "loket.mpp", desks["passwords"]["mpp"])
    expect(page).to_have_url(re.compile(r"/petugas/loket$"))
    expect(page.locator("#loket-aktif")).to_contain_text(desks["mpp"])
    expect(page.get_by_role("link", name="Loket", exact=True)).to_be_visible()
    shot(page, "01-desk")

    page.get_by_label("Layanan yang diminta warga").select_option("KTP_BARU")
    page.get_by_role("button", name="Mulai").click()
    person = adult(seed=9401)
    field(page, "applicant.nik").fill(person.nik)
    field(page, "applicant.name").fill(person.name)
    field(page, "applicant.kk_number").fill(person.kk_number)
    choose(field(page, "applicant.kecamatan_code"), person.kecamatan_code)
    field(page, "applicant.phone").fill(person.phone)  # a phone only, no email
    choose(field(page, "form.reason"), "GENAP_17_TAHUN")
    field(page, "form.birth_place").fill(person.birth_place)
    field(page, "form.birth_date").fill(person.birth_date.isoformat())
    choose(field(page, "form.sex"), person.sex)
    choose(field(page, "form.religion"), "ISLAM")
    choose(field(page, "form.marital_status"), "BELUM KAWIN")
    field(page, "form.occupation").fill("Pelajar/Mahasiswa")
    field(page, "form.address").fill("Jalan Mayor Abdurahman No. 5")
    field(page, "form.rt_rw").fill("001/003")
    desa = page.locator('[data-path="form.desa_code"]')
    choose(desa.get_by_label("Kecamatan", exact=True), person.kecamatan_code)
    village = desa.get_by_label("Desa/Kelurahan", exact=True)
    expect(village.locator("option")).not_to_have_count(1)
    village.select_option(index=1)
    scan_input = page.locator('[data-path="documents.KK"] input[type=file]')
    assert scan_input.get_attribute("capture") == "environment"  # the device's rear camera
    assert scan_input.get_attribute("accept") == "image/*,application/pdf"
    scan = tmp_path / "kk.pdf"
    scan.write_bytes(pdf_scan("Kartu Keluarga"))
    scan_input.set_input_files(scan)
    page.get_by_label("Pemohon telah memeriksa", exact=False).check()
    shot(page, "02-form")
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_visible()
    tracking_code = page.locator("#kode-pelacakan").inner_text()
    link = page.locator("#tautan-warga").input_value()
    assert link.startswith(f"{system.gateway}/permohonan#id=") and "token=" in link
    shot(page, "03-submitted")

    page.get_by_role("button", name="Cetak tanda terima").click()
    expect(page.locator("#tanda-terima iframe")).to_be_visible()
    expect(page.locator("#buka-tanda-terima")).to_be_visible()
    shot(page, "04-receipt")

    picker = page.locator('#jadwal-loket [data-step="BIOMETRICS"]')
    open_picker(picker)
    choose(picker.get_by_label("Lokasi layanan"), desks["mpp"])
    picker.locator("input[name=slot]").first.check()
    picker.get_by_role("button", name="Pesan jadwal ini").click()
    expect(picker).to_contain_text("Jadwal dipesan")
    shot(page, "05-booked")

    # The row: the desk's channel and location; the booking; the phone-only citizen heard.
    row = f"FROM intake.applications WHERE tracking_code = '{tracking_code}'"
    assert db_count(system, f"SELECT count(*) {row} AND channel = 'LOKET_MPP'"
                            f" AND filed_at_location = '{desks['mpp']}'"
                            " AND status = 'SUBMITTED'") == 1
    assert db_count(system, "SELECT count(*) FROM intake.appointments a"
                            " JOIN intake.applications p ON p.id = a.application_id"
                            f" WHERE p.tracking_code = '{tracking_code}'") == 1
    wait_until(lambda: [a for a in provider.to(person.phone)
                        if tracking_code in a.text and a.channel != "SMS"],
               timeout=30, what="the SUBMITTED WhatsApp message")


def test_the_receipt_pdf(system: System, desks: dict) -> None:
    token = desks["tokens"]["desa"]
    body = application_payload("KK_PERUBAHAN", adult(9402), 9402)
    created = requests.post(f"{system.gateway}{FRONT}/applications", headers=staff_headers(token),
                            json=body, timeout=30)
    assert created.status_code == 201, created.text
    app = created.json()
    assert (app["channel"], app["location_code"]) == ("DESA", desks["desa"])
    receipt = requests.get(f"{system.gateway}{FRONT}/applications/{app['id']}/receipt.pdf",
                           headers={**staff_headers(token), "X-Access-Token": app["access_token"]},
                           timeout=30)
    assert receipt.status_code == 200 and receipt.headers["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(io.BytesIO(receipt.content))
    assert [round(v) for v in document[0].get_size()] == [420, 595]  # A5
    words = " ".join(document[0].get_textpage().get_text_range().split())
    assert app["tracking_code"] in words and "TANDA TERIMA PERMOHONAN" in words
    assert "Loket desa/kelurahan" in words and "https://silasidakep.test/permohonan" in words
    SHOTS.mkdir(parents=True, exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(SHOTS / "06-receipt-pdf.png")
    # The citizen follows it online with the same token (the QR code's link).
    seen = CitizenClient.connect(system.gateway).get(app["id"], app["access_token"])
    assert seen.status_code == 200 and seen.json()["channel"] == "DESA"


# --- bad input: a 4xx with its code, nothing written --------------------------------------------


def refused(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    return response.json()["error"]


def test_bad_input_is_refused_and_nothing_is_written(system: System, desks: dict) -> None:
    tokens, url = desks["tokens"], f"{system.gateway}{FRONT}/applications"
    body = application_payload("KK_PERUBAHAN", adult(9403), 9403)
    before = applications(system)
    refused(requests.post(url, headers=staff_headers(tokens["mpp"]), timeout=30,
                          json={**body, "location_code": desks["desa"]}), 403, "WRONG_LOCATION")
    refused(requests.post(url, headers=staff_headers(tokens["verifier"]), json=body, timeout=30),
            403, "ROLE_REQUIRED")
    refused(requests.post(url, json=body, timeout=30), 401, "MISSING_TOKEN")
    citizen = CitizenClient.connect(system.gateway)
    refused(citizen.create({**body, "channel": "DESA"}), 403, "CHANNEL_NOT_ALLOWED")
    refused(requests.post(url, headers=staff_headers(tokens["mpp"]), timeout=30,
                          json={**body, "channel": "ONLINE"}), 400, "VALIDATION_ERROR")
    bad = {**body, "applicant": {**body["applicant"], "nik": "3211060000000000"}}
    online = citizen.create(bad)
    counter = requests.post(url, headers=staff_headers(tokens["mpp"]), json=bad, timeout=30)
    assert online.status_code == counter.status_code == 400, counter.text
    assert online.json()["error"]["code"] == counter.json()["error"]["code"]
    assert online.json()["error"]["fields"] == counter.json()["error"]["fields"]
    assert applications(system) == before

    # Another desk's application cannot be worked from here; nothing changes.
    mine = requests.post(url, headers=staff_headers(tokens["mpp"]), json=body, timeout=30)
    assert mine.status_code == 201, mine.text
    app_id = mine.json()["id"]
    for method, path in (("POST", f"{url}/{app_id}/submit"), ("GET", f"{url}/{app_id}"),
                         ("GET", f"{url}/{app_id}/receipt.pdf")):
        refused(requests.request(method, path, headers=staff_headers(tokens["desa"]), timeout=30),
                403, "WRONG_LOCATION")
    put = requests.put(f"{url}/{app_id}/documents/KK_LAMA", data=pdf_scan("KK lama"),
                       headers={**staff_headers(tokens["desa"]), "Content-Type": "application/pdf"},
                       timeout=30)
    refused(put, 403, "WRONG_LOCATION")
    assert db_count(system, "SELECT count(*) FROM intake.documents d JOIN intake.applications a"
                            f" ON a.id = d.application_id WHERE a.id = '{app_id}'") == 0
    assert db_count(system, f"SELECT count(*) FROM intake.applications WHERE id = '{app_id}'"
                            " AND status = 'DRAFT'") == 1


def test_a_front_office_account_needs_its_location(system: System) -> None:
    with pytest.raises(RuntimeError, match="LOCATION_REQUIRED|lokasi"):
        system.add_staff("loket.tanpa-lokasi", "front_office")
    assert db_count(system, "SELECT count(*) FROM verification.staff"
                            " WHERE username = 'loket.tanpa-lokasi'") == 0
    run_cli(["staff", "list"], system.env)  # still works
