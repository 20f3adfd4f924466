"""Verification's admin commands: staff accounts, reason codes, the staff access log."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.verification import audit, reasons
from services.verification.staff import Actor, create_account, list_accounts, update_account
from silasidakep.admin import reporting_errors, transaction

DECISIONS = ("REJECT", "REQUEST_REVISION", "APPROVE")


def _operator() -> Actor:
    """The person at this command line, as the access log names them (``cli:<os user>``)."""
    try:
        login = getpass.getuser()
    except Exception:  # no login name in some containers
        login = "unknown"
    return Actor(None, f"cli:{login}"[:60])


def _as_operator(args: argparse.Namespace, action: Callable[[Session, Actor], Any]) -> int:
    """Run ``action(session, actor)`` in one transaction on verification's tables."""

    def run() -> int:
        with transaction(args.database_url) as session:
            return action(session, _operator()) or 0

    return reporting_errors(run)


def _staff_add(args: argparse.Namespace) -> int:
    if not args.password_stdin:
        print("use --password-stdin: passwords never go on the command line", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")

    def add(session: Session, actor: Actor) -> None:
        staff = create_account(session, actor, args.username, args.role, password, args.kecamatan,
                               args.location)
        print(f"staff {staff['username']} created with roles {', '.join(staff['roles'])}")

    return _as_operator(args, add)


def _staff_update(args: argparse.Namespace) -> int:
    changes = {"disable": {"active": False}, "enable": {"active": True},
               "roles": {"roles": getattr(args, "role", None)},
               "kecamatan": {"kecamatan_code": getattr(args, "code", None)},
               "location": {"location_code": getattr(args, "code", None)}}[args.staff_command]

    def update(session: Session, actor: Actor) -> None:
        staff = update_account(session, actor, args.username, **changes)
        state = "active" if staff["active"] else "disabled"
        print(f"staff {staff['username']}: {state}, roles {', '.join(staff['roles'])}"
              + (f", kecamatan {staff['kecamatan_code']}" if staff["kecamatan_code"] else "")
              + (f", location {staff['location_code']}" if staff["location_code"] else ""))

    return _as_operator(args, update)


def _staff_list(args: argparse.Namespace) -> int:
    def show(session: Session, actor: Actor) -> None:
        print(f"{'username':30} {'active':6}  {'locked until':25}  {'kecamatan':9}  roles")
        for account in list_accounts(session, actor):
            active = "yes" if account["active"] else "no"
            print(f"{account['username']:30} {active:6}  {account['locked_until'] or '-':25}"
                  f"  {account['kecamatan_code'] or '-':9}  {', '.join(account['roles'])}")

    return _as_operator(args, show)


def _reason_codes_list(args: argparse.Namespace) -> int:
    def show(session: Session, actor: Actor) -> None:
        print(f"{'code':32} {'active':6}  {'decisions':34}  text")
        for code in reasons.list_codes(session, include_inactive=True):
            active = "yes" if code["active"] else "no"
            print(f"{code['code']:32} {active:6}  {','.join(code['decisions']):34}"
                  f"  {code['text']}")

    return _as_operator(args, show)


def _reason_codes_add(args: argparse.Namespace) -> int:
    def add(session: Session, actor: Actor) -> None:
        code = reasons.create(session, actor, args.code, args.text, args.decision)
        print(f"reason code {code['code']} added for {', '.join(code['decisions'])}")

    return _as_operator(args, add)


def _reason_codes_update(args: argparse.Namespace) -> int:
    command = args.reason_codes_command
    changes = ({"active": command == "enable"} if command in ("disable", "enable") else
               {"reason_text": args.text, "decisions": args.decision})

    def change(session: Session, actor: Actor) -> None:
        code = reasons.update(session, actor, args.code, **changes)
        state = "active" if code["active"] else "disabled"
        print(f"reason code {code['code']}: {state}, {', '.join(code['decisions'])}:"
              f" {code['text']}")

    return _as_operator(args, change)


def _audit_verify(args: argparse.Namespace) -> int:
    anchors = {}
    for anchor in args.anchor or ():
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            print(f"error: --anchor wants SEQ:HASH, got {anchor!r}", file=sys.stderr)
            return 2
        anchors[int(seq)] = digest.lower()
    with transaction(args.database_url) as session:
        report = audit.verify_chain(session, anchors)
    print(f"access log chain: {report.status} ({report.entries} entries)")
    if not report.intact:
        print(f"first broken entry: seq {report.first_broken_seq} ({report.reason})")
        return 1
    print(f"head: {report.head_seq}:{report.head_hash}  (keep it elsewhere; check it later"
          " with --anchor)")
    return 0


def _audit_export(args: argparse.Namespace) -> int:
    query = {"from": args.date_from, "to": args.date_to, "application_id": args.application_id,
             "username": args.username}

    def export(session: Session, actor: Actor) -> int:
        filters = audit.Filters.parse(query)
        report = audit.verify_chain(session)
        count = audit.write_csv(audit.iter_entries(session, filters), sys.stdout)
        audit.append(session, "AUDIT_EXPORT", username=actor.username,
                     application_id=filters.application_id, detail=filters.describe())
        print(f"{count} entries exported; chain {report.status}", file=sys.stderr)
        return 0

    return _as_operator(args, export)


def _add_staff_commands(commands: argparse._SubParsersAction) -> None:
    staff = commands.add_parser("staff", help="manage staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, help="repeat for several roles")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--kecamatan", help="kecamatan code (e.g. 32.11.06); required for the"
                     " kecamatan_operator role")
    add.add_argument("--location", help="service location code (e.g. MPP-SUMEDANG); required"
                     " for the front_office role")
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
    location = staff_commands.add_parser(
        "location", help="bind an account to the service location whose counter it works"
        " (\"\" unbinds)"
    )
    location.add_argument("username")
    location.add_argument("code")
    location.set_defaults(run=_staff_update)
    staff_list = staff_commands.add_parser(
        "list", help="accounts: username, active, locked until, roles"
    )
    staff_list.set_defaults(run=_staff_list)


def _add_reason_code_commands(commands: argparse._SubParsersAction) -> None:
    reason_codes = commands.add_parser(
        "reason-codes", help="the reason codes decisions carry (Indonesian texts)"
    )
    reason_commands = reason_codes.add_subparsers(dest="reason_codes_command", required=True)
    reason_list = reason_commands.add_parser("list", help="every code: active, decisions, text")
    reason_list.set_defaults(run=_reason_codes_list)
    reason_add = reason_commands.add_parser("add", help="add a code (active at once)")
    reason_add.add_argument("code", help="e.g. FOTO_TIDAK_JELAS")
    reason_add.add_argument("--text", required=True, help="what the citizen reads (Indonesian)")
    reason_add.add_argument("--decision", action="append", required=True, choices=DECISIONS,
                            help="a decision it applies to; repeat for several")
    reason_add.set_defaults(run=_reason_codes_add)
    reason_update = reason_commands.add_parser("update", help="change a code's text or decisions")
    reason_update.add_argument("code")
    reason_update.add_argument("--text")
    reason_update.add_argument("--decision", action="append", choices=DECISIONS,
                               help="replaces the decisions; repeat for several")
    reason_update.set_defaults(run=_reason_codes_update)
    for name, text in (("disable", "verifiers can no longer pick it (past decisions keep it)"),
                       ("enable", "make a disabled code available again")):
        toggle = reason_commands.add_parser(name, help=text)
        toggle.add_argument("code")
        toggle.set_defaults(run=_reason_codes_update)


def _add_audit_commands(commands: argparse._SubParsersAction) -> None:
    audit_parser = commands.add_parser("audit", help="the hash-chained staff access log")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
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


def add_commands(commands: argparse._SubParsersAction) -> None:
    _add_staff_commands(commands)
    _add_reason_code_commands(commands)
    _add_audit_commands(commands)
