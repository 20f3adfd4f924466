"""Infrastructure outages answer 503 with a code and Retry-After, never a 500: the gateway's
mapping (gateway.http) and object storage's own conversion (silasidakep.storage)."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable

import amqp.exceptions
import kombu.exceptions
import pytest
from minio.error import S3Error, ServerError
from nameko.exceptions import RemoteError
from urllib3 import HTTPResponse
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.http import (
    DEFAULT_RETRY_AFTER,
    ApiEntrypoint,
    domain_error_response,
    error_page,
    outage_error,
    wants_page,
)
from silasidakep import storage
from silasidakep.config import load_settings
from silasidakep.errors import NotFound, ServiceUnavailable


def answer(exc: BaseException) -> Response:
    return ApiEntrypoint("GET", "/x").response_from_exception(exc)


def body(response: Response) -> dict:
    return json.loads(response.get_data())["error"]


def raised_in(module: str, exc: BaseException) -> BaseException:
    """``exc`` raised from a function whose module is ``module`` (as a client library's)."""
    namespace: dict = {"__name__": module}
    exec("def fail(exc):\n    raise exc\n", namespace)  # noqa: S102 (a test double)
    fail: Callable[[BaseException], None] = namespace["fail"]
    try:
        fail(exc)
    except BaseException as caught:  # noqa: BLE001
        return caught
    raise AssertionError("not raised")


def s3_error(status: int, code: str = "InternalError") -> S3Error:
    return S3Error(HTTPResponse(status=status), code, "x", "/b/k", "r", "h")


def test_a_database_error_inside_a_service_is_503_database_unavailable() -> None:
    for name in ("OperationalError", "InterfaceError", "DisconnectionError"):
        response = answer(RemoteError(name, "could not connect to server: Connection refused"))
        assert response.status_code == 503
        assert body(response)["code"] == "DATABASE_UNAVAILABLE"
        assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)
        assert body(response)["retry_after"] == DEFAULT_RETRY_AFTER
    assert "Basis data" in body(answer(RemoteError("OperationalError", "")))["message"]


def test_a_bug_inside_a_service_stays_a_500() -> None:
    response = answer(RemoteError("KeyError", "'x'"))
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert outage_error(RemoteError("IntegrityError", "")) is None


@pytest.mark.parametrize("exc", [
    kombu.exceptions.OperationalError("[Errno 111] Connection refused"),
    amqp.exceptions.ConnectionForced("broker shutting down"),
    amqp.exceptions.RecoverableConnectionError("connection lost"),
])
def test_the_broker_unreachable_is_503_broker_unavailable(exc: BaseException) -> None:
    response = answer(exc)
    assert response.status_code == 503 and body(response)["code"] == "BROKER_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) > 0


def test_a_socket_error_is_placed_by_the_client_that_raised_it() -> None:
    refused = raised_in("amqp.transport", ConnectionRefusedError(111, "refused"))
    assert outage_error(refused).code == "BROKER_UNAVAILABLE"
    reset = raised_in("kombu.connection", OSError(104, "reset"))
    assert outage_error(reset).code == "BROKER_UNAVAILABLE"
    cut = raised_in("urllib3.connectionpool", ConnectionResetError(104, "reset"))
    assert outage_error(cut).code == "STORAGE_UNAVAILABLE"
    # Raised by our own code (a missing file): a bug, not an outage.
    assert outage_error(raised_in("gateway.routes.public", FileNotFoundError("x"))) is None
    assert answer(raised_in("gateway.routes.public", OSError("x"))).status_code == 500


@pytest.mark.parametrize("exc", [
    MaxRetryError(None, "/b/k", NewConnectionError(None, "refused")),
    ProtocolError("Connection aborted."),
    ServerError("server failed with HTTP status code 502", 502),
    s3_error(503, "SlowDown"),
    ConnectionError("refused"),
])
def test_object_storage_failing_is_503_storage_unavailable(exc: BaseException) -> None:
    response = answer(exc)
    assert response.status_code == 503 and body(response)["code"] == "STORAGE_UNAVAILABLE"
    assert response.headers["Retry-After"] == str(storage.RETRY_AFTER_SECONDS)
    assert body(response)["retry_after"] == storage.RETRY_AFTER_SECONDS
    assert "Penyimpanan berkas" in body(response)["message"]


def test_a_refused_storage_request_is_not_an_outage() -> None:
    assert not storage.is_outage(s3_error(404, "NoSuchKey"))
    assert storage.is_outage(s3_error(500))
    assert outage_error(s3_error(403, "AccessDenied")) is None


def test_every_503_says_when_to_come_back() -> None:
    response = domain_error_response(ServiceUnavailable(code="UPSTREAM_TIMEOUT"))
    assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)
    # Carried across the RPC as a string in ``fields``: still a number here.
    stored = ServiceUnavailable(code="STORAGE_UNAVAILABLE", fields={"retry_after": "30"})
    assert domain_error_response(stored).headers["Retry-After"] == "30"
    assert "Retry-After" not in domain_error_response(NotFound()).headers


def test_object_store_turns_an_unreachable_server_into_storage_unavailable() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = dataclasses.replace(load_settings({"SILASIDAKEP_ENV": "development"}),
                                   s3_endpoint=f"http://127.0.0.1:{port}")
    store = storage.ObjectStore(settings)
    for call in (lambda: store.put("uji-bucket", "k", b"x", "application/pdf"),
                 lambda: store.get("uji-bucket", "k"), store.ping):
        with pytest.raises(ServiceUnavailable) as refused:
            call()
        assert refused.value.code == "STORAGE_UNAVAILABLE"
        assert refused.value.fields == {"retry_after": storage.RETRY_AFTER_SECONDS}


def request(path: str, accept: str, method: str = "GET") -> Request:
    return Request(EnvironBuilder(path=path, method=method, headers={"Accept": accept})
                   .get_environ())


def test_a_page_a_browser_opens_gets_an_indonesian_page_that_reloads_itself() -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert wants_page(request("/verify/3211-KK-2026-000001", browser))
    assert not wants_page(request("/verify/3211-KK-2026-000001", "application/json"))
    assert not wants_page(request("/api/v1/services", browser))
    assert not wants_page(request("/petugas", browser, method="POST"))
    page = error_page(domain_error_response(storage.storage_unavailable()))
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "30"
    assert "Layanan sedang gangguan, coba lagi dalam 30 detik." in html
    assert 'http-equiv="refresh" content="30"' in html and "STORAGE_UNAVAILABLE" in html
    crash = error_page(answer(RemoteError("KeyError", "x")))
    assert crash.status_code == 500 and "Terjadi kesalahan" in crash.get_data(as_text=True)
    assert "refresh" not in crash.get_data(as_text=True)
