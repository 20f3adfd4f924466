"""Intake's admin commands: service locations and appointment slots for in-person steps, and
the development locations ``bin/run-local`` seeds."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.intake import scan_admin
from services.intake.appointments import locations as location_admin
from services.intake.appointments.parsing import parse_date
from silasidakep.admin import reporting_errors, transaction
from silasidakep.clock import today_wib
from silasidakep.errors import Conflict

BOTH_STEPS = ["BIOMETRICS", "COLLECTION"]
# Development only (placeholder addresses): the booking pages have something to show on a
# fresh machine. Production locations are managed with ``locations add`` / ``slots add`` or the
# staff API.
DEVELOPMENT_LOCATIONS = [
    ({"code": "DINAS", "kind": "DINAS", "name": "Kantor Disdukcapil Kabupaten Sumedang",
      "address": "Jalan Prabu Geusan Ulun, Sumedang", "steps": BOTH_STEPS},
     ["08:00-10:00", "10:00-12:00", "13:00-15:00"], 20),
    ({"code": "MPP-SUMEDANG", "kind": "MPP", "name": "Mal Pelayanan Publik (MPP) Sumedang",
      "address": "Jalan Mayor Abdurahman, Sumedang", "steps": BOTH_STEPS},
     ["08:00-10:00", "10:00-12:00", "13:00-15:00"], 20),
    ({"code": "KEC-321106", "kind": "KECAMATAN", "kecamatan_code": "32.11.06",
      "name": "Kantor Kecamatan Situraja", "address": "Jalan Raya Situraja",
      "steps": BOTH_STEPS},
     ["08:00-10:00", "10:00-12:00"], 10),
    ({"code": "KEC-321101", "kind": "KECAMATAN", "kecamatan_code": "32.11.01",
      "name": "Kantor Kecamatan Wado", "address": "Jalan Raya Wado", "steps": BOTH_STEPS},
     ["08:00-10:00", "10:00-12:00"], 10),
]


def _write(args: argparse.Namespace, action: Callable[[Session], str]) -> int:
    """Run ``action(session)`` in one transaction on intake's tables and print its result."""

    def run() -> None:
        with transaction(args.database_url) as session:
            print(action(session))

    return reporting_errors(run)


def _locations_add(args: argparse.Namespace) -> int:
    payload = {
        "code": args.code, "name": args.name, "kind": args.kind,
        "kecamatan_code": args.kecamatan, "address": args.address, "steps": args.step,
    }

    def add(session: Session) -> str:
        try:
            location = location_admin.create_location(session, payload)
        except Conflict as exc:
            if exc.code != "LOCATION_EXISTS" or not args.exists_ok:
                raise
            return f"location {args.code} exists; left as it is"
        return f"location {location['code']} created ({location['name']})"

    return _write(args, add)


def _slots_add(args: argparse.Namespace) -> int:
    start = parse_date(args.date_from, "from") if args.date_from else today_wib()
    if args.date_to:
        end = parse_date(args.date_to, "to")
    elif args.days:
        end = start + timedelta(days=args.days - 1)
    else:
        print("give --to DATE or --days N", file=sys.stderr)
        return 2
    payload = {
        "from": start.isoformat(), "to": end.isoformat(), "windows": args.window,
        "capacity": args.capacity, "include_weekends": args.include_weekends,
        "include_holidays": args.include_holidays,
    }

    def add(session: Session) -> str:
        result = location_admin.create_slots(session, args.code, payload)
        return (f"{result['location_code']}: {result['created']} slot(s) created,"
                f" {result['existing']} existed already")

    return _write(args, add)


def seed_development_locations(session: Session, days: int) -> list[str]:
    """Idempotent: existing locations keep the operator's changes, existing slots are skipped."""
    today, report = today_wib(), []
    for location, windows, capacity in DEVELOPMENT_LOCATIONS:
        try:
            with session.begin_nested():
                location_admin.create_location(session, location)
        except Conflict:
            pass  # exists: leave the operator's changes alone
        created: dict[str, Any] = location_admin.create_slots(session, location["code"], {
            "from": today.isoformat(),
            "to": (today + timedelta(days=days - 1)).isoformat(),
            "windows": windows, "capacity": capacity,
        })
        report.append(f"{location['code']}: {created['created']} new slot(s)")
    return report


def _seed(args: argparse.Namespace) -> int:
    return _write(args, lambda session: "development locations: "
                  + "; ".join(seed_development_locations(session, args.days)))


def add_commands(commands: argparse._SubParsersAction) -> None:
    locations = commands.add_parser("locations", help="service locations for in-person steps")
    location_commands = locations.add_subparsers(dest="locations_command", required=True)
    add_location = location_commands.add_parser("add", help="add a location")
    add_location.add_argument("code", help="e.g. DINAS, MPP-SUMEDANG, KEC-321106")
    add_location.add_argument("--name", required=True)
    add_location.add_argument("--kind", required=True, choices=location_admin.LOCATION_KINDS)
    add_location.add_argument("--kecamatan", help="Kemendagri code, e.g. 32.11.06")
    add_location.add_argument("--address", required=True)
    add_location.add_argument("--step", action="append", default=[],
                              help="presence step served here; repeat (BIOMETRICS, COLLECTION);"
                              " a DESA counter may serve none")
    add_location.add_argument("--exists-ok", action="store_true",
                              help="succeed without changes when the code exists")
    add_location.set_defaults(run=_locations_add)

    slots = commands.add_parser("slots", help="appointment slots")
    slot_commands = slots.add_subparsers(dest="slots_command", required=True)
    add_slots = slot_commands.add_parser(
        "add", help="create slots for every working day of a range × each window (idempotent)"
    )
    add_slots.add_argument("code", help="location code")
    add_slots.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: today, WIB)")
    add_slots.add_argument("--to", dest="date_to", help="YYYY-MM-DD, inclusive")
    add_slots.add_argument("--days", type=int, help="instead of --to: this many days")
    add_slots.add_argument("--window", action="append", required=True,
                           help="HH:MM-HH:MM in WIB; repeat for several")
    add_slots.add_argument("--capacity", type=int, required=True)
    add_slots.add_argument("--include-weekends", action="store_true")
    add_slots.add_argument("--include-holidays", action="store_true")
    add_slots.set_defaults(run=_slots_add)

    seed = commands.add_parser(
        "dev-seed-locations",
        help="development locations with slots for the next days (bin/run-local; idempotent)",
    )
    seed.add_argument("--days", type=int, default=14)
    seed.set_defaults(run=_seed)
    scan_admin.add_commands(commands)  # retention run, scans rotate-key / new-key
