"""The staff access log is a tamper-evident hash chain, on real PostgreSQL.

Each test gets its own database migrated to verification's head, because the tampering tests
break the chain on purpose (with the append-only trigger bypassed, as a superuser could)."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from services.verification import audit
from silasidakep.db import make_engine
from silasidakep.migrations import alembic_config
from tests.support import infra


@pytest.fixture
def engine() -> Iterator[Engine]:
    name, url = infra.create_database("silasidakep_audit")
    try:
        command.upgrade(alembic_config("verification", url), "head")
        engine = make_engine(url, pool_size=12)
        yield engine
        engine.dispose()
    finally:
        infra.drop_database(name)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def write_entries(sessions: sessionmaker, count: int, prefix: str = "entry") -> list[int]:
    staff_id, application_id = uuid.uuid4(), uuid.uuid4()
    seqs = []
    for index in range(count):
        with sessions() as session, session.begin():
            seqs.append(audit.append(
                session, "VIEW_DOCUMENT", staff_id=staff_id, username="verifikator.audit",
                application_id=application_id, detail=f"{prefix}-{index}",
                client_ip="203.0.113.7",
            ))
    return seqs


def verify(sessions: sessionmaker, **kwargs) -> audit.ChainReport:
    with sessions() as session, session.begin():
        return audit.verify_chain(session, **kwargs)


def as_superuser_bypassing_triggers(engine: Engine, sql: str, **params) -> None:
    """What someone with database superuser rights could do: triggers do not fire for a
    session in replica mode."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def test_entries_form_one_chain_that_verifies(sessions) -> None:
    assert verify(sessions).intact and verify(sessions).entries == 0
    seqs = write_entries(sessions, 12)
    assert seqs == list(range(1, 13))
    report = verify(sessions)
    assert report.intact and report.status == "intact"
    assert (report.entries, report.head_seq, report.first_broken_seq) == (12, 12, None)
    with sessions() as session:
        entries, more = audit.search(session, audit.Filters())
    assert more is None
    assert entries[0]["prev_hash"] == audit.GENESIS
    for before, after in zip(entries, entries[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    fields = {k: v for k, v in entries[5].items() if k != "hash"}
    fields["at"] = datetime.fromisoformat(fields["at"])
    recomputed = audit.entry_hash(**fields)
    assert recomputed == entries[5]["hash"]


def test_the_database_refuses_update_delete_and_truncate(sessions) -> None:
    write_entries(sessions, 3)
    for sql in (
        "UPDATE verification.access_log SET detail = 'changed' WHERE seq = 2",
        "DELETE FROM verification.access_log WHERE seq = 2",
        "TRUNCATE verification.access_log",
        "DELETE FROM verification.audit_head",
        "UPDATE verification.audit_head SET seq = 1",
        "INSERT INTO verification.access_log (seq, at, action, prev_hash, hash)"
        " VALUES (9, now(), 'FORGED', 'x', 'y')",
    ):
        with sessions() as session, pytest.raises(DBAPIError), session.begin():
            session.execute(text(sql))
    assert verify(sessions).intact


def test_a_changed_past_entry_is_found_at_exactly_its_seq(engine, sessions) -> None:
    write_entries(sessions, 30)
    assert verify(sessions).intact
    as_superuser_bypassing_triggers(
        engine, "UPDATE verification.access_log SET detail = :detail WHERE seq = 17",
        detail="nothing to see here",
    )
    report = verify(sessions)
    assert not report.intact
    assert (report.first_broken_seq, report.reason, report.status) == (17, "hash", "broken at 17")
    assert report.entries == 30


def test_a_changed_entry_with_a_recomputed_hash_breaks_the_next_link(engine, sessions) -> None:
    write_entries(sessions, 10)
    with sessions() as session:
        entry = audit.search(session, audit.Filters(), after_seq=4, limit=1)[0][0]
    forged = audit.entry_hash(entry["seq"], datetime.fromisoformat(entry["at"]),
                              entry["staff_id"], "someone.else", entry["action"],
                              entry["application_id"], entry["detail"], entry["client_ip"],
                              entry["prev_hash"])
    as_superuser_bypassing_triggers(
        engine, "UPDATE verification.access_log SET username = 'someone.else', hash = :hash"
        " WHERE seq = 5", hash=forged,
    )
    report = verify(sessions)
    assert (report.first_broken_seq, report.reason) == (6, "prev_hash")


def test_a_deleted_entry_is_found(engine, sessions) -> None:
    write_entries(sessions, 20)
    as_superuser_bypassing_triggers(engine, "DELETE FROM verification.access_log WHERE seq = 8")
    report = verify(sessions)
    assert (report.intact, report.first_broken_seq, report.reason) == (False, 8, "gap")
    assert report.entries == 19


def test_deleted_entries_at_the_end_are_found_against_the_head(engine, sessions) -> None:
    write_entries(sessions, 9)
    as_superuser_bypassing_triggers(engine, "DELETE FROM verification.access_log WHERE seq >= 7")
    report = verify(sessions)
    assert (report.first_broken_seq, report.reason) == (7, "tail")


def test_a_rebuilt_chain_is_caught_by_an_anchor_kept_outside(engine, sessions) -> None:
    write_entries(sessions, 5)
    anchor = verify(sessions)
    # Rebuild everything from entry 3 on with a changed detail, recomputing every hash.
    with sessions() as session:
        entries = audit.search(session, audit.Filters())[0]
    prev = entries[1]["hash"]
    for entry in entries[2:]:
        entry["detail"] = "rewritten" if entry["seq"] == 3 else entry["detail"]
        entry["prev_hash"] = prev
        entry["hash"] = prev = audit.entry_hash(
            entry["seq"], datetime.fromisoformat(entry["at"]), entry["staff_id"],
            entry["username"], entry["action"], entry["application_id"], entry["detail"],
            entry["client_ip"], prev,
        )
        as_superuser_bypassing_triggers(
            engine, "UPDATE verification.access_log SET detail = :detail, prev_hash = :prev,"
            " hash = :hash WHERE seq = :seq", detail=entry["detail"], prev=entry["prev_hash"],
            hash=entry["hash"], seq=entry["seq"],
        )
    as_superuser_bypassing_triggers(
        engine, "UPDATE verification.audit_head SET hash = :hash", hash=prev
    )
    assert verify(sessions).intact  # consistent in itself ...
    report = verify(sessions, anchors={anchor.head_seq: anchor.head_hash})
    assert (report.first_broken_seq, report.reason) == (5, "anchor")  # ... but not with history


def test_concurrent_writers_make_one_unbroken_chain(sessions) -> None:
    write_entries(sessions, 3, "before")
    errors: list[BaseException] = []
    written: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(10)

    def writer(number: int) -> None:
        try:
            start.wait()
            for index in range(20):
                with sessions() as session, session.begin():
                    seq = audit.append(session, "VIEW_APPLICATION", staff_id=uuid.uuid4(),
                                       username=f"writer-{number}", detail=f"{index}",
                                       application_id=uuid.uuid4())
                with lock:
                    written.append(seq)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sorted(written) == list(range(4, 204))  # gapless, no seq twice
    report = verify(sessions)
    assert report.intact and report.entries == report.head_seq == 203


def test_a_rolled_back_entry_leaves_no_gap(sessions) -> None:
    write_entries(sessions, 2)
    with sessions() as session, pytest.raises(RuntimeError), session.begin():
        audit.append(session, "CLAIM", username="x")
        raise RuntimeError("the staff action failed after logging")
    assert write_entries(sessions, 1) == [3]
    assert verify(sessions).intact


def test_search_filters_and_csv_export(sessions) -> None:
    write_entries(sessions, 3)
    target = uuid.uuid4()
    with sessions() as session, session.begin():
        audit.append(session, "CLAIM", username="=cmd|' /C calc'!A0", application_id=target,
                     client_ip="198.51.100.1")
    with sessions() as session:
        by_app, _ = audit.search(session, audit.Filters.parse({"application_id": str(target)}))
        by_user, _ = audit.search(session, audit.Filters.parse({"username": "verifikator.audit"}))
        page, cursor = audit.search(session, audit.Filters(), limit=2)
        today = datetime.now(audit.WIB).date().isoformat()
        dated, _ = audit.search(session, audit.Filters.parse({"from": today, "to": today}))
        none, _ = audit.search(session, audit.Filters.parse({"to": "2000-01-01"}))
    assert [e["seq"] for e in by_app] == [4]
    assert len(by_user) == 3 and len(dated) == 4 and none == []
    assert ([e["seq"] for e in page], cursor) == ([1, 2], 2)
    rows = list(csv.reader(io.StringIO(audit.to_csv(by_app + by_user))))
    assert rows[0] == list(audit.FIELDS)
    assert rows[1][3] == "'=cmd|' /C calc'!A0"  # no formula for a spreadsheet
    assert len(rows) == 5


def test_bad_filters_are_refused_in_indonesian() -> None:
    with pytest.raises(audit.ValidationFailed) as bad_date:
        audit.Filters.parse({"from": "kemarin"})
    assert "from" in bad_date.value.fields
    with pytest.raises(audit.ValidationFailed):
        audit.Filters.parse({"application_id": "bukan-uuid"})
