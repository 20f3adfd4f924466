"""Issuing a signed document exactly once per approved application.

Three steps, because rendering and storage cannot join a database transaction:
1. allocate: record the document number (state RENDERING) — a redelivered event finds it;
2. render, sign and store the PDF under a key unique to this attempt;
3. finalise: mark ISSUED and add ``document.issued`` to the outbox, unless another attempt
   already did, in which case the caller deletes its own copy.
A worker that dies between steps leaves a RENDERING row that the retried event completes.

With ``SIGNING_MODE=manual`` step 2 stores the *unsigned* draft instead and step 3 is
``await_signature`` (state AWAITING_SIGNATURE, ``document.awaiting_signature`` in the outbox);
the signer's action later signs exactly that draft and finalises (see ``signoff``).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.printing.documents.card import CardContent, render_card
from services.printing.documents.numbering import document_number
from services.printing.documents.render import DocumentContent, render_document
from services.printing.documents.signing import PdfSigner
from services.printing.documents.templates import (
    IssueData,
    build_content,
    load_templates,
    template_context,
)
from services.printing.models import DocumentCounter, IssuedDocument
from silasidakep.db import Outbox
from silasidakep.masking import mask_nik
from silasidakep.storage import ObjectStore

REGENCY_CODE = "32.11"
REGION_NAME = "KABUPATEN SUMEDANG"
WIB = ZoneInfo("Asia/Jakarta")
HEAD_OF_FAMILY = "KEPALA KELUARGA"
HOLDER_NAME_LENGTH = 60  # IssuedDocument.holder_name

# One template per output document (services/printing/templates/*.yaml), loaded and checked when
# this module is imported, so a broken template stops the service at start-up instead of failing
# a print job. Read-only afterwards.
TEMPLATES = load_templates()


SIGNING_MODES = ("auto", "manual")


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
    signer: PdfSigner
    signer_name: str
    signer_title: str
    public_base_url: str
    store: ObjectStore
    bucket: str
    signing_mode: str = "auto"  # see signing_mode()


def subject_hash(subject_key: str) -> str:
    """Hash of the subject key (see `document_subject`); a KK's key is its KK number."""
    return hashlib.sha256(subject_key.encode()).hexdigest()


def document_subject(snapshot: dict[str, Any]) -> tuple[str, str, str | None]:
    """Whom a document is about: (subject key, holder name, NIK or None).

    The subject key identifies what a re-issue replaces: a new document of the same type with
    the same key supersedes the active one. Holder name and NIK are shown (the NIK masked) on
    the public verification page; a subject without a NIK of its own (a newborn on a birth
    certificate) or a couple (marriage, divorce) shows no NIK.
    """
    output = snapshot["output_document"]
    applicant, form = snapshot["applicant"], snapshot.get("form") or {}
    if output == "KK":
        members = form.get("members") or []
        head = next(
            (m for m in members if str(m.get("relationship", "")).upper() == HEAD_OF_FAMILY),
            None,
        )
        name = head["name"] if head else applicant["name"]
        nik = (head.get("nik") if head else None) or applicant["nik"]
        return applicant["kk_number"], name, nik
    if output == "KTP_EL":
        return applicant["nik"], applicant["name"], applicant["nik"]
    if output == "SKPWNI":
        key = f"{applicant['kk_number']}|{_field(form, 'planned_move_date')}"
        return key, applicant["name"], applicant["nik"]
    if output == "KIA":
        nik = _field(form, "child_nik")
        return nik, _field(form, "child_name"), nik
    if output == "AKTA_LAHIR":
        name = _field(form, "child_name")
        key = "|".join((_normal_name(name), _field(form, "birth_date"), _field(form, "mother_nik")))
        return key, name, form.get("child_nik") or None
    if output == "AKTA_MATI":
        nik = _field(form, "deceased_nik")
        return nik, _field(form, "deceased_name"), nik
    if output in ("AKTA_KAWIN", "AKTA_CERAI"):
        key = f"{_field(form, 'husband_nik')}|{_field(form, 'wife_nik')}"
        return key, f"{_field(form, 'husband_name')} dan {_field(form, 'wife_name')}", None
    if output == "BIODATA":
        nik = _field(form, "subject_nik")
        return nik, _field(form, "subject_name"), nik
    raise UnsupportedDocument(f"no subject rule for output document {output!r}")


def _field(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    if value is None or value == "":
        raise ValueError(f"the form has no {name!r}, needed to identify the document's subject")
    return str(value)


def _normal_name(name: str) -> str:
    return " ".join(name.upper().split())


def display_name(name: str) -> str:
    """`name` cut to fit the register's holder_name column."""
    name = " ".join(name.split())
    if len(name) <= HOLDER_NAME_LENGTH:
        return name
    return name[: HOLDER_NAME_LENGTH - 1].rstrip() + "\u2026"


def next_serial(session: Session, document_type: str, year: int) -> int:
    counter = DocumentCounter.__table__
    return session.execute(
        insert(counter)
        .values(document_type=document_type, year=year, last_serial=1)
        .on_conflict_do_update(
            index_elements=["document_type", "year"],
            set_={"last_serial": counter.c.last_serial + 1},
        )
        .returning(counter.c.last_serial)
    ).scalar_one()


def _locked_document(session: Session, application_id: uuid.UUID) -> IssuedDocument | None:
    return session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.application_id == application_id)
        .with_for_update()
    ).first()


def allocate(
    session: Session, application_id: uuid.UUID, snapshot: dict[str, Any], document_type: str
) -> IssuedDocument:
    existing = _locked_document(session, application_id)
    if existing is not None:
        return existing
    now = datetime.now(UTC)
    subject_key, holder_name, nik = document_subject(snapshot)
    serial = next_serial(session, document_type, now.astimezone(WIB).year)
    document = IssuedDocument(
        document_number=document_number(document_type, REGENCY_CODE, now.astimezone(WIB), serial),
        application_id=application_id,
        document_type=document_type,
        state="RENDERING",
        subject_hash=subject_hash(subject_key),
        holder_name=display_name(holder_name),
        nik_masked=mask_nik(nik) if nik else "",  # the column is not nullable: "" = no NIK
        allocated_at=now,
        tracking_code=str(snapshot.get("tracking_code") or "")[:16] or None,
    )
    session.add(document)
    return document


def issue_data(issuer: Issuer, number: str, issued_at: datetime | None = None) -> IssueData:
    issued_at = issued_at or datetime.now(WIB)
    if issued_at.tzinfo is not None:
        issued_at = issued_at.astimezone(WIB).replace(tzinfo=None)
    return IssueData(
        number=number,
        issued_at=issued_at,
        region_name=REGION_NAME,
        signer_name=issuer.signer_name,
        signer_title=issuer.signer_title,
        verify_url=f"{issuer.public_base_url}/verify/{number}",
    )


def document_content(
    issuer: Issuer,
    number: str,
    snapshot: dict[str, Any],
    issued_at: datetime | None = None,
    output_document: str | None = None,
) -> DocumentContent | CardContent:
    """What the document of `snapshot` prints, from the template of its output document."""
    output = output_document or snapshot["output_document"]
    template = TEMPLATES.get(output)
    if template is None:
        raise UnsupportedDocument(f"no template for output document {output!r}")
    _, holder_name, nik = document_subject({**snapshot, "output_document": output})
    issue = issue_data(issuer, number, issued_at)
    context = template_context(template, snapshot, issue, holder_name, nik)
    return build_content(template, context, issue)


def kk_content(issuer: Issuer, number: str, snapshot: dict[str, Any]) -> DocumentContent:
    """The KK of `snapshot` (kept for callers from before templates; see `document_content`)."""
    content = document_content(issuer, number, snapshot, output_document="KK")
    if not isinstance(content, DocumentContent):
        raise TypeError("the KK template must use the a4 layout")
    return content


def render_content(content: DocumentContent | CardContent) -> bytes:
    if isinstance(content, CardContent):
        return render_card(content)
    return render_document(content)


def render(issuer: Issuer, number: str, snapshot: dict[str, Any]) -> bytes:
    """Render the unsigned PDF of `snapshot`'s output document (A4 sheet or ID-1 card)."""
    return render_content(document_content(issuer, number, snapshot))


def sign(issuer: Issuer, pdf: bytes) -> bytes:
    return issuer.signer.sign(pdf, reason="Penerbitan dokumen kependudukan", location="Sumedang")


def store_attempt(issuer: Issuer, number: str, signed: bytes) -> tuple[str, str]:
    """Store one attempt under its own key; returns (object key, sha256)."""
    key = f"{number}/{uuid.uuid4()}.pdf"
    issuer.store.put(issuer.bucket, key, signed, "application/pdf")
    return key, hashlib.sha256(signed).hexdigest()


def discard_other_attempts(issuer: Issuer, number: str, issued_key: str) -> list[str]:
    """Delete signed copies of `number` other than the issued one: those of attempts that died
    after storing but before finalising (a loser that is still alive deletes its own copy).
    Drafts are left alone. Returns the deleted keys."""
    deleted = []
    for key in issuer.store.keys(issuer.bucket, f"{number}/"):
        if key != issued_key and not key.rsplit("/", 1)[-1].startswith("draft-"):
            issuer.store.delete(issuer.bucket, key)
            deleted.append(key)
    return deleted


def store_draft(issuer: Issuer, number: str, pdf: bytes) -> str:
    """Store the unsigned draft of one attempt under its own key; returns the key."""
    key = f"{number}/draft-{uuid.uuid4()}.pdf"
    issuer.store.put(issuer.bucket, key, pdf, "application/pdf")
    return key


def await_signature(
    session: Session, outbox: Outbox, application_id: uuid.UUID, draft_key: str
) -> bool:
    """Park the rendered draft for the signer; False when another attempt already did."""
    document = _locked_document(session, application_id)
    if document is None or document.state != "RENDERING":
        return False
    now = datetime.now(UTC)
    document.state, document.draft_object_key, document.drafted_at = (
        "AWAITING_SIGNATURE", draft_key, now,
    )
    outbox.add(
        session,
        "document.awaiting_signature",
        {
            "application_id": application_id,
            "document_number": document.document_number,
            "document_type": document.document_type,
            "drafted_at": now,
        },
    )
    return True


def finalise(
    session: Session,
    outbox: Outbox,
    application_id: uuid.UUID,
    key: str,
    sha256: str,
    signer: str,
) -> bool:
    document = _locked_document(session, application_id)
    if document is None or document.state == "ISSUED":
        return False
    now = datetime.now(UTC)
    for earlier in session.scalars(
        select(IssuedDocument).where(
            IssuedDocument.subject_hash == document.subject_hash,
            IssuedDocument.document_type == document.document_type,
            IssuedDocument.status == "ACTIVE",
        )
    ):
        earlier.status, earlier.superseded_at = "SUPERSEDED", now
    document.state, document.status = "ISSUED", "ACTIVE"
    document.object_key, document.sha256 = key, sha256
    document.issued_at, document.signer = now, signer
    outbox.add(
        session,
        "document.issued",
        {
            "application_id": application_id,
            "document_number": document.document_number,
            "document_type": document.document_type,
            "object_key": key,
            "sha256": sha256,
            "issued_at": now,
        },
    )
    # Cekatan: a document to collect at the kecamatan enters its print queue now.
    from services.printing import cekatan  # cekatan renders the Suket with this module

    cekatan.activate(session, outbox, application_id, now)
    return True


def verification_view(session: Session, number: str) -> dict[str, Any]:
    document = session.get(IssuedDocument, number)
    if document is None and "-SUKET-" in number:  # a temporary certificate (Cekatan)
        from services.printing import cekatan

        suket = cekatan.suket_verification(session, number)
        if suket is not None:
            return suket
    if document is None or document.state != "ISSUED":
        return {"document_number": number, "status": "UNKNOWN"}
    return {
        "document_number": document.document_number,
        "status": document.status,
        "document_type": document.document_type,
        "holder_name": document.holder_name,
        "nik_masked": document.nik_masked,
        "issued_at": document.issued_at.astimezone(WIB).date().isoformat(),
        "signer": document.signer,
        "superseded_at": (
            document.superseded_at.astimezone(WIB).date().isoformat()
            if document.superseded_at
            else None
        ),
        "revoked_at": (
            document.revoked_at.astimezone(WIB).date().isoformat()
            if document.revoked_at
            else None
        ),
    }
