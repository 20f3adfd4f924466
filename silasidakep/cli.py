"""``silasidakep``: the admin command line (migrations, staff accounts, development helpers)."""

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


def _staff_add(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from services.verification.staff import add_staff
    from silasidakep.db import make_engine

    if not args.password_stdin:
        print("use --password-stdin: passwords never go on the command line", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    engine = make_engine(args.database_url or load_settings().database_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            staff = add_staff(session, args.username, args.role, password)
            print(f"staff {staff.username} created with roles {', '.join(staff.roles)}")
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


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
    add.set_defaults(run=_staff_add)

    dead = commands.add_parser("dead-letters", help="list dead-letter queues, or replay one")
    dead.add_argument("--replay", dest="queue", metavar="WORK_QUEUE",
                      help="move the dead letters of this work queue back to it")
    dead.add_argument("--limit", type=int, default=None)
    dead.set_defaults(run=_dead_letters)

    dev_ca = commands.add_parser("dev-ca", help="create the development signing CA if missing")
    dev_ca.add_argument("directory", nargs="?", default="var/pki")
    dev_ca.set_defaults(run=_dev_ca)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
