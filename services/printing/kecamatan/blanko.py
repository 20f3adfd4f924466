"""The stock desk: blanko received or adjusted per kecamatan and card type, the ledger of every
movement (RECEIVED, USED, ADJUSTED; who and when). Receiving stock releases the oldest jobs
waiting for blanko. (The stock primitives are in ``stock``; the print queue and the lock order
are described in ``print_jobs``.)"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.printing.kecamatan.print_jobs import release_waiting, required_kecamatan
from services.printing.kecamatan.stock import BLANKO_TYPES, ledger_entry, lock_stock, stock_rows
from services.printing.models import BlankoMovement
from services.printing.states import MovementKind
from silasidakep.audit_trail import Auditor
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import now_utc
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, ValidationFailed

log = logging.getLogger(__name__)

# What the desk may record; USED is written by printing itself.
DESK_MOVEMENTS = (MovementKind.RECEIVED, MovementKind.ADJUSTED)
MAX_MOVEMENT = 100_000
LEDGER_LIMIT = 200

# --- blanko stock ------------------------------------------------------------------------------


def _card_type(card_type: str | None) -> str:
    if card_type not in BLANKO_TYPES:
        raise ValidationFailed(
            fields={"card_type": ["Pilih KTP_EL atau KIA."]}, code="UNKNOWN_CARD_TYPE"
        )
    return card_type


def add_stock(
    session: Session, outbox: Outbox, kecamatan_code: str, card_type: str, quantity: int,
    username: str, kind: str = MovementKind.RECEIVED, note: str | None = None,
    principal: StaffPrincipal | None = None,
) -> dict[str, Any]:
    """Record blanko received (or a stock-taking adjustment, ±), then release the oldest
    waiting jobs, one reserved blanko each, while stock lasts."""
    code, card_type = required_kecamatan(kecamatan_code), _card_type(card_type)
    if kind not in DESK_MOVEMENTS:
        raise ValidationFailed(fields={"kind": ["Pilih RECEIVED atau ADJUSTED."]},
                               code="UNKNOWN_MOVEMENT")
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > MAX_MOVEMENT or (
        kind == MovementKind.RECEIVED and quantity < 0
    ):
        raise ValidationFailed(fields={"quantity": ["Jumlah tidak valid."]},
                               code="INVALID_QUANTITY")
    at = now_utc()
    stock = lock_stock(session, code, card_type)
    if stock.quantity + quantity < 0:
        raise Conflict("Stok blanko tidak boleh kurang dari nol.", code="STOCK_TOO_LOW")
    stock.quantity += quantity
    stock.updated_at = at
    session.flush()
    kind = MovementKind(kind)
    ledger_entry(session, code, card_type, kind, quantity, stock.quantity, username, at,
                 note=(note or None) and note[:500])
    released = release_waiting(session, outbox, code, card_type, stock.quantity, at)
    session.flush()
    if principal is not None:
        Auditor(outbox, principal).record(
            session, "ADD_BLANKO",
            detail=f"kecamatan={code} card={card_type} {kind}={quantity} released={len(released)}")
    log.info("%d %s blanko (%s) at %s by %s; %d job(s) released",
             quantity, card_type, kind, code, username, len(released))
    return {**blanko_view(session, code), "released_jobs": released}


def blanko_view(session: Session, kecamatan_code: str) -> dict[str, Any]:
    code = required_kecamatan(kecamatan_code)
    movements = session.scalars(
        select(BlankoMovement)
        .where(BlankoMovement.kecamatan_code == code)
        .order_by(BlankoMovement.id.desc())
        .limit(LEDGER_LIMIT)
    ).all()
    return {
        "kecamatan_code": code,
        "stock": stock_rows(session, code),
        "movements": [
            {
                "id": m.id, "card_type": m.card_type, "kind": m.kind, "quantity": m.quantity,
                "balance": m.balance, "job_id": str(m.job_id) if m.job_id else None,
                "note": m.note, "by": m.by, "at": m.at.isoformat(),
            }
            for m in movements
        ],
    }
