"""Runs last (the directory sorts last): every event the session's services published carried a
full NIK or KK number only where its contract allows one (``contracts.IDENTITY_PATHS``), and no
log line any process of the session wrote holds a NIK the session made."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from silasidakep.contracts import EVENTS, IDENTITY_PATHS
from tests.conftest import SESSION_STARTED
from tests.support import infra
from tests.support.identities import USED_NIKS

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _samples() -> dict[str, set[str]]:
    paths: dict[str, set[str]] = defaultdict(set)
    for sample in sorted(infra.EVENT_SAMPLES.glob("*.jsonl")):
        for line in sample.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            paths[event["event_type"]].update(event["paths"])
    return paths


def _session_logs() -> list[Path]:
    return [path for path in infra.ARTIFACTS.rglob("*.log")
            if path.is_file() and path.stat().st_mtime >= SESSION_STARTED]


def test_events_carry_a_full_nik_only_where_the_contract_allows() -> None:
    samples = _samples()
    if not samples:
        pytest.skip("no service published an event in this session")
    unknown = set(samples) - set(EVENTS)
    assert not unknown, f"events outside the contracts: {unknown}"
    leaks = {
        event_type: sorted(p for p in paths if not any(
            fnmatchcase(p, allowed) for allowed in IDENTITY_PATHS.get(event_type, ())))
        for event_type, paths in samples.items()
    }
    assert {t: p for t, p in leaks.items() if p} == {}
    print(f"sampled {len(samples)} of {len(EVENTS)} event types: {sorted(samples)}")


def test_no_log_line_holds_a_nik_the_session_used() -> None:
    logs = _session_logs()
    if not logs or not USED_NIKS:
        pytest.skip("no service log or no NIK in this session")
    found: dict[str, int] = defaultdict(int)
    for log in logs:
        with log.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                for number in SIXTEEN_DIGITS.findall(line):
                    if number in USED_NIKS:
                        found[str(log.relative_to(infra.ARTIFACTS))] += 1
    assert dict(found) == {}, "log lines with a full NIK, per file"
