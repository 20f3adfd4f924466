"""Staff password hashes (argon2), computed off the eventlet hub inside a nameko service.

An unknown username is checked against a dummy hash, so a login costs the same hash check
whether the account exists or not (see ``staff.login``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

T = TypeVar("T")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _off_hub(fn: Callable[..., T], *args: object) -> T:
    """Run CPU-bound argon2 in eventlet's native thread pool inside a nameko service (the hub
    keeps serving other requests meanwhile); inline anywhere else (tests, the CLI)."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None or not patcher.is_monkey_patched("thread"):
        return fn(*args)
    return tpool.execute(fn, *args)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _off_hub(_hasher.hash, password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; None (no such account) is checked
    against the dummy hash, at the same cost, and never matches."""
    if password_hash is None:
        _off_hub(_verify, _DUMMY_HASH, password)
        return False
    return _off_hub(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with older argon2 parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)
