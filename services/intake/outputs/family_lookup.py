"""``kk_family``: the address and members of the last KK this system issued for a KK number, to
pre-fill the family of a birth, death, marriage or divorce form (docs/document-lifecycle.md).

Only for a signed-in citizen whose verified NIK is on that KK, or a front-office account (the
lookup is audited and shows in the citizen's access log). Each account may look up 20 KK
numbers an hour, counted whatever the answer (a sweep over numbers finds nothing faster by
getting refusals): the count is kept as used-up rows of ``one_time_codes`` (purpose
``KK_FAMILY``, keyed digests only), which the codes' housekeeping deletes after a day.

Functions return ``(result, refusal)``: the caller commits what was written (the count, the
audit entry) and then raises the refusal.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake import access_log
from services.intake.accounts.codes import Limit, keyed
from services.intake.models import Application, CitizenAccount, OneTimeCode
from services.intake.outputs.models import ACTIVE, ISSUED, ApplicationOutput
from services.intake.outputs.plan import subject_hash
from silasidakep.audit_trail import Auditor
from silasidakep.errors import DomainError, Forbidden, NotFound, TooManyAttempts, ValidationFailed
from silasidakep.masking import mask_kk_number

PURPOSE = "KK_FAMILY"
LOOKUP_LIMIT = Limit(20, timedelta(hours=1))
ACTION = "VIEW_FAMILY"
ADDRESS_FIELDS = ("address", "rt_rw", "desa_code")
KK_NUMBER = re.compile(r"^\d{16}\Z")
TOO_MANY = "Terlalu banyak pencarian data keluarga. Silakan coba lagi dalam {minutes} menit."

Outcome = tuple[dict[str, Any] | None, DomainError | None]


def _count(session: Session, account_key: str, at: datetime) -> DomainError | None:
    """Count this lookup for the account; the refusal once it has had its 20 this hour."""
    identifier = keyed(PURPOSE, account_key)
    since = at - LOOKUP_LIMIT.window
    count, oldest = session.execute(
        select(func.count(), func.min(OneTimeCode.created_at))
        .where(OneTimeCode.purpose == PURPOSE, OneTimeCode.identifier_hash == identifier,
               OneTimeCode.created_at > since)
    ).one()
    if count >= LOOKUP_LIMIT.count:
        wait = int((oldest + LOOKUP_LIMIT.window - at).total_seconds()) + 1
        return TooManyAttempts(TOO_MANY.format(minutes=max(1, -(-wait // 60))),
                               fields={"retry_after": wait}, code="TOO_MANY_LOOKUPS")
    row_id = uuid.uuid4()
    # Never a code: the digest matches no code anyone was sent, and it is used up already.
    session.add(OneTimeCode(
        id=row_id, purpose=PURPOSE, identifier_hash=identifier, client_hash=None,
        code_digest=keyed("lookup", str(row_id)), account_id=None, created_at=at,
        expires_at=at, failures=0, used_at=at,
    ))
    return None


def last_issued_kk(session: Session, kk_number: str) -> ApplicationOutput | None:
    """The ACTIVE KK this system issued last for ``kk_number``."""
    return session.scalars(
        select(ApplicationOutput)
        .where(ApplicationOutput.document_type == "KK",
               ApplicationOutput.subject_key_hash == subject_hash(kk_number),
               ApplicationOutput.state == ISSUED, ApplicationOutput.status == ACTIVE)
        .order_by(ApplicationOutput.issued_at.desc().nulls_last())
        .limit(1)
    ).one_or_none()


def family_of(session: Session, output: ApplicationOutput) -> dict[str, Any]:
    """The family the KK shows: its own content, or its application's form."""
    content = output.content
    if content is None:
        app = session.get(Application, output.application_id)
        content = (app.form if app else None) or {}
    return {
        **{field: content.get(field) for field in ADDRESS_FIELDS},
        "members": [dict(m) for m in content.get("members") or []],
    }


def _answer(kk_number: str, output: ApplicationOutput, found: dict[str, Any]) -> dict[str, Any]:
    return {
        "kk_number": kk_number, **found,
        "document_number": output.document_number,
        "issued_at": output.issued_at.isoformat() if output.issued_at else None,
    }


def _check_number(kk_number: Any) -> DomainError | None:
    if not isinstance(kk_number, str) or not KK_NUMBER.match(kk_number):
        return ValidationFailed(fields={"kk_number": ["Nomor KK harus 16 digit angka."]},
                                code="INVALID_KK_NUMBER")
    return None


def _not_found() -> NotFound:
    return NotFound("Data keluarga untuk nomor KK ini tidak ditemukan. Isi data keluarga "
                    "secara manual.", code="FAMILY_NOT_FOUND")


def for_citizen(session: Session, account: CitizenAccount, kk_number: Any,
                at: datetime) -> Outcome:
    """The family for a signed-in citizen whose verified NIK is on that KK."""
    refusal = _check_number(kk_number) or _count(session, f"citizen:{account.id}", at)
    if refusal:
        return None, refusal
    output = last_issued_kk(session, kk_number)
    if output is None:
        return None, _not_found()
    found = family_of(session, output)
    niks = {m.get("nik") for m in found["members"] if m.get("nik")}
    if not (account.nik and account.nik_verified_at and account.nik in niks):
        return None, Forbidden("Data keluarga hanya dapat dilihat oleh anggota keluarga pada KK "
                               "tersebut yang NIK-nya sudah terverifikasi.", code="NOT_ON_KK")
    return _answer(kk_number, output, found), None


def for_staff(session: Session, auditor: Auditor, kk_number: Any, at: datetime) -> Outcome:
    """The family for a front-office account (role checked by the caller), audited."""
    refusal = _check_number(kk_number)
    if refusal:
        return None, refusal
    principal = auditor.principal
    refusal = _count(session, f"staff:{principal.staff_id if principal else 'none'}", at)
    if refusal:
        return None, refusal
    output = last_issued_kk(session, kk_number)
    access_log.record(session, auditor, ACTION,
                      application_id=output.application_id if output else None,
                      detail=f"kk={mask_kk_number(kk_number)} found={output is not None}")
    if output is None:
        return None, _not_found()
    return _answer(kk_number, output, family_of(session, output)), None
