"""Retention of scans: deleted ``SCAN_RETENTION_DAYS`` after the application ended.

An application ends when it reaches ISSUED, REJECTED or CANCELLED (its first such entry in the
status history; the Cekatan desk after ISSUED works from printing's snapshot, not the scans).
Then its scans serve no purpose of this system any more (UU 27/2022 PDP Art. 43(1)(a)); they
are kept for the window in which the decision can still be contested (docs/data-protection.md,
"Retention"). Only scans are deleted: the upload's metadata row stays (type, size, sha256,
``purged_at``), and the issued document (printing) and its register are never touched.

Each batch is one transaction: the applications are locked ``FOR UPDATE SKIP LOCKED`` (several
intake replicas take disjoint batches), their objects deleted, the rows marked and one
``SCANS_PURGED`` audit entry per application added to the outbox. Deleting an object that is
already gone succeeds, so a batch that failed after some deletions is simply done again.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from services.intake.domain.status import Status
from services.intake.models import Application, Document, StatusChange
from silasidakep import audit_trail
from silasidakep.clock import now_utc
from silasidakep.config import load_settings
from silasidakep.db import Outbox
from silasidakep.storage import ObjectStore

log = logging.getLogger(__name__)

ENDED = (Status.ISSUED, Status.REJECTED, Status.CANCELLED)
# Every status an application can have once it ended (the print queue follows ISSUED).
AFTER_END = frozenset({*ENDED, Status.QUEUED_AT_KECAMATAN, Status.AWAITING_BLANKO,
                       Status.PRINTED, Status.COLLECTED})
DEFAULT_DAYS = 180
BATCH = 50  # applications per transaction

SCANS_PURGED = Counter("silasidakep_scans_purged_total",
                       "Scans deleted from object storage by retention.")
SCAN_BYTES_PURGED = Counter("silasidakep_scan_bytes_purged_total",
                            "Bytes of scans deleted by retention (sizes as uploaded).")
RETENTION_RUNS = Counter("silasidakep_retention_runs_total",
                         "Retention runs by outcome (ok, failed).", ["outcome"])
RETENTION_LAST_SUCCESS = Gauge("silasidakep_retention_last_success_timestamp_seconds",
                               "When a retention run last finished without error.")
for _outcome in ("ok", "failed"):
    RETENTION_RUNS.labels(outcome=_outcome)


def retention_days(env: Mapping[str, str] | None = None) -> int:
    """``SCAN_RETENTION_DAYS``: whole days after the end, at least 1."""
    value = (os.environ if env is None else env).get("SCAN_RETENTION_DAYS", str(DEFAULT_DAYS))
    days = int(value)
    if days < 1:
        raise ValueError("SCAN_RETENTION_DAYS must be at least 1")
    return days


def interval_seconds(env: Mapping[str, str] | None = None) -> float:
    """``RETENTION_INTERVAL_SECONDS``: how often intake's timer runs the job."""
    return float((os.environ if env is None else env).get("RETENTION_INTERVAL_SECONDS", "3600"))


@dataclass(frozen=True)
class Due:
    """One ended application whose scans are past retention."""

    application_id: uuid.UUID
    tracking_code: str
    ended_at: datetime
    documents: tuple[Document, ...]

    @property
    def size(self) -> int:
        return sum(d.size for d in self.documents)


def _ended_at() -> object:
    return (select(func.min(StatusChange.at))
            .where(StatusChange.application_id == Application.id,
                   StatusChange.status.in_(ENDED))
            .correlate(Application).scalar_subquery())


def find_due(session: Session, now: datetime, days: int, limit: int | None = BATCH,
             lock: bool = False) -> list[Due]:
    """Ended applications with scans still stored, ended before ``now - days``. ``lock``:
    take them (``FOR UPDATE SKIP LOCKED``) and their documents, for deleting."""
    ended_at = _ended_at()
    stored = exists().where(Document.application_id == Application.id,
                            Document.purged_at.is_(None))
    query = (select(Application.id, Application.tracking_code, ended_at)
             .where(Application.status.in_(AFTER_END), stored,
                    ended_at <= now - timedelta(days=days))
             .order_by(Application.id).limit(limit))
    if lock:
        query = query.with_for_update(of=Application, skip_locked=True)
    rows = session.execute(query).all()
    documents = _documents(session, [row[0] for row in rows], lock)
    return [Due(app_id, code, ended, tuple(documents.get(app_id, ())))
            for app_id, code, ended in rows]


def _documents(session: Session, ids: list[uuid.UUID], lock: bool) -> dict[uuid.UUID, list]:
    if not ids:
        return {}
    # Ordered by id like the key rotation (scan_admin), so the two never deadlock.
    query = (select(Document).where(Document.application_id.in_(ids),
                                    Document.purged_at.is_(None)).order_by(Document.id))
    if lock:
        query = query.with_for_update()
    found: dict[uuid.UUID, list] = {}
    for document in session.scalars(query):
        found.setdefault(document.application_id, []).append(document)
    return found


def purge_batch(session: Session, outbox: Outbox, objects: ObjectStore, bucket: str,
                now: datetime, days: int, limit: int = BATCH) -> list[Due]:
    """Delete one batch of scans past retention, in the caller's transaction."""
    due = find_due(session, now, days, limit, lock=True)
    for item in due:
        for document in item.documents:
            objects.delete(bucket, document.object_key)
            document.purged_at = now
        audit_trail.record(session, outbox, "SCANS_PURGED", None,
                           application_id=item.application_id,
                           detail=f"{len(item.documents)} berkas")
    return due


def run(open_session: Callable[[], AbstractContextManager[Session]], outbox: Outbox,
        objects: ObjectStore, bucket: str, now: datetime | None = None,
        days: int | None = None) -> list[Due]:
    """Every batch due, each in its own transaction; counted once committed."""
    now, days = now or now_utc(), days if days is not None else retention_days()
    purged: list[Due] = []
    try:
        while True:
            with open_session() as session, session.begin():
                batch = purge_batch(session, outbox, objects, bucket, now, days)
            _count(batch)
            purged += batch
            if len(batch) < BATCH:
                break
    except Exception:
        RETENTION_RUNS.labels(outcome="failed").inc()
        raise
    RETENTION_RUNS.labels(outcome="ok").inc()
    RETENTION_LAST_SUCCESS.set_to_current_time()
    if purged:
        log.info("retention: deleted %d scan(s) of %d application(s)",
                 sum(len(d.documents) for d in purged), len(purged))
    return purged


def _count(batch: list[Due]) -> None:
    SCANS_PURGED.inc(sum(len(d.documents) for d in batch))
    SCAN_BYTES_PURGED.inc(sum(d.size for d in batch))


def purge_expired_scans(open_session: Callable[[], AbstractContextManager[Session]],
                        outbox: Outbox, objects: ObjectStore) -> int:
    """Intake's timer: one run over the scans bucket; the number of scans deleted."""
    due = run(open_session, outbox, objects, load_settings().scans_bucket)
    return sum(len(item.documents) for item in due)
