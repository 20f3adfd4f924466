"""Issuing a signed document exactly once per approved application.

Three steps, because rendering and storage cannot join a database transaction:
1. allocate: record the document number (state RENDERING) — a redelivered event finds it;
2. render, sign and store the PDF under a key unique to this attempt;
3. finalise: mark ISSUED and add ``document.issued`` to the outbox, unless another attempt
   already did, in which case the caller deletes its own copy.
A worker that dies between steps leaves a RENDERING row that the retried event completes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.printing.documents.numbering import document_number
from services.printing.documents.render import DocumentContent, render_document
from services.printing.documents.signing import PdfSigner
from services.printing.models import DocumentCounter, IssuedDocument
from silasidakep.db import Outbox
from silasidakep.masking import mask_nik
from silasidakep.storage import ObjectStore

REGENCY_CODE = "32.11"
REGION_NAME = "KABUPATEN SUMEDANG"
WIB = ZoneInfo("Asia/Jakarta")
OUTPUT_TITLES = {"KK": "KARTU KELUARGA"}
HEAD_OF_FAMILY = "KEPALA KELUARGA"


@dataclass(frozen=True)
class Issuer:
    signer: PdfSigner
    signer_name: str
    signer_title: str
    public_base_url: str
    store: ObjectStore
    bucket: str


def subject_hash(kk_number: str) -> str:
    return hashlib.sha256(kk_number.encode()).hexdigest()


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
    applicant = snapshot["applicant"]
    serial = next_serial(session, document_type, now.astimezone(WIB).year)
    document = IssuedDocument(
        document_number=document_number(document_type, REGENCY_CODE, now.astimezone(WIB), serial),
        application_id=application_id,
        document_type=document_type,
        state="RENDERING",
        subject_hash=subject_hash(applicant["kk_number"]),
        holder_name=applicant["name"],
        nik_masked=mask_nik(applicant["nik"]),
        allocated_at=now,
    )
    session.add(document)
    return document


def kk_content(issuer: Issuer, number: str, snapshot: dict[str, Any]) -> DocumentContent:
    form, applicant = snapshot["form"], snapshot["applicant"]
    members = form.get("members") or []
    head = next((m for m in members if m["relationship"].upper() == HEAD_OF_FAMILY), None)
    return DocumentContent(
        document_type="KK",
        title=OUTPUT_TITLES["KK"],
        document_number=number,
        issued_at=datetime.now(WIB).replace(tzinfo=None),
        region_name=REGION_NAME,
        signer_name=issuer.signer_name,
        signer_title=issuer.signer_title,
        verify_url=f"{issuer.public_base_url}/verify/{number}",
        fields=[
            ("Nomor KK", applicant["kk_number"]),
            ("Nama Kepala Keluarga", head["name"] if head else applicant["name"]),
            ("Alamat", form.get("address", "")),
            ("RT/RW", form.get("rt_rw", "")),
            ("Desa/Kelurahan", form.get("desa", "")),
            ("Kecamatan", applicant["kecamatan_code"]),
            ("Kabupaten/Kota", "SUMEDANG"),
            ("Provinsi", "JAWA BARAT"),
        ],
        members=[_member_row(m) for m in members],
    )


def _member_row(member: dict[str, Any]) -> dict[str, str]:
    birth = datetime.fromisoformat(member["birth_date"]).strftime("%d-%m-%Y")
    return {
        "Nama Lengkap": member["name"],
        "NIK": member.get("nik") or "-",
        "Jenis Kelamin": "Laki-laki" if member["sex"] == "L" else "Perempuan",
        "Tempat Lahir": member["birth_place"],
        "Tanggal Lahir": birth,
        "Agama": member["religion"],
        "Pendidikan": member["education"],
        "Jenis Pekerjaan": member["occupation"],
        "Status Perkawinan": member["marital_status"],
        "Hubungan dalam Keluarga": member["relationship"],
        "Kewarganegaraan": member["citizenship"],
        "Nama Ayah": member["father_name"],
        "Nama Ibu": member["mother_name"],
    }


def render(issuer: Issuer, number: str, snapshot: dict[str, Any]) -> bytes:
    return render_document(kk_content(issuer, number, snapshot))


def sign(issuer: Issuer, pdf: bytes) -> bytes:
    return issuer.signer.sign(pdf, reason="Penerbitan dokumen kependudukan", location="Sumedang")


def store_attempt(issuer: Issuer, number: str, signed: bytes) -> tuple[str, str]:
    """Store one attempt under its own key; returns (object key, sha256)."""
    key = f"{number}/{uuid.uuid4()}.pdf"
    issuer.store.put(issuer.bucket, key, signed, "application/pdf")
    return key, hashlib.sha256(signed).hexdigest()


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
    return True


def verification_view(session: Session, number: str) -> dict[str, Any]:
    document = session.get(IssuedDocument, number)
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
    }
