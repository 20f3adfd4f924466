"""What the public verification page (the QR code) shows of a document number, and how often
one client address may ask.

Document numbers are sequential, so the number alone gives only what a forger could not use
to learn who holds it: the status, the document type, the issue date (and status dates) and the
masked NIK. The holder's name and the signer are shown only with the document's check code, a
random code printed in the QR code (``?c=``) and compared in constant time. A wrong code and no
code get the same answer. Documents issued before check codes existed have none (NULL) and
their QR codes carry none: they always get the status-only answer.

Lookups are counted per client address (a keyed digest, never the address) and minute in
printing's database, so the limit holds across gateway replicas."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.printing.kecamatan.suket import suket_verification
from services.printing.models import CHECK_CODE_LENGTH, IssuedDocument, VerifyLookupCount
from services.printing.states import DocumentState, DocumentStatus
from silasidakep.clock import WIB, now_utc
from silasidakep.config import load_settings
from silasidakep.errors import TooManyAttempts

LOOKUP_WINDOW = timedelta(minutes=1)
DEFAULT_LOOKUPS_PER_MINUTE = 30  # VERIFY_LOOKUPS_PER_MINUTE
TOO_MANY_LOOKUPS = (
    "Terlalu banyak pemeriksaan dokumen dari alamat Anda. Silakan coba lagi dalam {seconds} detik."
)
NO_CODE_HINT = (
    "Nama pemegang dan rincian lengkap hanya ditampilkan bila halaman ini dibuka dengan "
    "memindai kode QR yang tercetak pada dokumen."
)
# What anyone who knows (or guesses) a number may see; the rest needs the check code.
STATUS_FIELDS = (
    "document_number", "status", "document_type", "nik_masked", "issued_at", "superseded_at",
    "revoked_at",
)


def _local_date(value: datetime | None) -> str | None:
    return value.astimezone(WIB).date().isoformat() if value else None


def lookups_per_minute(env: Mapping[str, str] | None = None) -> int:
    """``VERIFY_LOOKUPS_PER_MINUTE``: public lookups one client address may make a minute."""
    value = (os.environ if env is None else env).get("VERIFY_LOOKUPS_PER_MINUTE", "")
    try:
        return max(1, int(value)) if value.strip() else DEFAULT_LOOKUPS_PER_MINUTE
    except ValueError:
        raise RuntimeError("VERIFY_LOOKUPS_PER_MINUTE must be a whole number") from None


@functools.cache
def configured_limit() -> int:
    """``lookups_per_minute()`` of this process's environment, read once."""
    return lookups_per_minute()


@functools.cache
def _hash_key() -> bytes:
    return load_settings().code_hmac_key.encode()  # read once, not on every public lookup


def client_hash(ip: str | None) -> str:
    """A keyed digest of the caller's address; an IPv6 address counts by its /64 (one
    subscriber's prefix), so rotating addresses within it does not reset the limit."""
    subject = ip or "-"
    try:
        address = ipaddress.ip_address(subject)
        if address.version == 6:
            subject = str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        pass
    return hmac.new(_hash_key(), f"verify-lookup\x1f{subject}".encode(), hashlib.sha256).hexdigest()


def count_lookup(session: Session, ip: str | None, limit: int, at: datetime | None = None) -> None:
    """Count one lookup from ``ip`` in the current window; raise 429 ``TOO_MANY_LOOKUPS`` (with
    ``retry_after``) past ``limit``. One upserted row per address and window; the first lookup
    of an address in a new window deletes every earlier window's rows (a primary-key range).
    The caller commits: a refused lookup rolls back, so it is not counted."""
    at = at or now_utc()
    step = int(LOOKUP_WINDOW.total_seconds())
    window = datetime.fromtimestamp(int(at.timestamp()) // step * step, UTC)
    table = VerifyLookupCount.__table__
    lookups = session.execute(
        insert(table)
        .values(window_start=window, client_hash=client_hash(ip), lookups=1)
        .on_conflict_do_update(
            constraint="verify_lookup_counts_pkey", set_={"lookups": table.c.lookups + 1}
        )
        .returning(table.c.lookups)
    ).scalar_one()
    if lookups == 1:
        session.execute(delete(table).where(table.c.window_start < window))
    if lookups > limit:
        wait = max(1, int((window + LOOKUP_WINDOW - at).total_seconds() + 0.999))
        raise TooManyAttempts(
            TOO_MANY_LOOKUPS.format(seconds=wait), fields={"retry_after": wait},
            code="TOO_MANY_LOOKUPS",
        )


def code_matches(expected: str | None, given: object) -> bool:
    """Constant-time comparison; no stored code (an older document) never matches."""
    if not expected or not isinstance(given, str):
        return False
    given = given.strip().upper()[: CHECK_CODE_LENGTH * 2]
    return hmac.compare_digest(expected.encode(), given.encode())


def verification_view(
    session: Session, number: str, check_code: object = None
) -> dict[str, Any]:
    """The public answer for ``number``: every detail with the right ``check_code``, else the
    status fields only and a hint (the same for a wrong code as for none)."""
    view = _full_view(session, number)
    if view is None:
        return {"document_number": number, "status": DocumentStatus.UNKNOWN,
                "full_details": False}
    expected = view.pop("check_code")
    if code_matches(expected, check_code):
        return {**view, "full_details": True}
    return {**{k: view[k] for k in STATUS_FIELDS}, "full_details": False, "hint": NO_CODE_HINT}


def _full_view(session: Session, number: str) -> dict[str, Any] | None:
    document = session.get(IssuedDocument, number)
    if document is None and "-SUKET-" in number:  # a temporary certificate (Cekatan)
        suket = suket_verification(session, number)
        if suket is not None:
            return suket
    if document is None or document.state != DocumentState.ISSUED:
        return None
    return {
        "document_number": document.document_number,
        "status": document.status,
        "document_type": document.document_type,
        "holder_name": document.holder_name,
        "nik_masked": document.nik_masked,
        "issued_at": _local_date(document.issued_at),
        "signer": document.signer,
        "superseded_at": _local_date(document.superseded_at),
        "revoked_at": _local_date(document.revoked_at),
        "check_code": document.check_code,
    }
