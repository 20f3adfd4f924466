"""Staff logins, lockout, disabled accounts and account management, on real PostgreSQL."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from services.verification import audit, staff, totp
from services.verification import login_limits as limits
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


def back_in_time(sessions: sessionmaker, username: str, seconds: float) -> None:
    """Move the username's attempts into the past instead of sleeping."""
    with sessions() as session, session.begin():
        session.execute(update(LoginAttempt).where(LoginAttempt.username == username)
                        .values(at=LoginAttempt.at - timedelta(seconds=seconds)))


def test_failures_from_one_address_are_delayed_not_locked(sessions) -> None:
    """Three free failures, then each try from that address waits longer (1 s, 2 s, ...); the
    right password from another address is never held up, so nobody can lock a colleague out
    by typing their username."""
    username, ip = create(sessions, "verifier"), random_ip()
    for _ in range(limits.FREE_FAILURES):
        with pytest.raises(Unauthorized) as wrong:
            login(sessions, username, "salah-salah-salah", ip=ip)
        assert wrong.value.code == "INVALID_CREDENTIALS"
    with pytest.raises(TooManyAttempts) as delayed:
        login(sessions, username, ip=ip)  # the right password, too soon: not even checked
    assert delayed.value.code == "LOGIN_DELAYED" and delayed.value.http_status == 429
    assert delayed.value.fields["retry_after"] == 1 and "Tunggu" in delayed.value.message
    assert check(sessions, login(sessions, username, ip=random_ip())).username == username
    actions = [e.action for e in entries_for(sessions, username)]
    assert actions[-5:] == ["LOGIN_FAILED"] * 3 + ["LOGIN_DELAYED", "LOGIN_SUCCESS"]

    back_in_time(sessions, username, 2)
    with pytest.raises(Unauthorized):  # the 4th failure of the pair: next wait 2 s
        login(sessions, username, "salah-salah-salah", ip=ip)
    # Half a second of the 2 s wait passed (leaving room for a slow, loaded machine).
    back_in_time(sessions, username, 0.5)
    with pytest.raises(TooManyAttempts) as longer:
        login(sessions, username, ip=ip)
    assert longer.value.code == "LOGIN_DELAYED"
    back_in_time(sessions, username, 2)
    assert login(sessions, username, ip=ip)


def test_a_success_starts_the_count_again(sessions) -> None:
    username, ip = create(sessions, "verifier"), random_ip()
    for _ in range(limits.FREE_FAILURES):
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah", ip=ip)
    back_in_time(sessions, username, 2)
    login(sessions, username, ip=ip)
    for _ in range(limits.FREE_FAILURES):
        with pytest.raises(Unauthorized) as again:
            login(sessions, username, "salah-salah-salah", ip=ip)
        assert again.value.code == "INVALID_CREDENTIALS"


def test_an_unknown_username_answers_and_is_delayed_like_a_known_one(sessions) -> None:
    known, unknown = create(sessions, "verifier"), unique("tidak.ada")
    answers = {}
    for username in (known, unknown):
        errors, ip = [], random_ip()
        for _ in range(limits.FREE_FAILURES + 1):
            with pytest.raises((Unauthorized, TooManyAttempts)) as refused:
                login(sessions, username, "salah-salah-salah", ip=ip)
            errors.append((type(refused.value), refused.value.code, refused.value.message))
        answers[username] = errors
    assert answers[known] == answers[unknown]
    assert [e.action for e in entries_for(sessions, unknown)] == (
        ["LOGIN_FAILED"] * 3 + ["LOGIN_DELAYED"])
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
    """Guesses for one username from one address queue on a lock: three are checked, the rest
    come too soon (a fourth only if the machine took over a second between them)."""
    username, ip = create(sessions, "verifier"), random_ip()
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            login(sessions, username, "salah-salah-salah", ip=ip)
        except (Unauthorized, TooManyAttempts) as exc:
            with lock:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    checked = outcomes.count("INVALID_CREDENTIALS")
    assert len(outcomes) == 12 and 3 <= checked <= 4
    assert outcomes.count("LOGIN_DELAYED") == 12 - checked


def test_many_failures_from_one_address_delay_only_the_failing(sessions) -> None:
    """A NAT address with 20 failures: its failing usernames wait, a colleague behind the same
    address with the right password still gets in."""
    ip = random_ip()
    guessed = [unique("coba") for _ in range(limits.IP_THRESHOLD)]
    for username in guessed:
        with pytest.raises(Unauthorized):
            login(sessions, username, "salah-salah-salah", ip=ip)
    with pytest.raises(TooManyAttempts) as limited:
        login(sessions, guessed[0], "salah-salah-salah", ip=ip)
    assert limited.value.code == "LOGIN_DELAYED"
    colleague = create(sessions, "verifier")
    assert login(sessions, colleague, ip=ip)


def failures_to_the_ceiling(sessions: sessionmaker, username: str) -> None:
    """The backstop: guesses spread over many addresses, none of them delayed."""
    rows = [LoginAttempt(username=username, client_ip=random_ip(), outcome=limits.FAILED,
                         at=datetime.now(UTC))
            for _ in range(limits.CEILING)]
    with sessions() as session, session.begin():
        session.add_all(rows)


def test_a_distributed_guessing_run_locks_an_account_without_an_authenticator(sessions) -> None:
    username = create(sessions, "verifier")
    failures_to_the_ceiling(sessions, username)
    with pytest.raises(TooManyAttempts) as locked:
        login(sessions, username)  # the right password, from a fresh address
    assert locked.value.code == "LOGIN_LOCKED" and "admin" in locked.value.message
    with sessions() as session:
        listed = {a["username"]: a for a in staff.list_accounts(session)}
    assert listed[username]["locked_until"] is not None
    with sessions() as session, session.begin():
        view = staff.update_account(session, CLI, username, active=True)  # an admin lifts it
    assert view["locked_until"] is None
    assert login(sessions, username)


def test_the_right_password_and_totp_pass_the_lock(sessions) -> None:
    """An attacker cannot lock out an account with an authenticator; a code is used once."""
    username = create(sessions, "verifier")
    principal = check(sessions, login(sessions, username))
    with sessions() as session, session.begin():
        started = totp.start_enrolment(session, principal, SECRET, "192.0.2.9")
    secret = started["secret"]
    assert started["otpauth_uri"].startswith("otpauth://totp/")
    now = datetime.now(UTC)
    step = int(now.timestamp()) // totp.STEP_SECONDS
    with sessions() as session, session.begin():
        totp.confirm_enrolment(session, principal, totp.code_at(secret, step - 1), SECRET, None)
    with pytest.raises(Unauthorized) as asked:
        login(sessions, username)
    assert asked.value.code == "TOTP_REQUIRED"
    with sessions() as session, pytest.raises(Unauthorized) as replayed:  # enrolment's code
        staff.login(session, username, PASSWORD, SECRET, random_ip(),
                    totp_code=totp.code_at(secret, step - 1))
    assert replayed.value.code == "TOTP_INVALID"

    failures_to_the_ceiling(sessions, username)
    with sessions() as session, pytest.raises(TooManyAttempts):
        staff.login(session, username, PASSWORD, SECRET, random_ip())
    with sessions() as session:
        token = staff.login(session, username, PASSWORD, SECRET, random_ip(),
                            totp_code=totp.code_at(secret, step))
    assert check(sessions, token).username == username
    # The success ended the run of failures; the same code is still refused: once only.
    with sessions() as session, pytest.raises(Unauthorized) as reused:
        staff.login(session, username, PASSWORD, SECRET, random_ip(),
                    totp_code=totp.code_at(secret, step))
    assert reused.value.code == "TOTP_INVALID"
    with sessions() as session, session.begin():
        assert totp.reset(session, None, "cli:test", username, None)["totp_enabled"] is False
    assert login(sessions, username)  # reset: the password alone again


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


def test_admin_account_management_is_checked_and_logged(sessions) -> None:
    admin = create(sessions, "admin")
    principal = check(sessions, login(sessions, admin))
    actor = staff.Actor.of(principal, "192.0.2.44")
    newcomer = unique("baru")
    with sessions() as session, session.begin():
        created = staff.create_account(session, actor, newcomer, ["verifier"], PASSWORD)
    assert created == {"username": newcomer, "roles": ["verifier"], "active": True,
                       "kecamatan_code": None, "location_code": None, "locked_until": None,
                       "totp_enabled": False, "created_at": created["created_at"]}
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


def test_a_front_office_account_is_bound_to_one_location(sessions) -> None:
    """The "loc" claim names the desk; a rebind ends the old tokens; none is refused."""
    admin = create(sessions, "admin")
    actor = staff.Actor.of(check(sessions, login(sessions, admin)), "192.0.2.45")
    desk = unique("loket")
    with sessions() as session, pytest.raises(ValidationFailed) as missing, session.begin():
        staff.create_account(session, actor, desk, ["front_office"], PASSWORD)
    assert missing.value.code == "LOCATION_REQUIRED"
    with sessions() as session, session.begin():
        created = staff.create_account(session, actor, desk, ["front_office"], PASSWORD,
                                       location_code="mpp-sumedang")
    assert created["location_code"] == "MPP-SUMEDANG"
    first = login(sessions, desk)
    assert check(sessions, first).location_code == "MPP-SUMEDANG"
    with sessions() as session, session.begin():
        staff.update_account(session, actor, desk, location_code="KEC-321106")
    with pytest.raises(Unauthorized):
        check(sessions, first)
    assert check(sessions, login(sessions, desk)).location_code == "KEC-321106"
    with sessions() as session, pytest.raises(ValidationFailed) as unbind, session.begin():
        staff.update_account(session, actor, desk, location_code="")
    assert unbind.value.code == "LOCATION_REQUIRED"
