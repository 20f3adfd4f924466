"""Development service locations with appointment slots for the next 14 days, so the booking
pages have something to show on a fresh machine. Idempotent: existing locations are left as
they are and existing slots are skipped. ``bin/run-local`` runs it on every start (development
only); the addresses are placeholders.

    python -m silasidakep.devtools.seed_locations [--days 14]

Production locations are managed with ``silasidakep locations add`` / ``slots add`` or the staff
API.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

BOTH = ["BIOMETRICS", "COLLECTION"]
LOCATIONS = [
    ({"code": "DINAS", "kind": "DINAS", "name": "Kantor Disdukcapil Kabupaten Sumedang",
      "address": "Jalan Prabu Geusan Ulun, Sumedang", "steps": BOTH},
     ["08:00-10:00", "10:00-12:00", "13:00-15:00"], 20),
    ({"code": "MPP-SUMEDANG", "kind": "MPP", "name": "Mal Pelayanan Publik (MPP) Sumedang",
      "address": "Jalan Mayor Abdurahman, Sumedang", "steps": BOTH},
     ["08:00-10:00", "10:00-12:00", "13:00-15:00"], 20),
    ({"code": "KEC-321106", "kind": "KECAMATAN", "kecamatan_code": "32.11.06",
      "name": "Kantor Kecamatan Situraja", "address": "Jalan Raya Situraja", "steps": BOTH},
     ["08:00-10:00", "10:00-12:00"], 10),
    ({"code": "KEC-321101", "kind": "KECAMATAN", "kecamatan_code": "32.11.01",
      "name": "Kantor Kecamatan Wado", "address": "Jalan Raya Wado", "steps": BOTH},
     ["08:00-10:00", "10:00-12:00"], 10),
]


def seed(database_url: str, days: int = 14) -> list[str]:
    from sqlalchemy.orm import Session

    from services.intake import appointments
    from silasidakep.db import make_engine
    from silasidakep.errors import Conflict

    engine = make_engine(database_url, pool_size=1)
    report = []
    try:
        with Session(engine) as session, session.begin():
            today = appointments.today_wib(appointments.now_utc())
            for location, windows, capacity in LOCATIONS:
                try:
                    with session.begin_nested():
                        appointments.create_location(session, location)
                except Conflict:
                    pass  # exists: leave the operator's changes alone
                created = appointments.create_slots(session, location["code"], {
                    "from": today.isoformat(),
                    "to": (today + timedelta(days=days - 1)).isoformat(),
                    "windows": windows, "capacity": capacity,
                })
                report.append(f"{location['code']}: {created['created']} new slot(s)")
    finally:
        engine.dispose()
    return report


def main() -> None:
    from silasidakep.config import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    print("development locations: " + "; ".join(seed(load_settings().database_url, args.days)))


if __name__ == "__main__":
    main()
