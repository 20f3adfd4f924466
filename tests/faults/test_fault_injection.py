"""The fault-injection run, small enough for every test run: each fault once, three
applications in flight each time. ``python -m tests.faults`` runs it larger and prints the
figures (docs/faults.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import harness

pytestmark = pytest.mark.e2e

WORKDIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults"


def test_no_fault_loses_duplicates_or_strands_anything() -> None:
    report = harness.run(WORKDIR, harness.Settings(applications_per_fault=3,
                                                   outage_seconds=6.0, clients=3))
    for result in report.results:
        print(f"{result.fault:<30} outage {result.outage_s:6.2f} s, request path back "
              f"{result.request_path_back_s:6.2f} s, drained {result.drained_s:6.2f} s")
    assert report.books is not None
    print("\n".join(report.books.lines()))
    assert len(report.results) == 10
    assert report.books.applications == 30
    assert report.books.problems == {}
