"""Admin commands over the stored scans: ``retention run`` and ``scans rotate-key`` /
``scans new-key`` (docs/data-protection.md).

Rotation walks intake's upload rows, not the bucket: it locks each batch of rows still stored
(``FOR UPDATE``, ordered by id like retention), so retention cannot delete an object while it
is being rewritten, and a rewrite can never bring back an object retention deleted.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from minio.error import S3Error
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.applications import retention
from services.intake.models import Document, metadata
from silasidakep import scan_crypto
from silasidakep.clock import now_utc
from silasidakep.config import load_settings
from silasidakep.db import Outbox, make_engine
from silasidakep.scan_crypto import Keyring
from silasidakep.storage import ObjectStore

ROTATION_BATCH = 100
OUTBOX = Outbox(metadata.tables["intake.outbox"], producer="intake")
Opener = Callable[[], AbstractContextManager[Session]]


@dataclass
class RotationReport:
    rewrapped: int = 0  # data key wrapped again under the newest key
    encrypted: int = 0  # a plaintext scan from before encryption, now encrypted
    current: int = 0  # already under the newest key
    missing: int = 0  # row says stored, object is gone (never written, or deleted by hand)
    by_key: dict[str, int] = field(default_factory=dict)  # key ids found (None: plaintext)

    def line(self, dry_run: bool) -> str:
        verb = "would rewrap" if dry_run else "rewrapped"
        found = ", ".join(f"{k}: {n}" for k, n in sorted(self.by_key.items()))
        return (f"{verb} {self.rewrapped}, {'would encrypt' if dry_run else 'encrypted'} "
                f"{self.encrypted} plaintext, {self.current} already current, "
                f"{self.missing} missing (keys found: {found or 'none'})")


def rotate(open_session: Opener, objects: ObjectStore, keyring: Keyring, bucket: str,
           dry_run: bool = False, batch: int = ROTATION_BATCH) -> RotationReport:
    """Every stored scan under ``keyring.newest``: rewrapped (the body is kept), or encrypted
    if it is a legacy plaintext one. ``dry_run`` reads and counts, writes nothing."""
    report, after = RotationReport(), None
    while True:
        with open_session() as session, session.begin():
            documents = _stored_batch(session, after, batch, lock=not dry_run)
            for document in documents:
                _rotate_one(objects, keyring, bucket, document.object_key, dry_run, report)
        if len(documents) < batch:
            return report
        after = documents[-1].id


def _stored_batch(session: Session, after: uuid.UUID | None, batch: int,
                  lock: bool) -> list[Document]:
    query = select(Document).where(Document.purged_at.is_(None))
    if after is not None:
        query = query.where(Document.id > after)
    query = query.order_by(Document.id).limit(batch)
    return list(session.scalars(query.with_for_update() if lock else query))


def _rotate_one(objects: ObjectStore, keyring: Keyring, bucket: str, key: str, dry_run: bool,
                report: RotationReport) -> None:
    try:
        blob = objects.get(bucket, key)
    except S3Error as exc:
        if exc.code != "NoSuchKey":
            raise
        report.missing += 1
        return
    found = scan_crypto.key_id(key, blob) or "plaintext"
    report.by_key[found] = report.by_key.get(found, 0) + 1
    rewritten = scan_crypto.rewrap(keyring, key, blob)
    if rewritten is None:
        report.current += 1
        return
    if scan_crypto.is_encrypted(blob):
        report.rewrapped += 1
    else:
        report.encrypted += 1
    if not dry_run:
        objects.put(bucket, key, rewritten, scan_crypto.STORED_CONTENT_TYPE)


# --- the commands -------------------------------------------------------------------------


def _opener(args: argparse.Namespace) -> tuple[Opener, Callable[[], None]]:
    engine = make_engine(args.database_url or load_settings().database_url, pool_size=1)
    return (lambda: Session(engine, expire_on_commit=False)), engine.dispose


def _rotate_key(args: argparse.Namespace) -> int:
    settings = load_settings()
    keyring = scan_crypto.load_keyring()
    open_session, close = _opener(args)
    try:
        report = rotate(open_session, ObjectStore(settings), keyring, settings.scans_bucket,
                        dry_run=args.dry_run)
    finally:
        close()
    print(f"newest key: {keyring.newest[0]}; " + report.line(args.dry_run))
    return 0


def _new_key(args: argparse.Namespace) -> int:
    print(scan_crypto.new_key_line(args.key_id))
    return 0


def _retention_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    days, now = retention.retention_days(), now_utc()
    open_session, close = _opener(args)
    try:
        if args.dry_run:
            with open_session() as session:
                due = retention.find_due(session, now, days, limit=None)
        else:
            due = retention.run(open_session, OUTBOX, ObjectStore(settings),
                                settings.scans_bucket, now, days)
    finally:
        close()
    for item in due:
        print(f"{item.tracking_code}  {item.application_id}  ended {item.ended_at:%Y-%m-%d}  "
              f"{len(item.documents)} scan(s), {item.size} bytes")
    scans = sum(len(item.documents) for item in due)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {scans} scan(s) of {len(due)} application(s) ended more than {days} days"
          f" ago{' (dry run: nothing deleted)' if args.dry_run else ''}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    scans = commands.add_parser("scans", help="scans encrypted at rest: keys")
    scan_commands = scans.add_subparsers(dest="scans_command", required=True)
    rotate_key = scan_commands.add_parser(
        "rotate-key", help="wrap every scan's data key under the newest SCAN_KEYS key")
    rotate_key.add_argument("--dry-run", action="store_true", help="count, change nothing")
    rotate_key.set_defaults(run=_rotate_key)
    new_key = scan_commands.add_parser("new-key", help="print a new ID:BASE64KEY for SCAN_KEYS")
    new_key.add_argument("key_id", help="e.g. 2026-01")
    new_key.set_defaults(run=_new_key)

    policy = commands.add_parser("retention", help="delete scans past SCAN_RETENTION_DAYS")
    policy_commands = policy.add_subparsers(dest="retention_command", required=True)
    run = policy_commands.add_parser("run", help="delete the scans of applications ended "
                                                 "more than SCAN_RETENTION_DAYS ago")
    run.add_argument("--dry-run", action="store_true", help="list them, delete nothing")
    run.set_defaults(run=_retention_run)
