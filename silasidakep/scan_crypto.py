"""Scans encrypted at rest: envelope encryption, keys never in the database.

Every scan gets its own random 256-bit data key (AES-256-GCM over the body, the object key as
associated data, so a body cannot be moved under another key). The data key is wrapped with a
key-encryption key (KEK) from ``SCAN_KEYS`` (environment / Kubernetes Secret) and stored in a
small header in front of the ciphertext, with the KEK's id:

    MAGIC (8 bytes) | header length (2 bytes, big-endian) | header (JSON) | ciphertext + tag

Rotating the KEK rewrites only the header (:func:`rewrap`); the body is not re-encrypted.
An object without ``MAGIC`` is a scan stored before encryption existed and is returned as it
is (every accepted scan starts with ``%PDF-``, ``\\xff\\xd8\\xff`` or ``\\x89PNG``, never NUL).
See docs/data-protection.md, "Encryption at rest".
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from minio.error import S3Error
from nameko.extensions import DependencyProvider

from silasidakep.config import secret
from silasidakep.errors import NotFound
from silasidakep.storage import ObjectStore

MAGIC = b"\x00SLSENC1"
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = 1
STORED_CONTENT_TYPE = "application/octet-stream"  # what S3 sees: ciphertext, not a PDF
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}\Z")
# Development only (like the other development secrets): a fixed, published key.
DEVELOPMENT_KEYS = "dev1:" + base64.b64encode(b"development-only-scan-key-32byte").decode()
PURGED = ("Berkas pindaian ini sudah dihapus karena masa simpannya telah berakhir "
          "(retensi data pribadi).")


class ScanKeyError(RuntimeError):
    """A scan cannot be decrypted with the configured keys (unknown key id, wrong key,
    damaged object). An operator problem, never a citizen's: it ends as a 500."""


@dataclass(frozen=True)
class Keyring:
    """KEKs by id, newest first: the newest wraps new data keys, all of them unwrap."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def newest(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise ScanKeyError(f"scan key id {key_id!r} is not in SCAN_KEYS")

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(ids={[kid for kid, _ in self.keys]})"


def parse_keyring(value: str) -> Keyring:
    """``id:base64key,id:base64key`` (newest first), each key 32 bytes."""
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        kid, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.match(kid):
            raise ValueError("SCAN_KEYS: each entry is ID:BASE64KEY (ID: letters, digits, ._-)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"SCAN_KEYS: key {kid!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise ValueError(f"SCAN_KEYS: key {kid!r} must be {KEY_BYTES} bytes")
        if any(kid == seen for seen, _ in keys):
            raise ValueError(f"SCAN_KEYS: key id {kid!r} appears twice")
        keys.append((kid, key))
    if not keys:
        raise ValueError("SCAN_KEYS: no key")
    return Keyring(tuple(keys))


def load_keyring(env: Mapping[str, str] | None = None) -> Keyring:
    """``SCAN_KEYS`` from the environment; outside development a missing one stops start-up."""
    env = os.environ if env is None else env
    return parse_keyring(secret(env, "SCAN_KEYS", DEVELOPMENT_KEYS))


def new_key_line(key_id: str) -> str:
    """A fresh ``ID:BASE64KEY`` entry for ``SCAN_KEYS`` (``silasidakep scans new-key``)."""
    if not KEY_ID.match(key_id):
        raise ValueError("key id: letters, digits, ._- (at most 32)")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


# --- the format ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _body_aad(object_key: str) -> bytes:
    return b"silasidakep-scan|" + object_key.encode()


def _wrap_aad(key_id: str, object_key: str) -> bytes:
    return f"silasidakep-data-key|{key_id}|{object_key}".encode()


def _wrap(keyring: Keyring, object_key: str, data_key: bytes) -> dict[str, Any]:
    kid, kek = keyring.newest
    nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(kid, object_key))
    return {"kid": kid, "wn": _b64(nonce), "wk": _b64(wrapped)}


def _unwrap(keyring: Keyring, object_key: str, header: dict[str, Any]) -> bytes:
    kid = header["kid"]
    try:
        return AESGCM(keyring.key(kid)).decrypt(
            base64.b64decode(header["wn"]), base64.b64decode(header["wk"]),
            _wrap_aad(kid, object_key))
    except InvalidTag:
        raise ScanKeyError(f"the data key of {object_key} does not open with key {kid!r}") from None


def _pack(header: dict[str, Any], body: bytes) -> bytes:
    raw = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    return MAGIC + len(raw).to_bytes(2, "big") + raw + body


def _unpack(object_key: str, blob: bytes) -> tuple[dict[str, Any], bytes]:
    start = len(MAGIC) + 2
    size = int.from_bytes(blob[len(MAGIC):start], "big")
    try:
        header = json.loads(blob[start:start + size])
    except ValueError:
        raise ScanKeyError(f"the header of {object_key} is damaged") from None
    if not isinstance(header, dict) or header.get("v") != FORMAT_VERSION:
        raise ScanKeyError(f"{object_key}: unknown scan format")
    return header, blob[start + size:]


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def key_id(object_key: str, blob: bytes) -> str | None:
    """The KEK id an object's data key is wrapped with; None for a legacy plaintext one."""
    return _unpack(object_key, blob)[0]["kid"] if is_encrypted(blob) else None


def encrypt(keyring: Keyring, object_key: str, plaintext: bytes) -> bytes:
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(data_key).encrypt(nonce, plaintext, _body_aad(object_key))
    header = {"v": FORMAT_VERSION, "alg": "A256GCM", "n": _b64(nonce),
              **_wrap(keyring, object_key, data_key)}
    return _pack(header, body)


def decrypt(keyring: Keyring, object_key: str, blob: bytes) -> bytes:
    """The scan's bytes; a legacy (plaintext) object comes back unchanged."""
    if not is_encrypted(blob):
        return blob
    header, body = _unpack(object_key, blob)
    data_key = _unwrap(keyring, object_key, header)
    try:
        return AESGCM(data_key).decrypt(base64.b64decode(header["n"]), body,
                                        _body_aad(object_key))
    except InvalidTag:
        raise ScanKeyError(f"the body of {object_key} is damaged or was moved") from None


def rewrap(keyring: Keyring, object_key: str, blob: bytes) -> bytes | None:
    """``blob`` with its data key wrapped under the newest KEK, or None when it already is.
    The body is kept byte for byte; a legacy plaintext object is encrypted instead."""
    if not is_encrypted(blob):
        return encrypt(keyring, object_key, blob)
    header, body = _unpack(object_key, blob)
    if header["kid"] == keyring.newest[0]:
        return None
    data_key = _unwrap(keyring, object_key, header)
    return _pack({**header, **_wrap(keyring, object_key, data_key)}, body)


# --- object storage -----------------------------------------------------------------------


def put_scan(store: ObjectStore, keyring: Keyring, bucket: str, object_key: str,
             data: bytes) -> None:
    store.put(bucket, object_key, encrypt(keyring, object_key, data), STORED_CONTENT_TYPE)


def get_scan(store: ObjectStore, keyring: Keyring, bucket: str, object_key: str) -> bytes:
    """The decrypted scan; one that retention deleted answers 404 ``SCAN_PURGED``."""
    try:
        blob = store.get(bucket, object_key)
    except S3Error as exc:
        if exc.code == "NoSuchKey":
            raise NotFound(PURGED, code="SCAN_PURGED") from None
        raise
    return decrypt(keyring, object_key, blob)


class ScanKeys(DependencyProvider):
    """The keyring, read once at start-up (a missing ``SCAN_KEYS`` stops the process)."""

    def setup(self) -> None:
        self.keyring = load_keyring()

    def get_dependency(self, worker_ctx: Any) -> Keyring:
        return self.keyring
