"""What happened in the period, from one grouped scan of the status history: received (first
submission), issued, rejected, cancelled, revision requests; time to issue in working days;
issued within the target; online share; the weekly trend. One ``GROUPING SETS`` query gives
the total and the rows per service, channel, kecamatan and week."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.reporting.calendar import WorkdayCalendar, ordinal_sql
from services.intake.reporting.filters import ONLINE_CHANNELS, ReportQuery
from services.intake.reporting.groups import GROUPING_MASK, GROUPING_SETS, Group, from_rows

# The events counted, each a status_history row in the period:
#   received  = the first submission (round 1); a resubmission after a revision is not counted
#   cancelled = only after a submission (round >= 1): a DRAFT dropped was never received
EVENTS_SQL = """
SELECT status, at, reason_code, service_code, channel, kecamatan_code, deadline_at, week,
       revised, CASE WHEN status = 'ISSUED' THEN {ord_issued} - {ord_first} END AS working_days
FROM (
    SELECT h.status, h.at, h.reason_code, a.service_code, a.channel, a.kecamatan_code,
           a.deadline_at,
           date_trunc('week', h.at AT TIME ZONE 'Asia/Jakarta')::date AS week,
           -- Sent back at least once (so far). A hashed set of the revisions since the period
           -- began: none can come before the application's first submission.
           CASE WHEN h.status = 'SUBMITTED' THEN h.application_id IN (
               SELECT r.application_id FROM intake.status_history r
               WHERE r.status = 'REVISION_REQUESTED' AND r.at >= :start
           ) END AS revised,
           -- The first submission of an issued application: submitted_at when it was
           -- submitted once (every submit sets it), else its round-1 row in the history.
           CASE WHEN h.status <> 'ISSUED' THEN NULL
                WHEN a.round = 1 THEN a.submitted_at
                ELSE s.at
           END AS first_submitted_at
    FROM intake.status_history h
    JOIN intake.applications a ON a.id = h.application_id
    LEFT JOIN intake.status_history s
           ON h.status = 'ISSUED' AND a.round > 1 AND s.application_id = h.application_id
          AND s.status = 'SUBMITTED' AND s.round = 1
    WHERE h.at >= :start AND h.at < :end
      AND h.status IN ('SUBMITTED', 'ISSUED', 'REJECTED', 'CANCELLED', 'REVISION_REQUESTED')
      AND (h.status <> 'SUBMITTED' OR h.round = 1)
      AND (h.status <> 'CANCELLED' OR h.round >= 1)
      {filters}
) AS e
"""

# Three aggregations over the events, computed once (MATERIALIZED): the counts first per cell
# (service, channel, kecamatan, week; a hash aggregate) and then summed per grouping set, which
# is far cheaper than every event through every grouping set; the working days over the issues
# only; the top revision reason over the revisions only.
GROUPED_SQL = """
WITH ev AS MATERIALIZED ({events}),
cells AS (
    SELECT service_code, channel, kecamatan_code, week,
           count(*) FILTER (WHERE status = 'SUBMITTED') AS received,
           count(*) FILTER (WHERE status = 'SUBMITTED' AND channel IN ({online}))
               AS online_received,
           count(*) FILTER (WHERE status = 'SUBMITTED' AND revised) AS revised,
           count(*) FILTER (WHERE status = 'ISSUED') AS issued,
           count(*) FILTER (WHERE status = 'ISSUED' AND at <= deadline_at) AS within_target,
           count(*) FILTER (WHERE status = 'REJECTED') AS rejected,
           count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
           count(*) FILTER (WHERE status = 'REVISION_REQUESTED') AS revision_requests
    FROM ev GROUP BY service_code, channel, kecamatan_code, week
),
counted AS (
    SELECT {mask}, service_code, channel, kecamatan_code, week,
           sum(received) AS received, sum(online_received) AS online_received,
           sum(revised) AS revised, sum(issued) AS issued,
           sum(within_target) AS within_target, sum(rejected) AS rejected,
           sum(cancelled) AS cancelled, sum(revision_requests) AS revision_requests
    FROM cells GROUP BY {sets}
),
timed AS (
    SELECT {mask}, service_code, channel, kecamatan_code, week,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY working_days) AS median_working_days,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY working_days) AS p90_working_days
    FROM ev WHERE status = 'ISSUED' GROUP BY {sets}
),
reasons AS (
    SELECT {mask}, service_code, channel, kecamatan_code, week,
           mode() WITHIN GROUP (ORDER BY reason_code) AS top_revision_reason
    FROM ev WHERE status = 'REVISION_REQUESTED' GROUP BY {sets}
)
SELECT c.*, t.median_working_days, t.p90_working_days, r.top_revision_reason
FROM counted c
LEFT JOIN timed t ON {same_t}
LEFT JOIN reasons r ON {same_r}
"""
KEYS = ("grouping_mask", "service_code", "channel", "kecamatan_code", "week")


def _same(alias: str) -> str:
    """The same group in two of the aggregations (a key column is NULL outside its set)."""
    return " AND ".join(f"{alias}.{k} IS NOT DISTINCT FROM c.{k}" for k in KEYS)


FIGURES = (
    "received", "online_received", "revised", "issued", "within_target", "rejected",
    "cancelled", "revision_requests", "median_working_days", "p90_working_days",
    "top_revision_reason",
)


def sql(query: ReportQuery) -> tuple[str, dict[str, Any]]:
    filters, params = query.application_filter("a")
    events = EVENTS_SQL.format(ord_issued=ordinal_sql("at"),
                               ord_first=ordinal_sql("first_submitted_at"), filters=filters)
    online = ", ".join(f"'{c}'" for c in ONLINE_CHANNELS)  # constants, not input
    return GROUPED_SQL.format(
        events=events, online=online, mask=GROUPING_MASK, sets=GROUPING_SETS,
        same_t=_same("t"), same_r=_same("r"),
    ), {**params, **query.bounds()}


def grouped(session: Session, query: ReportQuery,
            calendar: WorkdayCalendar) -> tuple[list[Group], list[Group]]:
    """(total and the rows per service, channel and kecamatan; the rows per week)."""
    statement, params = sql(query)
    rows = session.execute(text(statement), {**params, **calendar.params()}).all()
    groups = from_rows(rows, FIGURES)
    return ([g for g in groups if g.dimension != "week"],
            [g for g in groups if g.dimension == "week"])
