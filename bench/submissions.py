"""Benchmark: N simulated citizens create, upload and submit KK_PERUBAHAN applications.

Drives an already running system over HTTP (start it with ``BENCH_AUTO_APPROVE=1
bin/run-local``), then waits for the pipeline to drain and prints latency, throughput and
drain figures. See bench/README.md for how to run it and what the figures mean.

Exit code 0 when every request succeeded and every submitted application reached a terminal
status, 1 otherwise.

Superseded by bench/run.py, which boots its own system and tracks completion with one database
query a second; this script's drain polls every application over HTTP every 0.5 s, which adds
load of its own. It is kept for measuring an already running system; bench/run.py reuses its
citizen flow (``run_citizen``) and request timing.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

# Runnable as `.venv/bin/python bench/submissions.py` from the repo root: make `tests.support`
# importable without installing anything.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.citizen import CitizenClient, application_payload  # noqa: E402
from tests.support.identities import make_person  # noqa: E402
from tests.support.scans import pdf_scan  # noqa: E402

REQUEST_KINDS = ("create", "upload", "submit")
DOC_TYPES = ("KK_LAMA", "BUKTI_PERUBAHAN")
ISSUED = "ISSUED"
# Terminal for the bench: ISSUED is success; the others mean the application stopped short
# (a human would have to act). CANCELLED cannot happen here but would stop it just the same.
STOPPED = frozenset({"REJECTED", "REVISION_REQUESTED", "CANCELLED"})
TERMINAL = STOPPED | {ISSUED}
# Statuses an application sits in until verification decides; without the auto-approver
# (BENCH_AUTO_APPROVE=1 bin/run-local) nothing ever leaves them.
WAITING_FOR_VERIFIER = frozenset({"SUBMITTED", "IN_VERIFICATION"})
POLL_INTERVAL_S = 0.5
PROGRESS_EVERY_S = 10.0
STALL_AFTER_S = 20.0
ERROR_BODY_CHARS = 300


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One HTTP request: its kind, outcome and latency."""

    kind: str
    ok: bool
    status: str  # HTTP status code, or the exception name when no response came back
    latency_s: float
    detail: str = ""  # start of the response body (or the exception) for failures


@dataclass
class Citizen:
    """One simulated citizen's run: requests made and the application it ended up with."""

    index: int
    samples: list[Sample] = field(default_factory=list)
    app_id: str | None = None
    token: str | None = None
    submitted: bool = False
    created_at: float | None = None  # perf_counter when the create request was sent
    submitted_at: float | None = None  # perf_counter when the submit response came back


@dataclass(frozen=True)
class KindStats:
    kind: str
    count: int
    errors: int
    throughput: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None


@dataclass
class DrainResult:
    final_status: dict[str, str]  # application id -> last status seen
    done_at: float | None  # perf_counter when the last application was seen terminal
    drained: bool
    stalled: bool
    started_at: float = 0.0  # perf_counter when polling began
    ended_at: float = 0.0  # perf_counter when polling stopped
    polls: int = 0
    poll_errors: Counter[str] = field(default_factory=Counter)


# --- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                        help="gateway URL (default: %(default)s)")
    parser.add_argument("-n", "--applications", type=int, default=200,
                        help="number of citizens/applications (default: %(default)s)")
    parser.add_argument("-c", "--concurrency", type=int, default=10,
                        help="worker threads, i.e. citizens in flight (default: %(default)s)")
    parser.add_argument("--scan-kb", type=int, default=200,
                        help="approximate size of the uploaded PDF in KB (default: %(default)s)")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="seconds to wait for the pipeline to drain (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="people are make_person(seed + i) (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.applications < 1 or args.concurrency < 1 or args.scan_kb < 1:
        parser.error("--applications, --concurrency and --scan-kb must be positive")
    return args


# --- machine ------------------------------------------------------------------------------


def total_memory() -> str:
    """MemTotal from /proc/meminfo, in GiB, or 'unknown' off Linux."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def print_machine(args: argparse.Namespace, scan_size: int) -> None:
    print("Machine")
    print(f"  cpus        {os.cpu_count()}")
    print(f"  memory      {total_memory()}")
    print(f"  platform    {platform.platform()}")
    print(f"  python      {platform.python_version()} ({platform.python_implementation()})")
    print("Parameters")
    print(f"  base url    {args.base_url}")
    print(f"  citizens    {args.applications}  concurrency {args.concurrency}  seed {args.seed}")
    print(f"  scan        {scan_size} bytes PDF (--scan-kb {args.scan_kb}), uploaded twice each")
    print(f"  drain       timeout {args.drain_timeout:g} s, poll every {POLL_INTERVAL_S} s")
    print()


# --- preparation (outside the timed phase) ------------------------------------------------


def build_scan(kb: int) -> bytes:
    """A real PDF of about `kb` KB.

    pdf_scan pads to *at least* min_size and overshoots (the padding image is encoded), so
    scale the request once by the observed ratio to land near the target.
    """
    target = kb * 1024
    scan = pdf_scan("Bench KK", min_size=target)
    if len(scan) > target * 1.1:
        scan = pdf_scan("Bench KK", min_size=int(target * target / len(scan)))
    return scan


def build_payloads(count: int, seed: int) -> list[dict[str, Any]]:
    """Reproducible application payloads: person and form both seeded with seed + i."""
    return [
        application_payload(make_person(seed + i), random.Random(seed + i))
        for i in range(count)
    ]


def check_health(base_url: str) -> str | None:
    """None when the gateway answers /health, otherwise why not."""
    try:
        response = requests.get(f"{base_url}/health", timeout=5)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:ERROR_BODY_CHARS]}"
    return None


# --- HTTP with timing ---------------------------------------------------------------------

_local = threading.local()


def thread_client(base_url: str) -> CitizenClient:
    """One CitizenClient (one requests.Session) per worker thread, made on first use."""
    client = getattr(_local, "client", None)
    if client is None:
        client = CitizenClient(base_url, requests.Session())
        _local.client = client
    return client


def timed(kind: str, call: Callable[[], requests.Response]) -> tuple[Sample, Any]:
    """Run one request; return its Sample and the decoded JSON body (None on failure)."""
    started = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as exc:
        elapsed = time.perf_counter() - started
        return Sample(kind, False, type(exc).__name__, elapsed, str(exc)[:ERROR_BODY_CHARS]), None
    elapsed = time.perf_counter() - started
    if not response.ok:
        detail = response.text[:ERROR_BODY_CHARS]
        return Sample(kind, False, str(response.status_code), elapsed, detail), None
    try:
        body = response.json()
    except ValueError:
        body = None
    return Sample(kind, True, str(response.status_code), elapsed), body


# --- one citizen --------------------------------------------------------------------------


def run_citizen(base_url: str, index: int, payload: dict[str, Any], scan: bytes,
                think_s: float = 0.0) -> Citizen:
    """Create, upload both documents, submit. Stops at the first failed request. With
    ``think_s``, the citizen pauses before each request for a random time of that mean
    (exponential, seeded by ``index``): someone filling in a form, not a request loop."""
    client = thread_client(base_url)
    citizen = Citizen(index)
    rng = random.Random(index)

    def think() -> None:
        if think_s > 0:
            time.sleep(rng.expovariate(1 / think_s))

    think()
    citizen.created_at = time.perf_counter()
    sample, created = timed("create", lambda: client.create(payload))
    citizen.samples.append(sample)
    if not sample.ok or not created:
        return citizen
    app_id, token = created["id"], created["access_token"]
    citizen.app_id, citizen.token = app_id, token

    for doc_type in DOC_TYPES:
        think()
        sample, _ = timed("upload", lambda d=doc_type: client.upload(app_id, token, d, scan))
        citizen.samples.append(sample)
        if not sample.ok:
            return citizen

    think()
    sample, _ = timed("submit", lambda: client.submit(app_id, token))
    citizen.samples.append(sample)
    citizen.submitted = sample.ok
    if sample.ok:
        citizen.submitted_at = time.perf_counter()
    return citizen


def run_submissions(
    pool: ThreadPoolExecutor, base_url: str, payloads: list[dict[str, Any]], scan: bytes
) -> tuple[list[Citizen], float]:
    """All citizens through the pool; returns them and the phase's wall time in seconds."""
    started = time.perf_counter()
    futures = [
        pool.submit(run_citizen, base_url, i, payload, scan)
        for i, payload in enumerate(payloads)
    ]
    citizens = [future.result() for future in futures]
    return citizens, time.perf_counter() - started


# --- statistics ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least pct% of values <= it."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def kind_stats(kind: str, samples: Iterable[Sample], wall_s: float) -> KindStats:
    """Figures for one request kind; latency percentiles cover successful requests only."""
    mine = [s for s in samples if kind == "all" or s.kind == kind]
    latencies = sorted(s.latency_s * 1000 for s in mine if s.ok)
    return KindStats(
        kind=kind,
        count=len(mine),
        errors=sum(not s.ok for s in mine),
        throughput=len(mine) / wall_s if wall_s > 0 else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else None,
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_request_table(citizens: list[Citizen], wall_s: float) -> None:
    samples = [s for c in citizens for s in c.samples]
    rows = [kind_stats(kind, samples, wall_s) for kind in REQUEST_KINDS]
    rows.append(kind_stats("all", samples, wall_s))
    print(f"Submission phase: {wall_s:.2f} s wall time")
    header = ("request", "count", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print("  {:<8} {:>6} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9}".format(*header))
    for r in rows:
        print(f"  {r.kind:<8} {r.count:>6} {r.errors:>6} {r.throughput:>8.1f} "
              f"{_ms(r.p50_ms):>9} {_ms(r.p95_ms):>9} {_ms(r.p99_ms):>9} {_ms(r.max_ms):>9}")
    print_errors(samples)
    submitted = sum(c.submitted for c in citizens)
    print(f"  applications submitted: {submitted}/{len(citizens)}")
    print()


def print_errors(samples: list[Sample]) -> None:
    """Status codes per request kind, plus the first failure's body as an example."""
    failures = [s for s in samples if not s.ok]
    if not failures:
        return
    print("  errors by status:")
    for kind in REQUEST_KINDS:
        mine = [s for s in failures if s.kind == kind]
        if not mine:
            continue
        counts = Counter(s.status for s in mine)
        print(f"    {kind:<8} " + ", ".join(f"{code} x{n}" for code, n in sorted(counts.items())))
        print(f"             e.g. {mine[0].status}: {mine[0].detail}")


# --- drain --------------------------------------------------------------------------------


def poll_status(base_url: str, app_id: str, token: str) -> tuple[str | None, str | None]:
    """(status, None) or (None, error label) for one GET of the application."""
    client = thread_client(base_url)
    try:
        response = client.get(app_id, token)
    except requests.RequestException as exc:
        return None, type(exc).__name__
    if not response.ok:
        return None, str(response.status_code)
    try:
        status = response.json()["status"]
    except (ValueError, KeyError, TypeError):
        return None, "bad body"
    return str(status), None


def drain(
    pool: ThreadPoolExecutor, base_url: str, citizens: list[Citizen], timeout_s: float
) -> DrainResult:
    """Poll every submitted application until all are terminal, the timeout passes, or
    nothing has got past verification within STALL_AFTER_S (no auto-approver running)."""
    pending = {c.app_id: c.token for c in citizens if c.submitted and c.app_id and c.token}
    started = time.perf_counter()
    result = DrainResult(final_status={a: "SUBMITTED" for a in pending}, done_at=None,
                         drained=not pending, stalled=False, started_at=started)
    last_progress = started
    progressed = False
    while pending:
        sweep_started = time.perf_counter()
        ids = list(pending)
        futures = [pool.submit(poll_status, base_url, a, pending[a]) for a in ids]
        for app_id, future in zip(ids, futures, strict=True):
            status, error = future.result()
            result.polls += 1
            if error or status is None:
                result.poll_errors[error or "no status"] += 1
                continue
            result.final_status[app_id] = status
            progressed = progressed or status not in WAITING_FOR_VERIFIER
            if status in TERMINAL:
                del pending[app_id]
                result.done_at = time.perf_counter()
        now = time.perf_counter()
        if not pending:
            result.drained = True
            break
        if not progressed and now - started >= STALL_AFTER_S:
            result.stalled = True
            break
        if now - started >= timeout_s:
            break
        if now - last_progress >= PROGRESS_EVERY_S:
            print_progress(now - started, pending, result.final_status)
            last_progress = now
        time.sleep(max(0.0, POLL_INTERVAL_S - (now - sweep_started)))
    result.ended_at = time.perf_counter()
    return result


def print_progress(elapsed_s: float, pending: Iterable[str], statuses: dict[str, str]) -> None:
    """A line now and then so a long drain visibly moves (or visibly does not)."""
    counts = Counter(statuses[app_id] for app_id in pending)
    summary = ", ".join(f"{s} {n}" for s, n in counts.most_common())
    print(f"  ... {elapsed_s:.0f} s: {sum(counts.values())} pending ({summary})", flush=True)


def print_drain(citizens: list[Citizen], result: DrainResult, timeout_s: float) -> None:
    submitted = [c for c in citizens if c.submitted]
    if result.stalled:
        print(f"  STALLED: after {STALL_AFTER_S:.0f} s no application got past "
              "SUBMITTED/IN_VERIFICATION.")
        print("  Hint: applications are approved automatically only in bench mode, by the")
        print("  auto-approve process. Restart the system with BENCH_AUTO_APPROVE=1, e.g.")
        print("      BENCH_AUTO_APPROVE=1 bin/run-local")
    elif not result.drained:
        print(f"  TIMEOUT: not drained within --drain-timeout {timeout_s:g} s "
              f"(polled for {result.ended_at - result.started_at:.1f} s)")
    if submitted and result.drained and result.done_at is not None:
        first_create = min(c.created_at for c in citizens if c.created_at is not None)
        last_submit = max(c.submitted_at for c in submitted if c.submitted_at is not None)
        print(f"  drained {result.done_at - last_submit:.2f} s after the last submit, "
              f"{result.done_at - first_create:.2f} s after the first create")
    statuses = Counter(result.final_status.values())
    terminal = sum(n for s, n in statuses.items() if s in TERMINAL)
    print(f"  issued: {statuses.get(ISSUED, 0)}/{len(submitted)}  "
          f"terminal: {terminal}/{len(submitted)}")
    print("  final statuses: "
          + (", ".join(f"{s} {n}" for s, n in statuses.most_common()) or "-"))
    errors = sum(result.poll_errors.values())
    print(f"  status polls: {result.polls}, errors: {errors}"
          + (" (" + ", ".join(f"{k} x{n}" for k, n in result.poll_errors.items()) + ")"
             if errors else ""))
    print()


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # show drain progress live, even in a pipe
    base_url = args.base_url.rstrip("/")
    scan = build_scan(args.scan_kb)
    payloads = build_payloads(args.applications, args.seed)
    print_machine(args, len(scan))

    problem = check_health(base_url)
    if problem:
        print(f"Gateway at {base_url} is not healthy ({problem}).")
        print("Start the system first: BENCH_AUTO_APPROVE=1 bin/run-local")
        return 1

    with ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="citizen") as pool:
        citizens, wall_s = run_submissions(pool, base_url, payloads, scan)
        print_request_table(citizens, wall_s)
        print("Drain (polling GET /api/v1/applications/{id})", flush=True)
        result = drain(pool, base_url, citizens, args.drain_timeout)
        print_drain(citizens, result, args.drain_timeout)

    request_errors = sum(not s.ok for c in citizens for s in c.samples)
    all_ok = (request_errors == 0 and not result.poll_errors and result.drained
              and all(c.submitted for c in citizens))
    print("RESULT: " + ("OK" if all_ok else "FAILED"))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
