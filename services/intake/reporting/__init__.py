"""Reports for the Dinas (issue 15): aggregates over a period, by service, channel and
kecamatan, computed in SQL. No personal data: counts, shares and durations only.

``filters`` checks what was asked, ``calendar`` turns the working-day calendar into ordinals
SQL can subtract, ``flows`` counts what happened in the period (one grouped scan of the status
history), ``appointments`` and ``reasons`` add their figures, ``shape`` assembles the answer.
docs/reports.md explains each figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.reporting import appointments, calendar, flows, reasons, shape
from services.intake.reporting.filters import ReportQuery, parse_query
from silasidakep.clock import now_utc

__all__ = ["ReportQuery", "build", "parse_query"]


def build(session: Session, query: ReportQuery) -> dict[str, Any]:
    """The whole report for ``query`` (read-only; a few grouped queries)."""
    # For this read only: the grouping sets sort a year's events in memory, and compiling
    # the query (JIT) costs more than it saves at this size.
    session.execute(text("SET LOCAL work_mem = '32MB'"))
    session.execute(text("SET LOCAL jit = off"))
    days = calendar.for_session(session, query)
    groups, weeks = flows.grouped(session, query, days)
    return shape.report(
        query,
        groups=groups,
        weeks=weeks,
        visits=appointments.grouped(session, query),
        reasons=reasons.top(session, query),
        generated_at=now_utc(),
    )
