"""A claim whose answer is lost: the console lists "Permohonan yang saya klaim" and claiming
again opens the one already held, in a real browser (headless Chromium) against all five
services. Screenshots go to test-artifacts/staff-claims/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.browser import chromium_page, screenshot
from tests.support.infra import wait_until
from tests.support.journeys import apply, staff_post
from tests.support.system import System, running_system

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "staff-claims-system"
SHOTS = ROOT / "test-artifacts" / "staff-claims"


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(ARTIFACTS) as system:
        yield system


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page(SHOTS) as page:
        yield page


def shot(page: Page, name: str) -> None:
    screenshot(page, SHOTS, name)



def lost_claim(system: System, token: str) -> str:
    """Claim over the API and drop the answer (as a cut connection would); the claimed id."""

    def claimed() -> str | None:
        response = staff_post(system, token, "/queue/claim")
        return response.json()["id"] if response.status_code == 200 else None

    return wait_until(claimed, timeout=30, interval=0.3, what="a claim")


def test_the_console_lists_my_claims_and_a_repeated_claim_opens_the_held_one(
    system: System, page: Page
) -> None:
    password = system.add_staff("verifikator.klaim", "verifier")
    token = system.staff_token("verifikator.klaim", password)
    _, first, _ = apply(system, "KK_PERUBAHAN", seed=7301)
    held = lost_claim(system, token)
    assert held == first["id"]
    _, second, _ = apply(system, "KK_PERUBAHAN", seed=7302)

    # The answer never arrived, and the browser tab never heard of the claim.
    page.goto(f"{system.gateway}/petugas")
    page.get_by_label("Nama pengguna").fill("verifikator.klaim")
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/petugas/antrean$"))
    mine = page.locator("#sedang-ditangani")
    expect(mine.get_by_role("heading", name="Permohonan yang saya klaim")).to_be_visible()
    row = mine.locator(f'li[data-id="{held}"]')
    expect(row).to_contain_text(first["tracking_code"])
    expect(row).to_contain_text("Klaim berlaku sampai")
    expect(mine.locator("li")).to_have_count(1)
    shot(page, "01-my-claims")

    # Claiming again opens the application already held, not the next one in the queue.
    page.get_by_role("button", name="Ambil permohonan berikutnya").click()
    expect(page).to_have_url(re.compile(rf"/petugas/permohonan/{held}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["tracking_code"])
    shot(page, "02-repeated-claim-opens-the-held-one")

    # The list's link opens it too.
    page.goto(f"{system.gateway}/petugas/antrean")
    page.locator(f'#klaim-saya li[data-id="{held}"]').get_by_role(
        "link", name=re.compile(first["tracking_code"])).click()
    expect(page).to_have_url(re.compile(rf"/petugas/permohonan/{held}$"))

    # Nothing else was leased: the second application still waits for anyone.
    other = system.staff_token("verifikator.lain", system.add_staff("verifikator.lain",
                                                                     "verifier"))
    assert lost_claim(system, other) == second["id"]
    listed = requests.get(f"{system.gateway}/api/v1/staff/queue/mine", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}).json()["claims"]
    assert [c["id"] for c in listed] == [held]


def test_an_empty_list_says_so(system: System, page: Page) -> None:
    password = system.add_staff("verifikator.kosong", "verifier")
    page.goto(f"{system.gateway}/petugas")
    page.get_by_label("Nama pengguna").fill("verifikator.kosong")
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#klaim-saya")).to_have_text("Tidak ada permohonan yang sedang Anda klaim.")
