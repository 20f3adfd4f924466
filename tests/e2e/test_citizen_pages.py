"""The citizen web pages in a real browser (headless Chromium) against all five services.

Every journey goes through the pages exactly as a citizen would; staff decisions go through the
staff HTTP API. A full-page screenshot of every state is saved to test-artifacts/pages/ at a
phone viewport (390x844), and the home page at desktop width too.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from services.intake.domain.workdays import WIB
from tests.support.citizen import CitizenClient
from tests.support.forms import adult, family
from tests.support.identities import Person
from tests.support.journeys import claim, decide, pin_from, staff_post, wait_for_status
from tests.support.scans import jpeg_scan, pdf_scan, png_scan
from tests.support.system import System

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "pages"
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


# --- browser fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def new_page(browser: Any, viewport: dict[str, int] = PHONE) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(
        viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context, page, errors = new_page(browser)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_accessible_basics(page: Page) -> None:
    """What can be checked without an audit tool: language, one h1, every control labelled."""
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("h1").count() == 1
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && !e.closest('[hidden]'))
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    described = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')]
            .flatMap(e => e.getAttribute('aria-describedby').split(/\\s+/))
            .filter(id => id && !document.getElementById(id))"""
    )
    assert described == [], f"aria-describedby points at missing ids: {described}"
    assert page.locator("#pengumuman[aria-live]").count() == 1


def field(page: Page, path: str) -> Any:
    """The control of the field named by an API path, e.g. form.members.0.nik."""
    return page.locator(f'[data-path="{path}"]').locator("input, select, textarea").first


def field_error(page: Page, path: str) -> Any:
    return page.locator(f'[data-path="{path}"] > .field-error')


def choose(select: Any, value: str) -> None:
    expect(select.locator(f'option[value="{value}"]')).to_be_attached()
    select.select_option(value)


def pick_village(page: Page, path: str, kecamatan: str) -> None:
    group = page.locator(f'[data-path="{path}"]')
    expect(group.locator("select").nth(1)).to_have_value("32.11")
    choose(group.get_by_label("Kecamatan", exact=True), kecamatan)
    village = group.get_by_label("Desa/Kelurahan", exact=True)
    expect(village.locator("option")).not_to_have_count(1)
    village.select_option(index=1)


def fill_applicant(page: Page, person: Person, nik: str | None = None) -> None:
    field(page, "applicant.nik").fill(nik or person.nik)
    field(page, "applicant.name").fill(person.name)
    field(page, "applicant.kk_number").fill(person.kk_number)
    choose(field(page, "applicant.kecamatan_code"), person.kecamatan_code)
    field(page, "applicant.email").fill(person.email)
    field(page, "applicant.phone").fill(person.phone)


def fill_member(page: Page, index: int, member: dict[str, str]) -> None:
    for name, value in member.items():
        control = field(page, f"form.members.{index}.{name}")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def upload(page: Page, doc_type: str, path: Path) -> None:
    page.locator(f'[data-path="documents.{doc_type}"] input[type=file]').set_input_files(path)


def scan_files(tmp_path: Path) -> dict[str, Path]:
    files = {"pdf": pdf_scan("Kartu Keluarga lama"), "jpeg": jpeg_scan(), "png": png_scan()}
    paths = {}
    for kind, data in files.items():
        path = tmp_path / f"scan.{'jpg' if kind == 'jpeg' else kind}"
        path.write_bytes(data)
        paths[kind] = path
    return paths


def tracked(page: Page) -> tuple[str, str]:
    """The application id and token from the tracking link shown after submission."""
    link = page.locator("#tautan-pelacakan").input_value()
    params = parse_qs(urlsplit(link).fragment)
    return params["id"][0], params["token"][0]


def refresh_status(page: Page) -> None:
    page.get_by_role("button", name="Perbarui status").click()
    expect(page.locator(".flash")).to_be_visible()


# --- pages and assets ---------------------------------------------------------------------------


def test_pages_and_assets_are_served_safely(system: System) -> None:
    for path in ("/", "/layanan/KK_PERUBAHAN", "/permohonan", "/pengaduan", "/status"):
        response = requests.get(system.gateway + path, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-cache"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert '<html lang="id">' in response.text
        assert "http://" not in response.text and "https://" not in response.text  # no CDNs
        again = requests.get(system.gateway + path, timeout=10,
                             headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    for path, kind in (("site.css", "text/css"), ("js/apply.js", "text/javascript"),
                       ("favicon.svg", "image/svg+xml")):
        asset = requests.get(f"{system.gateway}/static/{path}", timeout=10)
        assert asset.status_code == 200 and asset.headers["Content-Type"].startswith(kind)
        assert "max-age" in asset.headers["Cache-Control"] and asset.headers["ETag"]
    for bad in ("../__init__.py", "..%2F__init__.py", "js/../../__init__.py", "pages/x.html",
                "js/lib.js.map", "%2e%2e/service.py"):
        assert requests.get(f"{system.gateway}/static/{bad}", timeout=10).status_code == 404, bad
    assert requests.get(f"{system.gateway}/layanan/kk_baru", timeout=10).status_code == 404


# --- journeys -------------------------------------------------------------------------------------


def test_home_lists_services_with_requirements_and_links(
    system: System, browser: Any, page: Page
) -> None:
    page.goto(system.gateway + "/")
    card = page.locator("article", has=page.get_by_role("heading", name="Perubahan Kartu Keluarga"))
    expect(card).to_be_visible()
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(card).to_contain_text("1 hari kerja")
    expect(card).to_contain_text("Tanpa datang ke kantor")
    card.get_by_text("Persyaratan").click()
    expect(card.get_by_text("Kartu Keluarga lama")).to_be_visible()
    ktp = page.locator("article", has=page.get_by_role("heading", name="KTP-el Baru"))
    expect(ktp).to_contain_text("Perlu datang langsung")
    expect(ktp).to_contain_text("Perekaman biometrik")
    for href in ("/permohonan", "/pengaduan", "/status"):
        assert page.locator(f'main a[href="{href}"]').count() >= 1
    assert_accessible_basics(page)
    shot(page, "home")


    page.get_by_label("Cari layanan").fill("akta")
    expect(page.locator("#jumlah-layanan")).to_contain_text("cocok")
    expect(card).to_be_hidden()
    page.get_by_label("Cari layanan").fill("")
    card.get_by_role("link", name="Ajukan permohonan").click()
    expect(page).to_have_url(re.compile(r"/layanan/KK_PERUBAHAN$"))
    expect(page.locator("h1")).to_contain_text("Perubahan Kartu Keluarga")

    context, desktop, errors = new_page(browser, DESKTOP)
    desktop.goto(system.gateway + "/")
    expect(desktop.get_by_role("heading", name="Akta Kelahiran")).to_be_visible()
    shot(desktop, "home-desktop")
    context.close()
    assert errors == []


def test_apply_for_kk_change_then_revision_approval_and_download(
    system: System, verifier: str, page: Page, tmp_path: Path
) -> None:
    scans = scan_files(tmp_path)
    person = adult(seed=9101)
    head, child = family(person, random.Random(9101))
    page.goto(system.gateway + "/layanan/KK_PERUBAHAN")
    expect(field(page, "form.change_type")).to_be_visible()
    assert_accessible_basics(page)
    shot(page, "apply-form")

    # First attempt: a NIK that is too short (caught in the browser) and, once that is fixed,
    # two heads of family (a rule only the server checks) — each shown next to its field.
    fill_applicant(page, person, nik=person.nik[:11])
    choose(field(page, "form.change_type"), "PENAMBAHAN_ANGGOTA")
    field(page, "form.change_description").fill("Kelahiran anak kedua.")
    field(page, "form.address").fill("Jalan Prabu Geusan Ulun No. 12")
    field(page, "form.rt_rw").fill("2/5")
    pick_village(page, "form.desa_code", person.kecamatan_code)
    fill_member(page, 0, head)
    page.get_by_role("button", name="+ Tambah anggota").click()
    expect(field(page, "form.members.1.nik")).to_be_focused()
    fill_member(page, 1, {**child, "relationship": "KEPALA KELUARGA"})
    upload(page, "KK_LAMA", scans["pdf"])
    upload(page, "BUKTI_PERUBAHAN", scans["jpeg"])
    page.get_by_label("Saya menyatakan", exact=False).check()
    page.get_by_role("button", name="Ajukan permohonan").click()

    expect(field_error(page, "applicant.nik")).to_contain_text("16 digit")
    expect(field(page, "applicant.nik")).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "form.rt_rw")).to_contain_text("001/002")
    expect(page.locator(".error-summary")).to_be_focused()
    shot(page, "apply-errors")

    field(page, "applicant.nik").fill(person.nik)
    field(page, "form.rt_rw").fill("002/005")
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(field_error(page, "form.members")).to_contain_text("KEPALA KELUARGA")
    expect(field_error(page, "applicant.nik")).to_be_hidden()
    shot(page, "apply-server-errors")

    field(page, "form.members.1.relationship").select_option("ANAK")
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_focused()
    tracking_code = page.locator("#kode-pelacakan").inner_text()
    assert re.fullmatch(r"SLS-[A-Z0-9]{8}", tracking_code)
    app_id, token = tracked(page)
    shot(page, "apply-submitted")

    # Track it: the link carries the token in its fragment only.
    page.locator("#lihat-status").click()
    expect(page.locator("#status")).to_have_text("Diajukan")
    expect(page.locator(".timeline [aria-current=step]")).to_contain_text("Diajukan")
    assert_accessible_basics(page)
    shot(page, "track-submitted")

    # Staff asks for a clearer old KK and a better description.
    claim(system, verifier, app_id)
    revision = decide(
        system, verifier, app_id, decision="REQUEST_REVISION",
        reason_code="DOKUMEN_TIDAK_TERBACA", note="Foto KK lama buram.",
        fix_documents=["KK_LAMA"], fix_fields=["form.change_description"],
    )
    assert revision.status_code == 200, revision.text
    citizen = CitizenClient.connect(system.gateway)
    wait_for_status(citizen, app_id, token, "REVISION_REQUESTED")
    refresh_status(page)
    expect(page.locator("#status")).to_have_text("Perlu perbaikan")
    fixes = page.locator("#daftar-perbaikan")
    expect(fixes).to_contain_text("Uraian perubahan")
    expect(fixes).to_contain_text("Kartu Keluarga lama")
    expect(page.locator("#form-perbaikan")).to_contain_text("Foto KK lama buram.")
    expect(page.locator('[data-path="form.change_description"].flagged')).to_be_visible()
    expect(page.locator('[data-path="documents.KK_LAMA"].flagged')).to_be_visible()
    expect(field(page, "form.desa_code")).not_to_have_value("")
    shot(page, "track-revision")

    # Resubmitting without the named document is refused in the browser already.
    page.get_by_role("button", name="Kirim perbaikan dan ajukan kembali").click()
    expect(field_error(page, "documents.KK_LAMA")).to_be_visible()
    field(page, "form.change_description").fill("Kelahiran anak kedua, akta terlampir.")
    upload(page, "KK_LAMA", scans["png"])
    page.get_by_role("button", name="Kirim perbaikan dan ajukan kembali").click()
    expect(page.locator(".flash")).to_contain_text("Perbaikan terkirim")
    expect(page.locator("#status")).to_have_text("Diajukan")
    shot(page, "track-resubmitted")
    view = citizen.get(app_id, token).json()
    assert view["form"]["change_description"] == "Kelahiran anak kedua, akta terlampir."
    assert {d["doc_type"]: d["content_type"] for d in view["uploads"]}["KK_LAMA"] == "image/png"

    # Approved and issued: download with the PIN from its own email.
    item = claim(system, verifier, app_id)
    assert item["round"] == 2
    assert decide(system, verifier, app_id, decision="APPROVE").status_code == 200
    number = wait_for_status(citizen, app_id, token, "ISSUED")["document"]["document_number"]
    refresh_status(page)
    expect(page.locator("#status")).to_have_text("Terbit")
    pin = pin_from(system, person.email)
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    page.get_by_label("PIN unduhan").fill(wrong)
    page.get_by_role("button", name="Unduh dokumen (PDF)").click()
    expect(field_error(page, "pin")).to_contain_text("PIN salah")
    shot(page, "track-pin-wrong")
    page.get_by_label("PIN unduhan").fill(pin)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Unduh dokumen (PDF)").click()
    download = download_info.value
    saved = tmp_path / "dokumen.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename == f"{number}.pdf"
    # The notice, not the screen-reader announcement that repeats it 50 ms later.
    expect(page.locator(".notice-success").get_by_text("Dokumen berhasil diunduh")).to_be_visible()
    shot(page, "track-issued")

    # The token travelled in fragments and headers only, never in a URL a server logged.
    assert token not in (system.log_dir / "gateway.log").read_text(errors="replace")

    # The list of my applications on this device.
    page.goto(system.gateway + "/permohonan")
    expect(page.locator(".app-list")).to_contain_text(tracking_code)
    assert_accessible_basics(page)
    shot(page, "track-list")


def test_book_reschedule_and_cancel_for_a_new_ktp(
    system: System, admin: str, page: Page, tmp_path: Path
) -> None:
    code = "WEB-" + uuid.uuid4().hex[:6].upper()
    headers = {"Authorization": f"Bearer {admin}"}
    created = requests.post(f"{system.gateway}/api/v1/staff/locations", headers=headers, json={
        "code": code, "name": "Mal Pelayanan Publik Sumedang (uji halaman)", "kind": "MPP",
        "kecamatan_code": "32.11.06", "address": "Jalan Prabu Geusan Ulun No. 36, Sumedang",
        "steps": ["BIOMETRICS"],
    }, timeout=30)
    assert created.status_code == 201, created.text
    first_day = datetime.now(WIB).date() + timedelta(days=1)
    slots = requests.post(
        f"{system.gateway}/api/v1/staff/locations/{code}/slots", headers=headers, timeout=30,
        json={"from": first_day.isoformat(), "to": (first_day + timedelta(days=1)).isoformat(),
              "windows": ["08:00-09:00", "09:00-10:00"], "capacity": 5,
              "include_weekends": True, "include_holidays": True},
    )
    assert slots.status_code == 201, slots.text

    scans = scan_files(tmp_path)
    person = adult(seed=9202)
    page.goto(system.gateway + "/layanan/KTP_BARU")
    fill_applicant(page, person)
    choose(field(page, "form.reason"), "GENAP_17_TAHUN")
    field(page, "form.birth_place").fill(person.birth_place)
    field(page, "form.birth_date").fill(person.birth_date.isoformat())
    choose(field(page, "form.sex"), person.sex)
    choose(field(page, "form.religion"), "ISLAM")
    choose(field(page, "form.marital_status"), "BELUM KAWIN")
    field(page, "form.occupation").fill("Pelajar/Mahasiswa")
    field(page, "form.address").fill("Jalan Mayor Abdurahman No. 5")
    field(page, "form.rt_rw").fill("001/003")
    pick_village(page, "form.desa_code", person.kecamatan_code)
    upload(page, "KK", scans["pdf"])
    page.get_by_label("Saya menyatakan", exact=False).check()
    shot(page, "apply-ktp-baru")
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_visible()
    app_id, token = tracked(page)
    page.locator("#lihat-status").click()

    block = page.locator('[data-step="BIOMETRICS"]')
    block.get_by_role("button", name="Pesan jadwal").click()
    choose(block.get_by_label("Lokasi layanan"), code)
    expect(block.locator("input[name=slot]")).to_have_count(4)
    shot(page, "track-booking-picker")
    block.locator("input[name=slot]").first.check()
    block.get_by_role("button", name="Pesan jadwal ini").click()
    expect(page.locator(".booking-flash")).to_contain_text("Jadwal dipesan")
    expect(block).to_contain_text("08:00\u201309:00")
    expect(block).to_contain_text("Mal Pelayanan Publik Sumedang (uji halaman)")
    shot(page, "track-booked")

    block.get_by_role("button", name="Ubah jadwal").click()
    choose(block.get_by_label("Lokasi layanan"), code)
    expect(block.locator("input[name=slot]")).to_have_count(3)  # not the one already held
    block.locator("input[name=slot]").last.check()
    block.get_by_role("button", name="Pindahkan ke jadwal ini").click()
    expect(page.locator(".booking-flash")).to_contain_text("Jadwal diubah")
    expect(block).to_contain_text("09:00\u201310:00")
    shot(page, "track-rescheduled")
    appointments = requests.get(
        f"{system.gateway}/api/v1/applications/{app_id}/appointments",
        headers={"Authorization": f"Bearer {token}"}, timeout=30,
    ).json()["appointments"]
    booked = [a for a in appointments if a["status"] == "BOOKED"]
    assert len(booked) == 1 and booked[0]["slot"]["start_time"] == "09:00"
    assert booked[0]["slot"]["date"] == (first_day + timedelta(days=1)).isoformat()

    # Cancelling the application ends the booking too.
    page.get_by_role("button", name="Batalkan permohonan\u2026").click()
    page.get_by_label("Alasan pembatalan").fill("Salah memilih layanan.")
    page.get_by_role("button", name="Ya, batalkan permohonan").click()
    expect(page.locator(".flash")).to_contain_text("Permohonan dibatalkan")
    expect(page.locator("#status")).to_have_text("Dibatalkan")
    expect(page.get_by_role("button", name="Batalkan permohonan\u2026")).to_have_count(0)
    shot(page, "track-cancelled")


def test_nested_server_errors_are_shown_next_to_their_fields(
    system: System, page: Page, tmp_path: Path
) -> None:
    """marshmallow's nested shape ({"form": {"birth_date": [...]}}) lands on the right field."""
    body = ('{"error": {"code": "VALIDATION_ERROR", "message": "Data yang dikirim tidak valid.",'
            ' "fields": {"form": {"birth_date": ["Tanggal tidak valid (format TTTT-BB-HH)."]},'
            ' "applicant.email": ["Alamat email tidak valid."]}}}')
    page.route(
        "**/api/v1/applications",
        lambda route: route.fulfill(status=400, content_type="application/json", body=body)
        if route.request.method == "POST" else route.continue_(),
    )
    person = adult(seed=9303)
    page.goto(system.gateway + "/layanan/KTP_CETAK_ULANG")
    fill_applicant(page, person)
    choose(field(page, "form.reason"), "RUSAK")
    field(page, "form.birth_place").fill("Sumedang")
    field(page, "form.birth_date").fill(person.birth_date.isoformat())
    choose(field(page, "form.sex"), person.sex)
    choose(field(page, "form.religion"), "ISLAM")
    choose(field(page, "form.marital_status"), "KAWIN TERCATAT")
    field(page, "form.occupation").fill("Wiraswasta")
    field(page, "form.address").fill("Jalan Kutamaya No. 3")
    field(page, "form.rt_rw").fill("004/001")
    pick_village(page, "form.desa_code", person.kecamatan_code)
    pdf = tmp_path / "kk.pdf"
    pdf.write_bytes(pdf_scan("KK"))
    upload(page, "KK", pdf)
    upload(page, "KTP_RUSAK", pdf)
    page.get_by_label("Saya menyatakan", exact=False).check()
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(field_error(page, "form.birth_date")).to_contain_text("Tanggal tidak valid")
    expect(field_error(page, "applicant.email")).to_contain_text("email tidak valid")
    expect(page.locator(".error-summary")).to_contain_text("Data yang dikirim tidak valid.")


def test_every_service_form_renders_with_labelled_controls(system: System, page: Page) -> None:
    served = {s["code"] for s in requests.get(
        f"{system.gateway}/api/v1/services", timeout=10).json()["services"]}
    for code in sorted(served):
        page.goto(f"{system.gateway}/layanan/{code}")
        expect(page.locator("#isi")).not_to_have_attribute("aria-busy", "true")
        expect(page.locator("form")).to_be_visible()
        # Every catalogue field has its control, named by its API path.
        fields = next(s for s in requests.get(f"{system.gateway}/api/v1/services", timeout=10)
                      .json()["services"] if s["code"] == code)["form_schema"]["fields"]
        for spec in fields:
            expect(page.locator(f'[data-path="form.{spec["name"]}"]')).to_have_count(1)
        assert_accessible_basics(page)
    page.goto(f"{system.gateway}/layanan/TIDAK_ADA")
    expect(page.locator("h1")).to_have_text("Layanan tidak ditemukan")


def test_a_refused_upload_is_retried_without_a_second_application(
    system: System, page: Page, tmp_path: Path
) -> None:
    """Moving out: people rows, a region picked from the province down, and a scan the
    server refuses (not really a PDF) replaced before submitting the same draft."""
    person = adult(seed=9404)
    head, child = family(person, random.Random(9404))
    fake = tmp_path / "bukan.pdf"
    fake.write_bytes(b"this is not a PDF at all")
    good = tmp_path / "kk.pdf"
    good.write_bytes(pdf_scan("KK"))

    page.goto(system.gateway + "/layanan/PINDAH_KELUAR")
    fill_applicant(page, person)
    choose(field(page, "form.move_reason"), "PEKERJAAN")
    choose(field(page, "form.move_type"), "KEPALA_DAN_SELURUH_ANGGOTA")
    field(page, "form.destination_address").fill("Jalan Asia Afrika No. 8")
    field(page, "form.destination_rt_rw").fill("004/002")
    destination = page.locator('[data-path="form.destination_desa_code"]')
    choose(destination.get_by_label("Provinsi"), "32")
    choose(destination.get_by_label("Kabupaten/Kota"), "32.73")
    district = destination.get_by_label("Kecamatan", exact=True)
    expect(district.locator("option")).not_to_have_count(1)
    district.select_option(index=1)
    village = destination.get_by_label("Desa/Kelurahan", exact=True)
    expect(village.locator("option")).not_to_have_count(1)
    village.select_option(index=1)
    field(page, "form.planned_move_date").fill(
        (datetime.now(WIB).date() + timedelta(days=14)).isoformat())
    for index, member in enumerate((head, child)):
        if index:
            page.get_by_role("button", name="+ Tambah orang").click()
        field(page, f"form.movers.{index}.nik").fill(member["nik"])
        field(page, f"form.movers.{index}.name").fill(member["name"])
        field(page, f"form.movers.{index}.relationship").select_option(member["relationship"])
    upload(page, "KK", fake)
    page.get_by_label("Saya menyatakan", exact=False).check()
    page.get_by_role("button", name="Ajukan permohonan").click()

    expect(field_error(page, "documents.KK")).to_be_visible()
    expect(page.get_by_text("tersimpan sebagai draf")).to_be_visible()
    expect(field(page, "applicant.nik")).not_to_be_editable()
    shot(page, "apply-upload-refused")
    drafts = page.evaluate("JSON.parse(localStorage.getItem('silasidakep.permohonan'))")
    assert len(drafts) == 1

    upload(page, "KK", good)
    page.get_by_role("button", name="Lanjutkan pengajuan").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_visible()
    app_id, token = tracked(page)
    assert app_id == drafts[0]["id"]
    view = CitizenClient.connect(system.gateway).get(app_id, token).json()
    assert view["status"] == "SUBMITTED"
    assert [m["relationship"] for m in view["form"]["movers"]] == [
        head["relationship"], child["relationship"]]


def test_file_a_complaint_and_follow_its_answer(
    system: System, supervisor: str, page: Page
) -> None:
    page.goto(system.gateway + "/pengaduan")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(field_error(page, "message")).to_contain_text("Wajib diisi")
    expect(field_error(page, "category")).to_be_visible()
    shot(page, "complaint-errors")

    page.get_by_label("Pengaduan", exact=True).check()
    choose(page.get_by_label("Kategori"), "LAYANAN_LAMBAT")
    page.get_by_label("Isi pengaduan atau saran").fill(
        "Permohonan KK saya belum diverifikasi setelah tiga hari kerja."
    )
    page.get_by_label("Nama", exact=True).fill("Dewi Lestari")
    page.get_by_label("Email").fill("dewi.lestari@example.org")
    page.get_by_role("button", name="Kirim", exact=True).click()
    title = page.get_by_role("heading", name="Terima kasih, pesan Anda sudah kami terima")
    expect(title).to_be_focused()
    code = page.locator("#kode-pengaduan").inner_text()
    assert code.startswith("ADU-")
    assert_accessible_basics(page)
    shot(page, "complaint-filed")

    page.get_by_role("button", name=f"Lihat status pengaduan {code}").click()
    expect(page.locator("#hasil-pengaduan")).to_contain_text("Menunggu tanggapan")
    answered = staff_post(system, supervisor, f"/complaints/{code}/answer",
                          {"answer": "Mohon maaf, permohonan Anda sudah kami proses hari ini."})
    assert answered.status_code == 200, answered.text
    page.get_by_role("button", name=f"Lihat status pengaduan {code}").click()
    expect(page.locator("#hasil-pengaduan")).to_contain_text("sudah kami proses hari ini")
    expect(page.locator("#hasil-pengaduan")).to_contain_text("Sudah dijawab")
    shot(page, "complaint-answered")


def test_status_page_shows_components_and_backlog(system: System, page: Page) -> None:
    page.goto(system.gateway + "/status")
    expect(page.locator("#isi")).not_to_have_attribute("aria-busy", "true")
    shot(page, "status")
    expect(page.locator(".component-list li")).not_to_have_count(0)
    expect(page.locator(".overall")).to_have_text("Semua layanan berjalan normal.")
    expect(page.locator(".queue-list")).to_contain_text("KTP-el Baru")
    expect(page.locator(".queue-list")).to_contain_text("Menunggu")
    assert_accessible_basics(page)
