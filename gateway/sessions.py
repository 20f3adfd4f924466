"""Citizen sessions at the gateway: the cookie the pages use, its CSRF token, and reading the
credential a citizen request carries (Authorization header first, then the cookie).

Intake checks every credential; this only carries it. The CSRF token is derived from the
session token (a keyless hash: it cannot be computed without the HttpOnly cookie's secret),
so it needs no storage and ends with the session. A page reads it from the ``sls_csrf`` cookie
(same-site scripts only) and sends it back as ``X-CSRF-Token`` on every state-changing request;
a cross-site form can send the cookie but cannot know the token."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from silasidakep.config import is_development
from silasidakep.errors import Forbidden, Unauthorized

SESSION_COOKIE = "sls_session"
CSRF_COOKIE = "sls_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(b"silasidakep-csrf\x1f" + session_token.encode()).hexdigest()[:40]


def secure_cookies() -> bool:
    """Secure cookies everywhere but an explicitly chosen development run (plain http there)."""
    return not is_development()


def set_session_cookies(response: Response, started: dict[str, Any],
                        secure: bool | None = None) -> None:
    secure = secure_cookies() if secure is None else secure
    token = started["token"]
    expires = datetime.fromisoformat(started["expires_at"])
    response.set_cookie(SESSION_COOKIE, token, expires=expires, path="/", secure=secure,
                        httponly=True, samesite="Lax")
    response.set_cookie(CSRF_COOKIE, csrf_for(token), expires=expires, path="/",
                        secure=secure, httponly=False, samesite="Lax")


def clear_session_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure_cookies(),
                               samesite="Lax", httponly=name == SESSION_COOKIE)


def from_cookie(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def citizen_credential(request: Request, required: bool = True) -> str | None:
    """The Authorization bearer token (a guest token, a session token or the super-app's
    access token), else the session cookie, whose state-changing requests must carry the CSRF
    token."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    cookie = from_cookie(request)
    if cookie:
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), csrf_for(cookie).encode()):
                raise Forbidden("Permintaan ditolak: token keamanan (CSRF) tidak sesuai. "
                                "Muat ulang halaman lalu coba lagi.", code="CSRF_FAILED")
        return cookie
    if required:
        raise Unauthorized("Sertakan token akses pada header Authorization.", code="MISSING_TOKEN")
    return None
