"""The most common reason codes of the period's revision requests and rejections. The label is
the reason code's text as the verifier's decision carried it (verification owns the codes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.reporting.filters import ReportQuery

TOP = 10  # per decision

REASONS_SQL = """
SELECT h.status AS decision, h.reason_code AS code, count(*) AS count,
       (array_agg(h.reason_text ORDER BY h.at DESC))[1] AS label
FROM intake.status_history h
JOIN intake.applications a ON a.id = h.application_id
WHERE h.at >= :start AND h.at < :end
  AND h.status IN ('REVISION_REQUESTED', 'REJECTED') AND h.reason_code IS NOT NULL
  {filters}
GROUP BY h.status, h.reason_code
ORDER BY count(*) DESC, h.reason_code
"""


def top(session: Session, query: ReportQuery) -> list[dict[str, Any]]:
    filters, params = query.application_filter("a")
    rows = session.execute(text(REASONS_SQL.format(filters=filters)),
                           {**params, **query.bounds()}).all()
    kept: dict[str, int] = {}
    found = []
    for row in rows:
        if kept.get(row.decision, 0) < TOP:
            kept[row.decision] = kept.get(row.decision, 0) + 1
            found.append({"decision": row.decision, "code": row.code,
                          "label": row.label or row.code, "count": row.count})
    return found
