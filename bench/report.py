"""How bench/run.py prints: a table per phase, the drains, and the summary matrices."""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bench import lag, tracking
from bench.procstat import Watched
from bench.submissions import kind_stats, print_errors, total_memory

if TYPE_CHECKING:
    from bench.phases import Measure, Phase

KIND_ORDER = ("naive", "create", "get", "upload", "submit")
CPU_TOP = 6  # processes named in a phase's CPU line


def machine(opts: argparse.Namespace, scan_size: int) -> None:
    print("Machine")
    print(f"  cpus {os.cpu_count()}, memory {total_memory()}, {platform.platform()}, "
          f"Python {platform.python_version()} ({platform.python_implementation()})")
    print("Options")
    shown = {k: v for k, v in sorted(vars(opts).items())}
    print("  " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    print(f"  scan: {scan_size} bytes PDF")
    print()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(rate: float, naive_rate: float | None) -> str:
    return f"{rate / naive_rate:.3f}" if naive_rate else "-"


def phase(p: Phase, naive_rate: float | None, rows: list[Watched]) -> None:
    print(f"== {p.title} ==")
    kinds = [k for k in KIND_ORDER if any(s.kind == k for s in p.samples)]
    print("  {:<8} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9}".format(
        "request", "count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs naive"))
    for kind in kinds + (["all"] if len(kinds) > 1 else []):
        r = kind_stats(kind, p.samples, p.wall_s)
        print(f"  {r.kind:<8} {r.count:>6} {r.errors:>6} {r.throughput:>8.1f} {_ms(r.p50_ms):>8} "
              f"{_ms(r.p95_ms):>8} {_ms(r.p99_ms):>8} {_ratio(r.throughput, naive_rate):>9}")
    print_errors(p.samples)
    rate = len(p.samples) / p.wall_s if p.wall_s > 0 else 0.0
    print(f"  ratio to the naive baseline: {_ratio(rate, naive_rate)} "
          f"({rate:.1f} req/s against {naive_rate or 0:.1f} req/s), wall {p.wall_s:.1f} s")
    cpu_line(p.measure, rows, len(p.samples))
    for note in p.notes:
        print(f"  {note}")
    for line in lag.lines(p.measure.lag):
        print(line)
    print(flush=True)


def server_cpu_ms(measure: Measure, rows: Iterable[Watched], groups: tuple[str, ...] = ("system",
                                                                                       "naive")
                  ) -> float:
    return sum(measure.cpu_ms.get(r.name, 0.0) for r in rows if r.in_total and r.group in groups)


def cpu_line(measure: Measure, rows: list[Watched], requests: int) -> None:
    per = max(requests, 1)
    ranked = sorted(((measure.cpu_ms.get(r.name, 0.0), r.name) for r in rows
                     if r.group != "client" and r.in_total), reverse=True)
    top = ", ".join(f"{name} {ms / per:.2f}" for ms, name in ranked[:CPU_TOP] if ms > 0)
    client = measure.cpu_ms.get("load generator", 0.0)
    busy = client / (measure.cpu_wall_s * 1000) * 100 if measure.cpu_wall_s > 0 else 0.0
    print(f"  CPU ms/request: all but the load generator {server_cpu_ms(measure, rows) / per:.2f}"
          f" (top: {top or '-'})")
    print(f"  load generator: {client / per:.2f} ms/request, {busy:.0f}% of one core")


def drain(title: str, outcome: tracking.DrainOutcome, integrity: tracking.Integrity,
          started: float, measure: Measure, rows: list[Watched], notes: list[str]) -> None:
    print(f"== {title} ==")
    if outcome.drained and outcome.done_at is not None:
        took = outcome.done_at - started
        print(f"  drained in {took:.1f} s; {integrity.documents} documents issued, "
              f"{integrity.documents / took:.2f} documents/s")
    else:
        state = "STALLED" if outcome.stalled else "TIMEOUT"
        print(f"  {state}: not drained; statuses {dict(outcome.statuses)}")
    for note in notes:
        print(f"  {note}")
    integrity_line("  applications", integrity)
    system = server_cpu_ms(measure, rows, ("system",))
    if integrity.issued_complete:
        print(f"  CPU per citizen end to end: {system / integrity.issued_complete:.0f} ms "
              f"(all but the load generator and the naive processes, over "
              f"{measure.cpu_wall_s:.1f} s, / {integrity.issued_complete} issued)")
    print_cpu_shares(measure, rows)
    for line in lag.lines(measure.lag):
        print(line)
    print(flush=True)


def print_cpu_shares(measure: Measure, rows: list[Watched]) -> None:
    total = sum(measure.cpu_ms.values()) or 1.0
    ranked = sorted(((measure.cpu_ms.get(r.name, 0.0), r.name) for r in rows), reverse=True)
    shown = ", ".join(f"{name} {ms / 1000:.1f}" for ms, name in ranked if ms / total >= 0.005)
    print(f"  CPU seconds: {shown}")


def integrity_line(label: str, integrity: tracking.Integrity) -> None:
    print(f"{label}: {integrity.accepted} accepted, {integrity.issued_complete} ISSUED with "
          f"every document; {integrity.lost} lost, {integrity.duplicated} duplicated, "
          f"{integrity.unexpected} unexpected")


def rss_change(title: str, before: dict[str, int], after: dict[str, int]) -> None:
    print(f"  {title} (MB):")
    cells = [f"{name} {before.get(name, 0) / 1024:.0f} -> {kib / 1024:.0f}"
             for name, kib in after.items()]
    for start in range(0, len(cells), 4):
        print("    " + "; ".join(cells[start:start + 4]))
    print()


def matrices(phases: list[Phase], rows: list[Watched], rss_boot: dict[str, int]) -> None:
    """CPU ms per request and RSS per process (rows) and phase (columns)."""
    if not phases:
        return
    keys = [p.key for p in phases]
    head = "  {:<19}".format("process") + "".join(f"{k[-10:]:>11}" for k in keys)
    print("== CPU ms per request, by process and phase ==")
    print(head)
    for row in rows:
        cells = [p.measure.cpu_ms.get(row.name, 0.0) / max(len(p.samples), 1) for p in phases]
        print(f"  {row.name:<19}" + "".join(f"{c:>11.2f}" for c in cells))
    totals = [server_cpu_ms(p.measure, rows) / max(len(p.samples), 1) for p in phases]
    print(f"  {'all but load gen.':<19}" + "".join(f"{c:>11.2f}" for c in totals))
    print()
    print("== RSS MB after boot and after each phase ==")
    print("  {:<19}{:>11}".format("process", "boot") + "".join(f"{k[-10:]:>11}" for k in keys))
    for row in rows:
        cells = [rss_boot.get(row.name, 0)] + [p.measure.rss_kib.get(row.name, 0) for p in phases]
        print(f"  {row.name:<19}" + "".join(f"{c / 1024:>11.0f}" for c in cells))
    print()

