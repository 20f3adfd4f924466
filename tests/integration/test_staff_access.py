"""Staff logins, lockout, disabled accounts and account management, on real PostgreSQL."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from services.verification import audit, staff
from services.verification.models import AccessLog, LoginAttempt, metadata
from silasidakep.config import load_settings
from silasidakep.db import make_engine
from silasidakep.errors import Conflict, TooManyAttempts, Unauthorized, ValidationFailed

SECRET = load_settings().jwt_secret
PASSWORD = "kata-sandi-yang-panjang"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(database_url, pool_size=12)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def unique(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def random_ip() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


CLI = staff.Actor(None, "cli:test")


def create(sessions: sessionmaker, *roles: str, username: str | None = None) -> str:
    username = username or unique("petugas")
    with sessions() as session, session.begin():
        staff.create_account(session, CLI, username, list(roles), PASSWORD)
    return username


def login(sessions: sessionmaker, username: str, password: str = PASSWORD,
          ip: str | None = None) -> str:
    with sessions() as session:
        return staff.login(session, username, password, SECRET, ip or random_ip())


def check(sessions: sessionmaker, token: str):
    with sessions() as session, session.begin():
        return staff.authenticate(session, token, SECRET)


def access_events(sessions: sessionmaker, staff_id: uuid.UUID) -> list[tuple[int, bool]]:
    outbox = metadata.tables["verification.outbox"]
    with sessions() as session:
        envelopes = session.scalars(
            select(outbox.c.envelope).where(outbox.c.event_type == "staff.access_changed")
        ).all()
    return sorted((e["data"]["token_version"], e["data"]["active"]) for e in envelopes
                  if e["data"]["staff_id"] == str(staff_id))


def entries_for(sessions: sessionmaker, username: str) -> list[AccessLog]:
    with sessions() as session:
        return list(session.scalars(
            select(AccessLog).where(AccessLog.username == username).order_by(AccessLog.seq)
        ))


def test_a_login_gives_a_token_checked_against_the_account(sessions) -> None:
    username = create(sessions, "verifier")
    token = login(sessions, username, ip="192.0.2.10")
    principal = check(sessions, token)
    assert principal.username == username and principal.roles == {"verifier"}
    assert principal.token_version == 0
    success = entries_for(sessions, username)[-1]
    assert (success.action, success.client_ip, success.staff_id) == (
        "LOGIN_SUCCESS", "192.0.2.10", principal.staff_id)


def test_five_failures_lock_the_username_even_for_the_right_password(sessions) -> None:
    username = create(sessions, "verifier")
    for _ in range(staff.LOCK_THRESHOLD):
        with pytest.raises(Unauthorized) as wrong:
            login(sessions, username, "salah-salah-salah")
        assert wrong.value.code == "INVALID_CREDENTIALS"
    with pytest.raises(TooManyAttempts) as locked:
        login(sessions, username)  # the right password
    assert locked.value.code == "LOGIN_LOCKED" and locked.value.http_status == 429
    assert "dikunci" in locked.value.message and "WIB" in locked.value.message
    actions = [e.action for e in entries_for(sessions, username)]
    assert actions[-6:] == ["LOGIN_FAILED"] * 5 + ["LOGIN_LOCKED"]
    with sessions() as session:
        listed = {a["username"]: a for a in staff.list_accounts(session)}
    assert listed[username]["locked_until"] is not None

    # Fifteen minutes later (moved back in time here) the username may try again.
    with sessions() as session, session.begin():
        session.execute(update(LoginAttempt).where(LoginAttempt.username == username)
                        .values(at=LoginAttempt.at - timedelta(minutes=16)))
    assert check(sessions, login(sessions, username)).username == username


def test_failures_spread_over_more_than_the_window_do_not_lock(sessions) -> None:
    username = create(sessions, "verifier")
    for _ in range(staff.LOCK_THRESHOLD - 1):
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah")
    with sessions() as session, session.begin():
        session.execute(update(LoginAttempt).where(LoginAttempt.username == username)
                        .values(at=LoginAttempt.at - timedelta(minutes=16)))
    with pytest.raises(Unauthorized):
        login(sessions, username, "salah-salah-salah")
    assert login(sessions, username)


def test_a_success_starts_the_count_again(sessions) -> None:
    username = create(sessions, "verifier")
    for _ in range(staff.LOCK_THRESHOLD - 1):
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah")
    login(sessions, username)
    for _ in range(staff.LOCK_THRESHOLD - 1):
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah")
    assert login(sessions, username)


def test_an_unknown_username_answers_and_locks_like_a_known_one(sessions) -> None:
    known, unknown = create(sessions, "verifier"), unique("tidak.ada")
    answers = {}
    for username in (known, unknown):
        errors = []
        for _ in range(staff.LOCK_THRESHOLD + 1):
            with pytest.raises((Unauthorized, TooManyAttempts)) as refused:
                login(sessions, username, "salah-salah-salah")
            errors.append((type(refused.value), refused.value.code,
                           refused.value.message.split(" setelah")[0]))
        answers[username] = errors
    assert answers[known] == answers[unknown]
    assert [e.action for e in entries_for(sessions, unknown)] == (
        ["LOGIN_FAILED"] * 5 + ["LOGIN_LOCKED"])
    assert entries_for(sessions, unknown)[0].detail == "unknown username"


def test_an_unknown_username_costs_the_same_time(sessions) -> None:
    known = create(sessions, "verifier")

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(3):  # below the lock threshold
            started = time.perf_counter()
            with pytest.raises(Unauthorized):
                login(sessions, username, "salah-salah-salah")
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    median_seconds(unique("pemanasan"))  # warm the pool
    known_time, unknown_time = median_seconds(known), median_seconds(unique("tidak.ada"))
    print(f"\nfailed login: known username {known_time * 1000:.1f} ms,"
          f" unknown {unknown_time * 1000:.1f} ms")
    assert 0.5 < known_time / unknown_time < 2  # both pay one argon2 verification


def test_parallel_guesses_cannot_exceed_the_limit(sessions) -> None:
    username = create(sessions, "verifier")
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            login(sessions, username, "salah-salah-salah")
        except (Unauthorized, TooManyAttempts) as exc:
            with lock:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["INVALID_CREDENTIALS"] * 5 + ["LOGIN_LOCKED"] * 7


def test_many_failures_from_one_address_are_limited(sessions) -> None:
    ip = random_ip()
    for _ in range(staff.IP_THRESHOLD):
        with pytest.raises(Unauthorized):
            login(sessions, unique("coba"), "salah-salah-salah", ip=ip)
    username = create(sessions, "verifier")
    with pytest.raises(TooManyAttempts) as limited:
        login(sessions, username, ip=ip)
    assert limited.value.code == "LOGIN_RATE_LIMITED"
    assert login(sessions, username, ip=random_ip())  # the account itself is not locked


def test_a_disabled_account_cannot_log_in_and_its_tokens_stop_working(sessions) -> None:
    username = create(sessions, "verifier")
    token = login(sessions, username)
    with sessions() as session, session.begin():
        staff.update_account(session, CLI, username, active=False)
    with pytest.raises(Unauthorized) as revoked:
        check(sessions, token)
    assert revoked.value.code == "SESSION_REVOKED"
    with pytest.raises(Unauthorized) as refused:
        login(sessions, username)
    assert refused.value.code == "INVALID_CREDENTIALS"  # as for a wrong password
    assert entries_for(sessions, username)[-1].detail == "account disabled"

    with sessions() as session, session.begin():
        staff.update_account(session, CLI, username, active=True)
    with pytest.raises(Unauthorized):
        check(sessions, token)  # an old token stays ended
    principal = check(sessions, login(sessions, username))
    assert principal.token_version == 2  # enabling raises it too, so versions order changes
    # Intake, printing and notification hear of both changes, in version order.
    assert access_events(sessions, principal.staff_id) == [(1, False), (2, True)]


def test_a_role_change_ends_old_tokens(sessions) -> None:
    username = create(sessions, "verifier")
    token = login(sessions, username)
    with sessions() as session, session.begin():
        view = staff.update_account(session, CLI, username, roles=["verifier", "signer"])
    assert view["roles"] == ["signer", "verifier"]
    with pytest.raises(Unauthorized):
        check(sessions, token)
    assert check(sessions, login(sessions, username)).roles == {"signer", "verifier"}


def test_a_token_without_a_version_is_refused(sessions) -> None:
    import jwt

    from silasidakep.auth import ISSUER

    username = create(sessions, "verifier")
    principal = check(sessions, login(sessions, username))
    old_style = jwt.encode({"sub": str(principal.staff_id), "username": username,
                            "roles": ["verifier"], "iss": ISSUER, "exp": 4_000_000_000},
                           SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        check(sessions, old_style)


def test_enabling_or_a_new_password_lifts_a_lock(sessions) -> None:
    username = create(sessions, "verifier")
    for _ in range(staff.LOCK_THRESHOLD):
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah")
    with pytest.raises(TooManyAttempts):
        login(sessions, username)
    with sessions() as session, session.begin():
        view = staff.update_account(session, CLI, username, active=True)
    assert view["locked_until"] is None
    assert login(sessions, username)


def test_admin_account_management_is_checked_and_logged(sessions) -> None:
    admin = create(sessions, "admin")
    principal = check(sessions, login(sessions, admin))
    actor = staff.Actor.of(principal, "192.0.2.44")
    newcomer = unique("baru")
    with sessions() as session, session.begin():
        created = staff.create_account(session, actor, newcomer, ["verifier"], PASSWORD)
    assert created == {"username": newcomer, "roles": ["verifier"], "active": True,
                       "kecamatan_code": None, "locked_until": None,
                       "created_at": created["created_at"]}
    for bad in ({"roles": ["raja"]}, {"password": "pendek"}):
        with sessions() as session, pytest.raises(ValidationFailed), session.begin():
            staff.update_account(session, actor, newcomer, **bad)
    with sessions() as session, pytest.raises(Conflict), session.begin():
        staff.create_account(session, actor, newcomer, ["verifier"], PASSWORD)
    with sessions() as session, pytest.raises(ValidationFailed), session.begin():
        staff.create_account(session, actor, "x y", ["verifier"], PASSWORD)
    with sessions() as session, session.begin():
        staff.update_account(session, actor, newcomer, password="kata-sandi-baru-sekali")
    assert login(sessions, newcomer, "kata-sandi-baru-sekali")
    logged = [(e.action, e.detail, e.client_ip) for e in entries_for(sessions, admin)]
    assert ("STAFF_CREATE", f"target={newcomer} roles=verifier", "192.0.2.44") in logged
    assert ("STAFF_UPDATE", f"target={newcomer} password=reset unlocked", "192.0.2.44") in logged
    assert not any(PASSWORD in (e.detail or "") for e in entries_for(sessions, admin))


def test_a_kecamatan_operator_is_bound_to_one_kecamatan(sessions) -> None:
    for code, error in ((None, "KECAMATAN_REQUIRED"), ("32.11.99", "UNKNOWN_KECAMATAN"),
                        ("32.11", "UNKNOWN_KECAMATAN")):  # 32.11 is a regency
        with sessions() as session, pytest.raises(ValidationFailed) as refused, session.begin():
            staff.create_account(session, CLI, unique("operator"), ["kecamatan_operator"],
                                 PASSWORD, code)
        assert refused.value.code == error
    username = unique("operator")
    with sessions() as session, session.begin():
        view = staff.create_account(session, CLI, username, ["kecamatan_operator"], PASSWORD,
                                    "32.11.06")
    assert view["kecamatan_code"] == "32.11.06"
    token = login(sessions, username)
    assert check(sessions, token).kecamatan_code == "32.11.06"

    # Moving the operator to another kecamatan ends the tokens that name the old one.
    with sessions() as session, session.begin():
        staff.update_account(session, CLI, username, kecamatan_code="32.11.01")
    with pytest.raises(Unauthorized):
        check(sessions, token)
    assert check(sessions, login(sessions, username)).kecamatan_code == "32.11.01"
    with sessions() as session, pytest.raises(ValidationFailed), session.begin():
        staff.update_account(session, CLI, username, kecamatan_code="")  # still an operator

    # A verifier given the operator role needs a kecamatan with it.
    verifier = create(sessions, "verifier")
    with sessions() as session, pytest.raises(ValidationFailed), session.begin():
        staff.update_account(session, CLI, verifier, roles=["kecamatan_operator", "verifier"])
    with sessions() as session, session.begin():
        view = staff.update_account(session, CLI, verifier, kecamatan_code="32.11.02",
                                    roles=["kecamatan_operator", "verifier"])
    assert view["kecamatan_code"] == "32.11.02"
    logged = [e.detail for e in entries_for(sessions, "cli:test")]
    assert f"target={username} kecamatan=32.11.01" in logged


def test_the_last_active_admin_stays(sessions) -> None:
    admin = create(sessions, "admin")
    # Other tests' admins are disabled for this check, then enabled again.
    with sessions() as session:
        others = [a["username"] for a in staff.list_accounts(session)
                  if a["active"] and "admin" in a["roles"] and a["username"] != admin]
    for other in others:
        with sessions() as session, session.begin():
            staff.update_account(session, CLI, other, active=False)
    try:
        for change in ({"active": False}, {"roles": ["verifier"]}):
            with sessions() as session, pytest.raises(Conflict) as last, session.begin():
                staff.update_account(session, CLI, admin, **change)
            assert last.value.code == "LAST_ADMIN"
    finally:
        for other in others:
            with sessions() as session, session.begin():
                staff.update_account(session, CLI, other, active=True)


def test_the_shared_chain_is_intact_after_all_this(sessions) -> None:
    with sessions() as session:
        assert audit.verify_chain(session).intact
