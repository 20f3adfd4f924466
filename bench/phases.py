"""What every phase shares (the bench's state, measuring a window), and phases a and b:
the naive baseline and each request type alone."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import lag, load, report, tracking
from bench.procstat import Snapshot, Watched, cpu_delta, snapshot
from bench.rig import Rig
from bench.submissions import Citizen, Sample, build_payloads, run_citizen

NAIVE_BODY = json.dumps({"service_code": "NAIVE", "applicant": {"name": "Bench"}}).encode()


@dataclass
class Mark:
    started: float
    cpu: Snapshot
    lag: lag.Buckets


@dataclass
class Measure:
    cpu_wall_s: float
    cpu_ms: dict[str, float]
    rss_kib: dict[str, int]
    lag: lag.Buckets


@dataclass
class Phase:
    key: str  # the column name in the summary tables
    title: str
    samples: list[Sample]
    wall_s: float
    measure: Measure
    notes: list[str] = field(default_factory=list)


@dataclass
class Bench:
    rig: Rig
    opts: argparse.Namespace
    scan: bytes
    expected_docs: int
    rows: list[Watched]
    naive_rate: float | None = None
    phases: list[Phase] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # every application submitted with 2xx
    failures: list[str] = field(default_factory=list)  # why the exit code is 1
    next_seed: int = 0

    def payloads(self, count: int) -> list[dict[str, Any]]:
        """Fresh people for every phase (no KK number issued twice)."""
        payloads = build_payloads(count, self.next_seed)
        self.next_seed += count
        return payloads

    def mark(self) -> Mark:
        lag_before = lag.scrape(self.rig.metrics_urls())  # scraped outside the CPU window
        return Mark(time.perf_counter(), snapshot(self.rows), lag_before)

    def measure(self, mark: Mark) -> Measure:
        after = snapshot(self.rows)
        wall = time.perf_counter() - mark.started
        lag_after = lag.scrape(self.rig.metrics_urls())
        return Measure(wall, cpu_delta(mark.cpu, after),
                       {name: reading.rss_kib for name, reading in after.items()},
                       lag.delta(mark.lag, lag_after))

    def record(self, phase: Phase) -> Phase:
        self.phases.append(phase)
        errors = sum(not s.ok for s in phase.samples)
        if errors:
            self.failures.append(f"{phase.title}: {errors} failed requests")
        report.phase(phase, self.naive_rate, self.rows)
        return phase

    def drafts(self, count: int) -> tuple[list[load.Draft], int, float]:
        """``count`` drafts ready to submit (create + 2 uploads each) from ``--clients``
        clients: the drafts, the failed requests and the wall time."""
        base, scan = self.rig.gateway, self.scan
        prepared, wall = load.run_pool(self.opts.clients, lambda p: load.prepare(base, p, scan),
                                       self.payloads(count))
        errors = sum(not s.ok for samples, _ in prepared for s in samples)
        return [d for _, d in prepared if d], errors, wall

    def citizens(self, clients: int, payloads: list[dict[str, Any]], think_s: float = 0.0
                 ) -> tuple[list[Citizen], float]:
        """The mixed citizen flow of bench/submissions.py; accepted ids are remembered."""
        base, scan = self.rig.gateway, self.scan
        items = list(enumerate(payloads))
        people, wall = load.run_pool(
            clients, lambda item: run_citizen(base, *item, scan, think_s), items
        )
        self.accepted.update(c.app_id for c in people if c.submitted and c.app_id)
        return people, wall

    def drain(self, watch: tracking.DrainWatch, what: str) -> tracking.DrainOutcome:
        outcome = tracking.wait(watch, self.opts.stall_timeout, self.opts.drain_timeout or None)
        if not outcome.drained:
            why = "stalled" if outcome.stalled else "timed out"
            self.failures.append(f"{what}: drain {why} ({dict(outcome.statuses)})")
        return outcome


def now() -> datetime:
    return datetime.now(UTC)


def measured(bench: Bench, key: str, title: str, run: Callable[[], tuple[list[Sample], float]],
             ) -> Phase:
    mark = bench.mark()
    samples, wall = run()
    return bench.record(Phase(key, title, samples, wall, bench.measure(mark)))


# --- phase a: the naive baseline -----------------------------------------------------------


def naive(bench: Bench) -> None:
    clients, url = bench.opts.clients, bench.rig.naive_url

    def send(_: int) -> Sample:
        return load.naive_request(url, NAIVE_BODY)

    load.run_pool(clients, send, range(clients * 4))  # warm-up: connections, first calls
    mark = bench.mark()
    samples, wall = load.run_pool(clients, send, range(bench.opts.naive_requests))
    measure = bench.measure(mark)
    ok = sum(s.ok for s in samples)
    bench.naive_rate = ok / wall if wall > 0 and ok else None
    bench.record(Phase("a naive", f"Phase a: naive baseline (HTTP -> RPC -> event), "
                       f"{clients} clients", samples, wall, measure))


# --- phase b: each request type alone -------------------------------------------------------


def warm_up(bench: Bench) -> None:
    """A few citizens all the way to ISSUED first: first-request costs stay out of the figures,
    and a pipeline that does not move (no auto-approver) shows before anything is timed."""
    since = now()
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        people, wall = bench.citizens(bench.opts.clients, bench.payloads(bench.opts.clients))
        watch.expect(1, sum(c.submitted for c in people))
        outcome = bench.drain(watch, "warm-up")
    errors = sum(not s.ok for c in people for s in c.samples)
    if errors:
        bench.failures.append(f"warm-up: {errors} failed requests")
    state = "issued" if outcome.drained else "NOT drained"
    print(f"Warm-up: {len(people)} citizens submitted in {wall:.1f} s, {state}; "
          f"{errors} errors\n", flush=True)


# What a submit sets off. Paused while the submits alone are measured, so their figures are
# the request's (gateway, intake's request side and its outbox relay, PostgreSQL, RabbitMQ),
# not the pipeline's; the auto-approver idles without verification.
BACK_OFFICE = ("intake events", "verification", "printing", "notification")


def single_types(bench: Bench) -> None:
    opts, base = bench.opts, bench.rig.gateway
    clients, count = opts.clients, opts.requests
    since = now()
    created: list[load.Draft] = []

    def creates() -> tuple[list[Sample], float]:
        results, wall = load.run_pool(clients, lambda p: load.create(base, p),
                                      bench.payloads(count))
        created.extend(d for _, d in results if d)
        return [s for s, _ in results], wall

    measured(bench, "b create", f"Phase b: create alone, {clients} clients", creates)
    if not created:
        bench.failures.append("phase b: no application was created")
        return
    gets = [created[i % len(created)] for i in range(count)]
    measured(bench, "b get", f"Phase b: GET status alone, {clients} clients",
             lambda: load.run_pool(clients, lambda d: load.get(base, d), gets))
    uploads = [(created[(i // 2) % len(created)], load.DOC_TYPES[i % 2]) for i in range(count)]
    phase = measured(
        bench, "b upload", f"Phase b: {len(bench.scan) // 1024} KB upload alone, {clients} clients",
        lambda: load.run_pool(clients, lambda u: load.upload(base, *u, bench.scan), uploads))
    done = {(d.app_id, t) for (d, t), s in zip(uploads, phase.samples, strict=True) if s.ok}
    ready = [d for d in created if all((d.app_id, t) in done for t in load.DOC_TYPES)]
    # The front door only: what the submits set off waits in the broker's queues meanwhile.
    bench.rig.system.stop(*BACK_OFFICE)
    submits = measured(bench, "b submit",
                       f"Phase b: submit alone (back office paused), {clients} clients",
                       lambda: load.run_pool(clients, lambda d: load.submit(base, d), ready))
    bench.rig.start(*BACK_OFFICE)
    accepted = {d.app_id for d, s in zip(ready, submits.samples, strict=True) if s.ok}
    bench.accepted |= accepted
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        watch.expect(1, len(accepted))
        started = time.perf_counter()
        outcome = bench.drain(watch, "phase b")
    took = (outcome.done_at or time.perf_counter()) - started
    print(f"  (the {len(accepted)} submitted in phase b drained "
          f"{'in' if outcome.drained else 'NOT within'} {took:.1f} s before phase c)\n")
