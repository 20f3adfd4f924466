"""AWAITING_SIGNATURE in intake's state machine (SIGNING_MODE=manual)."""

from __future__ import annotations

from services.intake.domain.status import (
    CANCELLABLE,
    STATUS_TEXT,
    Status,
    can_transition,
    expected_path,
)

S = Status


def test_approved_waits_for_the_signer_then_is_issued() -> None:
    assert can_transition(S.APPROVED, S.AWAITING_SIGNATURE)
    assert can_transition(S.APPROVED, S.ISSUED)  # automatic signing
    assert can_transition(S.AWAITING_SIGNATURE, S.ISSUED)
    assert not can_transition(S.AWAITING_SIGNATURE, S.APPROVED)
    assert not can_transition(S.AWAITING_SIGNATURE, S.CANCELLED)
    assert S.AWAITING_SIGNATURE not in CANCELLABLE and S.APPROVED not in CANCELLABLE
    assert STATUS_TEXT[S.AWAITING_SIGNATURE][0] == "Menunggu tanda tangan"


def test_the_expected_path_shows_the_signature_only_when_it_is_awaited() -> None:
    assert S.AWAITING_SIGNATURE not in expected_path(False)
    assert expected_path(False, awaits_signature=True)[-3:] == [
        S.APPROVED, S.AWAITING_SIGNATURE, S.ISSUED]
