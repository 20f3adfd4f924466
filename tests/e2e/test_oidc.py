"""The super-app (Tahu Sumedang) end to end: the whole system booted with OIDC_* pointing at a
real OpenID provider (oidc-provider on loopback).

(a) The super-app calls the API with its own access tokens (JWTs for OIDC_AUDIENCE).
(b) A person signs in to Silasidakep through the provider in a browser: the gateway's
    authorization-code + PKCE flow, the provider's login and consent forms, back to the
    gateway's callback, on to /akun with the session cookie.

The gateway's public address is PUBLIC_BASE_URL (https://silasidakep.test), which is also the
registered redirect URI; the test's "browser" reaches it at the gateway's loopback address, as
a reverse proxy would send it there.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from services.intake.catalogue import get_service
from tests.support.forms import adult, application_payload
from tests.support.oidc import OidcProvider, running_provider, unsigned
from tests.support.scans import pdf_scan
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-oidc"
PUBLIC = "https://silasidakep.test"
CALLBACK = f"{PUBLIC}/auth/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider(ARTIFACTS / "oidc", redirect_uris=(CALLBACK,)) as provider:
        yield provider


@pytest.fixture(scope="module")
def oidc_system(provider: OidcProvider) -> Iterator[System]:
    env = {**provider.env(), "OIDC_REDIRECT_URI": CALLBACK}
    with running_system(ARTIFACTS, extra_env=env) as system:
        yield system


def person(provider: OidcProvider, *, phone_verified: bool = True,
           email_verified: bool = False) -> tuple[str, str, str]:
    """A new user of the super-app: (login = sub, phone, email)."""
    login = f"warga-{secrets.token_hex(4)}"
    phone = f"+62812{secrets.randbelow(10**7):07d}"
    email = f"{login}@contoh.id"
    provider.add_account(login, name="Warga Tahu Sumedang", phone_number=phone,
                         phone_number_verified=phone_verified, email=email,
                         email_verified=email_verified)
    return login, phone, email


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def contacts(account: dict) -> dict[str, dict]:
    return {contact["value"]: contact for contact in account["contacts"]}


# --- (a) the super-app's access tokens on the API ---------------------------------------------

def test_me_with_the_super_apps_access_token(oidc_system, provider):
    login, phone, email = person(provider)
    token = provider.access_token(login)
    me = requests.get(f"{oidc_system.gateway}/api/v1/me", headers=bearer(token), timeout=10)
    assert me.status_code == 200, me.text
    account = me.json()
    assert [identity["issuer"] for identity in account["identities"]] == [provider.issuer]
    again = requests.get(f"{oidc_system.gateway}/api/v1/me",
                         headers=bearer(provider.access_token(login)), timeout=10)
    assert again.json()["account_id"] == account["account_id"]  # linked by sub, not per token


def test_create_upload_submit_and_read_an_application_with_the_token(oidc_system, provider):
    login, _, _ = person(provider)
    token = provider.access_token(login)
    gateway = oidc_system.gateway
    payload = application_payload("KK_PERUBAHAN", adult(1201), 1201)
    created = requests.post(f"{gateway}/api/v1/applications", json=payload,
                            headers=bearer(token), timeout=30)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]

    for doc_type in sorted(get_service("KK_PERUBAHAN").documents_required_for(payload["form"])):
        uploaded = requests.put(
            f"{gateway}/api/v1/applications/{app_id}/documents/{doc_type}",
            data=pdf_scan(doc_type), timeout=30,
            headers={**bearer(token), "Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 201, uploaded.text
    submitted = requests.post(f"{gateway}/api/v1/applications/{app_id}/submit",
                              headers=bearer(token), timeout=30)
    assert submitted.status_code == 202, submitted.text

    read = requests.get(f"{gateway}/api/v1/applications/{app_id}", headers=bearer(token),
                        timeout=10)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == app_id
    mine = requests.get(f"{gateway}/api/v1/me/applications", headers=bearer(token), timeout=10)
    assert mine.status_code == 200, mine.text
    listed = {item["application_id"]: item for item in mine.json()["applications"]}
    assert listed[app_id]["role"] == "APPLICANT"

    stranger = provider.access_token(person(provider)[0])
    other = requests.get(f"{gateway}/api/v1/applications/{app_id}", headers=bearer(stranger),
                         timeout=10)
    assert other.status_code in (403, 404), other.text


@pytest.mark.parametrize("kind, code", [
    ("expired", "OIDC_TOKEN_EXPIRED"),
    ("other_audience", "OIDC_WRONG_AUDIENCE"),
    ("alg_none", "OIDC_TOKEN_INVALID"),
])
def test_bad_tokens_are_refused_with_their_code(oidc_system, provider, kind, code):
    login, _, _ = person(provider)
    token = {
        "expired": lambda: provider.expired_tokens(login)["access_token"],
        "other_audience": lambda: provider.token_for_other_resource(login),
        "alg_none": lambda: unsigned(provider.access_token(login)),
    }[kind]()
    me = requests.get(f"{oidc_system.gateway}/api/v1/me", headers=bearer(token), timeout=10)
    assert me.status_code == 401, me.text
    assert me.json()["error"]["code"] == code


# --- (b) signing in through the provider in a browser ----------------------------------------

def browser_sign_in(system: System, provider: OidcProvider, login: str,
                    next_path: str = "/akun") -> tuple[requests.Session, str]:
    """Sign in as a browser would; returns the browser and where the gateway sent it last."""
    browser = requests.Session()
    answer = provider.browse(
        browser, f"{system.gateway}/auth/oidc/login?next={next_path}", login,
        stop=lambda target: target.startswith(system.gateway) and "/auth/oidc/" not in target,
        rewrite=lambda url: url.replace(PUBLIC, system.gateway, 1),
    )
    assert answer.status_code == 302, answer.text
    return browser, answer.headers["Location"]


def test_signing_in_through_the_provider_ends_on_akun_with_a_session(oidc_system, provider):
    login, phone, email = person(provider, phone_verified=True, email_verified=False)
    browser, landed = browser_sign_in(oidc_system, provider, login)
    assert landed == "/akun"
    assert browser.cookies.get("sls_session", "").startswith("ses_")
    assert browser.cookies.get("sls_csrf")

    me = browser.get(f"{oidc_system.gateway}/api/v1/me", timeout=10)
    assert me.status_code == 200, me.text
    account = me.json()
    assert [identity["issuer"] for identity in account["identities"]] == [provider.issuer]
    assert contacts(account)[phone]["verified"] is True
    assert email not in contacts(account)  # the issuer did not say it verified the email

    # The same person through the super-app's API token: the same account (linked by sub).
    api = requests.get(f"{oidc_system.gateway}/api/v1/me",
                       headers=bearer(provider.access_token(login)), timeout=10)
    assert api.json()["account_id"] == account["account_id"]


def test_only_contacts_the_issuer_verified_are_linked(oidc_system, provider):
    login, phone, email = person(provider, phone_verified=False, email_verified=True)
    browser, landed = browser_sign_in(oidc_system, provider, login)
    assert landed == "/akun"
    account = browser.get(f"{oidc_system.gateway}/api/v1/me", timeout=10).json()
    assert contacts(account)[email]["verified"] is True
    assert phone not in contacts(account)
    sessions = browser.get(f"{oidc_system.gateway}/api/v1/me/sessions", timeout=10).json()
    assert [s["via"] for s in sessions["sessions"] if s["current"]] == ["OIDC"]


def test_next_is_only_ever_a_local_path(oidc_system, provider):
    login, _, _ = person(provider)
    _, landed = browser_sign_in(oidc_system, provider, login, next_path="//jahat.example/x")
    assert landed == "/akun"
    _, landed = browser_sign_in(oidc_system, provider, login, next_path="/permohonan")
    assert landed == "/permohonan"


def failure_code(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert location.path == "/masuk"
    query = parse_qs(location.query)
    assert query["gagal"] == ["oidc"]
    return query["kode"][0]


def started_sign_in(system: System, provider: OidcProvider) -> tuple[requests.Session, str]:
    """A browser that has just been sent to the provider, and the state it carries."""
    browser = requests.Session()
    started = browser.get(f"{system.gateway}/auth/oidc/login", allow_redirects=False, timeout=10)
    assert started.status_code == 302, started.text
    location = started.headers["Location"]
    assert location.startswith(f"{provider.issuer}/")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0]
    return browser, query["state"][0]


def callback(system: System, browser: requests.Session, **params: str) -> requests.Response:
    return browser.get(f"{system.gateway}/auth/oidc/callback", params=params,
                       allow_redirects=False, timeout=10)


def test_a_callback_that_does_not_match_the_sign_in_is_refused(oidc_system, provider):
    browser, state = started_sign_in(oidc_system, provider)
    forged = callback(oidc_system, browser, code="kode-palsu", state="lain")
    assert failure_code(forged) == "OIDC_STATE_MISMATCH"
    # The failed answer ended that sign-in: the right state no longer helps either.
    late = callback(oidc_system, browser, code="kode-palsu", state=state)
    assert failure_code(late) == "OIDC_FLOW_EXPIRED"
    assert "sls_session" not in browser.cookies


def test_a_callback_without_the_browsers_flow_cookie_is_refused(oidc_system, provider):
    _, state = started_sign_in(oidc_system, provider)
    elsewhere = callback(oidc_system, requests.Session(), code="kode-palsu", state=state)
    assert failure_code(elsewhere) == "OIDC_FLOW_EXPIRED"


def test_the_providers_error_answer_is_a_failed_sign_in(oidc_system, provider):
    browser, state = started_sign_in(oidc_system, provider)
    denied = callback(oidc_system, browser, error="access_denied", state=state)
    assert failure_code(denied) == "OIDC_ACCESS_DENIED"


def test_a_code_that_the_provider_never_issued_is_refused(oidc_system, provider):
    browser, state = started_sign_in(oidc_system, provider)
    made_up = callback(oidc_system, browser, code="kode-palsu", state=state)
    assert failure_code(made_up) == "OIDC_EXCHANGE_FAILED"
