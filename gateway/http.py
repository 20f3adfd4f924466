"""The gateway's HTTP entrypoint: JSON in, JSON out, every failure a machine-readable error."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Any

import amqp.exceptions
import kombu.exceptions
from jinja2 import Environment, FileSystemLoader, select_autoescape
from marshmallow import Schema, ValidationError
from minio.error import InvalidResponseError, S3Error, ServerError
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from urllib3.exceptions import HTTPError as TransportError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from gateway.web_server import GatewayWebServer, error_body
from silasidakep import storage
from silasidakep.errors import (
    DomainError,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    in_indonesian,
)
from silasidakep.text import REFUSED_TEXT_MESSAGE, storable

log = logging.getLogger(__name__)

# A body passed on to the owning service without a schema here: far above any real request (a
# complaint is at most a few kB), so a huge body is refused before it crosses the broker.
MAX_OBJECT_BYTES = 64 * 1024

UNAVAILABLE = {
    "error": {
        "code": "SERVICE_UNAVAILABLE",
        "message": "Layanan sedang mengalami gangguan. Silakan coba beberapa saat lagi.",
    }
}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer. Not stored by browsers or proxies unless the route says otherwise: most
    answers carry personal data (public, cacheable ones set their own Cache-Control)."""
    return Response(
        json.dumps(body, ensure_ascii=False), status=status,
        headers={"Cache-Control": "no-store", **(headers or {})}, mimetype="application/json",
    )


# --- infrastructure outages: 503 with a code and Retry-After instead of a 500 ----------------
# A restart of the broker or a database takes seconds; object storage is given longer.
DEFAULT_RETRY_AFTER = 10
OUTAGE_MESSAGES = {
    "BROKER_UNAVAILABLE": ("Layanan sedang mengalami gangguan jaringan internal. "
                           "Silakan coba lagi dalam beberapa saat."),
    "DATABASE_UNAVAILABLE": ("Basis data layanan sedang mengalami gangguan. "
                             "Silakan coba lagi dalam beberapa saat."),
}
# Raised inside a service and re-raised here as RemoteError, which keeps only the class name:
# SQLAlchemy's and psycopg2's connectivity errors (a restart, a cut connection, a full pool).
DATABASE_ERRORS = frozenset({"OperationalError", "InterfaceError", "DisconnectionError",
                             "AdminShutdown", "CannotConnectNow"})
BROKER_ERRORS = (kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError,
                 amqp.exceptions.RecoverableConnectionError)
STORAGE_ERRORS = (TransportError, ServerError, InvalidResponseError)
# Where an OSError (a refused or reset socket) came from, by the deepest frame's package.
BROKER_MODULES = ("kombu", "amqp", "nameko.rpc", "nameko.amqp")
STORAGE_MODULES = ("minio", "urllib3", "silasidakep.storage")


def _frames_modules(tb: TracebackType | None) -> list[str]:
    modules = []
    while tb is not None:
        modules.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    return modules


def _raised_in(exc: BaseException) -> str | None:
    """Which client raised ``exc`` ("broker" or "storage"), by the deepest frame of one."""
    for module in reversed(_frames_modules(exc.__traceback__)):
        if module.startswith(BROKER_MODULES):
            return "broker"
        if module.startswith(STORAGE_MODULES):
            return "storage"
    return None


def _unavailable(code: str) -> ServiceUnavailable:
    return ServiceUnavailable(OUTAGE_MESSAGES[code], code=code)


def outage_error(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 an infrastructure failure answers, or None when ``exc`` is not one. Storage is
    converted in ObjectStore already; this is the backstop for whatever gets past it."""
    if isinstance(exc, RemoteError):
        return _unavailable("DATABASE_UNAVAILABLE") if exc.exc_type in DATABASE_ERRORS else None
    if isinstance(exc, BROKER_ERRORS):
        return _unavailable("BROKER_UNAVAILABLE")
    if isinstance(exc, STORAGE_ERRORS) or (isinstance(exc, S3Error) and storage.is_outage(exc)):
        return storage.storage_unavailable()
    if isinstance(exc, OSError):
        origin = _raised_in(exc)
        if origin == "broker":
            return _unavailable("BROKER_UNAVAILABLE")
        if origin == "storage" or isinstance(exc, ConnectionError):
            return storage.storage_unavailable()
    return None


class ApiEntrypoint(HttpRequestHandler):
    """Maps DomainError (raised here or re-raised from an RPC) to its HTTP status, and an
    infrastructure outage to 503; a page (not /api/) asked for by a browser gets an HTML page
    in its place."""

    server = GatewayWebServer()

    def handle_request(self, request: Request) -> Response:
        response = super().handle_request(request)
        if response.status_code >= 500 and response.mimetype == "application/json" and \
                wants_page(request):
            return error_page(response)
        return response

    def response_from_exception(self, exc: BaseException) -> Response:
        if isinstance(exc, DomainError):
            return domain_error_response(exc)
        if isinstance(exc, HTTPException):
            return Response(error_body(exc), status=exc.code or 400, mimetype="application/json",
                            headers={"Cache-Control": "no-store"})
        outage = outage_error(exc)
        if outage is not None:
            # No traceback: one line per failed request is enough while something is down.
            log.warning("%s: %s", outage.code,
                        exc.exc_type if isinstance(exc, RemoteError) else type(exc).__name__)
            return domain_error_response(outage)
        if isinstance(exc, RemoteError):
            log.error("remote error: %s", exc.exc_type)
        else:
            log.exception("unhandled error in gateway", exc_info=exc)
        return json_response(UNAVAILABLE, status=500)


api = ApiEntrypoint.decorator


def take_retry_after(exc: DomainError) -> int | None:
    """A limit's ``retry_after`` (seconds, carried in ``fields`` across the RPC, where nameko
    turns it into a string), taken out of the fields; None when there is none."""
    wait = str(exc.fields.pop("retry_after", "")) if isinstance(exc.fields, dict) else ""
    return int(wait) if wait.isdigit() and exc.http_status in (429, 503) else None


def domain_error_response(exc: DomainError) -> Response:
    """The error's body and status; a limit's wait becomes the Retry-After header, and every
    503 says when to come back."""
    wait = take_retry_after(exc)
    if wait is None and exc.http_status == 503:
        wait = DEFAULT_RETRY_AFTER
    body = exc.to_body()
    headers = None
    if wait is not None:
        headers = {"Retry-After": str(wait)}
        body["error"]["retry_after"] = wait
    return json_response(body, status=exc.http_status, headers=headers)


# --- HTML pages: a failure a browser navigated to is a page in Indonesian, not JSON ------------
_pages = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                     autoescape=select_autoescape(["html"]))


def wants_page(request: Request) -> bool:
    """A browser opening a page (not a script calling the API)."""
    if request.method != "GET" or request.path.startswith("/api/"):
        return False
    offered = ["application/json", "text/html"]
    return request.accept_mimetypes.best_match(offered) == "text/html"


def error_page(answer: Response) -> Response:
    """The JSON error ``answer`` as an Indonesian page; a 503 reloads itself after its wait."""
    try:
        error = json.loads(answer.get_data())["error"]
    except (ValueError, KeyError, TypeError):
        error = UNAVAILABLE["error"]
    wait = answer.headers.get("Retry-After")
    html = _pages.get_template("unavailable.html").render(
        error=error, retry_after=int(wait) if wait and wait.isdigit() else None,
        outage=answer.status_code == 503,
    )
    headers = {"Cache-Control": "no-store", **({"Retry-After": wait} if wait else {})}
    return Response(html, status=answer.status_code, mimetype="text/html", headers=headers)


def unstorable_text_path(body: Any) -> str | None:
    """The dotted path of the first key or string value PostgreSQL could not store, or None.
    Iterative, so a deep (but parseable) document cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not storable(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if not storable(key):
                    return path or "body"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item)
                         for index, item in enumerate(value))
    return None


def parse_json(request: Request, schema: Schema | None = None) -> dict[str, Any]:
    """The request's JSON object, loaded with ``schema``. Without one only the shape is checked
    here (JSON, an object, at most ``MAX_OBJECT_BYTES``) and the owning service validates the
    content, so each rule has one owner."""
    data = request.get_data(cache=False)
    if schema is None and len(data) > MAX_OBJECT_BYTES:
        raise PayloadTooLarge("Badan permintaan terlalu besar.", code="BODY_TOO_LARGE")
    try:
        body = json.loads(data or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed(
            "Badan permintaan bukan JSON yang valid.", code="INVALID_JSON"
        ) from None
    if not isinstance(body, dict):
        raise ValidationFailed("Badan permintaan harus berupa objek JSON.", code="INVALID_JSON")
    bad = unstorable_text_path(body)
    if bad is not None:
        raise ValidationFailed(fields={bad: [REFUSED_TEXT_MESSAGE]}, code="INVALID_TEXT")
    if schema is None:
        return body
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise ValidationFailed(fields=in_indonesian(exc.messages)) from None


def bearer_token(request: Request, required: bool = True) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if required:
        raise Unauthorized("Sertakan token akses pada header Authorization.", code="MISSING_TOKEN")
    return None


def trust_proxy_headers() -> bool:
    """``TRUST_PROXY_HEADERS=1``: a reverse proxy in front sets X-Forwarded-For."""
    return os.environ.get("TRUST_PROXY_HEADERS") == "1"


def client_address(request: Request, trust_proxy: bool) -> str | None:
    """The caller's IP address for login limits and the staff access log.

    Behind a trusted proxy (``trust_proxy``) the first X-Forwarded-For entry, which the proxy
    must set rather than pass through from the client; otherwise the socket peer. A value that
    is not an IP address is ignored."""
    candidates = []
    if trust_proxy:
        candidates.append(request.headers.get("X-Forwarded-For", "").split(",")[0].strip())
    candidates.append(request.remote_addr or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
