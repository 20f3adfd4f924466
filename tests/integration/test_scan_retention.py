"""Retention of scans and key rotation on real PostgreSQL and S3: which applications are due,
what a run deletes and records, SKIP LOCKED between replicas, rotation keeping scans readable.

The database is shared by the session's tests, so assertions look at this test's applications
only; the clock is a parameter (``now``), moved past the retention period."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from minio.error import S3Error
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, retention
from services.intake.models import Document
from services.intake.scan_admin import rotate
from silasidakep import scan_crypto
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox
from silasidakep.errors import NotFound
from silasidakep.storage import ObjectStore
from tests.integration.conftest import INTAKE_OUTBOX
from tests.support.citizen import application_payload
from tests.support.identities import make_person

DAYS = 180
SCAN = b"%PDF-1.7 pindaian"


@pytest.fixture
def objects(s3_endpoint: str) -> ObjectStore:
    development = load_settings({"SILASIDAKEP_ENV": "development"})
    return ObjectStore(dataclasses.replace(development, s3_endpoint=s3_endpoint))


@pytest.fixture
def bucket(objects: ObjectStore) -> str:
    name = f"scans-{uuid.uuid4().hex[:12]}"
    objects.ensure_bucket(name)
    return name


def new_application(sessions: sessionmaker, outbox: Outbox, objects: ObjectStore, bucket: str,
                    keyring: scan_crypto.Keyring, seed: int) -> tuple[str, str, list[str]]:
    with sessions() as s, s.begin():
        created = commands.create_application(s, outbox, application_payload(make_person(seed)))
    app_id, token, keys = created["id"], created["access_token"], []
    for doc_type in ("KK_LAMA", "BUKTI_PERUBAHAN"):
        key = f"applications/{app_id}/{doc_type}/{uuid.uuid4()}"
        scan_crypto.put_scan(objects, keyring, bucket, key, SCAN)
        with sessions() as s, s.begin():
            commands.attach_document(s, app_id, token, {
                "doc_type": doc_type, "object_key": key, "content_type": "application/pdf",
                "size": len(SCAN), "sha256": hashlib.sha256(SCAN).hexdigest()})
        keys.append(key)
    return app_id, token, keys


def due_ids(sessions: sessionmaker, now: datetime, lock: bool = False) -> set[str]:
    with sessions() as s, s.begin():
        return {str(d.application_id) for d in retention.find_due(s, now, DAYS, None, lock)}


def audit_entries(sessions: sessionmaker, app_id: str) -> list[dict]:
    with sessions() as s:
        rows = s.execute(select(INTAKE_OUTBOX.c.envelope)
                         .where(INTAKE_OUTBOX.c.event_type == "intake.audit_recorded")).all()
    found = [parse_envelope(e, e["event_type"])[1] for (e,) in rows]
    return [d for d in found if str(d["application_id"]) == app_id]


def test_a_run_deletes_the_scans_of_applications_ended_past_retention_only(
    intake_sessions: sessionmaker, intake_outbox: Outbox, objects: ObjectStore, bucket: str
) -> None:
    keyring = scan_crypto.load_keyring({"SILASIDAKEP_ENV": "development"})
    ended, token, ended_keys = new_application(intake_sessions, intake_outbox, objects, bucket,
                                           keyring, 9101)
    draft, _, draft_keys = new_application(intake_sessions, intake_outbox, objects, bucket,
                                           keyring, 9102)
    with intake_sessions() as s, s.begin():
        commands.cancel(s, intake_outbox, ended, token, "Salah memilih layanan")
    now = datetime.now(UTC)
    assert ended not in due_ids(intake_sessions, now + timedelta(days=DAYS - 1))
    later = now + timedelta(days=DAYS, minutes=1)
    assert ended in due_ids(intake_sessions, later)
    assert draft not in due_ids(intake_sessions, later)  # never ended: kept

    purged = retention.run(intake_sessions, intake_outbox, objects, bucket, later, DAYS)
    mine = [d for d in purged if str(d.application_id) == ended]
    assert len(mine) == 1 and len(mine[0].documents) == 2
    for key in ended_keys:
        with pytest.raises(NotFound) as refused:
            scan_crypto.get_scan(objects, keyring, bucket, key)
        assert refused.value.code == "SCAN_PURGED"
    for key in draft_keys:
        assert scan_crypto.get_scan(objects, keyring, bucket, key) == SCAN
    with intake_sessions() as s:
        rows = s.scalars(select(Document).where(Document.object_key.in_(ended_keys))).all()
    # The metadata row stays: type, size, sha256, when it was purged.
    assert {r.doc_type for r in rows} == {"KK_LAMA", "BUKTI_PERUBAHAN"}
    assert all(r.purged_at == later and r.size == len(SCAN) and r.sha256 for r in rows)
    entries = audit_entries(intake_sessions, ended)
    assert [(e["action"], e["detail"], e["staff_id"]) for e in entries] == [
        ("SCANS_PURGED", "2 berkas", None)]

    again = retention.run(intake_sessions, intake_outbox, objects, bucket, later, DAYS)
    assert ended not in {str(d.application_id) for d in again}  # idempotent
    assert len(audit_entries(intake_sessions, ended)) == 1


def test_replicas_skip_what_another_holds(
    intake_sessions: sessionmaker, intake_outbox: Outbox, objects: ObjectStore, bucket: str
) -> None:
    keyring = scan_crypto.load_keyring({"SILASIDAKEP_ENV": "development"})
    app_id, token, _ = new_application(intake_sessions, intake_outbox, objects, bucket,
                                       keyring, 9103)
    with intake_sessions() as s, s.begin():
        commands.cancel(s, intake_outbox, app_id, token, None)
    later = datetime.now(UTC) + timedelta(days=DAYS + 1)
    with intake_sessions() as first, first.begin():
        held = {str(d.application_id)
                for d in retention.find_due(first, later, DAYS, None, lock=True)}
        assert app_id in held
        assert app_id not in due_ids(intake_sessions, later, lock=True)
    assert app_id in due_ids(intake_sessions, later, lock=True)


def test_rotation_rewraps_keeps_scans_readable_and_encrypts_legacy_ones(
    intake_sessions: sessionmaker, intake_outbox: Outbox, objects: ObjectStore, bucket: str
) -> None:
    old = scan_crypto.parse_keyring(scan_crypto.new_key_line("old"))
    _, _, keys = new_application(intake_sessions, intake_outbox, objects, bucket, old, 9104)
    objects.put(bucket, keys[1], SCAN, "application/pdf")  # stored before encryption existed
    new_line = scan_crypto.new_key_line("new")
    old_line = f"old:{base64.b64encode(old.key('old')).decode()}"
    both = scan_crypto.parse_keyring(f"{new_line},{old_line}")

    before = {key: objects.get(bucket, key) for key in keys}
    rotate(intake_sessions, objects, both, bucket, dry_run=True)
    assert {key: objects.get(bucket, key) for key in keys} == before  # a dry run writes nothing

    report = rotate(intake_sessions, objects, both, bucket)
    assert report.rewrapped >= 1 and report.encrypted >= 1
    only_new = scan_crypto.parse_keyring(new_line)
    for key in keys:
        blob = objects.get(bucket, key)
        assert scan_crypto.key_id(key, blob) == "new" and SCAN not in blob
        assert scan_crypto.get_scan(objects, only_new, bucket, key) == SCAN
    again = rotate(intake_sessions, objects, both, bucket)
    assert again.rewrapped == 0 and again.encrypted == 0


def test_a_missing_object_reads_as_purged(objects: ObjectStore, bucket: str) -> None:
    keyring = scan_crypto.load_keyring({"SILASIDAKEP_ENV": "development"})
    with pytest.raises(NotFound):
        scan_crypto.get_scan(objects, keyring, bucket, "applications/none/KK/1")
    with pytest.raises(S3Error):
        objects.get(bucket, "applications/none/KK/1")
