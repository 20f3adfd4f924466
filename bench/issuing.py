"""Phase e: documents issued per second by printing alone, with one process and with two.

Printing is stopped while ``--print-docs`` applications are submitted and approved, so their
``application.issuance_requested`` events wait in its queue; then intake's events side and
notification stop too (what printing announces waits in their queues) and printing starts
with its queue full: one process, then, with another batch, two, each pinned with ``taskset``
to a core of its own when the machine has that many. Rates come from the register, so the
bench's own polling is not in them. PostgreSQL, RabbitMQ and the S3 stand-in still share the
cores. Afterwards the stopped processes start again and everything drains, checked for lost
or duplicated applications like the other phases.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime

from bench import load, report, tracking
from bench.phases import Bench, now
from bench.pipeline import check
from bench.procstat import Snapshot, cpu_delta, snapshot
from tests.support import infra

READY_SQL = """
SELECT count(*) FILTER (WHERE status = 'APPROVED'), (SELECT count(*) FROM intake.outbox)
FROM intake.applications WHERE id = ANY(%(ids)s::uuid[])
"""
ISSUED_SQL = """
SELECT count(*), min(allocated_at), max(issued_at) FROM printing.documents
WHERE application_id = ANY(%(ids)s::uuid[]) AND state = 'ISSUED'
"""
BEHIND_PRINTING = ("intake events", "notification")  # intake's request side is idle
STEADY_FROM = 0.1
POLL_SECONDS = 0.5


def printing_alone(bench: Bench) -> None:
    for processes in (1, 2):
        one_batch(bench, processes)


def one_batch(bench: Bench, processes: int) -> None:
    system = bench.rig.system
    since, earlier = now(), set(bench.accepted)
    system.stop("printing")
    ids = queue_for_printing(bench)
    system.stop(*BEHIND_PRINTING)
    pinned = start_printing(bench, processes)
    expected = len(ids) * bench.expected_docs
    samples = wait_issued(bench, ids, expected)
    for extra in range(2, processes + 1):
        system.stop(f"printing {extra}")
    pin(system.processes["printing"].process.pid, sorted(os.sched_getaffinity(0)))
    bench.rig.start(*BEHIND_PRINTING)
    title = f"Phase e: printing alone, {processes} process{'es' if processes > 1 else ''}"
    print(f"== {title} ==")
    print(f"  pinned: {pinned}")
    report_batch(bench, title, samples, expected)
    drain_batch(bench, since, earlier, len(ids), title)


@dataclass(frozen=True)
class Progress:
    at: float  # perf_counter
    issued: int
    first: datetime | None  # the batch's first allocation in the register
    last: datetime | None  # its last issue
    cpu: Snapshot


def report_batch(bench: Bench, title: str, samples: list[Progress], expected: int) -> None:
    """Rates over the steady part: from the poll that saw STEADY_FROM of the batch issued (the
    processes' start-up and first documents left out) to the one that saw all of it."""
    end = samples[-1] if samples else None
    if end is None or end.issued < expected or end.first is None or end.last is None:
        bench.failures.append(f"{title}: {end.issued if end else 0} of {expected} issued")
        print(f"  not all issued: {end.issued if end else 0} of {expected}")
        return
    span = (end.last - end.first).total_seconds()
    print(f"  {end.issued} documents, register span {span:.1f} s: {end.issued / span:.2f} "
          "documents/s (first allocation to last issue, start-up included)")
    start = next(p for p in samples if p.issued >= STEADY_FROM * expected)
    issued, wall = end.issued - start.issued, end.at - start.at
    if issued <= 0 or wall <= 0:
        return
    cpu = cpu_delta(start.cpu, end.cpu)
    print(f"  steady: {issued} documents in {wall:.1f} s, {issued / wall:.2f} documents/s; "
          f"printing CPU {cpu.get('printing', 0.0) / issued:.1f} ms a document")
    ranked = sorted(cpu.items(), key=lambda item: item[1], reverse=True)
    shares = ", ".join(f"{name} {ms / issued:.1f}" for name, ms in ranked if ms / issued >= 0.5)
    print(f"  CPU ms a document, every process: {shares}")


def queue_for_printing(bench: Bench) -> list[str]:
    """Submit ``--print-docs`` applications and wait until each is approved and its issuance
    request published (intake's outbox empty), with printing stopped."""
    opts, base = bench.opts, bench.rig.gateway
    drafts, failed, _ = bench.drafts(opts.print_docs)
    samples, _ = load.run_pool(opts.clients, lambda d: load.submit(base, d), drafts)
    ids = [d.app_id for d, s in zip(drafts, samples, strict=True) if s.ok]
    bench.accepted.update(ids)
    failed += sum(not s.ok for s in samples)
    if failed:
        bench.failures.append(f"phase e: {failed} failed requests while queueing")
    conn = tracking.connect(bench.rig.database)
    approved = 0
    try:
        deadline = time.monotonic() + opts.stall_timeout
        while time.monotonic() < deadline:
            with conn.cursor() as cur:
                cur.execute(READY_SQL, {"ids": ids})
                approved, outbox = cur.fetchone()
            if approved == len(ids) and outbox == 0:
                return ids
            time.sleep(tracking.POLL_SECONDS)
    finally:
        conn.close()
    bench.failures.append(f"phase e: {approved} of {len(ids)} approved in time")
    return ids


def start_printing(bench: Bench, processes: int) -> str:
    system = bench.rig.system
    cores = sorted(os.sched_getaffinity(0))
    names = ["printing"] + [f"printing {n}" for n in range(2, processes + 1)]
    for name in names:
        system.processes[name] = infra.start_service("printing", system.env, system.log_dir,
                                                     log_name=name.replace(" ", "-"))
    pinned: list[str] = []
    if len(cores) >= processes > 1:
        for name, core in zip(names, cores, strict=False):
            pin(system.processes[name].process.pid, [core])
            pinned.append(f"{name} on core {core}")
    for name in names:
        infra.wait_until(system.processes[name].healthy, timeout=60, what=f"{name} health")
    return ", ".join(pinned) or "no (one process, or fewer cores than processes)"


def pin(pid: int, cores: list[int]) -> None:
    """Every thread of ``pid`` (eventlet's tpool threads render and sign) on ``cores``."""
    subprocess.run(["taskset", "-a", "-cp", ",".join(map(str, cores)), str(pid)], check=True,
                   capture_output=True)


def wait_issued(bench: Bench, ids: list[str], expected: int) -> list[Progress]:
    """Poll the register (one aggregate query) and every process's CPU until the batch is
    issued or nothing moved for ``--stall-timeout``."""
    conn = tracking.connect(bench.rig.database)
    samples: list[Progress] = []
    try:
        changed = time.monotonic()
        while time.monotonic() - changed < bench.opts.stall_timeout:
            with conn.cursor() as cur:
                cur.execute(ISSUED_SQL, {"ids": ids})
                issued, first, last = cur.fetchone()
            samples.append(Progress(time.perf_counter(), issued, first, last,
                                    snapshot(bench.rows)))
            if issued >= expected:
                break
            if len(samples) < 2 or issued != samples[-2].issued:
                changed = time.monotonic()
            time.sleep(POLL_SECONDS)
        return samples
    finally:
        conn.close()


def drain_batch(bench: Bench, since: datetime, earlier: set[str], accepted: int,
                title: str) -> None:
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        watch.expect(1, accepted)
        bench.drain(watch, title)
    integrity = tracking.integrity(bench.rig.database, since, bench.accepted - earlier,
                                   bench.expected_docs)
    check(bench, title, integrity)
    report.integrity_line("  applications, after intake and notification caught up", integrity)
    print(flush=True)
