"""The development auto-approver (benchmarks only) on real PostgreSQL: real decisions through
verification's queue, each once, and never outside development."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from services.verification import dev_auto_approve, queue
from services.verification.models import Decision, QueueItem

from .test_verification_queue import enqueue, outbox, sessions  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def test_it_approves_every_waiting_application_once_across_concurrent_approvers(
    sessions, outbox,  # noqa: F811
) -> None:
    ids = enqueue(sessions, *range(12))
    approved: list[int] = []

    def approver() -> None:
        while True:
            with sessions() as session, session.begin():
                count = dev_auto_approve.approve_pending(session, outbox, limit=5)
            if not count:
                return
            approved.append(count)

    threads = [threading.Thread(target=approver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with sessions() as session:
        decided = session.scalars(select(Decision.application_id)).all()
        states = dict(session.execute(select(QueueItem.application_id, QueueItem.state)).all())
        events = session.execute(outbox.table.select()).all()
    assert sum(approved) == 12 and sorted(decided) == sorted(states)
    assert set(ids) <= set(decided) and set(states.values()) == {queue.DECIDED}
    assert [e.event_type for e in events] == ["verification.decided"] * 12


def test_it_refuses_to_start_outside_development() -> None:
    with pytest.raises(RuntimeError, match="development"):
        dev_auto_approve.refuse_outside_development({"SILASIDAKEP_ENV": "production"})
    with pytest.raises(RuntimeError):
        dev_auto_approve.refuse_outside_development({})
    dev_auto_approve.refuse_outside_development({"SILASIDAKEP_ENV": "development"})


def test_the_production_service_has_no_trace_of_the_bench_switch() -> None:
    for name in ("service.py", "queue.py"):
        assert "BENCH" not in (ROOT / "services" / "verification" / name).read_text()
