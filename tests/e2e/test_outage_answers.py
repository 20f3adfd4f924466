"""Outages answer 503 with a code and Retry-After, not 500, and the pages say so.

Against a system of its own: its S3 (a moto server process) is stopped and started again on
the same port, and intake and printing are restarted behind a TCP proxy to PostgreSQL that
the test cuts (the machine's shared PostgreSQL and RabbitMQ are never touched). Screenshots
of the citizen's notice go to test-artifacts/outage/.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from services.intake.domain.workdays import WIB
from tests.support import infra
from tests.support.citizen import CitizenClient, new_person
from tests.support.forms import adult, application_payload, family
from tests.support.scans import pdf_scan
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "outage-system"
SHOTS = ROOT / "test-artifacts" / "outage"
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system(ARTIFACTS) as system:
        yield system


# --- S3 down and back -------------------------------------------------------------------------


def _s3_answers(endpoint: str) -> bool:
    try:
        requests.get(endpoint, timeout=5)
        return True
    except requests.RequestException:
        return False


@contextmanager
def s3_down(system: System) -> Iterator[None]:
    """S3 stopped; started again on the same port afterwards (moto keeps nothing: the buckets
    are gone, as on a storage volume replaced while down)."""
    port = urlparse(system.s3.endpoint).port
    system.s3.stop()
    try:
        yield
    finally:
        log = open(system.log_dir / "s3.log", "ab")  # noqa: SIM115 (closed with the process)
        system.s3.process = subprocess.Popen(
            [str(infra.VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
        infra.wait_until(lambda: _s3_answers(system.s3.endpoint), timeout=60, what="S3 again")


def draft(citizen: CitizenClient, seed: int) -> dict:
    created = citizen.create(application_payload("KK_PERUBAHAN", new_person(seed)))
    assert created.status_code == 201, created.text
    return created.json()


def assert_unavailable(response: requests.Response, code: str, wait: int | None = None) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert int(response.headers["Retry-After"]) == error["retry_after"] > 0
    if wait is not None:
        assert error["retry_after"] == wait


def test_an_upload_during_an_s3_outage_answers_503_then_succeeds(system: System) -> None:
    citizen = CitizenClient.connect(system.gateway)
    app = draft(citizen, 5301)
    scan = pdf_scan("KK_LAMA")
    with s3_down(system):
        refused = citizen.upload(app["id"], app["access_token"], "KK_LAMA", scan,
                                 "application/pdf")
        assert_unavailable(refused, "STORAGE_UNAVAILABLE", wait=30)
        assert "Penyimpanan berkas" in refused.json()["error"]["message"]
        # Nothing was attached; the rest of the system still answers.
        view = citizen.get(app["id"], app["access_token"]).json()
        assert not [d for d in view.get("documents", []) if d.get("doc_type") == "KK_LAMA"]
        assert requests.get(f"{system.gateway}/api/v1/status", timeout=30).status_code == 200
    again = citizen.upload(app["id"], app["access_token"], "KK_LAMA", scan, "application/pdf")
    assert again.status_code == 201, again.text


# --- a database out of reach ------------------------------------------------------------------


class TcpProxy:
    """A loopback TCP relay to PostgreSQL that can be cut (every connection with it) and
    opened again on the same port."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.port = infra.free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Refuse new connections and cut the open ones (what a database restart does)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def restart(system: System, name: str, **env: str) -> None:
    system.stop(name)
    system.processes[name] = infra.start_service(name, {**system.env, **env}, system.log_dir)
    infra.wait_until(system.processes[name].healthy, timeout=60, what=f"{name} health")


@pytest.fixture
def database_proxy(system: System) -> Iterator[TcpProxy]:
    """Intake and printing reach PostgreSQL only through the proxy while the test runs."""
    proxy = TcpProxy().start()
    proxied = system.env["DATABASE_URL"].replace(":5432/", f":{proxy.port}/")
    assert proxied != system.env["DATABASE_URL"]
    try:
        for name in ("intake", "printing"):
            restart(system, name, DATABASE_URL=proxied)
        yield proxy
    finally:
        proxy.stop()
        for name in ("intake", "printing"):
            restart(system, name)


def test_a_database_out_of_reach_answers_503_not_500(
    system: System, database_proxy: TcpProxy
) -> None:
    citizen = CitizenClient.connect(system.gateway)
    app = draft(citizen, 5302)
    assert citizen.get(app["id"], app["access_token"]).status_code == 200

    database_proxy.stop()
    assert_unavailable(citizen.get(app["id"], app["access_token"]), "DATABASE_UNAVAILABLE")
    assert_unavailable(citizen.create(application_payload("KK_PERUBAHAN", new_person(5303))),
                       "DATABASE_UNAVAILABLE")
    # The QR-code page (printing's database) is a page in Indonesian that reloads itself.
    page = requests.get(f"{system.gateway}/verify/3211-KK-2026-000001", timeout=30,
                        headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
    assert "Layanan sedang gangguan, coba lagi dalam" in page.text
    assert int(page.headers["Retry-After"]) > 0 and 'http-equiv="refresh"' in page.text
    as_json = requests.get(f"{system.gateway}/api/v1/verify/3211-KK-2026-000001", timeout=30)
    assert_unavailable(as_json, "DATABASE_UNAVAILABLE")

    database_proxy.start()  # the database is back: answers without restarting anything
    infra.wait_until(
        lambda: citizen.get(app["id"], app["access_token"]).status_code == 200,
        timeout=30, what="intake answering again")


# --- the citizen's page -----------------------------------------------------------------------


@pytest.fixture
def page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    sync_api.expect.set_options(timeout=20_000)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                      timezone_id="Asia/Jakarta")
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def field(page: Any, path: str) -> Any:
    return page.locator(f'[data-path="{path}"]').locator("input, select, textarea").first


def fill_moving_out(page: Any, scan: Path) -> None:
    """The moving-out form (one document), as tests/e2e/test_citizen_pages.py fills it."""
    expect = pytest.importorskip("playwright.sync_api").expect
    person = adult(seed=9501)
    head, child = family(person, random.Random(9501))
    for name in ("nik", "name", "kk_number", "email", "phone"):
        field(page, f"applicant.{name}").fill(getattr(person, name))
    field(page, "applicant.kecamatan_code").select_option(person.kecamatan_code)
    field(page, "form.move_reason").select_option("PEKERJAAN")
    field(page, "form.move_type").select_option("KEPALA_DAN_SELURUH_ANGGOTA")
    field(page, "form.destination_address").fill("Jalan Asia Afrika No. 8")
    field(page, "form.destination_rt_rw").fill("004/002")
    destination = page.locator('[data-path="form.destination_desa_code"]')
    destination.get_by_label("Provinsi").select_option("32")
    regency = destination.get_by_label("Kabupaten/Kota")
    expect(regency.locator('option[value="32.73"]')).to_be_attached()
    regency.select_option("32.73")
    for label in ("Kecamatan", "Desa/Kelurahan"):
        select = destination.get_by_label(label, exact=True)
        expect(select.locator("option")).not_to_have_count(1)
        select.select_option(index=1)
    field(page, "form.planned_move_date").fill(
        (datetime.now(WIB).date() + timedelta(days=14)).isoformat())
    for index, member in enumerate((head, child)):
        if index:
            page.get_by_role("button", name="+ Tambah orang").click()
        field(page, f"form.movers.{index}.nik").fill(member["nik"])
        field(page, f"form.movers.{index}.name").fill(member["name"])
        field(page, f"form.movers.{index}.relationship").select_option(member["relationship"])
    page.locator('[data-path="documents.KK"] input[type=file]').set_input_files(scan)
    page.get_by_label("Saya menyatakan", exact=False).check()


def test_the_page_retries_reads_and_offers_a_retry_for_an_upload(
    system: System, page: Any, tmp_path: Path
) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    # A read answered 503 with Retry-After is asked again by the page itself.
    refused: list[str] = []

    def once_unavailable(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        route.fulfill(status=503, headers={"Retry-After": "1"}, content_type="application/json",
                      body='{"error": {"code": "DATABASE_UNAVAILABLE", "message": "Gangguan.",'
                           ' "retry_after": 1}}')

    page.route("**/api/v1/services", once_unavailable)
    page.goto(f"{system.gateway}/layanan/PINDAH_KELUAR")
    expect(field(page, "applicant.nik")).to_be_visible()
    assert len(refused) == 1
    page.unroute("**/api/v1/services")

    # An upload during an S3 outage: the notice, what was typed kept, and a retry button.
    scan = tmp_path / "kk.pdf"
    scan.write_bytes(pdf_scan("KK"))
    fill_moving_out(page, scan)
    with s3_down(system):
        page.get_by_role("button", name="Ajukan permohonan").click()
        notice = page.locator('[data-outage="true"]')
        expect(notice).to_contain_text("Layanan sedang gangguan, coba lagi dalam")
        expect(notice).to_contain_text("Penyimpanan berkas")
        expect(notice).to_have_attribute("data-code", "STORAGE_UNAVAILABLE")
        expect(field(page, "form.destination_address")).to_have_value("Jalan Asia Afrika No. 8")
        page.screenshot(path=str(SHOTS / "upload-storage-unavailable.png"), full_page=True)
    notice.get_by_role("button", name="Coba lagi").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_visible()
    page.screenshot(path=str(SHOTS / "upload-retried.png"), full_page=True)
    drafts = page.evaluate("JSON.parse(localStorage.getItem('silasidakep.permohonan'))")
    assert len(drafts) == 1  # the retry continued the same draft
