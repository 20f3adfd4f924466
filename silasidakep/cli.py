"""``silasidakep``: the admin command line (migrations, staff accounts, reason codes, the access
log, development helpers)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from silasidakep.config import load_settings
from silasidakep.errors import DomainError
from silasidakep.migrations import SERVICES_WITH_DATA


def _migrate(args: argparse.Namespace) -> int:
    from silasidakep.migrations import upgrade_all

    upgrade_all(args.database_url)
    print("migrations applied")
    return 0


def _make_migration(args: argparse.Namespace) -> int:
    from silasidakep.migrations import make_revision

    make_revision(args.service, args.message, args.database_url)
    return 0


def _verification_write(args: argparse.Namespace, action) -> int:
    """Run ``action(session, actor)`` in one transaction on verification's tables, as the
    operator at this command line (``cli:<os user>`` in the access log)."""
    import getpass

    from sqlalchemy.orm import Session

    from services.verification.staff import Actor
    from silasidakep.db import make_engine

    try:
        operator = getpass.getuser()
    except Exception:  # no login name in some containers
        operator = "unknown"
    engine = make_engine(args.database_url or load_settings().database_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            return action(session, Actor(None, f"cli:{operator}"[:60])) or 0
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _staff_add(args: argparse.Namespace) -> int:
    from services.verification.staff import create_account

    if not args.password_stdin:
        print("use --password-stdin: passwords never go on the command line", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")

    def add(session, actor) -> None:
        staff = create_account(session, actor, args.username, args.role, password, args.kecamatan)
        print(f"staff {staff['username']} created with roles {', '.join(staff['roles'])}")

    return _verification_write(args, add)


def _staff_update(args: argparse.Namespace) -> int:
    from services.verification.staff import update_account

    changes = {"disable": {"active": False}, "enable": {"active": True},
               "roles": {"roles": getattr(args, "role", None)},
               "kecamatan": {"kecamatan_code": getattr(args, "code", None)}}[args.staff_command]

    def update(session, actor) -> None:
        staff = update_account(session, actor, args.username, **changes)
        state = "active" if staff["active"] else "disabled"
        print(f"staff {staff['username']}: {state}, roles {', '.join(staff['roles'])}"
              + (f", kecamatan {staff['kecamatan_code']}" if staff["kecamatan_code"] else ""))

    return _verification_write(args, update)


def _staff_list(args: argparse.Namespace) -> int:
    from services.verification.staff import list_accounts

    def show(session, actor) -> None:
        print(f"{'username':30} {'active':6}  {'locked until':25}  {'kecamatan':9}  roles")
        for account in list_accounts(session, actor):
            active = "yes" if account["active"] else "no"
            print(f"{account['username']:30} {active:6}  {account['locked_until'] or '-':25}"
                  f"  {account['kecamatan_code'] or '-':9}  {', '.join(account['roles'])}")

    return _verification_write(args, show)


def _reason_codes_list(args: argparse.Namespace) -> int:
    from services.verification.reasons import list_codes

    def show(session, actor) -> None:
        print(f"{'code':32} {'active':6}  {'decisions':34}  text")
        for code in list_codes(session, include_inactive=True):
            active = "yes" if code["active"] else "no"
            print(f"{code['code']:32} {active:6}  {','.join(code['decisions']):34}"
                  f"  {code['text']}")

    return _verification_write(args, show)


def _reason_codes_add(args: argparse.Namespace) -> int:
    from services.verification.reasons import create

    def add(session, actor) -> None:
        code = create(session, actor, args.code, args.text, args.decision)
        print(f"reason code {code['code']} added for {', '.join(code['decisions'])}")

    return _verification_write(args, add)


def _reason_codes_update(args: argparse.Namespace) -> int:
    from services.verification.reasons import update

    command = args.reason_codes_command
    changes = ({"active": command == "enable"} if command in ("disable", "enable") else
               {"reason_text": args.text, "decisions": args.decision})

    def change(session, actor) -> None:
        code = update(session, actor, args.code, **changes)
        state = "active" if code["active"] else "disabled"
        print(f"reason code {code['code']}: {state}, {', '.join(code['decisions'])}:"
              f" {code['text']}")

    return _verification_write(args, change)


def _audit_verify(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from services.verification.audit import verify_chain
    from silasidakep.db import make_engine

    anchors = {}
    for anchor in args.anchor or ():
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            print(f"error: --anchor wants SEQ:HASH, got {anchor!r}", file=sys.stderr)
            return 2
        anchors[int(seq)] = digest.lower()
    engine = make_engine(args.database_url or load_settings().database_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            report = verify_chain(session, anchors)
    finally:
        engine.dispose()
    print(f"access log chain: {report.status} ({report.entries} entries)")
    if not report.intact:
        print(f"first broken entry: seq {report.first_broken_seq} ({report.reason})")
        return 1
    print(f"head: {report.head_seq}:{report.head_hash}  (keep it elsewhere; check it later"
          " with --anchor)")
    return 0


def _audit_export(args: argparse.Namespace) -> int:
    from services.verification import audit

    query = {"from": args.date_from, "to": args.date_to, "application_id": args.application_id,
             "username": args.username}

    def export(session, actor) -> int:
        filters = audit.Filters.parse(query)
        report = audit.verify_chain(session)
        count = audit.write_csv(audit.iter_entries(session, filters), sys.stdout)
        audit.append(session, "AUDIT_EXPORT", username=actor.username,
                     application_id=filters.application_id, detail=filters.describe())
        print(f"{count} entries exported; chain {report.status}", file=sys.stderr)
        return 0

    return _verification_write(args, export)


def _dev_ca(args: argparse.Namespace) -> int:
    from services.printing.documents.devca import ensure_dev_pki

    files = ensure_dev_pki(Path(args.directory))
    print(f"development CA: {files.ca_file}")
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    from silasidakep import deadletters

    amqp_uri = load_settings().amqp_uri
    if args.queue:
        moved = deadletters.replay(amqp_uri, args.queue, args.limit)
        print(f"replayed {moved} message(s) to {args.queue}")
        return 0
    print("  dead  work queue (replay with --replay WORK_QUEUE)")
    for queue in deadletters.list_dead_queues(amqp_uri):
        print(f"{queue.messages:6d}  {queue.work_queue}")
    return 0


def _intake_write(args: argparse.Namespace, action) -> int:
    """Run ``action(session)`` in one transaction on intake's tables; print domain errors."""
    from sqlalchemy.orm import Session

    from silasidakep.db import make_engine

    engine = make_engine(args.database_url or load_settings().database_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            print(action(session))
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _locations_add(args: argparse.Namespace) -> int:
    from services.intake import appointments
    from silasidakep.errors import Conflict

    payload = {
        "code": args.code, "name": args.name, "kind": args.kind,
        "kecamatan_code": args.kecamatan, "address": args.address, "steps": args.step,
    }

    def add(session) -> str:
        try:
            location = appointments.create_location(session, payload)
        except Conflict as exc:
            if exc.code != "LOCATION_EXISTS" or not args.exists_ok:
                raise
            return f"location {args.code} exists; left as it is"
        return f"location {location['code']} created ({location['name']})"

    return _intake_write(args, add)


def _slots_add(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from services.intake import appointments

    today = appointments.today_wib(appointments.now_utc())
    start = appointments.parse_date(args.date_from, "from") if args.date_from else today
    if args.date_to:
        end = appointments.parse_date(args.date_to, "to")
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

    def add(session) -> str:
        result = appointments.create_slots(session, args.code, payload)
        return (f"{result['location_code']}: {result['created']} slot(s) created,"
                f" {result['existing']} existed already")

    return _intake_write(args, add)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="silasidakep", description=__doc__)
    parser.add_argument("--database-url", help="defaults to $DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="apply every service's migrations")
    migrate.set_defaults(run=_migrate)

    revision = commands.add_parser(
        "make-migration", help="autogenerate a migration for one service (developers)"
    )
    revision.add_argument("service", choices=SERVICES_WITH_DATA)
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(run=_make_migration)

    staff = commands.add_parser("staff", help="manage staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, help="repeat for several roles")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--kecamatan", help="kecamatan code (e.g. 32.11.06); required for the"
                     " kecamatan_operator role")
    add.set_defaults(run=_staff_add)
    disable = staff_commands.add_parser(
        "disable", help="disable an account (its tokens stop working at once)"
    )
    disable.add_argument("username")
    disable.set_defaults(run=_staff_update)
    enable = staff_commands.add_parser("enable", help="enable an account (also lifts a lock)")
    enable.add_argument("username")
    enable.set_defaults(run=_staff_update)
    roles = staff_commands.add_parser("roles", help="replace an account's roles")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True, help="repeat for several roles")
    roles.set_defaults(run=_staff_update)
    kecamatan = staff_commands.add_parser(
        "kecamatan", help="bind an account to the kecamatan whose desk it works (\"\" unbinds)"
    )
    kecamatan.add_argument("username")
    kecamatan.add_argument("code")
    kecamatan.set_defaults(run=_staff_update)
    staff_list = staff_commands.add_parser(
        "list", help="accounts: username, active, locked until, roles"
    )
    staff_list.set_defaults(run=_staff_list)

    reason_codes = commands.add_parser(
        "reason-codes", help="the reason codes decisions carry (Indonesian texts)"
    )
    reason_commands = reason_codes.add_subparsers(dest="reason_codes_command", required=True)
    reason_list = reason_commands.add_parser(
        "list", help="every code: active, decisions, text"
    )
    reason_list.set_defaults(run=_reason_codes_list)
    reason_add = reason_commands.add_parser("add", help="add a code (active at once)")
    reason_add.add_argument("code", help="e.g. FOTO_TIDAK_JELAS")
    reason_add.add_argument("--text", required=True, help="what the citizen reads (Indonesian)")
    reason_add.add_argument("--decision", action="append", required=True,
                            choices=("REJECT", "REQUEST_REVISION", "APPROVE"),
                            help="a decision it applies to; repeat for several")
    reason_add.set_defaults(run=_reason_codes_add)
    reason_update = reason_commands.add_parser("update", help="change a code's text or decisions")
    reason_update.add_argument("code")
    reason_update.add_argument("--text")
    reason_update.add_argument("--decision", action="append",
                               choices=("REJECT", "REQUEST_REVISION", "APPROVE"),
                               help="replaces the decisions; repeat for several")
    reason_update.set_defaults(run=_reason_codes_update)
    for name, text in (("disable", "verifiers can no longer pick it (past decisions keep it)"),
                       ("enable", "make a disabled code available again")):
        toggle = reason_commands.add_parser(name, help=text)
        toggle.add_argument("code")
        toggle.set_defaults(run=_reason_codes_update)

    audit = commands.add_parser("audit", help="the hash-chained staff access log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="recompute the chain; exit code 1 when it is broken"
    )
    verify.add_argument("--anchor", action="append", metavar="SEQ:HASH",
                        help="a head printed earlier and kept outside the database; repeatable")
    verify.set_defaults(run=_audit_verify)
    export = audit_commands.add_parser("export", help="entries as CSV on stdout")
    export.add_argument("--from", dest="date_from", help="YYYY-MM-DD (WIB) or ISO date-time")
    export.add_argument("--to", dest="date_to", help="YYYY-MM-DD (WIB, inclusive) or ISO date-time")
    export.add_argument("--application-id")
    export.add_argument("--username")
    export.set_defaults(run=_audit_export)

    dead = commands.add_parser("dead-letters", help="list dead-letter queues, or replay one")
    dead.add_argument("--replay", dest="queue", metavar="WORK_QUEUE",
                      help="move the dead letters of this work queue back to it")
    dead.add_argument("--limit", type=int, default=None)
    dead.set_defaults(run=_dead_letters)

    dev_ca = commands.add_parser("dev-ca", help="create the development signing CA if missing")
    dev_ca.add_argument("directory", nargs="?", default="var/pki")
    dev_ca.set_defaults(run=_dev_ca)

    locations = commands.add_parser("locations", help="service locations for in-person steps")
    location_commands = locations.add_subparsers(dest="locations_command", required=True)
    add_location = location_commands.add_parser("add", help="add a location")
    add_location.add_argument("code", help="e.g. DINAS, MPP-SUMEDANG, KEC-321106")
    add_location.add_argument("--name", required=True)
    add_location.add_argument("--kind", required=True, choices=("DINAS", "MPP", "KECAMATAN"))
    add_location.add_argument("--kecamatan", help="Kemendagri code, e.g. 32.11.06")
    add_location.add_argument("--address", required=True)
    add_location.add_argument("--step", action="append", required=True,
                              help="presence step served here; repeat (BIOMETRICS, COLLECTION)")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
