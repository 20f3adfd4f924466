"""The staff console (/petugas/...) in a real browser (headless Chromium) against all five services.

The module boots its own system with SIGNING_MODE=manual: approved applications then wait for a
signer, which the signing journey needs, and the verification queue holds only this module's
applications (a claim in the browser takes the next one, so other modules' work must not be in
it). Citizens are driven through the HTTP API; staff only through the pages. A screenshot of
every state goes to test-artifacts/staff/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.infra import wait_until
from tests.support.journeys import apply, approve, claim, decide, wait_for_status
from tests.support.scans import png_scan
from tests.support.system import System, running_system

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "staff-system"
SHOTS = ROOT / "test-artifacts" / "staff"
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def manual_system() -> Iterator[System]:
    with running_system(ARTIFACTS, {"SIGNING_MODE": "manual"}) as system:
        yield system


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, system: System, username: str, password: str) -> None:
    page.goto(f"{system.gateway}/petugas")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#menu-petugas")).to_be_visible()
    token = page.evaluate("() => sessionStorage.getItem('silasidakep.petugas.token')")
    assert token and page.evaluate("() => localStorage.length") == 0  # sessionStorage only


def claim_in_browser(page: Page, system: System, app_id: str) -> None:
    """Click "Ambil" until the application comes up (its submission event may still travel)."""

    def claimed() -> bool:
        page.goto(f"{system.gateway}/petugas/antrean")
        page.get_by_role("button", name="Ambil permohonan berikutnya").click()
        page.wait_for_function(
            "() => location.pathname.startsWith('/petugas/permohonan/')"
            " || document.querySelector('#hasil-ambil .notice')"
        )
        return page.url.endswith(f"/petugas/permohonan/{app_id}")

    wait_until(claimed, timeout=30, interval=0.5, what="claim in the console")


def test_verifier_requests_revision_then_approves(
    manual_system: System, page: Page
) -> None:
    system = manual_system
    password = system.add_staff("verifikator.konsol", "verifier")
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=7101)

    page.goto(f"{system.gateway}/petugas")
    expect(page.get_by_role("heading", name="Masuk petugas")).to_be_visible()
    shot(page, "01-login")
    log_in(page, system, "verifikator.konsol", password)
    expect(page).to_have_url(re.compile(r"/petugas/antrean$"))
    expect(page.get_by_role("link", name="Admin")).to_be_hidden()  # not an admin
    shot(page, "02-queue")

    claim_in_browser(page, system, app["id"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(app["tracking_code"])
    expect(page.locator("#tabel-anggota tbody tr")).to_have_count(
        len(payload["form"]["members"])
    )
    expect(page.locator("#peringatan")).to_be_visible()
    # The full NIK is for the verifier's eyes in the page, never in the URL or storage.
    assert payload["applicant"]["nik"] in page.locator("#data-pemohon").inner_text()

    # Each scan inline: the PDF in a frame from a blob: URL, the JPEG as an image.
    pdf = page.locator('li.scan[data-doc-type="BUKTI_PERUBAHAN"]')
    pdf.get_by_role("button", name="Tampilkan").click()
    frame = pdf.locator("iframe.scan-frame")
    expect(frame).to_have_attribute("src", re.compile(r"^blob:"))
    jpeg = page.locator('li.scan[data-doc-type="KK_LAMA"]')
    jpeg.get_by_role("button", name="Tampilkan").click()
    image = jpeg.locator("img.scan-image")
    expect(image).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function(
        "() => { const i = document.querySelector('li.scan[data-doc-type=KK_LAMA] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    shot(page, "03-review-scans")

    # Request a revision naming the old family card.
    form = page.locator("#form-keputusan")
    form.get_by_label("Minta perbaikan").check()
    form.get_by_label("Kode alasan").select_option("DOKUMEN_TIDAK_TERBACA")
    expect(page.locator("#teks-alasan")).to_contain_text("tidak terbaca")
    form.locator('#pilih-fix_documents input[value="KK_LAMA"]').check()
    form.get_by_label("Catatan untuk pemohon (opsional)").fill("Foto KK lama buram.")
    shot(page, "04-revision-form")
    form.get_by_role("button", name="Kirim keputusan").click()
    expect(page.locator("#keputusan-terkirim")).to_contain_text("Minta perbaikan")
    shot(page, "05-revision-sent")

    state = wait_for_status(citizen, app["id"], app["access_token"], "REVISION_REQUESTED")
    assert state["revision"]["documents"] == [
        {"type": "KK_LAMA", "label": "Kartu Keluarga lama"}
    ]
    replaced = citizen.upload(app["id"], app["access_token"], "KK_LAMA", png_scan(), "image/png")
    assert replaced.status_code == 201, replaced.text
    assert citizen.submit(app["id"], app["access_token"]).status_code == 202

    claim_in_browser(page, system, app["id"])
    expect(page.locator("#ringkasan")).to_contain_text("Pengajuan ke-")
    expect(page.locator('li.scan[data-doc-type="KK_LAMA"]')).to_contain_text("image/png")
    page.locator("#form-keputusan").get_by_label("Setujui").check()
    expect(page.locator("#field-alasan")).to_be_hidden()
    page.get_by_role("button", name="Kirim keputusan").click()
    expect(page.locator("#keputusan-terkirim")).to_contain_text("Setujui")
    shot(page, "06-approved")
    wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")


def test_operator_without_verifier_role_is_refused(manual_system: System, page: Page) -> None:
    system = manual_system
    password = system.add_staff("operator.kecamatan", "kecamatan_operator", kecamatan="32.11.06")
    citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=7102)

    log_in(page, system, "operator.kecamatan", password)
    expect(page).to_have_url(re.compile(r"/petugas/kecamatan$"))
    expect(page.get_by_role("link", name="Antrean", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Loket kecamatan")).to_be_visible()
    shot(page, "07-operator-desk")

    page.goto(f"{system.gateway}/petugas/antrean")
    expect(page.locator("#peringatan-peran")).to_contain_text("Anda tidak memiliki peran")
    page.get_by_role("button", name="Ambil permohonan berikutnya").click()
    refusal = page.locator('#hasil-ambil [data-code="ROLE_REQUIRED"]')
    expect(refusal).to_contain_text("Anda tidak memiliki peran verifikator")
    expect(page).to_have_url(re.compile(r"/petugas/antrean$"))
    shot(page, "08-operator-refused")

    # Nothing was claimed: a verifier gets the application straight away.
    verifier_password = system.add_staff("verifikator.dua", "verifier")
    token = system.staff_token("verifikator.dua", verifier_password)
    claim(system, token, app["id"])


def test_signer_signs_a_batch(manual_system: System, page: Page) -> None:
    system = manual_system
    password = system.add_staff("penandatangan.konsol", "signer")
    token = system.staff_token("penandatangan.konsol", password)
    probe = requests.get(f"{system.gateway}/api/v1/staff/signing/queue",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    if probe.status_code == 404:
        pytest.skip("the signing API (GET /api/v1/staff/signing/queue) is not in the gateway yet")

    verifier_password = system.add_staff("verifikator.tiga", "verifier")
    verifier = system.staff_token("verifikator.tiga", verifier_password)
    applications = []
    for seed in (7103, 7104):
        citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=seed)
        approve(system, verifier, app["id"])
        applications.append((citizen, app))
    for citizen, app in applications:
        wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")

    log_in(page, system, "penandatangan.konsol", password)
    expect(page).to_have_url(re.compile(r"/petugas/tanda-tangan$"))
    rows = page.locator('#form-tte input[name="document_numbers"]')
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 2
    page.get_by_role("button", name="Pratinjau").first.click()
    expect(page.locator("#pratinjau iframe.scan-frame")).to_have_attribute(
        "src", re.compile(r"^blob:")
    )
    shot(page, "09-signing-queue")
    page.get_by_label(re.compile("Pilih semua")).check()
    page.get_by_role("button", name="Tandatangani yang dipilih").click()
    expect(page.locator("#hasil-tte tbody tr")).to_have_count(count)
    expect(page.locator('#hasil-tte tr[data-result="SIGNED"]')).to_have_count(count)
    expect(page.locator("#tte-kosong")).to_be_visible()
    shot(page, "10-signed")
    for citizen, app in applications:
        wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")


def test_admin_desk_and_complaints_pages(manual_system: System, page: Page) -> None:
    system = manual_system
    password = system.add_staff("admin.supervisor", "admin", "supervisor")
    filed = requests.post(f"{system.gateway}/api/v1/complaints", timeout=10, json={
        "kind": "COMPLAINT", "category": "LAYANAN_LAMBAT",
        "message": "Permohonan saya belum diverifikasi padahal sudah lewat tiga hari kerja.",
        "name": "Dewi Lestari", "email": "dewi.lestari@example.org", "phone": "081234567890",
    })
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]

    log_in(page, system, "admin.supervisor", password)
    page.goto(f"{system.gateway}/petugas/admin")
    location = page.locator("#form-lokasi")
    location.get_by_label("Kode lokasi").fill("KEC-JATINANGOR")
    location.get_by_label("Nama").fill("Kantor Kecamatan Jatinangor")
    location.get_by_label("Jenis").select_option("KECAMATAN")
    location.get_by_label("Kecamatan").select_option("32.11.06")
    location.get_by_label("Alamat").fill("Jalan Kolonel Ahmad Syam No. 1")
    location.get_by_role("button", name="Tambah lokasi").click()
    expect(page.locator("#pesan-admin")).to_contain_text("KEC-JATINANGOR")
    expect(page.locator("#tabel-lokasi")).to_contain_text("KEC-JATINANGOR")
    slots = page.locator("#form-slot")
    slots.get_by_label("Lokasi").select_option("KEC-JATINANGOR")
    slots.get_by_label("Termasuk Sabtu dan Minggu").check()
    slots.get_by_role("button", name="Buat jadwal").click()
    expect(slots.locator(".notice-success")).to_contain_text("slot dibuat")
    shot(page, "11-admin")

    page.goto(f"{system.gateway}/petugas/kecamatan")
    page.get_by_label("Lokasi layanan").select_option("KEC-JATINANGOR")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#daftar-janji")).to_contain_text("Kantor Kecamatan Jatinangor")
    shot(page, "12-kecamatan-desk")

    page.goto(f"{system.gateway}/petugas/pengaduan")
    card = page.locator(f'li[data-tracking="{code}"]')
    card.get_by_label("Jawaban untuk pelapor").fill(
        "Mohon maaf, permohonan Anda kami proses hari ini."
    )
    shot(page, "13-complaints")
    card.get_by_role("button", name="Kirim jawaban").click()
    expect(page.locator(f'li[data-tracking="{code}"]')).to_have_count(0)
    page.get_by_label("Tampilkan").select_option("ANSWERED")
    expect(page.locator("#daftar-pengaduan")).to_contain_text("kami proses hari ini")


def test_operator_prints_and_hands_over_at_own_kecamatan(
    manual_system: System, page: Page
) -> None:
    system = manual_system
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=7105, delivery="KECAMATAN")
    kecamatan, token = payload["applicant"]["kecamatan_code"], app["access_token"]
    verifier = system.staff_token("verifikator.cetak",
                                  system.add_staff("verifikator.cetak", "verifier", "signer"))
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], token, "AWAITING_SIGNATURE")
    signed = requests.post(f"{system.gateway}/api/v1/staff/applications/{app['id']}/sign",
                           headers={"Authorization": f"Bearer {verifier}"}, timeout=30)
    assert signed.status_code == 200, signed.text
    wait_for_status(citizen, app["id"], token, "QUEUED_AT_KECAMATAN")

    password = system.add_staff("operator.cetak", "kecamatan_operator", kecamatan=kecamatan)
    log_in(page, system, "operator.cetak", password)
    page.get_by_role("link", name="Antrean cetak").click()
    expect(page).to_have_url(re.compile(r"/petugas/cetak$"))
    expect(page.locator("#kecamatan-desk")).to_have_text(f"Kecamatan {kecamatan}")
    row = page.locator("tr[data-job]", has_text=app["tracking_code"])
    expect(row).to_have_attribute("data-state", "QUEUED_AT_KECAMATAN")
    expect(page.locator("#stok-blanko")).to_contain_text("KTP-el")
    shot(page, "11-print-queue")

    row.get_by_role("button", name="Sudah dicetak").click()
    expect(row).to_have_attribute("data-state", "PRINTED")
    wait_for_status(citizen, app["id"], token, "PRINTED")
    shot(page, "12-printed")
    row.get_by_role("button", name="Sudah diambil").click()
    expect(row).to_have_count(0)  # handed over: off the queue
    wait_for_status(citizen, app["id"], token, "COLLECTED")


def test_supervisor_sees_the_backlog_board_and_returns_a_claim(
    manual_system: System, page: Page
) -> None:
    system = manual_system
    verifier = system.staff_token("verifikator.pantau",
                                  system.add_staff("verifikator.pantau", "verifier"))
    citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=7106)
    claim(system, verifier, app["id"])

    password = system.add_staff("supervisor.pantau", "supervisor")
    log_in(page, system, "supervisor.pantau", password)
    expect(page).to_have_url(re.compile(r"/petugas/pantauan$"))
    expect(page.get_by_role("link", name="Antrean", exact=True)).to_be_hidden()
    expect(page.locator('#per-tahap tr[data-stage="CLAIMED"] td').first).not_to_have_text("0")
    expect(page.locator("#per-layanan")).to_contain_text("KK_PERUBAHAN")
    expect(page.locator("#per-kecamatan")).to_contain_text("32.11.")
    row = page.locator(f'#klaim-aktif tr[data-tracking="{app["tracking_code"]}"]')
    expect(row).to_contain_text("verifikator.pantau")
    shot(page, "14-backlog-board")

    row.get_by_role("button", name="Kembalikan ke antrean").click()
    expect(page.locator("#pesan-pantauan")).to_contain_text("dikembalikan ke antrean")
    expect(row).to_have_count(0)
    shot(page, "15-claim-returned")

    # The former holder lost it; claimed again, it is decided as usual.
    late = decide(system, verifier, app["id"], decision="APPROVE")
    assert late.status_code == 409 and late.json()["error"]["code"] == "NOT_CLAIMED"
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")


def test_supervisor_reassigns_a_claim_from_the_review_page(
    manual_system: System, page: Page
) -> None:
    system = manual_system
    holder = system.staff_token("verifikator.lama",
                                system.add_staff("verifikator.lama", "verifier"))
    successor = system.staff_token("verifikator.baru",
                                   system.add_staff("verifikator.baru", "verifier"))
    citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=7107)
    claim(system, holder, app["id"])

    password = system.add_staff("supervisor.alih", "supervisor")
    log_in(page, system, "supervisor.alih", password)
    page.locator(f'#klaim-aktif tr[data-tracking="{app["tracking_code"]}"]').get_by_role(
        "link", name=app["tracking_code"]).click()
    expect(page).to_have_url(re.compile(rf"/petugas/permohonan/{app['id']}$"))
    expect(page.locator("#peringatan")).to_be_visible()  # a supervisor may look (logged)
    expect(page.locator("#form-keputusan")).to_have_count(0)  # but decides nothing
    expect(page.get_by_role("link", name="← Kembali ke pantauan antrean")).to_be_visible()
    actions = page.locator("#tindakan-supervisor")
    actions.get_by_label("Alihkan ke verifikator").fill("verifikator.baru")
    actions.get_by_role("button", name="Alihkan").click()
    expect(page.locator("#hasil-supervisor")).to_contain_text("dialihkan ke verifikator.baru")
    shot(page, "16-claim-reassigned")

    mine = requests.get(f"{system.gateway}/api/v1/staff/queue/mine", timeout=10,
                        headers={"Authorization": f"Bearer {successor}"}).json()
    assert app["id"] in {c["id"] for c in mine["claims"]}
    late = decide(system, holder, app["id"], decision="APPROVE")
    assert late.status_code == 403 and late.json()["error"]["code"] == "NOT_YOUR_CLAIM"
    assert decide(system, successor, app["id"], decision="APPROVE").status_code == 200
    wait_for_status(citizen, app["id"], app["access_token"], "AWAITING_SIGNATURE")


def test_admin_adds_and_deactivates_a_reason_code(manual_system: System, page: Page) -> None:
    system = manual_system
    password = system.add_staff("admin.alasan", "admin")
    log_in(page, system, "admin.alasan", password)
    page.get_by_role("link", name="Kode alasan").click()
    expect(page).to_have_url(re.compile(r"/petugas/kode-alasan$"))
    expect(page.locator('#tabel-alasan tr[data-code="PERMOHONAN_GANDA"]')).to_be_visible()

    form = page.locator("#form-alasan")
    form.get_by_label("Kode", exact=True).fill("FOTO_BURAM")
    form.get_by_label("Teks untuk pemohon").fill(
        "Pas foto buram atau terpotong. Unggah ulang pas foto yang jelas."
    )
    form.get_by_label("Tolak").check()
    shot(page, "17-reason-code-form")
    form.get_by_role("button", name="Tambah kode alasan").click()
    expect(page.locator("#pesan-alasan")).to_contain_text("FOTO_BURAM")
    row = page.locator('#tabel-alasan tr[data-code="FOTO_BURAM"]')
    expect(row).to_have_attribute("data-active", "true")
    expect(row).to_contain_text("Tolak, Minta perbaikan")
    shot(page, "18-reason-code-added")

    verifier = system.staff_token("verifikator.alasan",
                                  system.add_staff("verifikator.alasan", "verifier"))
    offered = requests.get(f"{system.gateway}/api/v1/staff/reason-codes", timeout=10,
                           headers={"Authorization": f"Bearer {verifier}"}).json()
    assert "FOTO_BURAM" in {c["code"] for c in offered["reason_codes"]["REJECT"]}

    row.get_by_role("button", name="Nonaktifkan").click()
    expect(page.locator('#tabel-alasan tr[data-code="FOTO_BURAM"]')).to_have_attribute(
        "data-active", "false")
    offered = requests.get(f"{system.gateway}/api/v1/staff/reason-codes", timeout=10,
                           headers={"Authorization": f"Bearer {verifier}"}).json()
    assert "FOTO_BURAM" not in {c["code"] for c in offered["codes"]}


def test_review_page_shows_the_automated_pre_checks(manual_system: System, page: Page) -> None:
    # Last in the module: the second application stays in the queue unclaimed.
    system = manual_system
    password = system.add_staff("verifikator.cek", "verifier")
    _, first, _ = apply(system, "KK_HILANG", seed=7191)
    _, second, _ = apply(system, "KK_HILANG", seed=7191)  # the same applicant, again
    # Need to know: the verifier opens what it holds, and what its pre-checks point to.
    looker = system.staff_token("supervisor.cek", system.add_staff("supervisor.cek", "supervisor"))
    wait_until(lambda: requests.get(
        f"{system.gateway}/api/v1/staff/applications/{second['id']}", timeout=10,
        headers={"Authorization": f"Bearer {looker}"}).status_code == 200,
        timeout=30, what="the second submission in verification")
    claim(system, system.staff_token("verifikator.cek", password), first["id"])
    log_in(page, system, "verifikator.cek", password)

    duplicate = page.locator('#peringatan li[data-code="DUPLICATE_APPLICATION"]')
    page.goto(f"{system.gateway}/petugas/permohonan/{first['id']}")
    expect(duplicate).to_have_count(1)
    expect(duplicate).to_contain_text(second["tracking_code"])
    expect(duplicate).to_contain_text("NIK")
    link = duplicate.get_by_role("link", name=f"Lihat {second['tracking_code']}")
    expect(link).to_have_attribute("href", f"/petugas/permohonan/{second['id']}")
    link.click()
    expect(page.locator("#ringkasan")).to_contain_text(second["tracking_code"])
    # Viewing is not claiming: no decision form for the other one.
    expect(page.locator("#keputusan")).to_contain_text("Ambil dari antrean")
    shot(page, "19-review-pre-checks")
