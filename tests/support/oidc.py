"""A real OpenID provider for the tests: the npm package ``oidc-provider`` (pinned in
tests/support/oidc/package-lock.json, installed by bin/ensure-oidc-provider) run by Node on
loopback, configured by tests/support/oidc/provider.mjs. It stands in for the super-app's
identity provider: one confidential client, PKCE required, JWT access tokens for the resource
``audience``, and its development login and consent forms, which ``browse`` fills in the way a
browser would, so tests get real ID tokens and access tokens through the authorization-code flow.

The "bad" tokens for negative tests come from the provider too wherever a provider can make
them (expired: the provider's clock set back; wrong audience: a token for another resource;
another issuer: a second instance), and otherwise are a real token altered afterwards
(``alg: none``, a broken signature, an HMAC signature).
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = ROOT / "tests" / "support" / "oidc"
# Registered for the helper's own sign-ins; nothing listens there: ``tokens`` stops at the
# redirect and reads the code from it, as a native app would.
HELPER_REDIRECT_URI = "http://127.0.0.1/oidc-test-callback"
DEFAULT_AUDIENCE = "https://api.silasidakep.test"
OTHER_AUDIENCE = "https://api-lain.example.test"
READY_MARK = "OIDC-PROVIDER READY "


def ensure_installed() -> None:
    """``npm ci`` once (bin/ensure-oidc-provider does nothing when the install is current)."""
    subprocess.run([str(ROOT / "bin" / "ensure-oidc-provider")], check=True, timeout=300)


class _Forms(HTMLParser):
    """The forms of a page: action, method and the named inputs' values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""),
                               "method": values.get("method", "get").lower(), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")


def _form(html: str) -> dict[str, Any] | None:
    parser = _Forms()
    parser.feed(html)
    return parser.forms[0] if parser.forms else None


class OidcProvider:
    def __init__(self, log_dir: Path, *, name: str = "oidc-provider",
                 client_id: str = "tahu-sumedang", client_secret: str | None = None,
                 audience: str = DEFAULT_AUDIENCE, redirect_uris: tuple[str, ...] = (),
                 keys_file: Path | None = None, access_token_ttl: int = 3600,
                 port: int = 0) -> None:
        self.log_path = log_dir / f"{name}.log"
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.audience = audience
        self.redirect_uris = (HELPER_REDIRECT_URI, *redirect_uris)
        self.keys_file = keys_file
        self.access_token_ttl = access_token_ttl
        self.process: subprocess.Popen[bytes] | None = None
        self.issuer = ""
        self.port = port  # 0: any free port (the ready line says which)
        self.kids: list[str] = []

    # --- process ---------------------------------------------------------------------------

    def start(self, timeout: float = 30) -> OidcProvider:
        ensure_installed()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "OIDC_PORT": str(self.port),
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_REDIRECT_URIS": " ".join(self.redirect_uris),
            "OIDC_AUDIENCE": self.audience,
            "OIDC_ACCESS_TOKEN_TTL": str(self.access_token_ttl),
        }
        if self.keys_file is not None:
            env["OIDC_KEYS_FILE"] = str(self.keys_file)
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            ["node", "provider.mjs"], cwd=PROVIDER_DIR, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited; see {self.log_path}")
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(READY_MARK):
                    ready = json.loads(line[len(READY_MARK):])
                    self.issuer, self.port = ready["issuer"], ready["port"]
                    self.kids = ready["kids"]
                    return self
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"oidc-provider not ready after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def env(self) -> dict[str, str]:
        """The settings a relying party (gateway) and resource server (intake) need."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret, "OIDC_AUDIENCE": self.audience}

    def _control(self, path: str, body: dict[str, Any]) -> None:
        requests.post(f"{self.issuer}/__test__/{path}", json=body, timeout=5).raise_for_status()

    def add_account(self, login: str, **claims: Any) -> str:
        """An account of the provider's user store; its ``sub`` is ``login``. Claims such as
        phone_number, phone_number_verified, email, email_verified, name."""
        self._control("accounts", {"login": login, "claims": claims})
        return login

    @contextmanager
    def clock_skewed(self, seconds: int) -> Iterator[None]:
        """The provider's clock moved by ``seconds`` (negative: into the past) meanwhile."""
        self._control("clock", {"skew_seconds": seconds})
        try:
            yield
        finally:
            self._control("clock", {"skew_seconds": 0})

    # --- the authorization-code flow, as a browser and a client would run it ------------

    def browse(self, http: requests.Session, url: str, login: str, *,
               stop: Callable[[str], bool], rewrite: Callable[[str], str] = lambda url: url,
               limit: int = 25) -> requests.Response:
        """Follow ``url``'s redirects like a browser, filling in the provider's login form with
        ``login`` and approving its consent form, until a redirect whose target satisfies
        ``stop``; that response is returned, not followed. ``rewrite`` maps a public URL to
        where the test can reach it (the gateway behind PUBLIC_BASE_URL)."""
        response = http.get(rewrite(url), allow_redirects=False, timeout=10)
        for _ in range(limit):
            location = response.headers.get("Location")
            if response.is_redirect and location:
                target = urljoin(response.url, location)
                if stop(target):
                    return response
                response = http.get(rewrite(target), allow_redirects=False, timeout=10)
                continue
            form = _form(response.text) if response.status_code == 200 else None
            if not form or not form["action"].startswith(("/interaction/", self.issuer)):
                return response
            fields = dict(form["fields"])
            if fields.get("prompt") == "login":
                fields.update(login=login, password="tidak-diperiksa")
            response = http.post(urljoin(response.url, form["action"]), data=fields,
                                 allow_redirects=False, timeout=10)
        raise RuntimeError(f"more than {limit} steps signing in at {url}")

    def _client(self) -> OAuth2Session:
        return OAuth2Session(self.client_id, self.client_secret, scope="openid profile email phone",
                             redirect_uri=HELPER_REDIRECT_URI, code_challenge_method="S256")

    def tokens(self, login: str, *, resource: str | None = None, nonce: str | None = None,
               issued_ago: int = 0) -> dict[str, Any]:
        """Sign ``login`` in through the real authorization-code + PKCE flow and return the
        token response (``access_token`` a JWT for ``resource``, default the audience, and
        ``id_token``) with the ``nonce`` used. ``issued_ago``: the provider's clock is set
        back that many seconds for the code exchange, so the tokens are that much older."""
        client = self._client()
        verifier = secrets.token_urlsafe(48)
        nonce = nonce or secrets.token_urlsafe(16)
        url, _state = client.create_authorization_url(
            f"{self.issuer}/auth", code_verifier=verifier, nonce=nonce,
            resource=resource or self.audience,
        )
        with requests.Session() as http:
            answer = self.browse(http, url, login,
                                 stop=lambda target: target.startswith(HELPER_REDIRECT_URI))
        callback = answer.headers.get("Location")
        if not callback or "code" not in parse_qs(urlsplit(callback).query):
            raise RuntimeError(f"sign-in at the provider failed: {answer.status_code} "
                               f"{callback or answer.text[:300]}")
        with self.clock_skewed(-issued_ago) if issued_ago else _nothing():
            token = client.fetch_token(f"{self.issuer}/token", authorization_response=callback,
                                       code_verifier=verifier)
        return {**token, "nonce": nonce}

    def access_token(self, login: str) -> str:
        return self.tokens(login)["access_token"]

    # --- bad tokens ------------------------------------------------------------------------

    def expired_tokens(self, login: str) -> dict[str, Any]:
        """Tokens the provider issued two hours ago (its clock set back at the exchange), so
        they expired an hour ago: past any leeway."""
        return self.tokens(login, issued_ago=7200)

    def token_for_other_resource(self, login: str, resource: str = OTHER_AUDIENCE) -> str:
        """A valid access token of this issuer, for another API (wrong ``aud``)."""
        return self.tokens(login, resource=resource)["access_token"]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def running_provider(log_dir: Path, **options: Any) -> Iterator[OidcProvider]:
    provider = OidcProvider(log_dir, **options).start()
    try:
        yield provider
    finally:
        provider.stop()


# --- tokens altered after the provider issued them ------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    pad = lambda part: part + "=" * (-len(part) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(header))),
            json.loads(base64.urlsafe_b64decode(pad(payload))))


def claims_of(token: str) -> dict[str, Any]:
    """A token's payload, unverified (for the tests' own assertions)."""
    return _parts(token)[1]


def unsigned(token: str) -> str:
    """The same claims with ``alg: none`` and no signature."""
    header, payload = _parts(token)
    header = {**header, "alg": "none"}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}."


def broken_signature(token: str) -> str:
    """The token with its signature's bytes flipped."""
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0xFF
    return f"{head}.{body}.{_b64(bytes(raw))}"


def altered_claims(token: str, **changes: Any) -> str:
    """The provider's signature over claims that were changed afterwards."""
    head, _, signature = token.split(".")
    payload = {**_parts(token)[1], **changes}
    return f"{head}.{_b64(json.dumps(payload).encode())}.{signature}"


def hmac_signed(token: str, secret: str) -> str:
    """The same claims signed HS256 with ``secret`` (e.g. the client secret, or the provider's
    public key used as a shared secret)."""
    header, payload = _parts(token)
    return jwt.encode({"alg": "HS256", "kid": header.get("kid")}, payload,
                      OctKey.import_key(secret.encode()), algorithms=["HS256"])


def signed_by_stranger(token: str, kid: str | None = None) -> str:
    """The same claims signed RS256 by a key the provider never had, under the token's own
    ``kid`` or ``kid``."""
    header, payload = _parts(token)
    key = RSAKey.generate_key(2048)
    return jwt.encode({"alg": "RS256", "kid": kid or header.get("kid")}, payload, key)
