"""Fault injection: the five services as processes on servers of their own, load flowing, each
fault injected in turn, then the books checked: 0 lost, 0 duplicated, 0 stuck.

Load is real: citizens create (with an Idempotency-Key, retried through any error), upload two
scans and submit; a verifier claims and approves through the staff API; printing signs; the
citizen gets status and PIN emails. Faults: SIGKILL of each service, printing killed after
storing a signed PDF and before finalising it, S3 refusing connections, SMTP down, the broker
stopped and started, PostgreSQL restarted. ``run`` returns a report with the recovery time of
each fault and the invariant counts.
"""

from __future__ import annotations

import logging
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.faults import books
from tests.faults.servers import OwnPostgres, OwnRabbit, TcpGate
from tests.support import infra
from tests.support.citizen import application_payload, new_person
from tests.support.scans import pdf_scan
from tests.support.system import System

log = logging.getLogger("faults")

DOC_TYPES = ("KK_LAMA", "BUKTI_PERUBAHAN")
# Long enough that no fault here outlasts an event's retries (the last one is parked, not lost).
RETRY_DELAYS_MS = "1000,3000,10000,30000"
GIVE_UP_SECONDS = 180  # a citizen or the verifier retries this long through any fault
# A message a killed sender left SENDING is sent again after its lease (shortened here).
SENDING_LEASE_SECONDS = 20
SETTLE_SECONDS = 3 * SENDING_LEASE_SECONDS


@dataclass
class Settings:
    applications_per_fault: int = 3
    outage_seconds: float = 8.0
    clients: int = 3
    faults: tuple[str, ...] = ()  # empty: all


@dataclass
class FaultResult:
    fault: str
    outage_s: float  # from the strike to the fault lifted (a killed process restarted)
    request_path_back_s: float  # from lifting the fault to the first create answered 201
    drained_s: float  # from lifting the fault to every application so far issued


@dataclass
class Report:
    results: list[FaultResult] = field(default_factory=list)
    books: books.Books | None = None


class FaultRig:
    """The system on its own PostgreSQL, RabbitMQ, S3 (behind a gate) and SMTP."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        shutil.rmtree(workdir, ignore_errors=True)
        (workdir / "logs").mkdir(parents=True)
        self.pg = OwnPostgres(workdir / "pg").start()
        self.rabbit = OwnRabbit(workdir / "rabbit").start()
        s3 = infra.S3Server.start(workdir / "logs")
        self.s3_gate = TcpGate(int(s3.endpoint.rsplit(":", 1)[1])).open()
        smtp = infra.SmtpServer().start()
        self.smtp_gate = TcpGate(smtp.port).open()
        env = {
            **infra.base_env(),
            "DATABASE_URL": self.pg.url, "AMQP_URI": self.rabbit.url,
            "S3_ENDPOINT": self.s3_gate.endpoint, "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_gate.port),
            "MAIL_FROM": "Disdukcapil Sumedang <no-reply@silasidakep.test>",
            "DEV_PKI_DIR": str(workdir / "pki"), "EVENT_RETRY_DELAYS_MS": RETRY_DELAYS_MS,
            "RPC_TIMEOUT_SECONDS": "8", "PUBLIC_BASE_URL": "https://silasidakep.test",
            "DB_POOL_SIZE": "5", "NOTIFY_SENDING_TIMEOUT_SECONDS": str(SENDING_LEASE_SECONDS),
            "NOTIFY_RECORD_RETRY_SECONDS": str(SENDING_LEASE_SECONDS // 2),
        }
        self.system = System(env, "silasidakep", "/", s3, smtp, workdir / "logs")
        infra.run_cli(["migrate"], env)
        self.system.start()
        password = self.system.add_staff("verifikator.faults", "verifier")
        self.staff = ("verifikator.faults", password)
        self.sending_at_kill: set[str] = set()  # Message-IDs in flight when notification died

    def close(self) -> None:
        for process in self.system.processes.values():
            process.stop()
        self.s3_gate.close()
        self.smtp_gate.close()
        self.system.s3.stop()
        self.system.smtp.stop()
        self.rabbit.destroy()
        self.pg.destroy()

    # --- faults -------------------------------------------------------------------------------

    def kill(self, name: str) -> Callable[[], None]:
        process = self.system.processes[name].process
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.system.processes.pop(name)
        if name == "notification":
            # Messages it was sending: SMTP may have taken one (its 250) before the record.
            self.sending_at_kill |= books.sending_messages(self)
        return lambda: self.system.start(name)

    def kill_printing_mid_sign(self) -> Callable[[], None]:
        """Printing restarted to die right after storing a signed PDF, before finalising."""
        self.system.stop("printing")
        self.system.env["PRINTING_CRASH_AFTER"] = "stored"
        self.system.start("printing")
        process = self.system.processes["printing"].process

        def lift() -> None:
            infra.wait_until(lambda: process.poll() is not None, timeout=120,
                             what="printing to die mid-sign")
            self.system.processes.pop("printing")
            self.system.env.pop("PRINTING_CRASH_AFTER")
            self.system.start("printing")
        return lift

    def s3_down(self, seconds: float) -> Callable[[], None]:
        self.s3_gate.close()
        return self._after(seconds, self.s3_gate.open)

    def smtp_down(self, seconds: float) -> Callable[[], None]:
        """The mail server unreachable. A conversation already under way finishes: cutting one
        between the server taking the message and its 250 reaching us is SMTP's own duplicate
        window (RFC 1047), which no client can close (docs/faults.md)."""
        self.smtp_gate.close(cut_live=False)
        return self._after(seconds, self.smtp_gate.open)

    def broker_restart(self, seconds: float) -> Callable[[], None]:
        self.rabbit.stop()
        return self._after(seconds, self.rabbit.start)

    def database_restart(self) -> Callable[[], None]:
        self.pg.restart()
        return lambda: None

    @staticmethod
    def _after(seconds: float, lift: Callable[[], Any]) -> Callable[[], None]:
        def wait_then_lift() -> None:
            time.sleep(seconds)
            lift()
        return wait_then_lift


class Load:
    """Citizens and one verifier, each retrying through errors as a real client would."""

    def __init__(self, rig: FaultRig, clients: int) -> None:
        self.rig = rig
        self.pool = ThreadPoolExecutor(max_workers=clients)
        self.created: dict[str, dict] = {}  # application id -> create answer
        self.niks: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.verifier = threading.Thread(target=self._verify_forever, daemon=True)
        self.verifier.start()

    @property
    def gateway(self) -> str:
        return self.rig.system.gateway

    def citizens(self, count: int) -> list:
        return [self.pool.submit(self._citizen) for _ in range(count)]

    def _citizen(self) -> None:
        payload = application_payload(new_person())
        with self.lock:
            self.niks.append(payload["applicant"]["nik"])
        key = str(uuid.uuid4())
        app = _retry(lambda: requests.post(
            f"{self.gateway}/api/v1/applications", json=payload,
            headers={"Idempotency-Key": key}, timeout=15), (201,)).json()
        with self.lock:
            self.created[app["id"]] = app
        auth = {"Authorization": f"Bearer {app['access_token']}"}
        for doc_type in DOC_TYPES:
            _retry(lambda doc_type=doc_type: requests.put(
                f"{self.gateway}/api/v1/applications/{app['id']}/documents/{doc_type}",
                data=pdf_scan(doc_type), headers={**auth, "Content-Type": "application/pdf"},
                timeout=15), (201,))
        _retry(lambda: self._submit(app["id"], auth), (202, 409))

    def _submit(self, app_id: str, auth: dict) -> requests.Response:
        """A 409 after a lost answer means the first submit went through: check the status."""
        answer = requests.post(f"{self.gateway}/api/v1/applications/{app_id}/submit",
                               headers=auth, timeout=15)
        if answer.status_code == 409:
            status = requests.get(f"{self.gateway}/api/v1/applications/{app_id}",
                                  headers=auth, timeout=15).json().get("status")
            if status == "DRAFT":
                raise RuntimeError(f"submit refused while DRAFT: {answer.text}")
        return answer

    def _verify_forever(self) -> None:
        token = None
        while not self.stopping.is_set():
            try:
                token = token or self.rig.system.staff_token(*self.rig.staff)
                self._claim_and_approve(token)
            except (requests.RequestException, KeyError, ValueError):
                time.sleep(0.5)

    def _claim_and_approve(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        claimed = requests.post(f"{self.gateway}/api/v1/staff/queue/claim", headers=headers,
                                timeout=15)
        if claimed.status_code == 204:
            time.sleep(0.3)
            return
        if claimed.status_code != 200:
            time.sleep(0.5)
            return
        app_id = claimed.json()["id"]
        _retry(lambda: requests.post(
            f"{self.gateway}/api/v1/staff/applications/{app_id}/decision",
            json={"decision": "APPROVE"}, headers=headers, timeout=15), (200, 409))

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.stopping.set()
        self.verifier.join(timeout=30)


def _retry(call: Callable[[], requests.Response], ok: tuple[int, ...]) -> requests.Response:
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while True:
        try:
            answer = call()
            if answer.status_code in ok:
                return answer
            if answer.status_code < 500 and answer.status_code != 429:
                raise AssertionError(f"refused {answer.status_code}: {answer.text[:300]}")
        except (requests.RequestException, RuntimeError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("gave up retrying")
        time.sleep(0.5)


def _prober(gateway: str) -> Callable[[], bool]:
    """One probe application, retried under one Idempotency-Key until a 201: an attempt that
    timed out but went through later is the same application, not a stray draft."""
    payload, key = application_payload(new_person()), str(uuid.uuid4())

    def probe() -> bool:
        try:
            return requests.post(f"{gateway}/api/v1/applications", json=payload,
                                 headers={"Idempotency-Key": key}, timeout=5).status_code == 201
        except requests.RequestException:
            return False
    return probe


def run(workdir: Path, settings: Settings) -> Report:
    rig = FaultRig(workdir)
    report = Report()
    load = Load(rig, settings.clients)
    outage = settings.outage_seconds
    faults: dict[str, Callable[[], Callable[[], None]]] = {
        **{f"kill -9 {name}": (lambda name=name: rig.kill(name))
           for name in ("intake", "verification", "printing", "notification", "gateway")},
        "printing killed mid-sign": rig.kill_printing_mid_sign,
        f"S3 refusing connections {outage:g} s": lambda: rig.s3_down(outage),
        f"SMTP down {outage:g} s": lambda: rig.smtp_down(outage),
        f"RabbitMQ stopped {outage:g} s": lambda: rig.broker_restart(outage),
        "PostgreSQL restarted": rig.database_restart,
    }
    # Armed before its wave: it strikes when that wave's first document is signed.
    armed_first = {"printing killed mid-sign"}
    chosen = [f for f in faults if not settings.faults or any(k in f for k in settings.faults)]
    probes = 0
    try:
        for name in chosen:
            lift = faults[name]() if name in armed_first else None
            wave = load.citizens(settings.applications_per_fault)
            time.sleep(1.0)  # load in flight when the fault strikes
            struck = time.monotonic()
            lift = lift or faults[name]()
            lift()
            lifted = time.monotonic()
            infra.wait_until(_prober(rig.system.gateway), timeout=120,
                             interval=0.2, what=f"request path after {name}")
            probes += 1
            back = time.monotonic() - lifted
            for future in wave:
                future.result()
            books.wait_drained(rig, set(load.created), timeout=240)
            result = FaultResult(name, round(lifted - struck, 2), round(back, 2),
                                 round(time.monotonic() - lifted, 2))
            report.results.append(result)
            log.info("%s", result)
        load.close()
        books.wait_settled(rig, timeout=SETTLE_SECONDS)
        report.books = books.audit(rig, load.created, load.niks, probes)
    finally:
        load.stopping.set()
        rig.close()
    return report
