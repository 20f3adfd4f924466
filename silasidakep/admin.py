"""What every service's admin commands share: a transaction of their own, errors printed for an
operator, and the kernel's own commands (migrations, dead letters).

Each service keeps its commands in ``services/<name>/admin.py`` with an ``add_commands``
function like the one here; the top-level ``cli`` package gathers them into one program.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from silasidakep import deadletters, migrations
from silasidakep.config import load_settings
from silasidakep.db import make_engine
from silasidakep.errors import DomainError


@contextmanager
def transaction(database_url: str | None) -> Iterator[Session]:
    """One transaction on this deployment's database (``--database-url`` or $DATABASE_URL)."""
    engine = make_engine(database_url or load_settings().database_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def reporting_errors(action: Callable[[], int | None]) -> int:
    """Run ``action``; a domain error (an unknown account, a duplicate code) is printed for the
    operator and exits 1 instead of ending in a traceback."""
    try:
        return action() or 0
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}", file=sys.stderr)
        return 1


def _migrate(args: argparse.Namespace) -> int:
    migrations.upgrade_all(args.database_url)
    print("migrations applied")
    return 0


def _make_migration(args: argparse.Namespace) -> int:
    migrations.make_revision(args.service, args.message, args.database_url)
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    amqp_uri = load_settings().amqp_uri
    if args.queue:
        moved = deadletters.replay(amqp_uri, args.queue, args.limit)
        print(f"replayed {moved} message(s) to {args.queue}")
        return 0
    print("  dead  work queue (replay with --replay WORK_QUEUE)")
    for queue in deadletters.list_dead_queues(amqp_uri):
        print(f"{queue.messages:6d}  {queue.work_queue}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser("migrate", help="apply every service's migrations")
    migrate.set_defaults(run=_migrate)

    revision = commands.add_parser(
        "make-migration", help="autogenerate a migration for one service (developers)"
    )
    revision.add_argument("service", choices=migrations.SERVICES_WITH_DATA)
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(run=_make_migration)

    dead = commands.add_parser("dead-letters", help="list dead-letter queues, or replay one")
    dead.add_argument("--replay", dest="queue", metavar="WORK_QUEUE",
                      help="move the dead letters of this work queue back to it")
    dead.add_argument("--limit", type=int, default=None)
    dead.set_defaults(run=_dead_letters)
