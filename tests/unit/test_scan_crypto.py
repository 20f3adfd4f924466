"""Scans encrypted at rest: the envelope format, key rotation, legacy plaintext."""

from __future__ import annotations

import base64

import pytest

from services.intake.applications import retention
from silasidakep import scan_crypto
from silasidakep.config import MissingSetting
from silasidakep.scan_crypto import Keyring, ScanKeyError, parse_keyring

KEY = "applications/0b7c9d7e-0000-4000-8000-000000000001/KK_LAMA/1"
SCAN = b"%PDF-1.7\n" + b"isi pindaian KK " * 1000


def keyring(*ids: str) -> Keyring:
    return parse_keyring(",".join(scan_crypto.new_key_line(i) for i in ids))


def test_round_trip_hides_the_plaintext() -> None:
    ring = keyring("k1")
    blob = scan_crypto.encrypt(ring, KEY, SCAN)
    assert scan_crypto.is_encrypted(blob) and b"isi pindaian" not in blob
    assert scan_crypto.key_id(KEY, blob) == "k1"
    assert scan_crypto.decrypt(ring, KEY, blob) == SCAN
    # A fresh data key and nonce every time.
    assert scan_crypto.encrypt(ring, KEY, SCAN) != blob


def test_a_wrong_or_missing_key_does_not_decrypt() -> None:
    blob = scan_crypto.encrypt(keyring("k1"), KEY, SCAN)
    with pytest.raises(ScanKeyError, match="does not open"):
        scan_crypto.decrypt(keyring("k1"), KEY, blob)  # same id, another key
    with pytest.raises(ScanKeyError, match="not in SCAN_KEYS"):
        scan_crypto.decrypt(keyring("k2"), KEY, blob)


def test_a_body_moved_under_another_object_key_or_altered_is_refused() -> None:
    ring = keyring("k1")
    blob = scan_crypto.encrypt(ring, KEY, SCAN)
    with pytest.raises(ScanKeyError):
        scan_crypto.decrypt(ring, KEY + "x", blob)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ScanKeyError, match="damaged"):
        scan_crypto.decrypt(ring, KEY, tampered)


def test_rotation_rewraps_the_data_key_and_keeps_the_body() -> None:
    old = keyring("k1")
    blob = scan_crypto.encrypt(old, KEY, SCAN)
    new = parse_keyring(scan_crypto.new_key_line("k2") + "," + _line(old, "k1"))
    rotated = scan_crypto.rewrap(new, KEY, blob)
    assert rotated is not None and scan_crypto.key_id(KEY, rotated) == "k2"
    assert rotated.endswith(_body(blob))  # no re-encryption of the body
    assert scan_crypto.decrypt(new, KEY, rotated) == SCAN
    only_new = Keyring((new.newest,))  # the old key can be removed after rotating
    assert scan_crypto.decrypt(only_new, KEY, rotated) == SCAN
    assert scan_crypto.rewrap(new, KEY, rotated) is None  # already current


def test_legacy_plaintext_still_reads_and_rotation_encrypts_it() -> None:
    ring = keyring("k1")
    assert not scan_crypto.is_encrypted(SCAN) and scan_crypto.key_id(KEY, SCAN) is None
    assert scan_crypto.decrypt(ring, KEY, SCAN) == SCAN
    encrypted = scan_crypto.rewrap(ring, KEY, SCAN)
    assert encrypted is not None and scan_crypto.decrypt(ring, KEY, encrypted) == SCAN


def test_keyring_setting() -> None:
    with pytest.raises(MissingSetting):
        scan_crypto.load_keyring({})  # production: no default
    development = scan_crypto.load_keyring({"SILASIDAKEP_ENV": "development"})
    assert development.newest[0] == "dev1"
    for bad in ("", "k1", "k1:notbase64!", "k1:" + base64.b64encode(b"short").decode(),
                "bad id:" + base64.b64encode(bytes(32)).decode(),
                scan_crypto.new_key_line("k1") + "," + scan_crypto.new_key_line("k1")):
        with pytest.raises(ValueError):
            parse_keyring(bad)
    material = base64.b64encode(development.newest[1]).decode()
    assert "dev1" in repr(development) and material not in repr(development)


def test_retention_days_setting() -> None:
    assert retention.retention_days({}) == retention.DEFAULT_DAYS
    assert retention.retention_days({"SCAN_RETENTION_DAYS": "30"}) == 30
    with pytest.raises(ValueError):
        retention.retention_days({"SCAN_RETENTION_DAYS": "0"})


def _line(ring: Keyring, kid: str) -> str:
    return f"{kid}:{base64.b64encode(ring.key(kid)).decode()}"


def _body(blob: bytes) -> bytes:
    start = len(scan_crypto.MAGIC) + 2
    return blob[start + int.from_bytes(blob[len(scan_crypto.MAGIC):start], "big"):]
