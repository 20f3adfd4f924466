"""Printing service entrypoints: approved applications become signed PDFs; the signer's desk;
public verification."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.printing import cekatan, issuance, signoff
from services.printing.crashpoints import CrashHook
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.signing import SIGNING_BACKENDS, PdfSigner, Pkcs11Config
from services.printing.models import metadata
from silasidakep import metrics
from silasidakep.auth import StaffPrincipal, authorize
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.storage import ObjectStore

log = logging.getLogger(__name__)

SIGNERS = ("signer",)
REVOKERS = ("signer", "supervisor")
# Cekatan. A kecamatan operator acts for its account's kecamatan only (the token's "kec"); an
# admin may keep any kecamatan's blanko stock.
KECAMATAN_DESK = ("kecamatan_operator",)
STOCK_KEEPERS = ("kecamatan_operator", "admin")


def signing_files() -> SigningFiles:
    """Configured key material, or a development CA generated on first use in development."""
    if os.environ.get("SIGNING_KEY_FILE"):
        return SigningFiles(
            ca_file=Path(os.environ["SIGNING_CA_FILE"]),
            key_file=Path(os.environ["SIGNING_KEY_FILE"]),
            cert_file=Path(os.environ["SIGNING_CERT_FILE"]),
        )
    if os.environ.get("SILASIDAKEP_ENV", "development") != "development":
        raise RuntimeError("SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_CA_FILE must be set")
    return ensure_dev_pki(Path(os.environ.get("DEV_PKI_DIR", "var/pki")))


PKCS11_SETTINGS = (
    "PKCS11_MODULE", "PKCS11_TOKEN_LABEL", "PKCS11_KEY_LABEL", "PKCS11_CERT_LABEL", "PKCS11_PIN",
)


def build_signer(env: dict[str, str] | None = None) -> PdfSigner:
    """The PAdES signer, from SIGNING_BACKEND: ``file`` (PEM key/cert, the default) or
    ``pkcs11`` (key and certificate on an HSM token). The only place a signer is configured."""
    env = dict(os.environ) if env is None else env
    backend = env.get("SIGNING_BACKEND", "file").strip().lower()
    if backend not in SIGNING_BACKENDS:
        raise RuntimeError(f"SIGNING_BACKEND must be one of {', '.join(SIGNING_BACKENDS)}")
    if backend == "pkcs11":
        missing = [name for name in (*PKCS11_SETTINGS, "SIGNING_CA_FILE") if not env.get(name)]
        if missing:
            raise RuntimeError(f"SIGNING_BACKEND=pkcs11 needs {', '.join(missing)}")
        config = Pkcs11Config(
            module=Path(env["PKCS11_MODULE"]),
            token_label=env["PKCS11_TOKEN_LABEL"],
            key_label=env["PKCS11_KEY_LABEL"],
            cert_label=env["PKCS11_CERT_LABEL"],
            pin=env["PKCS11_PIN"],
        )
        return PdfSigner.from_pkcs11(config, Path(env["SIGNING_CA_FILE"]))
    files = signing_files()
    passphrase = env.get("SIGNING_KEY_PASSPHRASE")
    return PdfSigner(
        files.key_file,
        files.cert_file,
        files.ca_file,
        passphrase.encode() if passphrase else None,
    )


def build_issuer() -> issuance.Issuer:
    settings = load_settings()
    signer = build_signer()
    return issuance.Issuer(
        signer=signer,
        signer_name=os.environ.get("SIGNER_NAME", signer.signer_common_name),
        signer_title=os.environ.get(
            "SIGNER_TITLE", "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumedang"
        ),
        public_base_url=settings.public_base_url,
        store=ObjectStore(settings),
        bucket=settings.documents_bucket,
        signing_mode=issuance.signing_mode(),  # a bad value stops the service at start-up
    )


class IssuerProvider(DependencyProvider):
    """Loads the signing key and certificate once per process, at start-up."""

    def setup(self) -> None:
        self.issuer = build_issuer()
        log.info("signing mode: %s", self.issuer.signing_mode)

    def get_dependency(self, worker_ctx: Any) -> issuance.Issuer:
        return self.issuer


class PrintingService(ServiceOps):
    name = "printing"
    store = Store(metadata)
    issuer = IssuerProvider()
    crash_point = CrashHook()  # PRINTING_CRASH_AFTER, development/tests only

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
            "object_storage": lambda: self.issuer.store.ping(),
        }

    @rpc
    def verify_document(self, document_number: str) -> dict[str, Any]:
        with self.store.session() as session:
            return issuance.verification_view(session, document_number[:40])

    # --- the signer's desk (SIGNING_MODE=manual) ---------------------------------------------

    def _staff(self, token: str | None, *roles: str) -> StaffPrincipal:
        principal = authorize(token, *roles)
        self.store.check_staff_access(principal)  # not ended since (staff.access_changed)
        return principal

    @rpc
    def signing_queue(self, token: str) -> dict[str, Any]:
        self._staff(token, *SIGNERS)
        with self.store.session() as session:
            return signoff.queue(session)

    @rpc
    def signing_draft(self, token: str, document_number: str) -> dict[str, Any]:
        """Where the unsigned draft is stored; the gateway streams it to the signer."""
        principal = self._staff(token, *SIGNERS)
        with self.store.session() as session:
            ref = signoff.draft_ref(session, document_number)
        log.info("draft %s opened by %s", ref["document_number"], principal.username)
        return ref

    @rpc
    def sign_application(self, token: str, application_id: str) -> dict[str, Any]:
        principal = self._staff(token, *SIGNERS)
        with self.store.session() as session:
            number = signoff.number_for_application(session, application_id)
        result = signoff.sign_one(
            self.store.sessions, self.store.outbox, self.issuer, number, principal.username
        )
        if result["result"] == signoff.SIGNED:
            metrics.DOCUMENTS_ISSUED.labels(document_type=result["document_type"]).inc()
            self._issue_sukets()
        return result

    @rpc
    def sign_batch(self, token: str, document_numbers: list[str]) -> dict[str, Any]:
        principal = self._staff(token, *SIGNERS)
        result = signoff.sign_batch(
            self.store.sessions, self.store.outbox, self.issuer, document_numbers,
            principal.username,
        )
        for item in result["results"]:
            if item["result"] == signoff.SIGNED:
                metrics.DOCUMENTS_ISSUED.labels(document_type=item["document_type"]).inc()
        self._issue_sukets()
        return result

    @rpc
    def revoke_document(self, token: str, document_number: str, reason: str) -> dict[str, Any]:
        principal = self._staff(token, *REVOKERS)
        with self.store.session() as session, session.begin():
            return signoff.revoke(session, document_number, reason, principal.username)

    @on_event("staff.access_changed")
    def on_staff_access_changed(self, envelope: dict) -> None:
        self.store.record_staff_access(parse_envelope(envelope, "staff.access_changed")[1])

    @on_event("application.issuance_requested")
    def on_issuance_requested(self, envelope: dict) -> None:
        _, data = parse_envelope(envelope, "application.issuance_requested")
        application_id, snapshot = data["application_id"], data["application"]
        with self.store.session() as session, session.begin():
            document = issuance.allocate(
                session, application_id, snapshot, snapshot["output_document"]
            )
            session.flush()
            cekatan.plan_job(session, application_id, snapshot, document)
            number, state = document.document_number, document.state
        if state != "RENDERING":  # ISSUED, or waiting for the signer: a redelivered event
            return
        issuer = self.issuer
        # Rendering is CPU work: a native thread keeps the hub (and AMQP heartbeats) alive.
        # Signing must be called from the hub: PdfSigner moves it off-hub itself, taking turns.
        pdf = tpool.execute(issuance.render, issuer, number, snapshot)
        self.crash_point("rendered")
        if issuer.signing_mode == "manual":
            draft_key = issuance.store_draft(issuer, number, pdf)
            with self.store.session() as session, session.begin():
                parked = issuance.await_signature(
                    session, self.store.outbox, application_id, draft_key
                )
            if not parked:
                issuer.store.delete(issuer.bucket, draft_key)
            return
        signed = issuance.sign(issuer, pdf)
        key, sha256 = issuance.store_attempt(issuer, number, signed)
        self.crash_point("stored")
        with self.store.session() as session, session.begin():
            won = issuance.finalise(
                session, self.store.outbox, application_id, key, sha256, issuer.signer_name
            )
        if not won:
            issuer.store.delete(issuer.bucket, key)
            return
        metrics.DOCUMENTS_ISSUED.labels(document_type=snapshot["output_document"]).inc()
        try:  # copies stored by attempts that died before finalising; the document is issued
            for orphan in issuance.discard_other_attempts(issuer, number, key):
                log.info("deleted %s, left by an attempt that did not finalise", orphan)
        except Exception:
            log.exception("could not clean up earlier attempts of %s", number)
        self._issue_sukets()

    # --- Cekatan: the kecamatan print queue and blanko stock ---------------------------------

    def _issue_sukets(self) -> None:
        """Issue the temporary certificate of every card job that waits for blanko without one
        (a failure is logged; the next call, or the desk opening it, tries again)."""
        with self.store.session() as session:
            waiting = cekatan.jobs_needing_suket(session)
        for job_id in waiting:
            try:
                cekatan.issue_suket(self.store.sessions, self.issuer, job_id, tpool.execute)
            except Exception:
                log.exception("issuing the suket of print job %s failed", job_id)

    def _desk(self, action: Callable[..., Any], *args: Any) -> Any:
        with self.store.session() as session, session.begin():
            return action(session, self.store.outbox, *args)

    @rpc
    def print_queue(self, token: str, kecamatan_code: str | None = None) -> dict[str, Any]:
        principal = self._staff(token, *KECAMATAN_DESK)
        code = cekatan.desk_kecamatan(principal, kecamatan_code)
        with self.store.session() as session:
            return cekatan.print_queue(session, code)

    @rpc
    def mark_printed(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        principal = self._staff(token, *KECAMATAN_DESK)
        code = cekatan.desk_kecamatan(principal, kecamatan_code)
        result = self._desk(cekatan.mark_printed, job_id, code, principal.username)
        if result["result"] == "BLANKO_EMPTY":
            self._issue_sukets()
            with self.store.session() as session:
                job = session.get(cekatan.PrintJob, uuid.UUID(result["job"]["id"]))
                result["job"] = cekatan.job_view(job)
        return result

    @rpc
    def mark_collected(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        principal = self._staff(token, *KECAMATAN_DESK)
        code = cekatan.desk_kecamatan(principal, kecamatan_code)
        return self._desk(cekatan.mark_collected, job_id, code, principal.username)

    @rpc
    def suket_ref(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        """Where the job's temporary certificate is stored (issued now if it is missing)."""
        principal = self._staff(token, *KECAMATAN_DESK)
        code = cekatan.desk_kecamatan(principal, kecamatan_code)
        with self.store.session() as session:
            ref = cekatan.suket_ref(session, job_id, code)
        if ref["object_key"] is None:
            ref["object_key"] = cekatan.issue_suket(
                self.store.sessions, self.issuer, uuid.UUID(ref["job_id"]), tpool.execute
            )
        log.info("suket %s opened by %s", ref["suket_number"], principal.username)
        return ref

    @rpc
    def add_blanko(self, token: str, kecamatan_code: str, payload: dict[str, Any]) -> dict:
        principal = self._staff(token, *STOCK_KEEPERS)
        code = cekatan.desk_kecamatan(principal, kecamatan_code, admin_anywhere=True)
        return self._desk(
            cekatan.add_stock, code, payload.get("card_type"), payload.get("quantity"),
            principal.username, payload.get("kind") or "RECEIVED", payload.get("note"),
        )

    @rpc
    def blanko(self, token: str, kecamatan_code: str | None = None) -> dict[str, Any]:
        principal = self._staff(token, *STOCK_KEEPERS)
        code = cekatan.desk_kecamatan(principal, kecamatan_code, admin_anywhere=True)
        with self.store.session() as session:
            return cekatan.blanko_view(session, code)
