"""Pieces of staff access control that need no database: client addresses, the login delay,
the audit hash format."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.http import client_address
from services.verification import audit, login_limits, staff


def request(remote: str = "192.0.2.1", forwarded: str | None = None) -> Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": remote}).get_environ()
    return Request(environ)


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy() -> None:
    spoofed = request("192.0.2.1", "203.0.113.9, 10.0.0.1")
    assert client_address(spoofed, trust_proxy=False) == "192.0.2.1"
    assert client_address(spoofed, trust_proxy=True) == "203.0.113.9"
    assert client_address(request("192.0.2.1"), trust_proxy=True) == "192.0.2.1"
    assert client_address(request("192.0.2.1", "bukan-alamat"), trust_proxy=True) == "192.0.2.1"
    assert client_address(request("2001:db8::1", "2001:DB8::2"), trust_proxy=True) == "2001:db8::2"


def test_no_number_of_failures_locks_a_pair_for_longer_than_fifteen_minutes() -> None:
    """The old hard lock (5 failures) is gone: failures only delay the (username, address)
    pair; the rules are tested in test_login_limits.py."""
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    many = [(staff.FAILED, now - timedelta(seconds=s)) for s in range(40)]
    assert login_limits.pair_wait(many, now) == 15 * 60
    assert login_limits.pair_wait(many[:5], now) == 4  # the fifth failure: 4 s, not a lock


def test_the_entry_hash_is_canonical_json_sha256() -> None:
    at = datetime(2026, 11, 28, 4, 19, 54, 325236, tzinfo=UTC)
    staff_id = uuid.UUID("11111111-1111-1111-1111-111111111111")
    digest = audit.entry_hash(1, at, staff_id, "verifikator", "CLAIM", None, None, "192.0.2.1",
                              audit.GENESIS)
    # The canonical form, spelled out; the same instant in another zone hashes the same.
    canonical = json.dumps(
        {"action": "CLAIM", "application_id": None, "at": "2026-11-28T04:19:54.325236+00:00",
         "client_ip": "192.0.2.1", "detail": None, "prev_hash": "0" * 64, "seq": 1,
         "staff_id": str(staff_id), "username": "verifikator"},
        separators=(",", ":"),
    )
    assert digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert digest == audit.entry_hash(1, at.astimezone(audit.WIB), str(staff_id), "verifikator",
                                      "CLAIM", None, None, "192.0.2.1", audit.GENESIS)
    assert digest != audit.entry_hash(1, at, staff_id, "verifikator", "CLAIM", None, "x",
                                      "192.0.2.1", audit.GENESIS)


def test_chain_status_reads_as_the_header_says() -> None:
    assert audit.ChainReport(True, 3, 3, "h").status == "intact"
    broken = audit.ChainReport(False, 3, 3, "h", first_broken_seq=2, reason="hash")
    assert broken.status == "broken at 2" and broken.to_dict()["status"] == "broken at 2"
