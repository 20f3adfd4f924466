"""``python -m tests.faults [--applications-per-fault N] [--outage-seconds S] [--clients C]
[--fault NAME ...]``: the fault-injection run at a chosen size; prints the recovery time per
fault and the books (every figure must be 0). Exit status 1 if any is not."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tests.faults import harness


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults")
    parser.add_argument("--applications-per-fault", type=int, default=30)
    parser.add_argument("--outage-seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fault", action="append", default=[],
                        help="run only faults whose name contains this (repeatable)")
    parser.add_argument("--workdir", type=Path,
                        default=Path("test-artifacts") / "faults-run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    report = harness.run(args.workdir.resolve(), harness.Settings(
        args.applications_per_fault, args.outage_seconds, args.clients, tuple(args.fault)))
    print(f"\n{'fault':<30} {'outage':>9} {'request path back':>18} {'drained':>10}")
    for result in report.results:
        print(f"{result.fault:<30} {result.outage_s:>7.2f} s {result.request_path_back_s:>16.2f} s"
              f" {result.drained_s:>8.2f} s")
    print(f"\nbooks over {report.books.applications} applications:")
    print("\n".join(report.books.lines()))
    return 1 if report.books.problems else 0


if __name__ == "__main__":
    sys.exit(main())
