"""The application state machine as the citizen sees it (see docs/architecture.md)."""

from __future__ import annotations

from enum import StrEnum

from silasidakep.errors import Conflict


class Status(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_VERIFICATION = "IN_VERIFICATION"
    REVISION_REQUESTED = "REVISION_REQUESTED"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    ISSUED = "ISSUED"
    CANCELLED = "CANCELLED"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    # A decision may overtake the claim event: verification events are not ordered.
    S.SUBMITTED: frozenset(
        {S.IN_VERIFICATION, S.APPROVED, S.REJECTED, S.REVISION_REQUESTED, S.CANCELLED}
    ),
    S.IN_VERIFICATION: frozenset({S.APPROVED, S.REJECTED, S.REVISION_REQUESTED, S.CANCELLED}),
    S.REVISION_REQUESTED: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.ISSUED}),
    S.REJECTED: frozenset(),
    S.ISSUED: frozenset(),
    S.CANCELLED: frozenset(),
}

EDITABLE = frozenset({S.DRAFT, S.REVISION_REQUESTED})
DECISION_STATUS = {
    "APPROVE": S.APPROVED,
    "REJECT": S.REJECTED,
    "REQUEST_REVISION": S.REVISION_REQUESTED,
}


def can_transition(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def require_transition(current: str, target: str) -> Status:
    if not can_transition(current, target):
        raise Conflict(
            f"Permohonan berstatus {current} tidak dapat diubah menjadi {target}.",
            code="INVALID_STATUS",
        )
    return Status(target)


def require_editable(current: str) -> None:
    if Status(current) not in EDITABLE:
        raise Conflict(
            "Permohonan hanya dapat diubah saat masih draf atau diminta perbaikan.",
            code="NOT_EDITABLE",
        )
