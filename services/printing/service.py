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

from services.printing import (
    history,
    issuance,
    production,
    public_lookup,
    signers_desk,
    subject_export,
)
from services.printing.crashpoints import CrashHook
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.pades import SIGNING_BACKENDS, PdfSigner, Pkcs11Config
from services.printing.kecamatan import blanko, print_jobs, suket
from services.printing.models import PrintJob, metadata
from services.printing.states import DeskResult, MovementKind, SigningResult
from silasidakep import export_grant, metrics
from silasidakep.audit_trail import Auditor
from silasidakep.config import is_development, load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.rpc import rpc
from silasidakep.storage import ObjectStore

log = logging.getLogger(__name__)

SIGNERS = ("signer",)
REVOKERS = ("signer", "supervisor")
HISTORY_READERS = ("signer", "supervisor", "verifier", "auditor")
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
    if not is_development():
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


def build_issuer() -> production.Issuer:
    settings = load_settings()
    signer = build_signer()
    return production.Issuer(
        signer=signer,
        signer_name=os.environ.get("SIGNER_NAME", signer.signer_common_name),
        signer_title=os.environ.get(
            "SIGNER_TITLE", "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sumedang"
        ),
        public_base_url=settings.public_base_url,
        objects=ObjectStore(settings),
        bucket=settings.documents_bucket,
        signing_mode=production.signing_mode(),  # a bad value stops the service at start-up
    )


class IssuerProvider(DependencyProvider):
    """Loads the signing key and certificate once per process, at start-up."""

    def setup(self) -> None:
        self.issuer = build_issuer()
        log.info("signing mode: %s", self.issuer.signing_mode)

    def get_dependency(self, worker_ctx: Any) -> production.Issuer:
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
            "object_storage": lambda: self.issuer.objects.ping(),
        }

    @rpc
    def verify_document(
        self, document_number: str, check_code: str | None = None,
        client: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The public answer for a document number; the holder's name only with the QR code's
        ``check_code``. The gateway passes the caller (``client``): lookups are limited per
        address here, in the database, so the limit holds across gateway replicas."""
        with self.store.session() as session:
            if client is not None:
                with session.begin():
                    public_lookup.count_lookup(
                        session, client.get("ip"), public_lookup.configured_limit()
                    )
            code = check_code[:64] if isinstance(check_code, str) else None
            return public_lookup.verification_view(session, document_number[:40], code)

    # --- the signer's desk (SIGNING_MODE=manual) ---------------------------------------------

    @rpc
    def signing_queue(self, token: str) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *SIGNERS))
        with self.store.session() as session, session.begin():  # the reading is audited
            return signers_desk.queue(session, auditor=auditor)

    @rpc
    def signing_draft(self, token: str, document_number: str) -> dict[str, Any]:
        """Where the unsigned draft is stored; the gateway streams it to the signer."""
        principal = self.store.staff(token, *SIGNERS)
        with self.store.session() as session, session.begin():  # the opening is audited
            ref = signers_desk.draft_ref(session, document_number,
                                         Auditor(self.store.outbox, principal))
        log.info("draft %s opened by %s", ref["document_number"], principal.username)
        return ref

    @rpc
    def sign_application(self, token: str, application_id: str) -> dict[str, Any]:
        """Sign every document of the application waiting for the signer."""
        principal = self.store.staff(token, *SIGNERS)
        result = signers_desk.sign_application(
            self.store.sessions, self.store.outbox, self.issuer, application_id,
            principal.username, principal,
        )
        signed = [r for r in result["results"] if r["result"] == SigningResult.SIGNED]
        for item in signed:
            metrics.DOCUMENTS_ISSUED.labels(document_type=item["document_type"]).inc()
        if signed:
            self._issue_sukets()
        return result

    @rpc
    def sign_batch(self, token: str, document_numbers: list[str]) -> dict[str, Any]:
        principal = self.store.staff(token, *SIGNERS)
        result = signers_desk.sign_batch(
            self.store.sessions, self.store.outbox, self.issuer, document_numbers,
            principal.username, principal,
        )
        for item in result["results"]:
            if item["result"] == SigningResult.SIGNED:
                metrics.DOCUMENTS_ISSUED.labels(document_type=item["document_type"]).inc()
        self._issue_sukets()
        return result

    @rpc
    def revoke_document(self, token: str, document_number: str, reason: str) -> dict[str, Any]:
        principal = self.store.staff(token, *REVOKERS)
        role = next(r for r in REVOKERS if r in principal.roles)
        return self.store.write(lambda session: signers_desk.revoke(
            session, document_number, reason, principal.username,
            Auditor(self.store.outbox, principal), outbox=self.store.outbox, role=role,
        ))

    @rpc
    def document_history(self, token: str, document_number: str) -> dict[str, Any]:
        """The register's chain of one document (what it replaced, what superseded it)."""
        principal = self.store.staff(token, *HISTORY_READERS)
        with self.store.session() as session, session.begin():  # the reading is audited
            return history.document_history(session, document_number,
                                            Auditor(self.store.outbox, principal))

    @on_event("staff.access_changed")
    def on_staff_access_changed(self, envelope: dict) -> None:
        self.store.record_staff_access(parse_envelope(envelope, "staff.access_changed")[1])

    @on_event("application.issuance_requested")
    def on_issuance_requested(self, envelope: dict) -> None:
        _, data = parse_envelope(envelope, "application.issuance_requested")
        issued = issuance.issue(
            self.store.sessions, self.store.outbox, self.issuer, data["application_id"],
            data["application"], outputs=data.get("outputs"), run=tpool.execute,
            crash_point=self.crash_point,
        )
        if issued:
            self._issue_sukets()

    # --- the kecamatan desk (Cekatan): print queue, blanko stock, the Suket ------------------

    def _issue_sukets(self) -> None:
        issuance.issue_waiting_sukets(self.store.sessions, self.issuer, tpool.execute)

    def _desk(self, action: Callable[..., Any], *args: Any) -> Any:
        """A desk action in one transaction, once per request id (a redelivered request
        answers the first result: a job printed once is not refused as already printed)."""
        return self.store.write(lambda session: action(session, self.store.outbox, *args))

    @rpc
    def print_queue(self, token: str, kecamatan_code: str | None = None) -> dict[str, Any]:
        principal = self.store.staff(token, *KECAMATAN_DESK)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code)
        with self.store.session() as session, session.begin():  # the reading is audited
            return print_jobs.print_queue(session, code, Auditor(self.store.outbox, principal))

    @rpc
    def mark_printed(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        principal = self.store.staff(token, *KECAMATAN_DESK)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code)
        result = self._desk(print_jobs.mark_printed, job_id, code, principal.username,
                            principal)
        if result["result"] == DeskResult.BLANKO_EMPTY:
            self._issue_sukets()
            with self.store.session() as session:
                job = session.get(PrintJob, uuid.UUID(result["job"]["id"]))
                result["job"] = print_jobs.job_view(job)
        return result

    @rpc
    def mark_collected(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        principal = self.store.staff(token, *KECAMATAN_DESK)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code)
        return self._desk(print_jobs.mark_collected, job_id, code, principal.username,
                          principal)

    @rpc
    def suket_ref(
        self, token: str, job_id: str, kecamatan_code: str | None = None
    ) -> dict[str, Any]:
        """Where the job's temporary certificate is stored (issued now if it is missing)."""
        principal = self.store.staff(token, *KECAMATAN_DESK)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code)
        with self.store.session() as session, session.begin():  # the opening is audited
            ref = suket.suket_ref(session, job_id, code, Auditor(self.store.outbox, principal))
        if ref["object_key"] is None:
            ref["object_key"] = suket.issue_suket(
                self.store.sessions, self.issuer, uuid.UUID(ref["job_id"]), tpool.execute
            )
        log.info("suket %s opened by %s", ref["suket_number"], principal.username)
        return ref

    @rpc
    def add_blanko(self, token: str, kecamatan_code: str, payload: dict[str, Any]) -> dict:
        principal = self.store.staff(token, *STOCK_KEEPERS)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code, admin_anywhere=True)
        return self._desk(
            blanko.add_stock, code, payload.get("card_type"), payload.get("quantity"),
            principal.username, payload.get("kind") or MovementKind.RECEIVED, payload.get("note"),
            principal,
        )

    @rpc
    def blanko(self, token: str, kecamatan_code: str | None = None) -> dict[str, Any]:
        principal = self.store.staff(token, *STOCK_KEEPERS)
        code = print_jobs.desk_kecamatan(principal, kecamatan_code, admin_anywhere=True)
        with self.store.session() as session:
            return blanko.blanko_view(session, code)

    @rpc
    def subject_data(self, token: str, application_ids: list[str]) -> dict[str, Any]:
        """Data-subject export (issue 14): documents and print jobs of these applications, for
        an auditor or a citizen's export grant covering them."""
        _, ids, _ = export_grant.authorize(
            token, application_ids, lambda t: self.store.staff(t, *export_grant.EXPORT_ROLES)
        )
        with self.store.session() as session:
            return subject_export.subject_data(session, ids)
