"""Signing in with the super-app's OpenID provider (Tahu Sumedang): the relying-party half of
OpenID Connect, authorization code + PKCE (S256), with Authlib's requests client.

``GET /auth/oidc/login?next=/akun`` sends the browser to the provider with a fresh state, nonce
and PKCE verifier, which wait in the short-lived cookie ``sls_oidc`` (HttpOnly, HMAC-signed with
``GATEWAY_COOKIE_KEY``, path /auth/oidc). ``GET /auth/oidc/callback`` checks the state, exchanges
the code (with the client secret and the verifier) and hands the ID token and nonce to intake,
which verifies it, finds or opens the account and starts a session; the session cookies are then
set and the browser goes on to ``next``.

Every failure (no such flow or a stale one, a state mismatch, the provider's ``error``, a failed
exchange, an ID token intake refuses, the provider unreachable) sends the browser to
``/masuk?gagal=oidc&kode=<CODE>``: a person arrives here in a browser, so the sign-in page tells
them in Indonesian; ``kode`` is the machine-readable reason (``OIDC_*``) for support and tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from werkzeug.wrappers import Request, Response

from gateway.http import api
from gateway.routes.base import GatewayBase
from gateway.sessions import secure_cookies, set_session_cookies
from silasidakep.config import secret
from silasidakep.errors import DomainError
from silasidakep.oidc import OidcSettings, OidcVerifier

log = logging.getLogger(__name__)

FLOW_COOKIE = "sls_oidc"
FLOW_PATH = "/auth/oidc"
FLOW_SECONDS = 600  # time to sign in at the provider
DEFAULT_NEXT = "/akun"
FAILED = "/masuk"


@lru_cache(maxsize=1)
def _provider() -> tuple[OidcSettings, OidcVerifier]:
    """One per process: the verifier caches the provider's discovery document."""
    settings = OidcSettings.from_env(with_client_secret=True)
    return settings, OidcVerifier(settings)


@lru_cache(maxsize=1)
def _cookie_key() -> bytes:
    return secret(os.environ, "GATEWAY_COOKIE_KEY", "development-only-gateway-cookie-key").encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(flow: dict[str, Any], key: bytes) -> str:
    payload = _b64(json.dumps(flow, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def unseal(value: str | None, key: bytes, now: float) -> dict[str, Any] | None:
    """The flow in a cookie ``seal`` made, or None if it is missing, altered or too old."""
    if not value or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        flow = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(flow, dict) or not isinstance(flow.get("exp"), int) or flow["exp"] < now:
        return None
    return flow


def local_path(value: str | None) -> str:
    """``value`` if it is a path on this site, else the account page: never an open redirect
    ("//evil.example" and "/\\evil.example" are other sites to a browser)."""
    if (not value or not value.startswith("/") or value.startswith(("//", "/\\"))
            or len(value) > 512 or any(ord(c) < 0x21 or c == "\\" for c in value)):
        return DEFAULT_NEXT
    return value


def _redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def _failed(code: str) -> Response:
    log.info("OIDC sign-in failed: %s", code)
    response = _redirect(f"{FAILED}?{urlencode({'gagal': 'oidc', 'kode': code})}")
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, secure=secure_cookies(),
                           httponly=True, samesite="Lax")
    return response


def _oauth_session(settings: OidcSettings, state: str) -> OAuth2Session:
    return OAuth2Session(
        settings.client_id, settings.client_secret, scope=settings.scopes,
        redirect_uri=settings.redirect_uri, state=state, code_challenge_method="S256",
    )


class OidcRoutes(GatewayBase):
    @api("GET", "/auth/oidc/login")
    def oidc_login(self, request: Request) -> Response:
        settings, verifier = _provider()
        if not settings.enabled:
            return _failed("OIDC_NOT_CONFIGURED")
        try:
            endpoint = verifier.metadata()["authorization_endpoint"]
        except (DomainError, KeyError):
            return _failed("OIDC_PROVIDER_UNAVAILABLE")
        flow = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
                "verifier": secrets.token_urlsafe(48), "next": local_path(request.args.get("next")),
                "exp": int(time.time()) + FLOW_SECONDS}
        url, _ = _oauth_session(settings, flow["state"]).create_authorization_url(
            endpoint, state=flow["state"], code_verifier=flow["verifier"], nonce=flow["nonce"],
        )
        response = _redirect(url)
        response.set_cookie(FLOW_COOKIE, seal(flow, _cookie_key()), max_age=FLOW_SECONDS,
                            path=FLOW_PATH, secure=secure_cookies(), httponly=True,
                            samesite="Lax")
        return response

    @api("GET", "/auth/oidc/callback")
    def oidc_callback(self, request: Request) -> Response:
        settings, verifier = _provider()
        if not settings.enabled:
            return _failed("OIDC_NOT_CONFIGURED")
        flow = unseal(request.cookies.get(FLOW_COOKIE), _cookie_key(), time.time())
        if flow is None:
            return _failed("OIDC_FLOW_EXPIRED")
        state, code = request.args.get("state", ""), request.args.get("code", "")
        if not hmac.compare_digest(state.encode(), str(flow["state"]).encode()):
            return _failed("OIDC_STATE_MISMATCH")
        if request.args.get("error"):
            denied = request.args["error"] == "access_denied"
            return _failed("OIDC_ACCESS_DENIED" if denied else "OIDC_PROVIDER_ERROR")
        # RFC 9207: an answer naming another issuer is a mix-up attack, not our provider's.
        if "iss" in request.args and request.args["iss"] != settings.issuer:
            return _failed("OIDC_WRONG_ISSUER")
        if not code:
            return _failed("OIDC_LOGIN_FAILED")
        id_token = self._exchange(settings, verifier, flow, code)
        if id_token is None:
            return _failed("OIDC_EXCHANGE_FAILED")
        try:
            started = self.intake.sign_in_with_oidc(id_token, flow["nonce"],
                                                    self._device(request))
        except DomainError as exc:
            return _failed(exc.code)
        response = _redirect(local_path(flow.get("next")))
        set_session_cookies(response, started, secure=secure_cookies())
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, secure=secure_cookies(),
                               httponly=True, samesite="Lax")
        return response

    def _exchange(self, settings: OidcSettings, verifier: OidcVerifier,
                  flow: dict[str, Any], code: str) -> str | None:
        """The ID token for ``code`` from the token endpoint, or None."""
        try:
            endpoint = verifier.metadata()["token_endpoint"]
            token = _oauth_session(settings, flow["state"]).fetch_token(
                endpoint, code=code, code_verifier=flow["verifier"], timeout=10,
            )
        except (DomainError, KeyError, AuthlibBaseError, requests.RequestException,
                ValueError) as exc:
            log.warning("OIDC code exchange failed: %s", type(exc).__name__)
            return None
        id_token = token.get("id_token")
        return id_token if isinstance(id_token, str) else None
