"""The managed reason codes, supervisors' reassign/return and backlog board, and the duplicate
pre-checks, on real PostgreSQL (verification's service layer)."""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from services.verification import queue, reasons, staff, supervision
from services.verification.models import AccessLog, QueueItem, ReasonCode, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.config import load_settings
from silasidakep.db import Outbox, make_engine
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.support import infra

SECRET = load_settings().jwt_secret
PASSWORD = "kata-sandi-yang-panjang"
CLI = staff.Actor(None, "cli:test")
SEEDED = {"DOKUMEN_TIDAK_TERBACA", "DOKUMEN_TIDAK_SESUAI", "DATA_TIDAK_SESUAI_DOKUMEN",
          "DOKUMEN_KURANG", "BUKAN_PENDUDUK_KABUPATEN", "PERMOHONAN_GANDA", "DOKUMEN_TIDAK_SAH",
          "PERSYARATAN_TIDAK_TERPENUHI"}


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(database_url, pool_size=4)
    factory = sessionmaker(engine, expire_on_commit=False)
    created: list[uuid.UUID] = []
    factory.created = created  # type: ignore[attr-defined]
    yield factory
    with factory() as session, session.begin():
        decisions = metadata.tables["verification.decisions"]
        session.execute(decisions.delete().where(decisions.c.application_id.in_(created)))
        session.execute(delete(QueueItem).where(QueueItem.application_id.in_(created)))
        session.execute(metadata.tables["verification.outbox"].delete())
    engine.dispose()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(metadata.tables["verification.outbox"], producer="verification")


def account(sessions: sessionmaker, *roles: str) -> StaffPrincipal:
    """A real account (usernames show on the board) and its principal."""
    username = f"uji.{uuid.uuid4().hex[:8]}"
    with sessions() as session, session.begin():
        staff.create_account(session, CLI, username, list(roles), PASSWORD)
    with sessions() as session:
        token = staff.login(session, username, PASSWORD, SECRET, "192.0.2.7")
    with sessions() as session, session.begin():
        return staff.authenticate(session, token, SECRET)


def enqueue(sessions: sessionmaker, service: str = "UJI_PANTAU", nik: str = "3211060101900001",
            form: dict | None = None, hours_to_deadline: int = 24,
            kecamatan: str = "32.11.06") -> uuid.UUID:
    submitted = datetime.now(UTC) - timedelta(hours=1)
    data = {
        "application_id": uuid.uuid4(), "round": 1, "submitted_at": submitted,
        "deadline_at": datetime.now(UTC) + timedelta(hours=hours_to_deadline),
        "documents": [], "warnings": [],
        "requirements": {"service_name": "Layanan uji", "documents": [
            {"type": "KK", "label": "Kartu Keluarga", "required": True}], "fields": []},
        "application": {
            "tracking_code": f"SLS-{uuid.uuid4().hex[:8].upper()}", "service_code": service,
            "output_document": "KK", "form": form or {},
            "applicant": {"nik": nik, "name": "Uji Coba", "email": "u@example.org",
                          "kk_number": "3211060101200001", "kecamatan_code": kecamatan},
        },
    }
    with sessions() as session, session.begin():
        item = queue.enqueue(session, data)
    sessions.created.append(item.application_id)
    return item.application_id


def logged(sessions: sessionmaker, username: str) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(e.action, e.detail) for e in session.scalars(
            select(AccessLog).where(AccessLog.username == username).order_by(AccessLog.seq))]


# --- reason codes ----------------------------------------------------------------------------


def test_the_migration_seeds_the_former_list(sessions) -> None:
    with sessions() as session:
        listed = {c["code"]: c for c in reasons.list_codes(session, include_inactive=True)}
    assert set(listed) >= SEEDED
    assert listed["PERMOHONAN_GANDA"]["decisions"] == ["REJECT"]
    assert listed["DOKUMEN_KURANG"]["decisions"] == ["REQUEST_REVISION"]


def test_admin_manages_codes_and_decisions_use_only_active_ones(sessions, outbox) -> None:
    admin = account(sessions, "admin")
    actor = staff.Actor.of(admin, "192.0.2.8")
    code = f"UJI_{uuid.uuid4().hex[:6].upper()}"
    with sessions() as session, session.begin():
        created = reasons.create(session, actor, code, "Foto pada dokumen tidak jelas.",
                                 ["REQUEST_REVISION"])
    assert created["active"] and created["updated_by"] == admin.username
    with sessions() as session, pytest.raises(Conflict), session.begin():
        reasons.create(session, actor, code, "Foto pada dokumen tidak jelas.", ["REJECT"])

    verifier = account(sessions, "verifier")
    app = enqueue(sessions)
    with sessions() as session, session.begin():
        queue.claim_next(session, outbox, verifier, service_code="UJI_PANTAU")
    # Not for this decision; then deactivated; then unknown.
    for decision, reason, error in (("REJECT", code, "REASON_NOT_FOR_DECISION"),
                                    ("REJECT", None, "REASON_REQUIRED"),
                                    ("REJECT", "TIDAK_ADA", "UNKNOWN_REASON_CODE")):
        with sessions() as session, pytest.raises(ValidationFailed) as refused, session.begin():
            queue.decide(session, outbox, verifier, str(app), decision, reason)
        assert refused.value.code == error
    with sessions() as session, session.begin():
        reasons.update(session, actor, code, active=False)
    with sessions() as session, pytest.raises(ValidationFailed) as refused, session.begin():
        queue.decide(session, outbox, verifier, str(app), "REQUEST_REVISION", code,
                     fix_documents=["KK"])
    assert refused.value.code == "INACTIVE_REASON_CODE"
    with sessions() as session:
        assert code not in {c["code"] for c in reasons.list_codes(session)}
    with sessions() as session, session.begin():
        changed = reasons.update(session, actor, code, active=True,
                                 reason_text="Foto pada dokumen buram; unggah ulang.",
                                 decisions=["REQUEST_REVISION", "REJECT"])
    assert changed["decisions"] == ["REJECT", "REQUEST_REVISION"]
    with sessions() as session, session.begin():
        queue.decide(session, outbox, verifier, str(app), "REQUEST_REVISION", code,
                     fix_documents=["KK"])
    events = metadata.tables["verification.outbox"]
    with sessions() as session:
        decided = [row.envelope["data"] for row in session.execute(
            select(events).where(events.c.event_type == "verification.decided"))]
    mine = next(d for d in decided if d["application_id"] == str(app))
    assert mine["reason_text"] == "Foto pada dokumen buram; unggah ulang."

    entries = logged(sessions, admin.username)
    assert ("REASON_CODE_CREATE", f"code={code} decisions=REQUEST_REVISION") in entries
    assert ("REASON_CODE_UPDATE", f"code={code} active=false") in entries
    assert ("REASON_CODE_UPDATE",
            f"code={code} text decisions=REJECT,REQUEST_REVISION active=true") in entries
    with sessions() as session, pytest.raises(NotFound), session.begin():
        reasons.update(session, actor, "TIDAK_ADA_SAMA_SEKALI", active=False)


def test_the_last_active_code_of_a_decision_stays(sessions) -> None:
    with sessions() as session:
        rejecting = [c["code"] for c in reasons.list_codes(session)
                     if "REJECT" in c["decisions"]]
    keep, others = rejecting[0], rejecting[1:]
    with sessions() as session, session.begin():
        session.execute(update(ReasonCode).where(ReasonCode.code.in_(others))
                        .values(active=False))
    try:
        with sessions() as session, pytest.raises(Conflict) as last, session.begin():
            reasons.update(session, CLI, keep, active=False)
        assert last.value.code == "LAST_REASON_CODE"
        with sessions() as session, pytest.raises(Conflict), session.begin():
            reasons.update(session, CLI, keep, decisions=["APPROVE"])
    finally:
        with sessions() as session, session.begin():
            session.execute(update(ReasonCode).where(ReasonCode.code.in_(others))
                            .values(active=True))


# --- supervisors -----------------------------------------------------------------------------


def test_supervisor_returns_and_reassigns_claims(sessions, outbox) -> None:
    first, second = account(sessions, "verifier"), account(sessions, "verifier")
    supervisor = account(sessions, "supervisor")
    signer = account(sessions, "signer")
    app = enqueue(sessions)
    with sessions() as session, session.begin():
        assert queue.claim_next(session, outbox, first,
                                service_code="UJI_PANTAU").application_id == app

    # Only a supervisor may act; a verifier is refused.
    with sessions() as session, pytest.raises(Forbidden), session.begin():
        supervision.return_to_queue(session, second, str(app))
    with sessions() as session, pytest.raises(Forbidden), session.begin():
        supervision.board(session, first)

    with sessions() as session, session.begin():
        assert supervision.return_to_queue(session, supervisor, str(app)).state == "PENDING"
    with sessions() as session, pytest.raises(Conflict) as lost, session.begin():
        queue.decide(session, outbox, first, str(app), "APPROVE")
    assert lost.value.code == "NOT_CLAIMED"
    with sessions() as session, pytest.raises(Conflict), session.begin():
        supervision.return_to_queue(session, supervisor, str(app))  # nothing to return

    with sessions() as session, session.begin():
        queue.claim_next(session, outbox, first, service_code="UJI_PANTAU")
    for target, error in ((signer.username, "NOT_A_VERIFIER"), ("tidak.ada", "STAFF_NOT_FOUND"),
                          (first.username, "ALREADY_ASSIGNED")):
        with sessions() as session, pytest.raises((ValidationFailed, NotFound, Conflict)) as bad, \
                session.begin():
            supervision.reassign(session, outbox, supervisor, str(app), target)
        assert bad.value.code == error
    with sessions() as session, session.begin():
        moved = supervision.reassign(session, outbox, supervisor, str(app), second.username)
        assert moved.claimed_by == second.staff_id
    with sessions() as session, session.begin():
        assert [c["id"] for c in supervision.my_claims(session, second)] == [str(app)]
        assert supervision.my_claims(session, first) == []
    with sessions() as session, pytest.raises(Forbidden) as taken, session.begin():
        queue.decide(session, outbox, first, str(app), "APPROVE")
    assert taken.value.code == "NOT_YOUR_CLAIM"
    with sessions() as session, session.begin():
        queue.decide(session, outbox, second, str(app), "APPROVE")

    assert logged(sessions, supervisor.username)[-2:] == [
        ("SUPERVISOR_RETURN", f"from={first.username}"),
        ("SUPERVISOR_REASSIGN", f"from={first.username} to={second.username}"),
    ]


def test_the_backlog_board_counts_stages_and_breaches(sessions, outbox) -> None:
    supervisor, verifier = account(sessions, "supervisor"), account(sessions, "verifier")
    service = f"UJI_{uuid.uuid4().hex[:6].upper()}"
    late = enqueue(sessions, service=service, hours_to_deadline=-2, kecamatan="32.11.01")
    enqueue(sessions, service=service)
    enqueue(sessions, service=service)
    with sessions() as session, session.begin():
        claimed = queue.claim_next(session, outbox, verifier, service_code=service)
    assert claimed.application_id == late  # earliest deadline first
    with sessions() as session, session.begin():
        board = supervision.board(session, supervisor, "192.0.2.9")
    mine = {row["service_code"]: row for row in board["services"]}[service]
    assert (mine["count"], mine["breached"]) == (3, 1)
    claim = next(c for c in board["claims"] if c["id"] == str(late))
    assert claim["claimed_by"] == verifier.username and claim["stage"] == "CLAIMED"
    breach = next(b for b in board["breaches"] if b["id"] == str(late))
    assert breach["hours_late"] >= 1.9
    assert logged(sessions, supervisor.username)[-1][0] == "VIEW_BACKLOG"


# --- pre-checks ------------------------------------------------------------------------------


def test_duplicates_are_found_in_verifications_own_copy(sessions, outbox) -> None:
    verifier = account(sessions, "verifier")
    supervisor = account(sessions, "supervisor")  # opens what it does not hold (need to know)
    nik = f"32110601019{uuid.uuid4().int % 100000:05d}"
    first = enqueue(sessions, service="KK_PERUBAHAN", nik=nik)
    second = enqueue(sessions, service="KK_PERUBAHAN", nik=nik)
    with sessions() as session, session.begin():
        view = queue.staff_view(session, supervisor, str(second))
    found = view["prechecks"]["findings"]
    duplicate = next(f for f in found if f["code"] == "DUPLICATE_APPLICATION")
    assert duplicate["related"]["application_id"] == str(first)
    assert "DOCUMENT_MISSING" in [f["code"] for f in found]  # the KK was not uploaded

    birth = {"child_name": "Raka Pratama", "birth_date": "2026-10-01",
             "mother_nik": "3211064107900001", "mother_name": "Siti Rahmawati"}
    one = enqueue(sessions, service="AKTA_LAHIR", form=birth)
    two = enqueue(sessions, service="AKTA_LAHIR", nik="3211060101800009", form=birth)
    with sessions() as session, session.begin():
        codes = [f["code"] for f in
                 queue.staff_view(session, supervisor, str(two))["prechecks"]["findings"]]
    assert "DUPLICATE_BIRTH" in codes
    # Once the other one is rejected it no longer counts.
    with sessions() as session, session.begin():
        session.execute(update(QueueItem).where(QueueItem.application_id == one)
                        .values(state="CLAIMED", claimed_by=verifier.staff_id,
                                lease_expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    with sessions() as session, session.begin():
        queue.decide(session, outbox, verifier, str(one), "REJECT", "PERMOHONAN_GANDA")
    with sessions() as session, session.begin():
        codes = [f["code"] for f in
                 queue.staff_view(session, supervisor, str(two))["prechecks"]["findings"]]
    assert "DUPLICATE_BIRTH" not in codes


def test_the_reason_codes_command_line(database_url: str, sessions) -> None:
    env = {**infra.base_env(), "DATABASE_URL": database_url}
    code = f"CLI_{uuid.uuid4().hex[:6].upper()}"
    added = infra.run_cli(["reason-codes", "add", code, "--text", "Teks alasan dari CLI.",
                           "--decision", "REJECT", "--decision", "REQUEST_REVISION"], env)
    assert added.strip() == f"reason code {code} added for REJECT, REQUEST_REVISION"
    infra.run_cli(["reason-codes", "update", code, "--text", "Teks alasan yang sudah diubah."],
                  env)
    assert "disabled" in infra.run_cli(["reason-codes", "disable", code], env)
    listed = infra.run_cli(["reason-codes", "list"], env)
    line = next(row for row in listed.splitlines() if row.startswith(code))
    assert " no " in line and "REJECT,REQUEST_REVISION" in line and "sudah diubah" in line
    assert "active" in infra.run_cli(["reason-codes", "enable", code], env)
    with pytest.raises(RuntimeError, match="Kode alasan tidak ditemukan"):
        infra.run_cli(["reason-codes", "disable", "TIDAK_ADA_KODE"], env)
    actions = [a for a, d in logged(sessions, f"cli:{getpass.getuser()}")
               if d and d.startswith(f"code={code}")]
    assert actions == ["REASON_CODE_CREATE"] + ["REASON_CODE_UPDATE"] * 3


def test_a_verifier_opens_only_the_application_it_holds(sessions) -> None:
    """Need to know: the application and its scans open for the verifier holding the claim,
    for supervisors and auditors; not for another verifier, nor once the lease ran out."""
    holder, other = account(sessions, "verifier"), account(sessions, "verifier")
    supervisor, auditor = account(sessions, "supervisor"), account(sessions, "auditor")
    app_id = enqueue(sessions, service="KK_PERUBAHAN")
    with sessions() as session, session.begin():
        for who in (holder, other):
            with pytest.raises(Forbidden) as unclaimed:
                queue.staff_view(session, who, str(app_id))
            assert unclaimed.value.code == "NOT_YOUR_CLAIM"
        session.execute(update(QueueItem).where(QueueItem.application_id == app_id)
                        .values(state="CLAIMED", claimed_by=holder.staff_id,
                                lease_expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    with sessions() as session, session.begin():
        assert queue.staff_view(session, holder, str(app_id))["state"] == "CLAIMED"
        for wide in (supervisor, auditor):
            assert queue.staff_view(session, wide, str(app_id))["id"] == str(app_id)
        with pytest.raises(Forbidden):
            queue.staff_view(session, other, str(app_id))
        with pytest.raises(Forbidden):
            queue.document_ref(session, other, str(app_id), "KK_LAMA")
        session.execute(update(QueueItem).where(QueueItem.application_id == app_id)
                        .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with sessions() as session, session.begin(), pytest.raises(Forbidden):
        queue.staff_view(session, holder, str(app_id))


def test_a_verifier_may_open_what_its_held_applications_pre_checks_name(sessions) -> None:
    holder = account(sessions, "verifier")
    nik = f"32110601019{uuid.uuid4().int % 100000:05d}"
    first = enqueue(sessions, service="KK_PERUBAHAN", nik=nik)
    second = enqueue(sessions, service="KK_PERUBAHAN", nik=nik)  # a possible duplicate
    unrelated = enqueue(sessions, service="KK_PERUBAHAN")
    with sessions() as session, session.begin():
        session.execute(update(QueueItem).where(QueueItem.application_id == second)
                        .values(state="CLAIMED", claimed_by=holder.staff_id,
                                lease_expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    with sessions() as session, session.begin():
        assert queue.staff_view(session, holder, str(first))["id"] == str(first)
        with pytest.raises(Forbidden):
            queue.staff_view(session, holder, str(unrelated))
