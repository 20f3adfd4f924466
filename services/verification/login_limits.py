"""Staff login limits: progressive delays, not lockouts anyone could trigger.

* Per (username, client address) pair: the first ``FREE_FAILURES`` consecutive failures cost
  nothing; after that each further attempt for the pair must wait ``delay_after(n)`` since the
  pair's last failure (1 s, 2, 4, ... capped at ``MAX_DELAY``), answered 429 ``LOGIN_DELAYED``
  unchecked. Failures from other addresses do not delay the pair; a success for the pair or
  an admin reset (RESET, any address) starts over.
* Per address: once ``IP_THRESHOLD`` failures (any usernames) came from one address within
  ``IP_WINDOW``, every pair from that address that has failed since its last success waits
  ``2 ** (failures - IP_THRESHOLD)`` seconds (capped) since the address's last failure. A
  username with no failure from that address is still checked, so a colleague behind the same
  NAT who types the right password gets in.
* Per username, a backstop against guessing spread over many addresses: ``CEILING`` failures
  within ``CEILING_WINDOW`` (since the last success or reset) lock the username until the
  oldest of them leaves the window. The right password plus a valid TOTP code still gets in,
  so an attacker cannot lock out an account with an authenticator; without one an admin lifts
  the lock (enabling the account or a new password).

Attempts refused unchecked are recorded as DELAYED or LOCKED and do not count, so waiting
callers do not lengthen their own wait. Pure rules first, then the queries on ``login_attempts``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.verification.models import LoginAttempt

# Outcomes in login_attempts. TOTP_ASKED: the right password without a code (not a failure).
SUCCESS, FAILED, LOCKED, RESET = "SUCCESS", "FAILED", "LOCKED", "RESET"
DELAYED, TOTP_ASKED = "DELAYED", "TOTP_ASKED"
COUNTED = (FAILED, SUCCESS, RESET)

FREE_FAILURES = 3  # consecutive failures of one pair before delays start
MAX_DELAY = timedelta(minutes=15)
PAIR_MEMORY = timedelta(hours=24)  # a pair's failures older than this are forgotten
IP_THRESHOLD = 20  # failures from one address within IP_WINDOW ...
IP_WINDOW = timedelta(minutes=15)  # ... before its failing pairs wait
CEILING = 50  # failures for one username within CEILING_WINDOW, across all addresses
CEILING_WINDOW = timedelta(hours=1)

_MAX_EXPONENT = math.ceil(math.log2(MAX_DELAY.total_seconds()))


def _capped(exponent: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(exponent, _MAX_EXPONENT)), MAX_DELAY)


def delay_after(failures: int) -> timedelta:
    """How long a pair waits after ``failures`` consecutive failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return _capped(failures - FREE_FAILURES)


def failure_run(attempts: list[tuple[str, datetime]]) -> tuple[int, datetime | None]:
    """``attempts``: counted outcomes, newest first. The number of failures before the newest
    success or reset, and when the newest of them was."""
    count = 0
    for outcome, _ in attempts:
        if outcome != FAILED:
            break
        count += 1
    return count, attempts[0][1] if count else None


def _seconds(until: datetime, now: datetime) -> int:
    return max(0, math.ceil((until - now).total_seconds()))


def pair_wait(attempts: list[tuple[str, datetime]], now: datetime) -> int:
    """Seconds the pair must still wait (0: it may try now)."""
    count, last = failure_run(attempts)
    if last is None:
        return 0
    return _seconds(last + delay_after(count), now)


def address_wait(failures: int, last: datetime | None, now: datetime) -> int:
    """Seconds a failing pair from an address with ``failures`` recent failures (the newest at
    ``last``) must wait (0 below the threshold)."""
    if last is None or failures < IP_THRESHOLD:
        return 0
    return _seconds(last + _capped(failures - IP_THRESHOLD), now)


def ceiling_until(attempts: list[tuple[str, datetime]], now: datetime) -> datetime | None:
    """``attempts``: the username's newest ``CEILING`` counted outcomes within the window,
    newest first. When the backstop lock ends, or None."""
    count, _ = failure_run(attempts)
    if count < CEILING:
        return None
    until = attempts[CEILING - 1][1] + CEILING_WINDOW
    return until if until > now else None


# --- the queries ------------------------------------------------------------------------------


def _outcomes(session: Session, query) -> list[tuple[str, datetime]]:
    return [(outcome, at) for outcome, at in session.execute(query).all()]


def pair_attempts(
    session: Session, username: str, client_ip: str | None, now: datetime
) -> list[tuple[str, datetime]]:
    limit = FREE_FAILURES + _MAX_EXPONENT + 1  # enough to reach the cap
    return _outcomes(session, (
        select(LoginAttempt.outcome, LoginAttempt.at)
        .where(LoginAttempt.username == username[:60], LoginAttempt.outcome.in_(COUNTED),
               LoginAttempt.at > now - PAIR_MEMORY,
               or_(LoginAttempt.client_ip.is_not_distinct_from(client_ip),
                   LoginAttempt.outcome == RESET))
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(limit)
    ))


def address_failures(
    session: Session, client_ip: str, now: datetime
) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(LoginAttempt.client_ip == client_ip, LoginAttempt.outcome == FAILED,
               LoginAttempt.at > now - IP_WINDOW)
    ).one()
    return int(count), last


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """When the username's backstop lock ends, or None."""
    return ceiling_until(_outcomes(session, (
        select(LoginAttempt.outcome, LoginAttempt.at)
        .where(LoginAttempt.username == username[:60], LoginAttempt.outcome.in_(COUNTED),
               LoginAttempt.at > now - CEILING_WINDOW)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(CEILING)
    )), now)


def wait_seconds(
    session: Session, username: str, client_ip: str | None, now: datetime
) -> int:
    """How long this attempt must wait: the pair's delay, or the address's if the address is
    over its threshold and the pair has failed since its last success."""
    attempts = pair_attempts(session, username, client_ip, now)
    wait = pair_wait(attempts, now)
    if client_ip and failure_run(attempts)[0]:
        wait = max(wait, address_wait(*address_failures(session, client_ip, now), now))
    return wait
