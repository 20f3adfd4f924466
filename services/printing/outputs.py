"""The documents one approved application issues (issue 16), as printing renders them.

``application.issuance_requested`` v3 lists the application's ``outputs`` in order (a birth:
the akta, the updated KK, on request the KIA); a v2 event has none and issues the snapshot's
one output. Each output renders from the application's snapshot with its own document, card
flag and subject, and with its own ``form``/``applicant`` where intake gives them (the updated
KK's family; a correction's content). Plain functions over dicts: no database, no broker.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.printing.models import IssuedDocument
from services.printing.states import OutputKind
from silasidakep.contracts import FIELDS_FROM_EARLIER_OUTPUT


def outputs_of(snapshot: dict[str, Any], outputs: list[dict[str, Any]] | None
               ) -> list[dict[str, Any]]:
    """The event's outputs, in order; for a v2 event (none) the snapshot's own output."""
    if outputs:
        return [dict(output) for output in outputs]
    document = snapshot["output_document"]
    output = snapshot.get("output") or {}
    return [{
        "key": document, "document": output.get("document") or document,
        "card": bool(output.get("card")), "subject": snapshot["subject"],
        "kind": OutputKind.ORIGINAL, "replaces": None, "form": None, "applicant": None,
    }]


def output_snapshot(snapshot: dict[str, Any], output: dict[str, Any]) -> dict[str, Any]:
    """What one output renders from: the application's snapshot with the output's document,
    card flag and subject, and its form and applicant when it has its own."""
    composed = dict(snapshot)
    composed["output_document"] = output["document"]
    composed["output"] = {"document": output["document"], "card": bool(output["card"])}
    composed["subject"] = dict(output["subject"])
    if output.get("form") is not None:
        composed["form"] = dict(output["form"])
    if output.get("applicant") is not None:
        composed["applicant"] = dict(output["applicant"])
    return composed


def with_earlier_numbers(session: Session, application_id: uuid.UUID,
                         composed: dict[str, Any]) -> dict[str, Any]:
    """``composed`` with the fields that name an earlier output's document number filled in
    (when the form leaves them empty and that output has been allocated)."""
    wanted = {field: source for (document, field), source in FIELDS_FROM_EARLIER_OUTPUT.items()
              if document == composed["output_document"]
              and not (composed.get("form") or {}).get(field)}
    if not wanted:
        return composed
    numbers = dict(session.execute(
        select(IssuedDocument.document_type, IssuedDocument.document_number)
        .where(IssuedDocument.application_id == application_id,
               IssuedDocument.document_type.in_(set(wanted.values())))
        .order_by(IssuedDocument.allocated_at)
    ).all())
    filled = {field: numbers[source] for field, source in wanted.items() if source in numbers}
    if not filled:
        return composed
    return {**composed, "form": {**(composed.get("form") or {}), **filled}}
