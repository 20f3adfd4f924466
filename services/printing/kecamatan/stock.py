"""Blanko stock rows and their ledger: the primitives that lock, take and count blank cards.

Used by the print queue (printing a card takes one) and by the stock desk (receiving blanko
releases waiting jobs). Stock never goes below zero: it is only taken by ``UPDATE … SET
quantity = quantity - 1 WHERE … AND quantity > 0`` (PostgreSQL re-checks the condition on the
newest row version after waiting for a concurrent writer), backed by ``CHECK (quantity >= 0)``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.printing.models import BlankoMovement, BlankoStock, PrintJob
from services.printing.states import JobState, MovementKind
from silasidakep.clock import now_utc

# The blank card kinds printing stocks; a unit test checks they are the catalogue's card outputs
# (which output is a card travels in the snapshot: ``output.card``).
BLANKO_TYPES = ("KTP_EL", "KIA")
SYSTEM = "system"  # the ledger's "by" when printing itself moves stock


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def lock_stock(session: Session, kecamatan_code: str, card_type: str) -> BlankoStock:
    """The stock row of one location and card type, created empty if new, locked."""
    session.execute(
        insert(BlankoStock)
        .values(kecamatan_code=kecamatan_code, card_type=card_type, quantity=0,
                updated_at=now_utc())
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(BlankoStock)
        .where(BlankoStock.kecamatan_code == kecamatan_code, BlankoStock.card_type == card_type)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def take_one(session: Session, kecamatan_code: str, card_type: str) -> int | None:
    """Use one blanko; the stock left, or None when there is none. Never below zero."""
    stock = BlankoStock.__table__
    return session.execute(
        update(stock)
        .where(
            stock.c.kecamatan_code == kecamatan_code,
            stock.c.card_type == card_type,
            stock.c.quantity > 0,
        )
        .values(quantity=stock.c.quantity - 1, updated_at=now_utc())
        .returning(stock.c.quantity)
    ).scalar_one_or_none()


def ledger_entry(
    session: Session, kecamatan_code: str, card_type: str, kind: MovementKind, quantity: int,
    balance: int, by: str, at: datetime, job_id: uuid.UUID | None = None,
    note: str | None = None,
) -> None:
    session.add(BlankoMovement(
        kecamatan_code=kecamatan_code, card_type=card_type, kind=kind, quantity=quantity,
        balance=balance, job_id=job_id, note=note, by=by[:60], at=at,
    ))


def stock_rows(session: Session, code: str) -> list[dict[str, Any]]:
    """Each stocked card type at `code`: on hand, jobs waiting for it, last movement."""
    rows = {
        s.card_type: s
        for s in session.scalars(
            select(BlankoStock)
            .where(BlankoStock.kecamatan_code == code)
            .execution_options(populate_existing=True)
        )
    }
    waiting = {
        card: session.scalar(
            select(func.count()).select_from(PrintJob).where(
                PrintJob.kecamatan_code == code, PrintJob.card_type == card,
                PrintJob.state == JobState.AWAITING_BLANKO,
            )
        )
        for card in BLANKO_TYPES
    }
    return [
        {
            "card_type": card,
            "quantity": rows[card].quantity if card in rows else 0,
            "waiting_jobs": waiting[card],
            "updated_at": _iso(rows[card].updated_at) if card in rows else None,
        }
        for card in BLANKO_TYPES
    ]
