"""Development only: approve every waiting application, so a load test (``bench/``) measures the
pipeline rather than a human verifier.

A nameko service of its own, started by ``bin/run-local`` only with ``BENCH_AUTO_APPROVE=1`` and
refused outside ``SILASIDAKEP_ENV=development``; the production service never loads it. It
decides through verification's own ``queue.decide``, so the decision, its event (through
verification's outbox) and the access-log entry are the real ones. Its nameko name is
``verification`` because events leave through that producer's outbox; it has no RPC
entrypoint, so it never takes verification's RPC traffic.
"""

from __future__ import annotations

import os

from nameko.extensions import DependencyProvider
from nameko.timer import timer
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.verification import queue
from services.verification.models import QueueItem, metadata
from silasidakep.config import is_development
from silasidakep.db import Outbox, Store
from silasidakep.ops import ProcessPriority

ACTOR = "dev-auto-approve"
BATCH = 50
INTERVAL_SECONDS = float(os.environ.get("AUTO_APPROVE_INTERVAL_SECONDS", "0.2"))


def approve_pending(session: Session, outbox: Outbox, limit: int = BATCH) -> int:
    """Approve up to ``limit`` PENDING items, oldest first; rows another approver is deciding
    are skipped. Returns how many were approved."""
    waiting = session.scalars(
        select(QueueItem.application_id)
        .where(QueueItem.state == queue.PENDING)
        .order_by(QueueItem.submitted_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for application_id in waiting:
        queue.decide(session, outbox, None, str(application_id), "APPROVE", system_actor=ACTOR)
    return len(waiting)


def refuse_outside_development(env: dict[str, str] | None = None) -> None:
    env = dict(os.environ) if env is None else env
    if not is_development(env):
        raise RuntimeError("the auto-approver runs only with SILASIDAKEP_ENV=development")


class DevelopmentOnly(DependencyProvider):
    """Stops the container from starting outside development (nameko sets up every dependency
    before it starts any entrypoint, so the timer never fires there)."""

    def setup(self) -> None:
        refuse_outside_development()


class AutoApprover:
    name = "verification"
    development_only = DevelopmentOnly()
    # It stands in for the verifiers' back office: niced like verification (its PROCESS_NICE).
    process_priority = ProcessPriority()
    store = Store(metadata, pool_size=2)

    @timer(interval=INTERVAL_SECONDS, eager=True)
    def approve(self) -> None:
        with self.store.session() as session, session.begin():
            approve_pending(session, self.store.outbox)
