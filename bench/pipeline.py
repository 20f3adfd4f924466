"""Phases c and d: the mixed citizen flow while a backlog drains, and a burst drained to the
end, with completion read from the database (bench/tracking.py)."""

from __future__ import annotations

import time

from bench import load, report, tracking
from bench.phases import Bench, Mark, Phase, now
from bench.submissions import Sample


def mixed_under_backlog(bench: Bench) -> None:
    opts = bench.opts
    since, overall, earlier = now(), bench.mark(), set(bench.accepted)
    drafts, errors, wall = bench.drafts(opts.backlog)
    if errors:
        bench.failures.append(f"backlog preparation: {errors} failed requests")
    print(f"Backlog prepared: {len(drafts)} drafts (create + 2 uploads each) in {wall:.1f} s, "
          f"{errors} errors", flush=True)
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        drain_started = time.perf_counter()
        submit_backlog(bench, drafts, watch)
        for clients in dict.fromkeys((opts.clients, opts.high_clients)):
            mixed_run(bench, watch, clients)
        if opts.think > 0:
            mixed_run(bench, watch, opts.high_clients, opts.think)
        print("  draining the backlog and the mixed runs ...", flush=True)
        outcome = bench.drain(watch, "phase c")
        backlog_done = watch.cleared_at.get(1)
    measure = bench.measure(overall)
    integrity = tracking.integrity(bench.rig.database, since, bench.accepted - earlier,
                                   bench.expected_docs)
    check(bench, "phase c", integrity)
    notes = [f"the backlog alone drained {backlog_done - drain_started:.1f} s after its first "
             "submit" if backlog_done else "the backlog did not drain"]
    report.drain("Phase c: drain (backlog + mixed runs, from the first backlog submit)",
                 outcome, integrity, drain_started, measure, bench.rows, notes)
    if opts.think > 0:
        unsaturated(bench)


def unsaturated(bench: Bench) -> None:
    """The same citizens pausing at their forms once the backlog is gone: the event hops
    (outbox relay lag, event delivery lag) of a system that is not saturated."""
    since, earlier = now(), set(bench.accepted)
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        mixed_run(bench, watch, bench.opts.clients, bench.opts.think, after_drain=True)
        bench.drain(watch, "phase c, after the drain")
    check(bench, "phase c, after the drain", tracking.integrity(
        bench.rig.database, since, bench.accepted - earlier, bench.expected_docs))


def submit_backlog(bench: Bench, drafts: list[load.Draft], watch: tracking.DrainWatch) -> None:
    base, clients = bench.rig.gateway, bench.opts.high_clients
    mark = bench.mark()
    samples, wall = load.run_pool(clients, lambda d: load.submit(base, d), drafts)
    accepted = {d.app_id for d, s in zip(drafts, samples, strict=True) if s.ok}
    bench.accepted |= accepted
    watch.expect(1, len(accepted))
    bench.record(Phase("c backlog", f"Phase c: backlog of {len(drafts)} submitted, "
                       f"{clients} clients", samples, wall, bench.measure(mark)))


def mixed_run(bench: Bench, watch: tracking.DrainWatch, clients: int,
              think_s: float = 0.0, after_drain: bool = False) -> None:
    """One mixed run (create, 2 uploads, submit per citizen) while the backlog drains: back
    to back (the closed loop, where by Little's law latency is clients / throughput), or with
    ``think_s`` seconds of mean pause before each request (citizens at a form)."""
    # After the drain a few citizens a client are enough to read the unloaded hops.
    count = min(bench.opts.mixed, 4 * clients) if after_drain else bench.opts.mixed
    payloads = bench.payloads(count)
    watch.fresh()
    backlog_before, pending_before = watch.pending(1), watch.pending()
    window = watch.split(now())
    mark = bench.mark()
    people, wall = bench.citizens(clients, payloads, think_s)
    measure = bench.measure(mark)
    watch.expect(window, sum(c.submitted for c in people))
    watch.fresh()
    samples: list[Sample] = [s for c in people for s in c.samples]
    notes = [f"citizens: {len(people)}, {len(people) / wall:.1f} citizens/s"]
    if not after_drain:
        notes.append(f"backlog still pending: {backlog_before} at the start, "
                     f"{watch.pending(1)} at the end (all submitted work pending: "
                     f"{pending_before} -> {watch.pending()})")
    key, title = f"c mixed {clients}", f"during the drain, {clients} clients"
    if think_s:
        key = f"c think {clients}"
        title = f"during the drain, {clients} citizens pausing {think_s:g} s on average"
    if after_drain:
        key = f"c after {clients}"
        title = f"after the drain, {clients} citizens pausing {think_s:g} s on average"
    bench.record(Phase(key, f"Phase c: mixed citizen flow {title}", samples, wall, measure,
                       notes))


def burst(bench: Bench) -> None:
    opts = bench.opts
    started = time.perf_counter()
    payloads = bench.payloads(opts.burst)
    print(f"Burst: {len(payloads)} payloads built in {time.perf_counter() - started:.1f} s",
          flush=True)
    since, mark, earlier = now(), bench.mark(), set(bench.accepted)
    with tracking.DrainWatch(bench.rig.database, since) as watch:
        people, wall = bench.citizens(opts.burst_clients, payloads)
        watch.expect(1, sum(c.submitted for c in people))
        measure_accept = bench.measure(mark)
        samples = [s for c in people for s in c.samples]
        bench.record(Phase("d burst", f"Phase d: burst of {len(people)} citizens accepted, "
                           f"{opts.burst_clients} clients", samples, wall, measure_accept,
                           [f"citizens: {len(people)}, {len(people) / wall:.1f} citizens/s"]))
        print("  draining the burst ...", flush=True)
        outcome = bench.drain(watch, "phase d")
    measure = bench.measure(mark)
    integrity = tracking.integrity(bench.rig.database, since, bench.accepted - earlier,
                                   bench.expected_docs)
    check(bench, "phase d", integrity)
    last_submit = max((c.submitted_at for c in people if c.submitted_at), default=None)
    notes = [f"the last submit came back {last_submit - mark.started:.1f} s after the first "
             "create"] if last_submit else []
    report.drain("Phase d: burst drain (from the first create)", outcome, integrity,
                 mark.started, measure, bench.rows, notes)
    report.rss_change("RSS before and after the burst", mark_rss(mark), measure.rss_kib)


def mark_rss(mark: Mark) -> dict[str, int]:
    return {name: reading.rss_kib for name, reading in mark.cpu.items()}


def check(bench: Bench, what: str, integrity: tracking.Integrity) -> None:
    if integrity.lost or integrity.duplicated or integrity.unexpected:
        bench.failures.append(f"{what}: {integrity.lost} lost, {integrity.duplicated} "
                              f"duplicated, {integrity.unexpected} unexpected applications")


def whole_run(bench: Bench) -> None:
    """Every application the bench ever had accepted, once more at the very end."""
    integrity = tracking.integrity(bench.rig.database, bench.rig.started_at, bench.accepted,
                                   bench.expected_docs)
    check(bench, "whole run", integrity)
    report.integrity_line("Whole run", integrity)
