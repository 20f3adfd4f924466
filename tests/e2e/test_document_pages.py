"""The whole life of a document in a real browser (issue 16): the verifier's review shows the
family before and after a birth side by side; the citizen's tracking page lists the three
documents of a "3 in 1" birth, downloads them with the one PIN, and shows a revocation with its
reason. Screenshots in test-artifacts/documents/."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from silasidakep.masking import mask_nik
from tests.support.browser import chromium_page, screenshot, staff_log_in
from tests.support.forms import birth_with_kia
from tests.support.infra import wait_until
from tests.support.journeys import apply, approve, claim, decide, pin_from, staff_post
from tests.support.system import System

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"
SEED = 16_951
REASON = "Anggota keluarga tercatat ganda pada KK."


@pytest.fixture(scope="module")
def birth(system: System) -> dict[str, Any]:
    """A submitted birth asking for the KIA too: the akta, the KK with the child, the KIA."""
    payload = birth_with_kia(SEED)
    payload["applicant"]["email"] = f"lahir.{uuid.uuid4().hex[:8]}@example.org"
    citizen, app, payload = apply(system, "AKTA_LAHIR", SEED, payload=payload)
    return {"citizen": citizen, "app": app, "payload": payload, "approved": False}


@pytest.fixture(scope="module")
def issued(system: System, verifier: str, birth: dict[str, Any]) -> dict[str, Any]:
    """The birth approved (by the review test, or here) and every document issued."""
    app = birth["app"]
    if not birth["approved"]:
        approve(system, verifier, app["id"])
        birth["approved"] = True

    def all_issued() -> dict | None:
        view = birth["citizen"].get(app["id"], app["access_token"]).json()
        done = view["outputs_total"] == 3 and view["outputs_issued"] == 3
        return view if done else None

    birth["view"] = wait_until(all_issued, timeout=90, what="the three documents issued")
    return birth


def test_the_verifier_sees_the_family_before_and_after_the_birth(
    system: System, birth: dict[str, Any]
) -> None:
    username = f"verifikator.lahir.{uuid.uuid4().hex[:6]}"
    password = system.add_staff(username, "verifier")
    token = system.staff_token(username, password)
    app, form = birth["app"], birth["payload"]["form"]
    claim(system, token, app["id"])
    father, mother = form["members"]

    with chromium_page(SHOTS) as page:
        staff_log_in(page, system.gateway, username, password)
        page.goto(f"{system.gateway}/petugas/permohonan/{app['id']}")
        outputs = page.locator("#dokumen-terbit")
        expect(outputs).to_contain_text("Dokumen yang akan terbit")
        for key in ("AKTA_LAHIR", "KK", "KIA"):
            expect(outputs.locator(f"li[data-output='{key}']")).to_be_visible()
        expect(outputs.locator("li[data-output='KIA']")).to_contain_text("diminta pemohon")

        table = outputs.locator("li[data-output='KK'] table.family-compare")
        expect(table.locator("thead")).to_contain_text("Keluarga saat ini")
        expect(table.locator("thead")).to_contain_text("Keluarga setelah terbit")
        expect(table.locator("tbody tr")).to_have_count(3)
        added = table.locator("tr[data-change='added']")
        expect(added).to_have_count(1)
        expect(added.locator("td").nth(0)).to_have_text("—")
        expect(added.locator("td").nth(1)).to_contain_text(form["child_name"])
        expect(added.locator("td").nth(1)).to_contain_text("Ditambahkan")
        expect(added.locator("td").nth(1)).to_contain_text("Anak")
        expect(table.locator("tr[data-change='removed']")).to_have_count(0)
        for member in (father, mother):
            row = table.locator("tr", has_text=member["name"])
            expect(row.locator("td").nth(0)).to_contain_text(mask_nik(member["nik"]))
            expect(row.locator("td").nth(1)).to_contain_text(member["name"])
        # The comparison masks the NIKs (the full ones are in the form data above).
        text = table.inner_text()
        assert father["nik"] not in text and mother["nik"] not in text
        outputs.scroll_into_view_if_needed()
        screenshot(page, SHOTS, "01-review-family-before-after")

    decided = decide(system, token, app["id"], decision="APPROVE")
    assert decided.status_code == 200, decided.text
    birth["approved"] = True


def _open_tracking(page: Any, system: System, app: dict[str, Any]) -> None:
    page.goto(f"{system.gateway}/permohonan#id={app['id']}&token={app['access_token']}")
    expect(page.locator("#ringkasan-permohonan")).to_be_visible()


def _download(page: Any, document_type: str, tmp_path: Path) -> bytes:
    item = page.locator(f"#dokumen-terbit li[data-document-type='{document_type}']")
    with page.expect_download() as download_info:
        item.locator("button[data-download]").click()
    download = download_info.value
    number = item.get_attribute("data-document-number")
    assert download.suggested_filename == f"{number}.pdf"
    saved = tmp_path / f"{number}.pdf"
    download.save_as(saved)
    expect(item.locator(".notice-success")).to_contain_text("Dokumen berhasil diunduh")
    return saved.read_bytes()


def test_the_citizen_downloads_each_document_and_sees_a_revocation(
    system: System, supervisor: str, issued: dict[str, Any], tmp_path: Path
) -> None:
    app, view = issued["app"], issued["view"]
    numbers = {d["document_type"]: d["document_number"] for d in view["documents"]}
    assert set(numbers) == {"AKTA_LAHIR", "KK", "KIA"}
    pin = pin_from(system, issued["payload"]["applicant"]["email"])

    with chromium_page(SHOTS, accept_downloads=True) as page:
        _open_tracking(page, system, app)
        listed = page.locator("#dokumen-terbit li.issued-document")
        expect(listed).to_have_count(3)
        for document_type, number in numbers.items():
            item = page.locator(f"#dokumen-terbit li[data-document-type='{document_type}']")
            expect(item).to_contain_text(number)
            expect(item.locator(".status-badge")).to_have_text("Berlaku")
            expect(item.locator("button[data-download]")).to_be_visible()
        expect(listed.nth(0)).to_contain_text("Kutipan Akta Kelahiran")
        expect(listed.nth(1)).to_contain_text("Kartu Keluarga")
        expect(page.locator("#dokumen-progres")).to_have_count(0)
        screenshot(page, SHOTS, "02-track-three-documents")

        # One PIN for the application opens each of its documents.
        page.get_by_label("PIN unduhan").fill(pin)
        for document_type in ("AKTA_LAHIR", "KK"):
            assert _download(page, document_type, tmp_path).startswith(b"%PDF-")
        screenshot(page, SHOTS, "03-track-downloaded")

        revoked = staff_post(system, supervisor, f"/documents/{numbers['KK']}/revoke",
                             {"reason": REASON})
        assert revoked.status_code == 200, revoked.text

        def shows_revoked() -> bool:
            current = issued["citizen"].get(app["id"], app["access_token"]).json()
            return any(d["status"] == "REVOKED" for d in current["documents"])

        wait_until(shows_revoked, timeout=30, what="the KK revoked on the status page")
        page.reload()
        expect(page.locator("#ringkasan-permohonan")).to_be_visible()
        notice = page.locator(".notice-error .revoked-document")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text(
            f"Dokumen Kartu Keluarga nomor {numbers['KK']} dicabut: {REASON}")
        kk = page.locator("#dokumen-terbit li[data-document-type='KK']")
        expect(kk.locator(".status-badge")).to_have_text("Dicabut")
        expect(kk).to_contain_text(REASON)
        expect(kk.locator("button[data-download]")).to_have_count(0)
        # The other documents stay valid and downloadable.
        akta = page.locator("#dokumen-terbit li[data-document-type='AKTA_LAHIR']")
        expect(akta.locator(".status-badge")).to_have_text("Berlaku")
        expect(akta.locator("button[data-download]")).to_be_visible()
        screenshot(page, SHOTS, "04-track-revoked")
