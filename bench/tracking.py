"""Completion tracking straight from the system's database, cheaply.

Instead of polling each application over HTTP, one aggregate query a second counts the statuses
of the submitted applications created since a moment, split into windows (the backlog, each
mixed run, ...). At the end of a phase one query per application checks nothing was lost or
duplicated: every accepted application ISSUED, with exactly the expected register rows.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2

ISSUED = "ISSUED"
TERMINAL = frozenset({ISSUED, "REJECTED", "REVISION_REQUESTED", "CANCELLED"})
POLL_SECONDS = 1.0

# width_bucket: 1 for [bounds[0], bounds[1]), ..., len(bounds) for >= the last bound.
COUNTS_SQL = """
SELECT width_bucket(created_at, %(bounds)s::timestamptz[]), status, count(*)
FROM intake.applications
WHERE created_at >= %(since)s AND submitted_at IS NOT NULL
GROUP BY 1, 2
"""
PER_APPLICATION_SQL = """
SELECT a.id::text, a.status,
       count(d.document_number) FILTER (WHERE d.state = 'ISSUED'), count(d.document_number)
FROM intake.applications a
LEFT JOIN printing.documents d ON d.application_id = a.id
WHERE a.created_at >= %(since)s AND a.submitted_at IS NOT NULL
GROUP BY a.id, a.status
"""


def connect(database: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database)
    conn.autocommit = True
    return conn


class DrainWatch:
    """Counts statuses once a second in a thread of its own; windows are added as phases start.

    A window is cleared when none of its applications is pending and at least the expected
    number reached a terminal status."""

    def __init__(self, database: str, since: datetime) -> None:
        self.database = database
        self.bounds = [since]
        self.expected: dict[int, int] = {}
        self.cleared_at: dict[int, float] = {}
        self.counts: dict[int, Counter[str]] = {}
        self.polls = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._polled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drain-watch", daemon=True)

    def __enter__(self) -> DrainWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def split(self, at: datetime) -> int:
        """Start a new window at ``at``; returns its number (the first window is 1)."""
        with self._lock:
            self.bounds.append(at)
            return len(self.bounds)

    def expect(self, window: int, count: int) -> None:
        with self._lock:
            self.expected[window] = count

    def _run(self) -> None:
        conn = connect(self.database)
        try:
            while not self._stop.is_set():
                self._poll(conn)
                self._stop.wait(POLL_SECONDS)
        finally:
            conn.close()

    def _poll(self, conn: psycopg2.extensions.connection) -> None:
        with self._lock:
            bounds = list(self.bounds)
        with conn.cursor() as cur:
            cur.execute(COUNTS_SQL, {"bounds": bounds, "since": bounds[0]})
            rows = cur.fetchall()
        counts: dict[int, Counter[str]] = {}
        for window, status, count in rows:
            counts.setdefault(window, Counter())[status] = count
        now = time.perf_counter()
        with self._lock:
            self.counts, self.polls = counts, self.polls + 1
            for window, expected in self.expected.items():
                if window not in self.cleared_at and self._cleared(window, expected):
                    self.cleared_at[window] = now
        self._polled.set()

    def _cleared(self, window: int, expected: int) -> bool:
        statuses = self.counts.get(window, Counter())
        done = sum(n for s, n in statuses.items() if s in TERMINAL)
        return done >= expected and done == sum(statuses.values())

    def pending(self, window: int | None = None) -> int:
        """Submitted but not terminal, at the last poll (of one window, or of all)."""
        with self._lock:
            windows = [window] if window else list(self.counts)
            return sum(n for w in windows for s, n in self.counts.get(w, Counter()).items()
                       if s not in TERMINAL)

    def statuses(self) -> Counter[str]:
        with self._lock:
            return sum(self.counts.values(), Counter())

    def fresh(self) -> None:
        """Wait for one poll newer than now."""
        self._polled.clear()
        self._polled.wait(10)

    def done(self) -> bool:
        with self._lock:
            return all(w in self.cleared_at for w in self.expected)

    def done_at(self) -> float | None:
        with self._lock:
            if not all(w in self.cleared_at for w in self.expected):
                return None
            return max(self.cleared_at.values(), default=None)


@dataclass
class DrainOutcome:
    drained: bool
    stalled: bool
    done_at: float | None  # perf_counter of the poll that saw the last window cleared
    statuses: Counter[str] = field(default_factory=Counter)


def wait(watch: DrainWatch, stall_s: float, timeout_s: float | None,
         progress_every_s: float = 15.0) -> DrainOutcome:
    """Until every expected window is cleared, nothing terminal happened for ``stall_s``, or
    ``timeout_s`` (None: no limit) passed."""
    started = last_change = last_progress = time.perf_counter()
    last_done = -1
    while not watch.done():
        time.sleep(0.2)
        now = time.perf_counter()
        done = sum(n for s, n in watch.statuses().items() if s in TERMINAL)
        if done != last_done:
            last_done, last_change = done, now
        if now - last_change >= stall_s or (timeout_s and now - started >= timeout_s):
            stalled = now - last_change >= stall_s
            return DrainOutcome(False, stalled, None, watch.statuses())
        if now - last_progress >= progress_every_s:
            print(f"    ... {now - started:.0f} s: {watch.pending()} pending, {done} done",
                  flush=True)
            last_progress = now
    return DrainOutcome(True, False, watch.done_at(), watch.statuses())


@dataclass
class Integrity:
    accepted: int
    issued_complete: int
    lost: int  # accepted but not ISSUED with all its documents (or not found)
    duplicated: int  # more register rows than expected
    unexpected: int  # submitted in the database but not accepted by the bench
    documents: int  # ISSUED register rows


def integrity(database: str, since: datetime, accepted: set[str], expected_docs: int
              ) -> Integrity:
    """One row per application (once, at the end of a phase): lost and duplicated counts."""
    conn = connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(PER_APPLICATION_SQL, {"since": since})
            rows = {app_id: (status, issued, total) for app_id, status, issued, total in cur}
    finally:
        conn.close()
    complete = {a for a, (s, issued, _) in rows.items() if s == ISSUED and issued == expected_docs}
    return Integrity(
        accepted=len(accepted),
        issued_complete=len(complete & accepted),
        lost=len(accepted - complete),
        duplicated=sum(total > expected_docs for _, _, total in rows.values()),
        unexpected=len(set(rows) - accepted),
        documents=sum(issued for _, issued, _ in rows.values()),
    )
