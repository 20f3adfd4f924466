"""``silasidakep``: the admin command line.

Migrations, dead letters, staff accounts, reason codes, the access log, service locations and
slots, development helpers.

The one place allowed to import several services: each keeps its own commands in
``services/<name>/admin.py`` (and the kernel in ``silasidakep/admin.py``); this gathers them.
"""

from __future__ import annotations

import argparse

from services.intake import admin as intake_admin
from services.printing import admin as printing_admin
from services.verification import admin as verification_admin
from silasidakep import admin as kernel_admin

COMMAND_GROUPS = (kernel_admin, verification_admin, intake_admin, printing_admin)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="silasidakep", description="Silasidakep admin commands")
    parser.add_argument("--database-url", help="defaults to $DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
