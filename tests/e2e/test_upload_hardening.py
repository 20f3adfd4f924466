"""Scan uploads over HTTP: access is checked before the body is read, chunked bodies work,
images are stored re-encoded, active PDFs are refused, and staff get scans sandboxed."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from minio import Minio
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from silasidakep import scan_crypto
from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.journeys import claim
from tests.support.scans import pdf_scan
from tests.support.system import System

pytestmark = pytest.mark.e2e

BUCKET = "silasidakep-scans"


def scans(system: System) -> Minio:
    return Minio(system.s3.endpoint.removeprefix("http://"), access_key="x", secret_key="y",
                 secure=False)


def stored(system: System, app_id: str) -> dict[str, bytes]:
    client = scans(system)
    if not client.bucket_exists(BUCKET):
        return {}
    names = [o.object_name for o in client.list_objects(
        BUCKET, prefix=f"applications/{app_id}/", recursive=True)]
    # Scans are encrypted at rest (silasidakep.scan_crypto): compare what staff would read.
    keyring = scan_crypto.load_keyring(system.env)
    return {name: scan_crypto.decrypt(keyring, name, client.get_object(BUCKET, name).read())
            for name in names}


def in_chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A generator body: requests sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


def chunked_put(system: System, app: dict, doc_type: str, body: Iterator[bytes],
                content_type: str) -> requests.Response:
    return requests.put(
        f"{system.gateway}/api/v1/applications/{app['id']}/documents/{doc_type}", data=body,
        headers={"Authorization": f"Bearer {app['access_token']}", "Content-Type": content_type},
        timeout=60,
    )


def photo_with_secrets() -> bytes:
    """A phone photo: EXIF with GPS and a turned orientation, and a ZIP glued on the end."""
    image = Image.new("RGB", (120, 60), (230, 230, 230))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to view
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 51.0, 30.0), 3: "E", 4: (107.0, 55.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue() + b"PK\x03\x04" + b"isi arsip zip" * 100


def pdf_with_javascript() -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_scan()))
    action = generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.launchURL('https://x.test')"),
    })
    writer.root[generic.NameObject("/OpenAction")] = writer.add_object(action)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def first_answer(system: System, path: str, token: str | None, length: int) -> bytes:
    """Send only the headers of a PUT with ``Expect: 100-continue`` and return what the gateway
    says first: the server sends 100 Continue only once the route starts reading the body."""
    where = urlsplit(system.gateway)
    lines = [f"PUT {path} HTTP/1.1", f"Host: {where.netloc}", "Content-Type: application/pdf",
             f"Content-Length: {length}", "Expect: 100-continue", "Connection: close"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    with socket.create_connection((where.hostname, where.port), timeout=15) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return conn.recv(65536)


def test_access_is_checked_before_the_body_is_read(
    system: System, citizen: CitizenClient, draft: dict
) -> None:
    app_id, token = draft["id"], draft["access_token"]
    other = citizen.create(application_payload(new_person())).json()
    path = f"/api/v1/applications/{app_id}/documents/KK_LAMA"
    for token_sent, app_path, status, code in [
        (None, path, 401, "MISSING_TOKEN"),
        ("salah", path, 403, "INVALID_TOKEN"),
        (other["access_token"], path, 403, "INVALID_TOKEN"),
        (token, "/api/v1/applications/00000000-0000-0000-0000-000000000000/documents/KK_LAMA",
         404, "APPLICATION_NOT_FOUND"),
        (token, f"/api/v1/applications/{app_id}/documents/AKTA_NIKAH", 400,
         "UNKNOWN_DOCUMENT_TYPE"),
    ]:
        answer = first_answer(system, app_path, token_sent, 4 * 2**20)
        assert answer.startswith(f"HTTP/1.1 {status} ".encode()), (code, answer[:200])
        assert code.encode() in answer and b"100 Continue" not in answer
    # The one allowed upload is asked for its body.
    assert first_answer(system, path, token, 1000).startswith(b"HTTP/1.1 100 Continue")
    assert stored(system, app_id) == {}


def test_an_application_no_longer_editable_refuses_before_the_body(
    system: System, citizen: CitizenClient, draft: dict
) -> None:
    app_id, token = draft["id"], draft["access_token"]
    for doc_type in ("KK_LAMA", "BUKTI_PERUBAHAN"):
        assert citizen.upload(app_id, token, doc_type, pdf_scan()).status_code == 201
    assert citizen.submit(app_id, token).status_code == 202
    answer = first_answer(system, f"/api/v1/applications/{app_id}/documents/KK_LAMA", token,
                          1000)
    assert answer.startswith(b"HTTP/1.1 409 ") and b"NOT_EDITABLE" in answer


def test_a_chunked_upload_is_stored_and_an_oversized_one_refused(
    system: System, draft: dict
) -> None:
    scan = pdf_scan("KK lama", min_size=300_000)
    uploaded = chunked_put(system, draft, "KK_LAMA", in_chunks(scan), "application/pdf")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["size"] == len(scan) and body["sha256"] == hashlib.sha256(scan).hexdigest()
    assert list(stored(system, draft["id"]).values()) == [scan]  # a PDF is kept byte for byte

    too_big = chunked_put(system, draft, "BUKTI_PERUBAHAN",
                          in_chunks(b"%PDF-" + b"0" * (5 * 2**20 + 10)), "application/pdf")
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert len(stored(system, draft["id"])) == 1


def test_an_active_pdf_is_refused_and_not_stored(
    system: System, citizen: CitizenClient, draft: dict
) -> None:
    response = citizen.upload(draft["id"], draft["access_token"], "KK_LAMA",
                              pdf_with_javascript())
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "FILE_ACTIVE_CONTENT" and "PDF berisi skrip" in error["message"]
    assert stored(system, draft["id"]) == {}
    assert citizen.get(draft["id"], draft["access_token"]).json()["uploads"] == []


def test_a_photo_is_stored_re_encoded_and_served_to_staff_sandboxed(
    system: System, citizen: CitizenClient, draft: dict, verifier: str
) -> None:
    app_id, token = draft["id"], draft["access_token"]
    photo = photo_with_secrets()
    uploaded = chunked_put(system, draft, "BUKTI_PERUBAHAN", in_chunks(photo, 4096),
                           "image/jpeg")
    assert uploaded.status_code == 201, uploaded.text
    (key, data), = stored(system, app_id).items()
    assert key.startswith(f"applications/{app_id}/BUKTI_PERUBAHAN/")
    assert uploaded.json() == {"doc_type": "BUKTI_PERUBAHAN", "size": len(data),
                               "sha256": hashlib.sha256(data).hexdigest()}
    assert data != photo and b"PK\x03\x04" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (60, 120) and not image.getexif()

    assert citizen.upload(app_id, token, "KK_LAMA", pdf_scan()).status_code == 201
    assert citizen.submit(app_id, token).status_code == 202
    claim(system, verifier, app_id)
    served = requests.get(
        f"{system.gateway}/api/v1/staff/applications/{app_id}/documents/BUKTI_PERUBAHAN",
        headers={"Authorization": f"Bearer {verifier}"}, timeout=10,
    )
    assert served.status_code == 200 and served.content == data
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Content-Security-Policy"] == "sandbox"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "no-store"
