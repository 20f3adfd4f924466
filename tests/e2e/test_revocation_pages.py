"""The staff side of a revocation in a real browser (issue 16): a supervisor finds a document in
the console's "Dokumen terbit" page, reads its history and revokes it with a reason; the
kecamatan print desk then no longer offers its job. Screenshots in test-artifacts/revocation/."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.browser import DESKTOP, TIMEOUT_MS, chromium_page, screenshot, staff_log_in
from tests.support.journeys import apply, approve, wait_for_status
from tests.support.system import System

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "revocation"
REASON = "Dokumen diterbitkan dengan data yang keliru."


def test_a_supervisor_revokes_in_the_console_and_the_desk_drops_the_job(
    system: System, verifier: str
) -> None:
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=16_971, delivery="KECAMATAN")
    approve(system, verifier, app["id"])
    queued = wait_for_status(citizen, app["id"], app["access_token"], "QUEUED_AT_KECAMATAN")
    number = queued["documents"][0]["document_number"]
    kecamatan = payload["applicant"]["kecamatan_code"]
    suffix = uuid.uuid4().hex[:6]
    operator = f"operator.cabut.{suffix}"
    operator_password = system.add_staff(operator, "kecamatan_operator", kecamatan=kecamatan)
    supervisor = f"pengawas.cabut.{suffix}"
    supervisor_password = system.add_staff(supervisor, "supervisor")

    with chromium_page(SHOTS) as desk:
        staff_log_in(desk, system.gateway, operator, operator_password)
        desk.goto(f"{system.gateway}/petugas/cetak")
        row = desk.locator("tr[data-job]", has_text=app["tracking_code"])
        expect(row).to_have_attribute("data-state", "QUEUED_AT_KECAMATAN")
        screenshot(desk, SHOTS, "01-desk-before")

        # The supervisor works in a browser context of their own (another session).
        console_context = desk.context.browser.new_context(
            viewport=DESKTOP, locale="id-ID", timezone_id="Asia/Jakarta")
        console_context.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        console = console_context.new_page()
        console.on("pageerror", lambda error: errors.append(str(error)))
        staff_log_in(console, system.gateway, supervisor, supervisor_password)
        console.get_by_role("link", name="Dokumen terbit").click()
        console.get_by_label("Nomor dokumen").fill(number)
        console.get_by_role("button", name="Cari").click()
        entry = console.locator(f"#riwayat-dokumen tr[data-document='{number}']")
        expect(entry).to_have_attribute("data-status", "ACTIVE")
        # A revocation needs a reason: nothing is sent without one.
        console.get_by_role("button", name="Cabut dokumen").click()
        expect(console.locator("#status-cabut")).to_contain_text("alasan")
        console.get_by_label("Alasan pencabutan").fill(REASON)
        screenshot(console, SHOTS, "02-revoke-form")
        console.get_by_role("button", name="Cabut dokumen").click()
        expect(console.locator("#dokumen .notice-success")).to_contain_text(
            "Pekerjaan cetak di kecamatan dibatalkan")
        expect(entry).to_have_attribute("data-status", "REVOKED")
        expect(console.locator("#tidak-dapat-dicabut")).to_be_visible()
        screenshot(console, SHOTS, "03-revoked")
        console_context.close()
        assert errors == [], f"JavaScript errors on the console page: {errors}"

        desk.reload()
        expect(desk.locator("#kecamatan-desk")).to_be_visible()
        expect(desk.locator("tr[data-job]", has_text=app["tracking_code"])).to_have_count(0)
        screenshot(desk, SHOTS, "04-desk-after")

    view = citizen.get(app["id"], app["access_token"]).json()
    assert view["documents"][0]["status"] == "REVOKED"
    assert view["documents"][0]["revocation_reason"] == REASON
