"""Verification's queue keeps the documents a submission will issue (``outputs``) for the review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.verification import queue
from services.verification.models import QueueItem

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
HEAD = {"name": "Budi", "nik": "3211060101800001", "relationship": "KEPALA KELUARGA"}
CHILD = {"name": "Raka", "nik": None, "relationship": "ANAK"}
KK_OUTPUT = {
    "key": "KK", "document": "KK", "label": "Kartu Keluarga", "card": False, "optional": False,
    "requested": True, "kind": "family_update", "replaces": None,
    "family": {"current": [HEAD], "updated": [HEAD, CHILD]},
}


class FakeSession:
    """Just what enqueue uses: get (with a row lock) and add."""

    def __init__(self, existing: QueueItem | None = None) -> None:
        self.existing = existing
        self.added: list[Any] = []

    def get(self, _model: Any, _key: Any, with_for_update: bool = False) -> QueueItem | None:
        return self.existing

    def add(self, item: Any) -> None:
        self.added.append(item)


def submitted(round_: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "application_id": uuid.uuid4(), "round": round_, "submitted_at": NOW,
        "deadline_at": NOW + timedelta(days=3),
        "application": {"tracking_code": "SLS-ABCD1234", "service_code": "AKTA_LAHIR",
                        "applicant": {"kecamatan_code": "32.11.06"}},
        "documents": [], "warnings": [], **extra,
    }


def test_enqueue_keeps_the_outputs_and_the_view_returns_them() -> None:
    session = FakeSession()
    item = queue.enqueue(session, submitted(outputs=[{"key": "AKTA_LAHIR"}, KK_OUTPUT]))
    assert item is session.added[0]
    view = queue.item_view(item)
    assert [o["key"] for o in view["outputs"]] == ["AKTA_LAHIR", "KK"]
    assert view["outputs"][1]["family"]["updated"][1]["name"] == "Raka"


def test_an_event_without_outputs_gives_an_empty_list() -> None:
    item = queue.enqueue(FakeSession(), submitted())
    assert item.outputs == []
    assert queue.item_view(item)["outputs"] == []


def test_a_new_round_replaces_the_outputs_and_an_old_one_changes_nothing() -> None:
    existing = queue.enqueue(FakeSession(), submitted(outputs=[KK_OUTPUT]))
    again = queue.enqueue(FakeSession(existing), {**submitted(2, outputs=[]),
                                                  "application_id": existing.application_id})
    assert again is existing and existing.outputs == []
    stale = queue.enqueue(FakeSession(existing), submitted(1, outputs=[KK_OUTPUT]))
    assert stale is None and existing.outputs == []


def test_a_legacy_row_without_outputs_views_as_empty() -> None:
    item = queue.enqueue(FakeSession(), submitted())
    item.outputs = None  # a row enqueued before the column existed, read back as NULL
    assert queue.item_view(item)["outputs"] == []
