"""The super-app's OpenID provider, as this system relies on it.

Two uses, one module: the gateway signs citizens in through the provider (authorization code +
PKCE; see ``gateway.routes.oidc``) and intake verifies what it gets: the ID token of that
sign-in, and the access tokens (JWTs) the super-app sends as ``Authorization: Bearer`` on the
API. Verification is Authlib's (its OpenID Connect and RFC 9068 claim classes over joserfc, the
JOSE library Authlib itself uses): signatures against the provider's JWKS, only asymmetric
algorithms, so ``none`` and HMAC (a public key reused as a shared secret) are refused.

A refusal is ``Unauthorized`` with one of the ``OIDC_*`` codes; the provider being unreachable is
``ServiceUnavailable``. Tokens are never logged, not even in part.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.oauth2.claims import JWTClaims
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import Key, KeySet

from silasidakep.config import MissingSetting, secret
from silasidakep.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256")
LEEWAY_SECONDS = 60
JWKS_REFETCH_SECONDS = 30.0
HTTP_TIMEOUT = (3.05, 5)
DEFAULT_SCOPES = "openid profile email phone"
# RFC 9068 access tokens say "at+jwt"; many issuers still say "JWT" or nothing. Anything else
# (a logout token, a DPoP proof, ...) is some other kind of token and is refused.
ACCESS_TOKEN_TYPES = frozenset({"", "jwt", "at+jwt", "application/at+jwt"})

_SEGMENT = r"[A-Za-z0-9_-]+"
_JWS_COMPACT = re.compile(rf"{_SEGMENT}\.{_SEGMENT}\.[A-Za-z0-9_-]*\Z")

MESSAGES = {
    "OIDC_TOKEN_INVALID": "Token akses tidak valid.",
    "OIDC_TOKEN_EXPIRED": "Token akses sudah kedaluwarsa. Silakan masuk kembali.",
    "OIDC_WRONG_AUDIENCE": "Token akses tidak ditujukan untuk layanan ini.",
    "OIDC_WRONG_ISSUER": "Token akses tidak diterbitkan oleh penyedia identitas yang diakui.",
    "OIDC_NOT_CONFIGURED": "Masuk melalui aplikasi mitra belum diaktifkan pada layanan ini.",
}


def refused(code: str) -> Unauthorized:
    return Unauthorized(MESSAGES[code], code=code)


@dataclass(frozen=True)
class OidcSettings:
    """``OIDC_*`` settings. ``enabled`` only when ``OIDC_ISSUER`` is set."""

    issuer: str | None
    client_id: str | None
    client_secret: str | None
    audience: str | None
    redirect_uri: str | None
    scopes: str = DEFAULT_SCOPES

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 with_client_secret: bool = False) -> OidcSettings:
        """The settings from the environment. Only the relying party (the gateway, which
        exchanges codes) asks ``with_client_secret=True``: then ``OIDC_CLIENT_SECRET`` follows
        the rules of ``silasidakep.config.secret`` (required outside development). A process
        that only verifies tokens (intake) is never handed the secret."""
        env = os.environ if env is None else env
        issuer = env.get("OIDC_ISSUER") or None
        if issuer is None:
            return cls(None, None, None, None, None)
        missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_AUDIENCE") if not env.get(name)]
        if missing:
            raise MissingSetting(f"{', '.join(missing)} must be set when OIDC_ISSUER is set")
        client_secret = (
            secret(env, "OIDC_CLIENT_SECRET", "development-only-oidc-client-secret")
            if with_client_secret else None
        )
        base_url = env.get("PUBLIC_BASE_URL", "").rstrip("/")
        redirect_uri = env.get("OIDC_REDIRECT_URI") or (
            f"{base_url}/auth/oidc/callback" if base_url else None
        )
        return cls(
            issuer=issuer, client_id=env["OIDC_CLIENT_ID"], client_secret=client_secret,
            audience=env["OIDC_AUDIENCE"], redirect_uri=redirect_uri,
            scopes=env.get("OIDC_SCOPES") or DEFAULT_SCOPES,
        )


def _b64_json(segment: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def looks_like_jwt(token: str | None) -> bool:
    """Whether ``token`` has the shape of a signed JWT (three base64url parts, a JSON header
    naming an ``alg``). Says nothing about its validity; tells it from our own opaque tokens."""
    if not isinstance(token, str) or len(token) > 16384 or not _JWS_COMPACT.match(token):
        return False
    header = _b64_json(token.split(".", 1)[0])
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload before any check: only to tell a wrong issuer from a bad signature, never
    to trust."""
    claims = _b64_json(token.split(".")[1])
    return claims if isinstance(claims, dict) else {}


class OidcVerifier:
    """Checks the issuer's tokens. One per process: it caches the discovery document and the
    JWKS, and fetches the JWKS again for an unknown ``kid`` (key rotation) at most once per
    ``JWKS_REFETCH_SECONDS``, so tokens with made-up key ids cannot make it hammer the issuer."""

    def __init__(self, settings: OidcSettings, http: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._http = http or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._fetched_at: float | None = None

    # --- the issuer's documents ------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("OpenID provider unreachable at %s: %s", url, type(exc).__name__)
            raise ServiceUnavailable(
                "Penyedia identitas aplikasi mitra tidak dapat dihubungi. "
                "Silakan coba beberapa saat lagi.", code="OIDC_PROVIDER_UNAVAILABLE",
            ) from None
        if not isinstance(body, dict):
            raise ServiceUnavailable(code="OIDC_PROVIDER_UNAVAILABLE")
        return body

    def metadata(self) -> dict[str, Any]:
        """The discovery document (``/.well-known/openid-configuration``), fetched once."""
        if not self.settings.enabled:
            raise refused("OIDC_NOT_CONFIGURED")
        if self._metadata is None:
            issuer = str(self.settings.issuer)
            document = self._get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
            # OpenID Connect Discovery 4.3: the document must name the issuer it came from.
            if document.get("issuer") != issuer or not document.get("jwks_uri"):
                log.error("discovery document does not match OIDC_ISSUER")
                raise ServiceUnavailable(code="OIDC_PROVIDER_UNAVAILABLE")
            self._metadata = document
        return self._metadata

    def _key_set(self, refresh: bool) -> KeySet:
        with self._lock:
            now = self._clock()
            stale = self._keys is None or (
                refresh and (self._fetched_at is None
                             or now - self._fetched_at >= JWKS_REFETCH_SECONDS)
            )
            if stale:
                document = self._get_json(self.metadata()["jwks_uri"])
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError, KeyError):
                    log.error("the OpenID provider's JWKS could not be read")
                    raise ServiceUnavailable(code="OIDC_PROVIDER_UNAVAILABLE") from None
                self._fetched_at = now
            assert self._keys is not None
            return self._keys

    def _key_for(self, header: Mapping[str, Any]) -> Key:
        kid = header.get("kid")
        for refresh in (False, True):
            signing = [key for key in self._key_set(refresh) if key.get("use") in (None, "sig")]
            if kid is not None:
                signing = [key for key in signing if key.kid == kid]
            # Without a kid, only a JWKS of exactly one signing key says which key signed.
            if signing and (kid is not None or len(signing) == 1):
                return signing[0]
        raise refused("OIDC_TOKEN_INVALID")

    # --- verification ----------------------------------------------------------------------

    def _decode(self, token: str) -> jwt.Token:
        if not self.settings.enabled:
            raise refused("OIDC_NOT_CONFIGURED")
        if not looks_like_jwt(token):
            raise refused("OIDC_TOKEN_INVALID")
        # A token naming another issuer is refused before any key lookup: it cannot be ours,
        # and it must not make us fetch the JWKS.
        if _unverified_claims(token).get("iss") != self.settings.issuer:
            raise refused("OIDC_WRONG_ISSUER")
        try:
            return jwt.decode(token, lambda obj: self._key_for(obj.headers()),
                              algorithms=ALLOWED_ALGORITHMS)
        except (JoseError, ValueError, TypeError):
            raise refused("OIDC_TOKEN_INVALID") from None

    def _validate(self, claims: JWTClaims) -> dict[str, Any]:
        try:
            claims.validate(leeway=LEEWAY_SECONDS)
        except ExpiredTokenError:
            raise refused("OIDC_TOKEN_EXPIRED") from None
        except ClaimError as exc:
            first = exc.claim.split(",")[0]  # a missing-claims error names them all
            code = {"iss": "OIDC_WRONG_ISSUER", "aud": "OIDC_WRONG_AUDIENCE"}.get(
                first, "OIDC_TOKEN_INVALID")
            raise refused(code) from None
        except JoseError:
            raise refused("OIDC_TOKEN_INVALID") from None
        return dict(claims)

    def _options(self, audience: str | None) -> dict[str, Any]:
        return {
            "iss": {"essential": True, "value": self.settings.issuer},
            "aud": {"essential": True, "value": audience},
            "sub": {"essential": True},
            "exp": {"essential": True},
        }

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The claims of the super-app's access token for this API (``aud`` contains
        ``OIDC_AUDIENCE``); ``Unauthorized`` otherwise."""
        decoded = self._decode(token)
        if str(decoded.header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise refused("OIDC_TOKEN_INVALID")
        claims = JWTClaims(decoded.claims, decoded.header, self._options(self.settings.audience))
        return self._validate(claims)

    def verify_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        """The claims of the ID token of a sign-in this system started (``aud`` is our client
        id, ``nonce`` the one sent with the authorization request)."""
        if not nonce:
            raise refused("OIDC_TOKEN_INVALID")
        decoded = self._decode(token)
        if str(decoded.header.get("typ", "")).lower() in ("at+jwt", "application/at+jwt"):
            raise refused("OIDC_TOKEN_INVALID")
        options = self._options(self.settings.client_id)
        options["nonce"] = {"essential": True, "value": nonce}
        claims = CodeIDToken(decoded.claims, decoded.header, options,
                             params={"nonce": nonce, "client_id": self.settings.client_id})
        return self._validate(claims)
