"""Staff login limits and TOTP codes: the pure rules, no database or broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from services.verification import login_limits as limits
from services.verification import totp

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
FAILED, SUCCESS, RESET = limits.FAILED, limits.SUCCESS, limits.RESET


def failures(*seconds_ago: float) -> list[tuple[str, datetime]]:
    return [(FAILED, NOW - timedelta(seconds=s)) for s in seconds_ago]


def test_delays_start_after_the_third_failure_and_double_up_to_fifteen_minutes() -> None:
    assert [limits.delay_after(n).total_seconds() for n in range(8)] == [
        0, 0, 0, 1, 2, 4, 8, 16]
    assert limits.delay_after(12) == timedelta(seconds=512)
    assert limits.delay_after(13) == limits.delay_after(500) == timedelta(minutes=15)


def test_a_pair_waits_from_its_last_failure() -> None:
    assert limits.pair_wait([], NOW) == 0
    assert limits.pair_wait(failures(0, 1), NOW) == 0  # two failures: free
    assert limits.pair_wait(failures(0, 1, 2), NOW) == 1  # third: 1 s from now
    assert limits.pair_wait(failures(0.5, 1, 2, 3), NOW) == 2  # fourth: 2 s, 0.5 gone (ceil)
    assert limits.pair_wait(failures(3, 4, 5, 6), NOW) == 0  # waited long enough
    assert limits.pair_wait(failures(*range(20)), NOW) == 15 * 60


def test_a_success_or_reset_starts_the_pair_over() -> None:
    for outcome in (SUCCESS, RESET):
        attempts = failures(0, 1) + [(outcome, NOW - timedelta(seconds=2))] + failures(3, 4, 5)
        assert limits.failure_run(attempts) == (2, NOW)
        assert limits.pair_wait(attempts, NOW) == 0


def test_a_busy_address_delays_only_past_its_threshold() -> None:
    last = NOW - timedelta(seconds=1)
    assert limits.address_wait(limits.IP_THRESHOLD - 1, last, NOW) == 0
    assert limits.address_wait(limits.IP_THRESHOLD, NOW, NOW) == 1
    assert limits.address_wait(limits.IP_THRESHOLD + 3, last, NOW) == 7
    assert limits.address_wait(limits.IP_THRESHOLD + 40, NOW, NOW) == 15 * 60
    assert limits.address_wait(0, None, NOW) == 0


def test_the_backstop_lock_needs_fifty_failures_within_the_hour() -> None:
    minute = 60
    fifty = failures(*[i * minute for i in range(limits.CEILING - 1)], 59 * minute)
    assert limits.ceiling_until(fifty, NOW) == NOW + timedelta(minutes=1)
    assert limits.ceiling_until(fifty[:-1], NOW) is None  # 49
    broken = fifty[:10] + [(SUCCESS, NOW - timedelta(minutes=10))] + fifty[10:]
    assert limits.ceiling_until(broken[:limits.CEILING], NOW) is None


# --- TOTP -------------------------------------------------------------------------------------


def test_a_code_is_accepted_within_the_drift_and_only_once() -> None:
    secret = totp.new_secret()
    step = int(NOW.timestamp()) // totp.STEP_SECONDS
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, NOW, None) == step
    assert totp.matching_step(secret, code, NOW, step) is None  # replay in the same window
    assert totp.matching_step(secret, totp.code_at(secret, step - 1), NOW, step) is None
    later = NOW + timedelta(seconds=totp.STEP_SECONDS)
    assert totp.matching_step(secret, code, later, None) == step  # a step of clock drift
    assert totp.matching_step(secret, code, NOW + timedelta(minutes=2), None) is None
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", NOW, None) == step


@pytest.mark.parametrize("bad", [None, "", "12345", "1234567", "abcdef", "12 34"])
def test_malformed_codes_are_refused(bad: str | None) -> None:
    assert totp.matching_step(totp.new_secret(), bad, NOW, None) is None


def test_the_secret_is_sealed_for_one_account() -> None:
    secret, account = totp.new_secret(), str(uuid.uuid4())
    sealed = totp.seal(secret, "master-key", account)
    assert secret not in sealed and sealed.startswith("v1:")
    assert totp.unseal(sealed, "master-key", account) == secret
    with pytest.raises(InvalidTag):
        totp.unseal(sealed, "master-key", str(uuid.uuid4()))  # copied to another row
    with pytest.raises(InvalidTag):
        totp.unseal(sealed, "other-key", account)


def test_the_provisioning_uri_names_the_issuer_and_account() -> None:
    secret = totp.new_secret()  # 160 bits (pyotp refuses fewer than 112)
    uri = totp.provisioning_uri(secret, "verifikator.satu")
    assert uri.startswith("otpauth://totp/Silasidakep:verifikator.satu?")
    assert f"secret={secret}" in uri and "issuer=Silasidakep" in uri
