"""``bench/run.py --quick`` runs end to end: exit code 0, every phase printed with its ratio to
the naive baseline, and its database and vhost gone afterwards. No timing is asserted."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.support import infra

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600
HEADINGS = (
    "== Phase a: naive baseline",
    "== Phase b: create alone",
    "== Phase b: GET status alone",
    "KB upload alone",
    "== Phase b: submit alone",
    "== Phase c: backlog of",
    "== Phase c: mixed citizen flow during the drain, 16 clients",
    "== Phase c: mixed citizen flow during the drain, 64 clients ==",
    "== Phase c: mixed citizen flow during the drain, 64 citizens pausing 2 s on average ==",
    "== Phase c: drain",
    "== Phase c: mixed citizen flow after the drain, 16 citizens pausing 2 s on average ==",
    "== Phase d: burst of",
    "== Phase d: burst drain",
    "== Phase e: printing alone, 1 process ==",
    "== Phase e: printing alone, 2 processes ==",
    "== CPU ms per request, by process and phase ==",
    "== RSS MB after boot and after each phase ==",
)


def _run_quick(artifacts: Path) -> tuple[int, str]:
    process = subprocess.Popen(
        [sys.executable, "bench/run.py", "--quick", "--artifacts", str(artifacts)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the bench tears its system down on SIGTERM
        output, _ = process.communicate(timeout=120)
        pytest.fail(f"bench/run.py --quick took over {TIMEOUT_S} s:\n{output[-4000:]}")
    return process.returncode, output


def _database_exists(name: str) -> bool:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cur.fetchone() is not None
    finally:
        conn.close()


def _vhost_exists(name: str) -> bool:
    answer = requests.get(f"{infra.RABBIT_API}/vhosts/{name}", auth=infra.RABBIT_AUTH, timeout=10)
    return answer.status_code == 200


def test_quick_bench_runs_every_phase_and_cleans_up(tmp_path: Path) -> None:
    code, output = _run_quick(tmp_path / "bench")

    assert code == 0, output[-4000:]
    assert output.rstrip().endswith("RESULT: OK"), output[-4000:]
    for heading in HEADINGS:
        assert heading in output, f"missing {heading!r}"
    ratios = re.findall(r"^  ratio to the naive baseline: \d+\.\d+ ", output, re.MULTILINE)
    assert len(ratios) >= 11, output  # a, 4 x b, backlog, 4 mixed runs, burst
    assert len(re.findall(r"^  \d+ documents, register span ", output, re.MULTILINE)) == 2, output
    assert re.search(r"0 lost, 0 duplicated, 0 unexpected", output)
    found = re.search(r"System up: database (\S+), vhost (\S+),", output)
    assert found, output[:2000]
    database, vhost = found.groups()
    assert not _database_exists(database)
    assert not _vhost_exists(vhost)
