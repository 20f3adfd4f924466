"""Printing service entrypoints: approved applications become signed PDFs; public verification."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.printing import issuance
from services.printing.documents.devca import SigningFiles, ensure_dev_pki
from services.printing.documents.signing import PdfSigner
from services.printing.models import metadata
from silasidakep import metrics
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.storage import ObjectStore

log = logging.getLogger(__name__)


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
    )


class IssuerProvider(DependencyProvider):
    """Loads the signing key and certificate once per process, at start-up."""

    def setup(self) -> None:
        self.issuer = build_issuer()

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

    @on_event("application.issuance_requested")
    def on_issuance_requested(self, envelope: dict) -> None:
        _, data = parse_envelope(envelope, "application.issuance_requested")
        application_id, snapshot = data["application_id"], data["application"]
        with self.store.session() as session, session.begin():
            document = issuance.allocate(
                session, application_id, snapshot, snapshot["output_document"]
            )
            number, state = document.document_number, document.state
        if state == "ISSUED":
            return
        issuer = self.issuer
        # Rendering is CPU work: a native thread keeps the hub (and AMQP heartbeats) alive.
        # Signing must be called from the hub: PdfSigner moves it off-hub itself, taking turns.
        pdf = tpool.execute(issuance.render, issuer, number, snapshot)
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
