"""Serial numbers per document type and year, gapless under concurrency (one upsert)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.printing.models import DocumentCounter

REGENCY_CODE = "32.11"  # Kabupaten Sumedang, in every document number


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
