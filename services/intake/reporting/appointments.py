"""In-person appointments whose slot falls in the period: booked (every booking not cancelled
or moved) and attended, by service, channel, kecamatan and week."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.reporting.filters import ReportQuery
from services.intake.reporting.groups import GROUPING_MASK, GROUPING_SETS, Group, from_rows

GROUPED_SQL = """
WITH visit AS (
    SELECT ap.status, a.service_code, a.channel, a.kecamatan_code,
           date_trunc('week', s.date)::date AS week
    FROM intake.appointments ap
    JOIN intake.slots s ON s.id = ap.slot_id
    JOIN intake.applications a ON a.id = ap.application_id
    WHERE s.date >= :first_day AND s.date <= :last_day AND ap.status <> 'CANCELLED'
      {filters}
)
SELECT {mask},
       service_code, channel, kecamatan_code, week,
       count(*) AS appointments_booked,
       count(*) FILTER (WHERE status = 'ATTENDED') AS appointments_attended,
       count(*) FILTER (WHERE status = 'NO_SHOW') AS appointments_no_show
FROM visit
GROUP BY {sets}
"""

FIGURES = ("appointments_booked", "appointments_attended", "appointments_no_show")


def grouped(session: Session, query: ReportQuery) -> list[Group]:
    filters, params = query.application_filter("a")
    rows = session.execute(text(GROUPED_SQL.format(
        filters=filters, mask=GROUPING_MASK, sets=GROUPING_SETS)),
                           {**params, **query.bounds()}).all()
    return from_rows(rows, FIGURES)
