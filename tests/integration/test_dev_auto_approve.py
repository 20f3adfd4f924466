"""The development auto-approver (benchmarks only) on real PostgreSQL: real decisions through
verification's queue, each once, and never outside development."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import select

from services.verification import dev_auto_approve, queue
from services.verification.models import AccessLog, Decision, QueueItem
from silasidakep.db import Store

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
        logged = session.execute(
            select(AccessLog.action, AccessLog.detail).where(AccessLog.application_id.in_(ids))
        ).all()
    assert sum(approved) == 12 and sorted(decided) == sorted(states)
    assert set(ids) <= set(decided) and set(states.values()) == {queue.DECIDED}
    # Besides the decisions, each audit entry naming an application is announced (for the
    # citizen's access log), and other tests may have left staff events in this outbox.
    assert [e.event_type for e in events].count("verification.decided") == 12
    assert logged == [("DECIDE_APPROVE", dev_auto_approve.ACTOR)] * 12


def test_it_refuses_to_start_outside_development() -> None:
    with pytest.raises(RuntimeError, match="development"):
        dev_auto_approve.refuse_outside_development({"SILASIDAKEP_ENV": "production"})
    with pytest.raises(RuntimeError):
        dev_auto_approve.refuse_outside_development({})
    dev_auto_approve.refuse_outside_development({"SILASIDAKEP_ENV": "development"})


def test_its_container_does_not_start_outside_development(monkeypatch, database_url) -> None:
    # Production with every secret set, so the environment check is the one thing that fails.
    monkeypatch.setenv("SILASIDAKEP_ENV", "production")
    for name in ("S3_ACCESS_KEY", "S3_SECRET_KEY", "JWT_SECRET", "PIN_HMAC_KEY", "CODE_HMAC_KEY"):
        monkeypatch.setenv(name, "set-for-this-test")
    container = ServiceContainer(dev_auto_approve.AutoApprover, {
        "AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "DATABASE_URL": database_url,
    })
    with pytest.raises(RuntimeError, match="only with SILASIDAKEP_ENV=development"):
        container.start()
    for extension in container.dependencies:
        if isinstance(extension, Store) and hasattr(extension, "engine"):
            extension.engine.dispose()


def test_the_production_service_has_no_trace_of_the_bench_switch() -> None:
    package = ROOT / "services" / "verification"
    production = [p for p in package.rglob("*.py") if p.name != "dev_auto_approve.py"]
    assert {"service.py", "queue.py"} <= {p.name for p in production}
    for path in production:
        source = path.read_text()
        assert "BENCH" not in source and "dev_auto_approve" not in source, path
