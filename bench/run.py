"""One-command benchmark (issue 17): boots a system of its own, measures it, tears it down.

Phases: (a) a naive nameko HTTP -> RPC -> event chain as the baseline; (b) each request type
alone; (c) the mixed citizen flow at two client counts, and with think time, while a backlog
drains; (d) a burst of citizens accepted and drained, checked for lost and duplicated
applications in the database; (e) documents per second of printing alone, one process and two.
Prints figures (see bench/README.md); asserts nothing but its exit code: 1 when a request
failed, an application was lost or duplicated, or a drain did not finish.

    .venv/bin/python bench/run.py [--quick] [options]
"""

from __future__ import annotations

import argparse
import io
import random
import signal
import sys
import time
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == REPO_ROOT / "bench":
    sys.path[0] = str(REPO_ROOT)  # bench.* and tests.* as packages, not bench/*.py top-level
elif str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import issuing, phases, pipeline, procstat, report, rig  # noqa: E402
from bench.procstat import snapshot  # noqa: E402
from bench.submissions import build_payloads, build_scan  # noqa: E402
from services.intake.catalogue import load_catalogue  # noqa: E402

ARTIFACTS = REPO_ROOT / "test-artifacts" / "bench-run"
SERVICE = "KK_PERUBAHAN"
PHASES = "abcde"
# Sizes: the default run and --quick; an option given on the command line wins over both.
PRESETS = {
    "default": {"naive_requests": 3000, "requests": 600, "mixed": 200, "backlog": 2000,
                "burst": 1000, "print_docs": 600},
    "quick": {"naive_requests": 600, "requests": 60, "mixed": 20, "backlog": 40, "burst": 40,
              "print_docs": 40},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="small sizes: about a minute or two")
    add("-c", "--clients", type=int, default=16, help="clients of phases a, b, c (16)")
    add("--high-clients", type=int, default=64, help="clients of phase c's second run (64)")
    add("--burst-clients", type=int, default=64, help="clients of the burst (64)")
    add("--naive-requests", type=int, help="requests of the naive baseline (3000; quick 600)")
    add("--requests", type=int, help="requests per type in phase b (600; quick 60)")
    add("--mixed", type=int, help="citizens per mixed run in phase c (200; quick 20)")
    add("--backlog", type=int, help="applications submitted before phase c (2000; quick 40)")
    add("--burst", type=int, help="citizens of the burst, phase d (1000; quick 40)")
    add("--print-docs", type=int,
        help="applications queued for printing alone in phase e, per run (600; quick 40)")
    add("--think", type=float, default=2.0,
        help="phase c's third run (--high-clients citizens) and the run after the drain "
             "(--clients): mean pause in seconds before each request (2; 0 skips both)")
    add("--scan-kb", type=int, default=200, help="size of the uploaded PDF in KB (200)")
    add("--stall-timeout", type=float, default=120.0,
        help="a drain fails when nothing finished for this many seconds (120)")
    add("--drain-timeout", type=float, default=0.0,
        help="a drain fails after this many seconds (0: no limit, only the stall timeout)")
    add("--phases", default=PHASES, help="which phases to run, e.g. 'ab' (abcd)")
    add("--seed", type=int, default=0, help="citizen i is make_person(seed + i) (0)")
    add("--artifacts", type=Path, default=ARTIFACTS,
        help="logs and the development CA go here (test-artifacts/bench-run)")
    opts = parser.parse_args(argv)
    for name, value in PRESETS["quick" if opts.quick else "default"].items():
        if getattr(opts, name) is None:
            setattr(opts, name, value)
    if set(opts.phases) - set(PHASES):
        parser.error(f"--phases takes letters of {PHASES}")
    sizes = (opts.clients, opts.high_clients, opts.burst_clients, opts.naive_requests,
             opts.requests, opts.mixed, opts.backlog, opts.burst, opts.scan_kb)
    if min(sizes) < 1:
        parser.error("sizes and client counts must be positive")
    return opts


def expected_documents(payload_form: dict) -> int:
    """Register rows one application must end with: the catalogue's outputs for its form."""
    return len(load_catalogue()[SERVICE].outputs_for(payload_form))


def storage_warning(opts: argparse.Namespace, scan_size: int) -> str | None:
    """moto keeps every object in memory: two scans and a signed PDF (~55 KB) a citizen."""
    citizens = (5 * opts.clients + opts.requests // 2 + opts.backlog + 3 * opts.mixed
                + opts.burst + 2 * opts.print_docs)
    needed = citizens * (2 * scan_size + 55_000)
    total = total_memory_bytes()
    if total and needed > total / 2:
        return (f"WARNING: the moto S3 server will hold about {needed / 2**30:.1f} GiB of "
                f"objects in memory ({total / 2**30:.1f} GiB here); a smaller --scan-kb helps")
    return None


def total_memory_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # runs the teardown in rig.running


def run(opts: argparse.Namespace, scan: bytes) -> list[str]:
    sample = build_payloads(1, opts.seed)[0]
    with rig.running(opts.artifacts) as system:
        rows = system.rows()
        bench = phases.Bench(system, opts, scan, expected_documents(sample["form"]), rows,
                             next_seed=opts.seed)
        boot_rss = {name: r.rss_kib for name, r in snapshot(rows).items()}
        print(f"System up: database {system.database}, vhost {system.system.vhost}, gateway "
              f"{system.gateway}, logs in {system.system.log_dir}", flush=True)
        niced = {name: procstat.nice(p.process.pid) for name, p in system.system.processes.items()}
        niced["mail catcher"] = procstat.nice(system.system.smtp.process.pid)
        print("Nice values: " + ", ".join(f"{name} {n}" for name, n in niced.items()) + "\n")
        steps = {"a": phases.naive, "b": phases.single_types,
                 "c": pipeline.mixed_under_backlog, "d": pipeline.burst,
                 "e": issuing.printing_alone}
        warmed = False
        for letter in opts.phases:
            if letter != "a" and not warmed:
                phases.warm_up(bench)
                warmed = True
            steps[letter](bench)
        pipeline.whole_run(bench)
        print()
        report.matrices(bench.phases, rows, boot_rss)
    return bench.failures


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, _terminate)
    random.seed(opts.seed)
    scan = build_scan(opts.scan_kb)
    report.machine(opts, len(scan))
    warning = storage_warning(opts, len(scan))
    if warning:
        print(warning + "\n")
    started = time.perf_counter()
    try:
        failures = run(opts, scan)
    except KeyboardInterrupt:
        print("\nInterrupted; the system was torn down.\nRESULT: FAILED")
        return 130
    print(f"Total time {time.perf_counter() - started:.0f} s (boot and teardown included)")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("RESULT: " + ("FAILED" if failures else "OK"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
