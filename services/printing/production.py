"""Producing one PDF: content from the output's template, rendering (A4 sheet or ID-1 card),
the PAdES signature, and storing each attempt under its own object key.

None of this touches the database: the register (``register``) decides which attempt counts.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.printing.documents.card import CardContent, render_card
from services.printing.documents.content import DocumentContent
from services.printing.documents.pades import PdfSigner
from services.printing.documents.render import render_document
from services.printing.documents.template_loader import load_templates
from services.printing.documents.template_model import IssueData
from services.printing.documents.templates import build_content, template_context
from silasidakep.clock import WIB
from silasidakep.storage import ObjectStore

REGION_NAME = "KABUPATEN SUMEDANG"
SIGNING_MODES = ("auto", "manual")

# One template per output document (services/printing/templates/*.yaml), loaded and checked when
# this module is imported, so a broken template stops the service at start-up instead of failing
# a print job. Read-only afterwards.
TEMPLATES = load_templates()


def signing_mode(env: dict[str, str] | None = None) -> str:
    """``auto``: printing signs as soon as the document is rendered (the default);
    ``manual``: the draft waits in the signer's queue for the head of the Dinas."""
    mode = (env if env is not None else os.environ).get("SIGNING_MODE", "auto").strip().lower()
    if mode not in SIGNING_MODES:
        raise RuntimeError(f"SIGNING_MODE must be one of {', '.join(SIGNING_MODES)}")
    return mode


class UnsupportedDocument(ValueError):
    """The snapshot asks for an output document that has no template."""


@dataclass(frozen=True)
class Issuer:
    """Who issues, and where the PDFs go: the signer, the names printed, the bucket."""

    signer: PdfSigner
    signer_name: str
    signer_title: str
    public_base_url: str
    objects: ObjectStore  # object storage (S3/MinIO), not the database
    bucket: str
    signing_mode: str = "auto"  # see signing_mode()


def verify_url(issuer: Issuer, number: str, check_code: str | None = None) -> str:
    """What the QR code encodes: the public verification page, with the document's check code
    (the holder's name is shown only with it). Without a code (a document allocated before
    codes existed) the page answers status only."""
    url = f"{issuer.public_base_url}/verify/{number}"
    return f"{url}?c={check_code}" if check_code else url


def issue_data(
    issuer: Issuer, number: str, issued_at: datetime | None = None,
    check_code: str | None = None,
) -> IssueData:
    issued_at = issued_at or datetime.now(WIB)
    if issued_at.tzinfo is not None:
        issued_at = issued_at.astimezone(WIB).replace(tzinfo=None)
    return IssueData(
        number=number,
        issued_at=issued_at,
        region_name=REGION_NAME,
        signer_name=issuer.signer_name,
        signer_title=issuer.signer_title,
        verify_url=verify_url(issuer, number, check_code),
    )


def document_content(
    issuer: Issuer,
    number: str,
    snapshot: dict[str, Any],
    issued_at: datetime | None = None,
    output_document: str | None = None,
    check_code: str | None = None,
) -> DocumentContent | CardContent:
    """What the document of `snapshot` prints, from the template of its output document; whom
    it is about comes with the snapshot (intake resolves it from the form it owns)."""
    output = output_document or snapshot["output_document"]
    template = TEMPLATES.get(output)
    if template is None:
        raise UnsupportedDocument(f"no template for output document {output!r}")
    subject = snapshot["subject"]
    issue = issue_data(issuer, number, issued_at, check_code)
    context = template_context(template, snapshot, issue, subject["name"], subject.get("nik"))
    return build_content(template, context, issue)


def render_content(content: DocumentContent | CardContent) -> bytes:
    if isinstance(content, CardContent):
        return render_card(content)
    return render_document(content)


def render(
    issuer: Issuer, number: str, snapshot: dict[str, Any], check_code: str | None = None
) -> bytes:
    """Render the unsigned PDF of `snapshot`'s output document (A4 sheet or ID-1 card); its QR
    code carries `check_code`."""
    return render_content(document_content(issuer, number, snapshot, check_code=check_code))


def sign_pdf(issuer: Issuer, pdf: bytes) -> bytes:
    return issuer.signer.sign(pdf, reason="Penerbitan dokumen kependudukan", location="Sumedang")


def store_attempt(issuer: Issuer, number: str, signed: bytes) -> tuple[str, str]:
    """Store one attempt under its own key; returns (object key, sha256)."""
    key = f"{number}/{uuid.uuid4()}.pdf"
    issuer.objects.put(issuer.bucket, key, signed, "application/pdf")
    return key, hashlib.sha256(signed).hexdigest()


def store_draft(issuer: Issuer, number: str, pdf: bytes) -> str:
    """Store the unsigned draft of one attempt under its own key; returns the key."""
    key = f"{number}/draft-{uuid.uuid4()}.pdf"
    issuer.objects.put(issuer.bucket, key, pdf, "application/pdf")
    return key


def discard_other_attempts(issuer: Issuer, number: str, issued_key: str) -> list[str]:
    """Delete signed copies of `number` other than the issued one: those of attempts that died
    after storing but before finalising (a loser that is still alive deletes its own copy).
    Drafts are left alone. Returns the deleted keys."""
    deleted = []
    for key in issuer.objects.keys(issuer.bucket, f"{number}/"):
        if key != issued_key and not key.rsplit("/", 1)[-1].startswith("draft-"):
            issuer.objects.delete(issuer.bucket, key)
            deleted.append(key)
    return deleted


def discard_other_drafts(issuer: Issuer, number: str, parked_key: str) -> list[str]:
    """Delete unsigned drafts of `number` other than the parked one (attempts that died after
    storing their draft but before parking it). Returns the deleted keys."""
    deleted = []
    for key in issuer.objects.keys(issuer.bucket, f"{number}/"):
        if key != parked_key and key.rsplit("/", 1)[-1].startswith("draft-"):
            issuer.objects.delete(issuer.bucket, key)
            deleted.append(key)
    return deleted
