"""Automated pre-checks shown beside an application in review: machine-readable codes with
Indonesian texts. Never a decision, always something for the verifier to look at.

- NIK and reporting-deadline warnings come from intake with the submission (``warnings``:
  NIK soft checks, ``REPORTED_LATE``) and are passed through with a category.
- Duplicates are looked up in verification's own copy of every submission (``queue_items``,
  the snapshot of each application's current round) and its decisions:
  - the same applicant NIK and service in another application that is still open (waiting,
    claimed, or sent back for revision) or was approved within ``DUPLICATE_WINDOW_DAYS``
    (default 30); skipped for services where the applicant reports someone else's event
    (a parent may report two children), which the next checks cover;
  - the same child's birth reported twice: a birth-certificate application with the same
    child name and date of birth and the same mother (NIK, or name when either has no NIK);
  - the same person as the subject of another application of the service (``child_nik``,
    ``deceased_nik``: a KIA or a death reported twice).
- Documents: a required one missing, an empty file, a type other than PDF/JPEG/PNG, one file
  uploaded under two document types. (The gateway refuses, at upload, a file whose bytes are
  not PDF, JPEG or PNG or that does not open fully (gateway/uploads.py), so the citizen
  re-scans at once instead of hearing of it from a verifier days later.)

Related applications are named by tracking code only; no NIK is logged or returned here.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.verification.models import Decision, QueueItem
from silasidakep.clock import now_utc

DUPLICATE_WINDOW = timedelta(days=int(os.environ.get("DUPLICATE_WINDOW_DAYS", "30")))
ACCEPTED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
BIRTH_SERVICES = frozenset({"AKTA_LAHIR"})
# The applicant reports an event about someone else: the same applicant may rightly apply again.
REPORTER_SERVICES = frozenset({"AKTA_LAHIR", "AKTA_MATI"})
SUBJECT_FIELDS = {"child_nik": "NIK anak", "deceased_nik": "NIK almarhum/almarhumah"}

OPEN, RECENT = "OPEN", "RECENT"


@dataclass(frozen=True)
class Other:
    """Another application as the duplicate checks see it."""

    application_id: uuid.UUID
    tracking_code: str
    service_code: str
    application: dict[str, Any]
    status: str | None  # OPEN, RECENT (approved within the window) or None (not relevant)


def finding(code: str, category: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "category": category, "severity": "warning", "message": message,
            **extra}


def _norm(value: Any) -> str:
    return " ".join(str(value or "").upper().split())


def status_of(state: str, last_decision: str | None, decided_at: datetime | None,
              now: datetime, window: timedelta = DUPLICATE_WINDOW) -> str | None:
    """OPEN: still in the Dinas' or the citizen's hands; RECENT: approved within the window;
    None: rejected, cancelled, or approved long ago."""
    if state in ("PENDING", "CLAIMED"):
        return OPEN
    if state == "DECIDED" and last_decision == "REQUEST_REVISION":
        return OPEN
    if state == "DECIDED" and last_decision == "APPROVE" and decided_at and \
            decided_at >= now - window:
        return RECENT
    return None


def _related(other: Other) -> dict[str, str]:
    return {"tracking_code": other.tracking_code, "application_id": str(other.application_id),
            "status": other.status or ""}


def duplicate_findings(item: dict[str, Any], others: list[Other],
                       window: timedelta = DUPLICATE_WINDOW) -> list[dict[str, Any]]:
    """Pure: ``item`` is an application snapshot (``service_code``, ``applicant``, ``form``);
    ``others`` the candidates with their status."""
    found: list[dict[str, Any]] = []
    service = item.get("service_code")
    nik = (item.get("applicant") or {}).get("nik")
    form = item.get("form") or {}
    days = window.days
    for other in others:
        if other.status is None:
            continue
        snapshot = other.application or {}
        other_form = snapshot.get("form") or {}
        when = ("masih diproses" if other.status == OPEN
                else f"sudah disetujui dalam {days} hari terakhir")
        if (service not in REPORTER_SERVICES and other.service_code == service and nik
                and (snapshot.get("applicant") or {}).get("nik") == nik):
            found.append(finding(
                "DUPLICATE_APPLICATION" if other.status == OPEN else "DUPLICATE_RECENTLY_APPROVED",
                "duplicate",
                f"Pemohon dengan NIK yang sama memiliki permohonan layanan yang sama yang {when}:"
                f" {other.tracking_code}.", related=_related(other)))
            continue
        if service in BIRTH_SERVICES and other.service_code in BIRTH_SERVICES \
                and _same_birth(form, other_form):
            found.append(finding(
                "DUPLICATE_BIRTH", "duplicate",
                "Kelahiran yang sama (nama anak, tanggal lahir dan ibu) sudah dilaporkan dalam"
                f" permohonan {other.tracking_code} yang {when}.", related=_related(other)))
            continue
        for field, label in SUBJECT_FIELDS.items():
            if other.service_code == service and form.get(field) \
                    and other_form.get(field) == form.get(field):
                found.append(finding(
                    "DUPLICATE_SUBJECT", "duplicate",
                    f"{label} yang sama tercantum dalam permohonan {other.tracking_code} yang"
                    f" {when}.", related=_related(other), field=f"form.{field}"))
                break
    return found


def _same_birth(form: dict[str, Any], other: dict[str, Any]) -> bool:
    if not form.get("child_name") or not form.get("birth_date"):
        return False
    if _norm(form["child_name"]) != _norm(other.get("child_name")) or \
            str(form["birth_date"]) != str(other.get("birth_date")):
        return False
    if form.get("mother_nik") and other.get("mother_nik"):
        return form["mother_nik"] == other["mother_nik"]
    return bool(form.get("mother_name")) and _norm(form["mother_name"]) == _norm(
        other.get("mother_name"))


def document_findings(documents: list[dict[str, Any]],
                      requirements: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Pure: the submitted documents' metadata against what the service requires."""
    labels = {d["type"]: d.get("label") or d["type"]
              for d in (requirements or {}).get("documents", [])}
    found = []
    present = {d["doc_type"] for d in documents}
    for required in (requirements or {}).get("documents", []):
        if required.get("required") and required["type"] not in present:
            found.append(finding("DOCUMENT_MISSING", "document",
                                 f"Dokumen wajib belum diunggah: {labels[required['type']]}.",
                                 doc_type=required["type"]))
    seen: dict[str, str] = {}
    for doc in documents:
        label = labels.get(doc["doc_type"], doc["doc_type"])
        if not doc.get("size"):
            found.append(finding("DOCUMENT_EMPTY", "document",
                                 f"Berkas {label} kosong (0 byte) dan tidak dapat dibuka.",
                                 doc_type=doc["doc_type"]))
        elif doc.get("content_type") not in ACCEPTED_TYPES:
            found.append(finding(
                "DOCUMENT_UNREADABLE", "document",
                f"Berkas {label} bukan PDF, JPEG atau PNG ({doc.get('content_type') or '?'}).",
                doc_type=doc["doc_type"]))
        digest = doc.get("sha256")
        if digest and digest in seen and seen[digest] != doc["doc_type"]:
            found.append(finding(
                "DOCUMENT_SAME_FILE", "document",
                f"Berkas yang sama diunggah sebagai {labels.get(seen[digest], seen[digest])}"
                f" dan {label}.", doc_type=doc["doc_type"]))
        elif digest:
            seen[digest] = doc["doc_type"]
    return found


def intake_findings(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Intake's warnings (NIK soft checks, late reporting) in the same shape."""
    return [
        finding(w.get("code") or "WARNING",
                "deadline" if w.get("code") == "REPORTED_LATE" else "nik"
                if "nik" in (w.get("field") or "").lower() else "data",
                w.get("message") or w.get("code") or "", field=w.get("field"))
        for w in warnings or []
    ]


def _others(session: Session, item: QueueItem, now: datetime) -> list[Other]:
    application = item.application or {}
    nik = (application.get("applicant") or {}).get("nik")
    form = application.get("form") or {}
    conditions = []
    if nik and item.service_code not in REPORTER_SERVICES:
        conditions.append(QueueItem.application[("applicant", "nik")].astext == nik)
    if item.service_code in BIRTH_SERVICES and form.get("birth_date"):
        conditions.append(QueueItem.application[("form", "birth_date")].astext
                          == str(form["birth_date"]))
    for field in SUBJECT_FIELDS:
        if form.get(field):
            conditions.append(QueueItem.application[("form", field)].astext == str(form[field]))
    if not conditions:
        return []
    services = {item.service_code} | (BIRTH_SERVICES if item.service_code in BIRTH_SERVICES
                                      else set())
    candidates = session.scalars(
        select(QueueItem).where(
            QueueItem.service_code.in_(services),
            QueueItem.application_id != item.application_id,
            QueueItem.state != "CANCELLED",
            or_(*conditions),
        ).limit(50)
    ).all()
    if not candidates:
        return []
    last: dict[uuid.UUID, tuple[str, datetime]] = {}
    for application_id, decision, decided_at in session.execute(
        select(Decision.application_id, Decision.decision, Decision.decided_at)
        .where(Decision.application_id.in_([c.application_id for c in candidates]))
        .order_by(Decision.id)
    ):
        last[application_id] = (decision, decided_at)
    return [
        Other(c.application_id, c.tracking_code, c.service_code, c.application,
              status_of(c.state, *last.get(c.application_id, (None, None)), now))
        for c in candidates
    ]


def run(session: Session, item: QueueItem, now: datetime | None = None) -> dict[str, Any]:
    """All pre-checks for one queue item."""
    now = now or now_utc()
    findings = [
        *intake_findings(item.warnings),
        *duplicate_findings({**(item.application or {}), "service_code": item.service_code},
                            _others(session, item, now)),
        *document_findings(item.documents or [], item.requirements),
    ]
    return {"checked_at": now.isoformat(), "count": len(findings), "findings": findings}
