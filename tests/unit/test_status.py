from __future__ import annotations

import pytest

from services.intake.domain.status import (
    CANCELLABLE,
    MAY_HOLD_DOCUMENTS,
    STATUS_TEXT,
    TRANSITIONS,
    Status,
    can_transition,
    expected_path,
    require_editable,
    require_transition,
)
from silasidakep.errors import Conflict

S = Status


def test_happy_path_and_revision_loop_are_allowed() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.IN_VERIFICATION, S.REVISION_REQUESTED, S.SUBMITTED,
            S.IN_VERIFICATION, S.APPROVED, S.ISSUED]
    for current, target in zip(path, path[1:], strict=False):
        assert can_transition(current, target), (current, target)


# ISSUED is followed only by the kecamatan print queue (Cekatan); COLLECTED ends it.
@pytest.mark.parametrize("terminal", [S.REJECTED, S.COLLECTED, S.CANCELLED])
def test_terminal_states_go_nowhere(terminal: Status) -> None:
    assert TRANSITIONS[terminal] == frozenset()
    with pytest.raises(Conflict) as raised:
        require_transition(terminal, S.SUBMITTED)
    assert raised.value.code == "INVALID_STATUS"


def test_cannot_skip_verification_or_cancel_after_approval() -> None:
    assert not can_transition(S.DRAFT, S.APPROVED)
    assert not can_transition(S.SUBMITTED, S.ISSUED)
    assert not can_transition(S.APPROVED, S.CANCELLED)


def test_a_decision_may_overtake_the_claim_event() -> None:
    assert can_transition(S.SUBMITTED, S.APPROVED)


def test_only_drafts_and_revisions_are_editable() -> None:
    require_editable(S.DRAFT)
    require_editable(S.REVISION_REQUESTED)
    for status in set(S) - {S.DRAFT, S.REVISION_REQUESTED}:
        with pytest.raises(Conflict):
            require_editable(status)


def test_every_status_has_a_transition_entry() -> None:
    assert set(TRANSITIONS) == set(S)


def test_biometrics_hold_an_approved_ktp_until_recorded_and_can_be_cancelled() -> None:
    assert can_transition(S.IN_VERIFICATION, S.AWAITING_BIOMETRICS)
    assert can_transition(S.AWAITING_BIOMETRICS, S.APPROVED)
    assert can_transition(S.AWAITING_BIOMETRICS, S.CANCELLED)
    assert not can_transition(S.AWAITING_BIOMETRICS, S.ISSUED)


def test_cancellable_is_every_state_before_signing() -> None:
    assert {S.DRAFT, S.SUBMITTED, S.IN_VERIFICATION, S.REVISION_REQUESTED,
                           S.AWAITING_BIOMETRICS} == CANCELLABLE


def test_every_status_has_citizen_text_and_paths_end_issued() -> None:
    assert set(STATUS_TEXT) == set(S)
    assert expected_path(True)[-3:] == [S.AWAITING_BIOMETRICS, S.APPROVED, S.ISSUED]
    assert S.AWAITING_BIOMETRICS not in expected_path(False)


def test_kecamatan_print_queue_follows_issuance() -> None:
    path = [S.ISSUED, S.AWAITING_BLANKO, S.QUEUED_AT_KECAMATAN, S.PRINTED, S.COLLECTED]
    for current, target in zip(path, path[1:], strict=False):
        assert can_transition(current, target), (current, target)
    assert TRANSITIONS[S.ISSUED] == {S.QUEUED_AT_KECAMATAN, S.AWAITING_BLANKO}
    assert not can_transition(S.ISSUED, S.PRINTED)
    assert not can_transition(S.QUEUED_AT_KECAMATAN, S.COLLECTED)
    assert not can_transition(S.PRINTED, S.CANCELLED)
    assert expected_path(False, at_kecamatan=True)[-4:] == [
        S.ISSUED, S.QUEUED_AT_KECAMATAN, S.PRINTED, S.COLLECTED]


def test_no_transition_leaves_the_statuses_that_may_hold_documents() -> None:
    """change_status looks up the document number only after such a status: the shortcut holds
    while an application can never return from one to a status before issuance."""
    for status in MAY_HOLD_DOCUMENTS:
        assert TRANSITIONS[status] <= MAY_HOLD_DOCUMENTS, status
    assert Status.ISSUED in MAY_HOLD_DOCUMENTS and Status.SUBMITTED not in MAY_HOLD_DOCUMENTS
