"""Public verification over the real services: the holder's name only with the QR code's check
code, status only without it (or for documents from before check codes), lookups limited per
client address with 429 TOO_MANY_LOOKUPS."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import psycopg2
import pytest
import requests

from tests.support.journeys import apply, approve, wait_for_status
from tests.support.system import System

pytestmark = pytest.mark.e2e


def _sql(system: System, query: str, *args: object) -> tuple | None:
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=system.database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone() if cur.description else None
    finally:
        conn.close()


@pytest.fixture(scope="module")
def issued_kk(system: System, verifier: str) -> tuple[str, str, str]:
    """(document number, its check code, the holder's name) of a freshly issued KK."""
    citizen, app, _ = apply(system, "KK_PERUBAHAN", seed=913)
    approve(system, verifier, app["id"])
    issued = wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    number = issued["document"]["document_number"]
    code, name = _sql(system, "SELECT check_code, holder_name FROM printing.documents "
                              "WHERE document_number = %s", number)
    return number, code, name


def verify(system: System, number: str, code: str | None = None, page: bool = False):
    path = f"/verify/{number}" if page else f"/api/v1/verify/{number}"
    return requests.get(f"{system.gateway}{path}", params={"c": code} if code else None,
                        timeout=10)


def test_the_check_code_shows_the_holder_and_nothing_else_does(
    system: System, issued_kk: tuple[str, str, str]
) -> None:
    number, code, name = issued_kk
    assert code and len(code) == 16

    full = verify(system, number, code).json()
    assert full["status"] == "ACTIVE" and full["full_details"] is True
    assert full["holder_name"] == name and full["signer"]
    assert "check_code" not in full
    assert verify(system, number, code.lower()).json()["holder_name"] == name

    bare = verify(system, number).json()
    wrong = verify(system, number, "A" * 16 if code != "A" * 16 else "B" * 16).json()
    assert bare == wrong  # a wrong code cannot be told from none
    assert bare["status"] == "ACTIVE" and bare["full_details"] is False
    assert bare["document_type"] == full["document_type"]
    assert bare["issued_at"] == full["issued_at"] and bare["nik_masked"] == full["nik_masked"]
    assert "holder_name" not in bare and "signer" not in bare and "kode QR" in bare["hint"]
    assert name not in json.dumps(bare)

    page = verify(system, number, code, page=True)
    assert page.status_code == 200 and name in page.text and "DOKUMEN ASLI DAN AKTIF" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    no_code = verify(system, number, page=True)
    assert no_code.status_code == 200 and "DOKUMEN ASLI DAN AKTIF" in no_code.text
    assert name not in no_code.text and "kode QR" in no_code.text

    unknown = verify(system, "3211-KK-1999-999997", code).json()
    assert unknown == {"document_number": "3211-KK-1999-999997", "status": "UNKNOWN",
                       "full_details": False}


def test_a_document_from_before_check_codes_answers_status_only(
    system: System, issued_kk: tuple[str, str, str]
) -> None:
    number, code, name = issued_kk
    _sql(system, "UPDATE printing.documents SET check_code = NULL WHERE document_number = %s",
         number)
    try:
        for given in (None, code):
            answer = verify(system, number, given)
            assert answer.status_code == 200
            assert answer.json()["status"] == "ACTIVE" and "holder_name" not in answer.json()
    finally:
        _sql(system, "UPDATE printing.documents SET check_code = %s WHERE document_number = %s",
             code, number)


def _get_from(system: System, source_ip: str, path: str, accept: str) -> tuple[int, dict, str]:
    """A GET from another loopback address, so this test's lookups do not use up the budget of
    127.0.0.1 that the other tests share."""
    url = urlsplit(system.gateway)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(source_ip, 0))
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def test_lookups_are_limited_per_client_address(system: System) -> None:
    path = "/api/v1/verify/3211-KK-1999-999996"
    statuses = []
    for _ in range(62):  # 30 a minute; a minute boundary in between allows up to 60
        status, headers, body = _get_from(system, "127.0.0.2", path, "application/json")
        statuses.append(status)
        if status != 200:
            break
    assert statuses[-1] == 429 and 30 <= statuses.count(200) <= 60, statuses
    error = json.loads(body)["error"]
    assert error["code"] == "TOO_MANY_LOOKUPS" and "coba lagi" in error["message"]
    assert headers["Retry-After"].isdigit() and 1 <= int(headers["Retry-After"]) <= 60
    assert error["retry_after"] == int(headers["Retry-After"])

    status, headers, page = _get_from(system, "127.0.0.2", "/verify/3211-KK-1999-999996",
                                      "text/html")
    assert status == 429 and headers["Retry-After"].isdigit()
    assert "PEMERIKSAAN DITUNDA" in page and "coba lagi" in page

    # Another address is not affected.
    status, _, _ = _get_from(system, "127.0.0.3", path, "application/json")
    assert status == 200
