"""Application snapshots as intake sends them to printing (``application.issuance_requested``
v2): what the document is and whom it is about come with the snapshot, resolved by intake's own
rules, so printing's tests build them the way intake does."""

from __future__ import annotations

from typing import Any

from services.intake.catalogue import card_outputs
from services.intake.domain.subject import document_subject

CARD_OUTPUTS = card_outputs()


def for_issuance(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` with the v2 ``output`` and ``subject`` parts intake adds."""
    output = snapshot["output_document"]
    subject = document_subject(output, snapshot["applicant"], snapshot.get("form") or {})
    return {
        **snapshot,
        "output": {"document": output, "card": output in CARD_OUTPUTS},
        "subject": subject._asdict(),
    }
