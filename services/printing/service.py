"""Printing service entrypoints: approved applications become signed PDFs; the signer's desk;
public verification."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.printing import issuance, signoff
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.signing import PdfSigner
from services.printing.models import metadata
from silasidakep import metrics
from silasidakep.auth import StaffPrincipal, authenticate
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.storage import ObjectStore

log = logging.getLogger(__name__)

SIGNERS = ("signer",)
REVOKERS = ("signer", "supervisor")


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


def build_issuer() -> issuance.Issuer:
    settings = load_settings()
    files = signing_files()
    passphrase = os.environ.get("SIGNING_KEY_PASSPHRASE")
    signer = PdfSigner(
        files.key_file,
        files.cert_file,
        files.ca_file,
        passphrase.encode() if passphrase else None,
    )
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
        principal = authenticate(token, load_settings().jwt_secret)
        principal.require(*roles)
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
        return result

    @rpc
    def revoke_document(self, token: str, document_number: str, reason: str) -> dict[str, Any]:
        principal = self._staff(token, *REVOKERS)
        with self.store.session() as session, session.begin():
            return signoff.revoke(session, document_number, reason, principal.username)

    @on_event("application.issuance_requested")
    def on_issuance_requested(self, envelope: dict) -> None:
        _, data = parse_envelope(envelope, "application.issuance_requested")
        application_id, snapshot = data["application_id"], data["application"]
        with self.store.session() as session, session.begin():
            document = issuance.allocate(
                session, application_id, snapshot, snapshot["output_document"]
            )
            number, state = document.document_number, document.state
        if state != "RENDERING":  # ISSUED, or waiting for the signer: a redelivered event
            return
        issuer = self.issuer
        # Rendering is CPU work: a native thread keeps the hub (and AMQP heartbeats) alive.
        # Signing must be called from the hub: PdfSigner moves it off-hub itself, taking turns.
        pdf = tpool.execute(issuance.render, issuer, number, snapshot)
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
        with self.store.session() as session, session.begin():
            won = issuance.finalise(
                session, self.store.outbox, application_id, key, sha256, issuer.signer_name
            )
        if not won:
            issuer.store.delete(issuer.bucket, key)
            return
        metrics.DOCUMENTS_ISSUED.labels(document_type=snapshot["output_document"]).inc()
