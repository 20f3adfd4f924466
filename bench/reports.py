"""Benchmark: the Dinas report queries over 100,000 synthetic applications.

Creates a fresh database (or fills ``--database-url``), migrates it, fills a year of
applications with their status history and appointments by bulk ``INSERT ... SELECT`` (a
realistic mix of services, channels, kecamatan and outcomes, about 20 % with a revision round),
then times ``services.intake.reporting.build`` for a year, a month and filtered reports. It
prints figures and asserts nothing (see bench/README.md). Synthetic data only: no real person.

    .venv/bin/python bench/reports.py                  # 100k applications, then the timings
    .venv/bin/python bench/reports.py -n 20000 --keep  # keep the database afterwards
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from services.intake import reporting  # noqa: E402
from silasidakep.db import make_engine  # noqa: E402
from tests.support import infra  # noqa: E402
from tests.support.report_data import fill  # noqa: E402

YEAR = ("2025-12-01", "2026-11-30")
MONTH = ("2026-11-01", "2026-11-30")


def timed(build: Callable[[], object], repeat: int) -> list[float]:
    build()  # warm the caches and the catalogue
    found = []
    for _ in range(repeat):
        began = time.perf_counter()
        build()
        found.append((time.perf_counter() - began) * 1000)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--applications", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an already filled database (skips the fill)")
    parser.add_argument("--keep", action="store_true", help="keep the created database")
    args = parser.parse_args()
    name = None
    url = args.database_url
    if not url:
        name, url = infra.create_database("silasidakep_bench_reports")
        infra.run_cli(["migrate"], {**infra.base_env(), "DATABASE_URL": url})
    engine = make_engine(url)
    sessions = sessionmaker(engine)
    try:
        if not args.database_url:
            began = time.perf_counter()
            with sessions() as session:
                fill(session, args.applications, *YEAR)
            print(f"filled {args.applications} applications in {time.perf_counter() - began:.1f} s")
        with sessions() as session:
            counts = session.execute(text(
                "SELECT (SELECT count(*) FROM intake.applications),"
                " (SELECT count(*) FROM intake.status_history),"
                " (SELECT count(*) FROM intake.appointments)")).one()
            print(f"rows: applications {counts[0]}, status_history {counts[1]}, "
                  f"appointments {counts[2]}")
            cases = {
                "year": {"from": YEAR[0], "to": YEAR[1]},
                "month": {"from": MONTH[0], "to": MONTH[1]},
                "year, one service": {"from": YEAR[0], "to": YEAR[1],
                                      "service_code": "KK_PERUBAHAN"},
                "year, one kecamatan + channel": {"from": YEAR[0], "to": YEAR[1],
                                                  "kecamatan_code": "32.11.06",
                                                  "channel": "ONLINE"},
                "month, one service": {"from": MONTH[0], "to": MONTH[1],
                                       "service_code": "KK_PERUBAHAN"},
            }
            print(f"{'report':32} {'median ms':>10} {'min ms':>8} {'max ms':>8}  received")
            for label, params in cases.items():
                query = reporting.parse_query(params)
                answer = reporting.build(session, query)
                ms = timed(lambda q=query: reporting.build(session, q), args.repeat)
                print(f"{label:32} {statistics.median(ms):10.0f} {min(ms):8.0f} {max(ms):8.0f}"
                      f"  {answer['total']['received']}")
    finally:
        engine.dispose()
        if name and not args.keep:
            infra.drop_database(name)
        elif name:
            print(f"kept database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
