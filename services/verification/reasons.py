"""The managed catalogue of decision reason codes (table ``reason_codes``, role ``admin``).

Each code has the Indonesian text the citizen reads, the decisions it may go with (REJECT,
REQUEST_REVISION and, optionally, APPROVE) and an active flag. Codes are never deleted: past
decisions and the access log name them. A decision must carry an active code that applies to
it (REJECT and REQUEST_REVISION always need one; an approval may carry one). The last active
code for REJECT or for REQUEST_REVISION cannot be deactivated or withdrawn from it, so a
verifier can always decide. Every change is an entry in the hash-chained access log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.verification import audit
from services.verification.models import ReasonCode
from silasidakep.clock import now_utc
from silasidakep.errors import Conflict, NotFound, ValidationFailed

DECISIONS = ("REJECT", "REQUEST_REVISION", "APPROVE")
# Decisions that cannot be taken without a reason code.
REASON_REQUIRED = ("REJECT", "REQUEST_REVISION")
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{2,59}$")
MIN_TEXT, MAX_TEXT = 10, 500


def check_code(code: str | None) -> str:
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed(
            fields={"code": ["3–60 karakter: huruf besar, angka atau garis bawah, diawali huruf."]},
            code="INVALID_REASON_CODE",
        )
    return code


def check_text(value: str | None) -> str:
    value = " ".join((value or "").split())
    if not MIN_TEXT <= len(value) <= MAX_TEXT:
        raise ValidationFailed(
            fields={"text": [f"Teks alasan {MIN_TEXT}–{MAX_TEXT} karakter."]},
            code="INVALID_REASON_TEXT",
        )
    return value


def check_decisions(decisions: Iterable[str] | None) -> list[str]:
    chosen = list(decisions or [])
    unknown = sorted(set(chosen) - set(DECISIONS))
    if unknown or not chosen:
        raise ValidationFailed(
            fields={"decisions": [f"Keputusan tidak dikenal: {unknown}" if unknown else
                                  "Pilih paling sedikit satu keputusan."]},
            code="INVALID_REASON_DECISIONS",
        )
    return [d for d in DECISIONS if d in chosen]  # a stable order


def view(row: ReasonCode) -> dict[str, Any]:
    return {
        "code": row.code, "text": row.text, "decisions": list(row.decisions),
        "active": row.active, "updated_at": row.updated_at.isoformat(),
        "updated_by": row.updated_by,
    }


def list_codes(session: Session, include_inactive: bool = False) -> list[dict[str, Any]]:
    query = select(ReasonCode).order_by(ReasonCode.code)
    if not include_inactive:
        query = query.where(ReasonCode.active.is_(True))
    return [view(row) for row in session.scalars(query)]


def grouped(codes: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Active codes by decision, as the decision form offers them."""
    return {
        decision: [{"code": c["code"], "text": c["text"]} for c in codes
                   if c["active"] and decision in c["decisions"]]
        for decision in DECISIONS
    }


def for_decision(session: Session, decision: str, reason_code: str | None) -> str | None:
    """The citizen-facing text of ``reason_code`` for ``decision``; refuses a missing code
    where one is required and a code that is unknown, inactive or not for this decision."""
    if not reason_code:
        if decision in REASON_REQUIRED:
            raise ValidationFailed(fields={"reason_code": ["Alasan wajib dipilih."]},
                                   code="REASON_REQUIRED")
        return None
    row = session.get(ReasonCode, reason_code)
    if row is None:
        raise ValidationFailed(fields={"reason_code": ["Kode alasan tidak dikenal."]},
                               code="UNKNOWN_REASON_CODE")
    if not row.active:
        raise ValidationFailed(fields={"reason_code": ["Kode alasan ini sudah tidak dipakai."]},
                               code="INACTIVE_REASON_CODE")
    if decision not in row.decisions:
        raise ValidationFailed(
            fields={"reason_code": ["Kode alasan ini tidak untuk keputusan tersebut."]},
            code="REASON_NOT_FOR_DECISION",
        )
    return row.text


def _serialise(session: Session) -> None:
    # One catalogue change at a time: the "last active code" check must not race.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('verification.reason_codes'))"))


def _log(session: Session, actor: Any, action: str, detail: str) -> None:
    audit.append(session, action, staff_id=actor.staff_id, username=actor.username,
                 detail=detail[:200], client_ip=actor.client_ip)


def create(
    session: Session, actor: Any, code: str, reason_text: str, decisions: Iterable[str]
) -> dict[str, Any]:
    """Add a code (active). ``actor`` is a ``staff.Actor`` (API or command line)."""
    code, reason_text = check_code(code), check_text(reason_text)
    chosen = check_decisions(decisions)
    _serialise(session)
    if session.get(ReasonCode, code) is not None:
        raise Conflict("Kode alasan sudah ada; ubah kode yang ada.", code="REASON_CODE_TAKEN")
    now = now_utc()
    row = ReasonCode(code=code, text=reason_text, decisions=chosen, active=True,
                     created_at=now, updated_at=now, updated_by=actor.username[:60])
    session.add(row)
    session.flush()
    _log(session, actor, "REASON_CODE_CREATE", f"code={code} decisions={','.join(chosen)}")
    return view(row)


def _still_covered(session: Session) -> None:
    for decision in REASON_REQUIRED:
        left = [
            row for row in session.scalars(select(ReasonCode).where(ReasonCode.active.is_(True)))
            if decision in row.decisions
        ]
        if not left:
            raise Conflict(
                f"Harus tetap ada paling sedikit satu kode alasan aktif untuk {decision}.",
                code="LAST_REASON_CODE",
            )


def update(
    session: Session, actor: Any, code: str, *, reason_text: str | None = None,
    decisions: Iterable[str] | None = None, active: bool | None = None,
) -> dict[str, Any]:
    """Change a code's text, decisions or active flag (``active=False`` deactivates it: it
    stays in past decisions, verifiers can no longer pick it)."""
    _serialise(session)
    row = session.get(ReasonCode, code, with_for_update=True)
    if row is None:
        raise NotFound("Kode alasan tidak ditemukan.", code="REASON_CODE_NOT_FOUND")
    changes: list[str] = []
    if reason_text is not None:
        reason_text = check_text(reason_text)
        if reason_text != row.text:
            row.text = reason_text
            changes.append("text")
    if decisions is not None:
        chosen = check_decisions(decisions)
        if chosen != list(row.decisions):
            row.decisions = chosen
            changes.append(f"decisions={','.join(chosen)}")
    if active is not None and active != row.active:
        row.active = active
        changes.append(f"active={str(active).lower()}")
    if changes:
        row.updated_at, row.updated_by = now_utc(), actor.username[:60]
        session.flush()
        _still_covered(session)
    _log(session, actor, "REASON_CODE_UPDATE", f"code={code} {' '.join(changes) or 'no change'}")
    return view(row)
