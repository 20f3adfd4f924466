"""The gateway's web server: nameko's, plus what every answer needs whichever route made it.

- A path or method no route matches gets the JSON error shape (not werkzeug's HTML page).
- Every answer carries the baseline security headers; a route that sets its own (the pages'
  stricter CSP) keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

# Answers that are not pages (JSON, PDFs, the verification page) load nothing and are never
# framed. The verification page has only an inline style sheet.
BASELINE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
BASELINE_CSP = {
    "text/html": ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    # A PDF opened in the browser's own viewer: a CSP would break the viewer, nosniff stays.
    "application/pdf": None,
}
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


MESSAGES = {404: "Alamat tidak ditemukan.", 405: "Metode ini tidak didukung untuk alamat ini."}


def error_body(exc: HTTPException) -> bytes:
    """werkzeug's HTTP errors in the JSON error shape (NOT_FOUND, METHOD_NOT_ALLOWED, …)."""
    code = (exc.name or "error").upper().replace(" ", "_")
    message = MESSAGES.get(exc.code or 0, exc.description or code)
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    present = {name.lower() for name, _ in headers}
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    media_type = content_type.split(";")[0].strip().lower()
    added = [(k, v) for k, v in BASELINE_HEADERS.items() if k.lower() not in present]
    csp = BASELINE_CSP.get(media_type, DEFAULT_CSP)
    if csp and "content-security-policy" not in present:
        added.append(("Content-Security-Policy", csp))
    return headers + added


class GatewayApp(WsgiApp):
    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        def secured_start(status: str, headers: list, exc_info: Any = None):
            return start_response(status, with_security_headers(list(headers)), exc_info)

        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except HTTPException as exc:  # no route: the JSON error shape, like every other error
            if exc.code is not None and exc.code < 400:  # a redirect to the canonical path
                return exc(environ, secured_start)
            headers = {"Cache-Control": "no-store"}
            if exc.code == 405 and getattr(exc, "valid_methods", None):
                headers["Allow"] = ", ".join(exc.valid_methods)
            response = Response(error_body(exc), status=exc.code or 404,
                                mimetype="application/json", headers=headers)
            return response(environ, secured_start)
        request.path_values = values
        return provider.handle_request(request)(environ, secured_start)


class GatewayWebServer(WebServer):
    def get_wsgi_app(self) -> GatewayApp:
        return GatewayApp(self)
