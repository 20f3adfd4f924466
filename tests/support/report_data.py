"""Synthetic applications for the Dinas reports, filled by bulk ``INSERT ... SELECT``: a
realistic mix of services (skewed to the first of the catalogue), channels (about 65 % web,
15 % super-app, 20 % at a counter), the 26 kecamatan of Sumedang and outcomes (80 % issued, 6 %
rejected, 4 % cancelled, the rest open; 20 % with a revision round), with their status history
and, for one in seven, an in-person appointment. Used by bench/reports.py (100,000 over a year)
and tests/e2e/test_reports_page.py. No real person: synthetic names and numbers."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.intake.catalogue import load_catalogue
from silasidakep import regions

# One row per application: its plan drawn once (service, channel, kecamatan, outcome, times).
# Channels: about 65 % web, 15 % super-app, 20 % at a counter (MPP, kecamatan, desa).
PLAN_SQL = """
CREATE TEMP TABLE plan AS
SELECT i,
       md5('app' || i)::uuid AS id,
       (:services)[1 + floor(cardinality(:services) * power(random(), 1.6))::int] AS service_code,
       CASE WHEN r < 0.65 THEN 'ONLINE' WHEN r < 0.80 THEN 'SUPER_APP'
            WHEN r < 0.88 THEN 'LOKET_MPP' WHEN r < 0.96 THEN 'KECAMATAN' ELSE 'DESA' END
           AS channel,
       (:kecamatan)[1 + floor(cardinality(:kecamatan) * power(random(), 1.3))::int]
           AS kecamatan_code,
       CASE WHEN o < 0.80 THEN 'ISSUED' WHEN o < 0.86 THEN 'REJECTED'
            WHEN o < 0.90 THEN 'CANCELLED' WHEN o < 0.95 THEN 'IN_VERIFICATION'
            ELSE 'SUBMITTED' END AS outcome,
       random() < 0.2 AS revised,
       created,
       created + random() * interval '3 hours' AS submitted,
       random() * interval '1 day' AS to_claim,
       power(random(), 3) * interval '6 days' AS to_decide,
       random() * interval '1 day' AS to_issue,
       random() * interval '6 days' AS citizen_fix
FROM (SELECT i, random() AS r, random() AS o,
             timestamptz :start + random() * (timestamptz :end - timestamptz :start) AS created
      FROM generate_series(1, :n) AS i) AS drawn
"""

APPLICATIONS_SQL = """
INSERT INTO intake.applications (
    id, tracking_code, service_code, catalogue_version, status, round, nik, name, kk_number,
    kecamatan_code, email, form, warnings, access_token_hash, created_at, updated_at,
    submitted_at, deadline_at, issued_at, approved_at, pin_failures, channel)
SELECT id, 'B' || lpad(i::text, 11, '0'), service_code, 1,
       CASE WHEN outcome = 'IN_VERIFICATION' AND revised THEN 'REVISION_REQUESTED'
            ELSE outcome END,
       CASE WHEN revised AND outcome <> 'IN_VERIFICATION' THEN 2 ELSE 1 END,
       '3211' || lpad(i::text, 12, '0'), 'Penduduk Sintetis', '3211' || lpad(i::text, 12, '9'),
       kecamatan_code, 'sintetis@example.invalid', '{}'::jsonb, '[]'::jsonb, md5('t' || i),
       created, submitted, submitted + decided_offset,
       submitted + (interval '1 day' * (:targets)[service_code]) * 1.4
           + CASE WHEN revised THEN citizen_fix ELSE interval '0' END,
       CASE WHEN outcome = 'ISSUED' THEN submitted + decided_offset + to_issue END,
       CASE WHEN outcome = 'ISSUED' THEN submitted + decided_offset END,
       0, channel
FROM (SELECT *, to_claim + to_decide
                + CASE WHEN revised THEN citizen_fix + to_claim + to_decide ELSE interval '0' END
                AS decided_offset FROM plan) AS p
"""

# The status history: DRAFT, SUBMITTED, IN_VERIFICATION, then (revised) REVISION_REQUESTED,
# SUBMITTED (round 2), IN_VERIFICATION, then the outcome.
HISTORY_SQL = """
INSERT INTO intake.status_history (application_id, seq, status, at, round, reason_code,
                                   reason_text)
SELECT id, seq, status, at, round, reason, CASE WHEN reason IS NOT NULL THEN 'Alasan ' || reason END
FROM (
    SELECT id, 1 AS seq, 'DRAFT' AS status, created AS at, 0 AS round, NULL AS reason FROM plan
    UNION ALL SELECT id, 2, 'SUBMITTED', submitted, 1, NULL FROM plan
    UNION ALL SELECT id, 3, 'IN_VERIFICATION', submitted + to_claim, 1, NULL FROM plan
              WHERE revised OR outcome <> 'SUBMITTED'
    UNION ALL SELECT id, 4, 'REVISION_REQUESTED', submitted + to_claim + to_decide, 1,
                     (ARRAY['DOKUMEN_TIDAK_TERBACA', 'DATA_TIDAK_SESUAI', 'DOKUMEN_KURANG'])
                         [1 + (i % 3)]
              FROM plan WHERE revised
    UNION ALL SELECT id, 5, 'SUBMITTED', submitted + to_claim + to_decide + citizen_fix, 2, NULL
              FROM plan WHERE revised AND outcome <> 'IN_VERIFICATION'
    UNION ALL SELECT id, 6, 'IN_VERIFICATION',
                     submitted + 2 * to_claim + to_decide + citizen_fix, 2, NULL
              FROM plan WHERE revised AND outcome NOT IN ('IN_VERIFICATION', 'SUBMITTED')
    UNION ALL SELECT p.id, 4 + CASE WHEN revised THEN 3 ELSE 0 END, outcome_status,
                     a.submitted_at + (a.updated_at - a.submitted_at), a.round,
                     CASE WHEN outcome_status = 'REJECTED' THEN 'PERMOHONAN_GANDA' END
              FROM plan p JOIN intake.applications a ON a.id = p.id
              CROSS JOIN LATERAL unnest(CASE outcome WHEN 'ISSUED' THEN ARRAY['APPROVED']
                                                     WHEN 'REJECTED' THEN ARRAY['REJECTED']
                                                     WHEN 'CANCELLED' THEN ARRAY['CANCELLED']
                                                     ELSE ARRAY[]::text[] END) AS outcome_status
    UNION ALL SELECT p.id, 5 + CASE WHEN revised THEN 3 ELSE 0 END, 'ISSUED', a.issued_at,
                     a.round, NULL
              FROM plan p JOIN intake.applications a ON a.id = p.id WHERE outcome = 'ISSUED'
) AS rows
"""

# About 15 % of applications book an in-person step at one of three places.
APPOINTMENTS_SQL = [
    """INSERT INTO intake.locations (code, name, kind, kecamatan_code, address, steps, active,
                                     created_at, updated_at)
       SELECT code, 'Lokasi ' || code, kind, NULL, 'Alamat sintetis', '["BIOMETRICS"]', true,
              now(), now()
       FROM (VALUES ('BENCH-DINAS', 'DINAS'), ('BENCH-MPP', 'MPP'), ('BENCH-KEC', 'KECAMATAN'))
           AS l(code, kind)""",
    """INSERT INTO intake.slots (location_code, date, start_time, end_time, capacity, booked)
       SELECT l, d::date, '08:00', '12:00', 100000, 0
       FROM unnest(ARRAY['BENCH-DINAS', 'BENCH-MPP', 'BENCH-KEC']) AS l,
            generate_series(date :first, date :last, interval '1 day') AS d""",
    """INSERT INTO intake.appointments (id, application_id, step, slot_id, status, booked_at,
                                        updated_at)
       SELECT md5('ap' || p.i)::uuid, p.id, 'BIOMETRICS', s.id,
              CASE WHEN r < 0.8 THEN 'ATTENDED' WHEN r < 0.9 THEN 'NO_SHOW'
                   WHEN r < 0.95 THEN 'BOOKED' ELSE 'CANCELLED' END,
              p.submitted, p.submitted
       FROM (SELECT *, random() AS r FROM plan WHERE i % 7 = 0) AS p
       JOIN intake.slots s
         ON s.location_code = (ARRAY['BENCH-DINAS', 'BENCH-MPP', 'BENCH-KEC'])[1 + p.i % 3]
        AND s.date = LEAST((p.submitted AT TIME ZONE 'Asia/Jakarta')::date + 3, date :last)""",
]


def fill(session: Session, n: int, first_day: str, last_day: str, seed: float = 0.15) -> None:
    """``n`` applications created between the WIB dates ``first_day`` and ``last_day``."""
    catalogue = load_catalogue()
    kecamatan = [r.code for r in regions.children("32.11")]
    params = {"n": n, "start": f"{first_day} 00:00+07", "end": f"{last_day} 23:59+07",
              "services": list(catalogue), "kecamatan": kecamatan}
    session.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    session.execute(text(PLAN_SQL), params)
    targets = "jsonb_build_object(" + ", ".join(
        f"'{code}', {s.target_working_days}" for code, s in catalogue.items()) + ")"
    session.execute(text(APPLICATIONS_SQL.replace(
        "(:targets)[service_code]", f"({targets} ->> service_code)::int")))
    session.execute(text(HISTORY_SQL))
    for statement in APPOINTMENTS_SQL:
        session.execute(text(statement), {"first": first_day, "last": last_day})
    session.commit()
    session.execute(text("DROP TABLE plan"))
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()  # statistics are transactional too
