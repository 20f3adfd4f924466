"""silasidakep.oidc against a real OpenID provider (oidc-provider on loopback): tokens it issued
are accepted, and every kind of bad token is refused with its own code."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from silasidakep.config import MissingSetting
from silasidakep.errors import ServiceUnavailable, Unauthorized
from silasidakep.oidc import OidcSettings, OidcVerifier, looks_like_jwt
from tests.support import infra
from tests.support.oidc import (
    OidcProvider,
    altered_claims,
    broken_signature,
    claims_of,
    hmac_signed,
    running_provider,
    signed_by_stranger,
    unsigned,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "unit" / "oidc"


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oidc-keys") / "jwks.json"


@pytest.fixture(scope="module")
def provider(keys_file: Path) -> Iterator[OidcProvider]:
    with running_provider(ARTIFACTS, keys_file=keys_file) as provider:
        provider.add_account("siti", name="Siti Aminah", phone_number="+6281234567001",
                             phone_number_verified=True, email="siti@contoh.id",
                             email_verified=False)
        yield provider


@pytest.fixture(scope="module")
def other_provider() -> Iterator[OidcProvider]:
    """Another issuer with keys of its own."""
    with running_provider(ARTIFACTS, name="oidc-provider-other") as provider:
        yield provider


@pytest.fixture(scope="module")
def impostor(keys_file: Path, provider: OidcProvider) -> Iterator[OidcProvider]:
    """Another issuer holding the same signing keys: its tokens' signatures check out, their
    ``iss`` does not."""
    with running_provider(ARTIFACTS, name="oidc-provider-impostor", keys_file=keys_file,
                          client_id=provider.client_id, audience=provider.audience) as impostor:
        yield impostor


def settings_for(provider: OidcProvider) -> OidcSettings:
    return OidcSettings(issuer=provider.issuer, client_id=provider.client_id, client_secret=None,
                        audience=provider.audience, redirect_uri=None)


@pytest.fixture(scope="module")
def verifier(provider: OidcProvider) -> OidcVerifier:
    return OidcVerifier(settings_for(provider))


@pytest.fixture(scope="module")
def tokens(provider: OidcProvider) -> dict:
    return provider.tokens("siti")


def refusal(call, *args) -> str:
    with pytest.raises(Unauthorized) as refused:
        call(*args)
    assert refused.value.message  # an Indonesian sentence for the citizen
    return refused.value.code


# --- accepted -------------------------------------------------------------------------------

def test_an_access_token_of_the_issuer_for_this_api_is_accepted(verifier, tokens, provider):
    claims = verifier.verify_access_token(tokens["access_token"])
    assert claims["sub"] == "siti"
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == provider.audience


def test_an_id_token_with_the_sign_ins_nonce_is_accepted_with_its_claims(verifier, tokens):
    claims = verifier.verify_id_token(tokens["id_token"], tokens["nonce"])
    assert claims["sub"] == "siti"
    assert claims["phone_number"] == "+6281234567001"
    assert claims["phone_number_verified"] is True
    assert claims["email_verified"] is False


def test_looks_like_jwt_tells_jwts_from_our_opaque_tokens(tokens):
    assert looks_like_jwt(tokens["access_token"])
    assert looks_like_jwt(unsigned(tokens["access_token"]))
    assert not looks_like_jwt("ses_" + "a" * 43)
    assert not looks_like_jwt("kO9xY2v4Q6m8n0p1r3t5v7x9z1B3D5F7H9J1L3N5P7R")  # a guest token
    assert not looks_like_jwt("a.b.c")  # no JSON header
    assert not looks_like_jwt("")
    assert not looks_like_jwt(None)


# --- refused --------------------------------------------------------------------------------

def test_a_broken_signature_is_refused(verifier, tokens):
    assert refusal(verifier.verify_access_token,
                   broken_signature(tokens["access_token"])) == "OIDC_TOKEN_INVALID"
    assert refusal(verifier.verify_id_token, broken_signature(tokens["id_token"]),
                   tokens["nonce"]) == "OIDC_TOKEN_INVALID"


def test_claims_changed_after_signing_are_refused(verifier, tokens):
    forged = altered_claims(tokens["access_token"], sub="orang-lain")
    assert refusal(verifier.verify_access_token, forged) == "OIDC_TOKEN_INVALID"


def test_alg_none_is_refused(verifier, tokens):
    assert refusal(verifier.verify_access_token,
                   unsigned(tokens["access_token"])) == "OIDC_TOKEN_INVALID"
    assert refusal(verifier.verify_id_token, unsigned(tokens["id_token"]),
                   tokens["nonce"]) == "OIDC_TOKEN_INVALID"


def test_hmac_signatures_are_refused(verifier, tokens, provider):
    """HS256 with the client secret (which an issuer may use for ID tokens) is not accepted
    either: only the issuer's asymmetric keys count."""
    forged = hmac_signed(tokens["access_token"], provider.client_secret)
    assert refusal(verifier.verify_access_token, forged) == "OIDC_TOKEN_INVALID"


def test_a_key_the_issuer_never_had_is_refused(verifier, tokens):
    forged = signed_by_stranger(tokens["access_token"])
    assert refusal(verifier.verify_access_token, forged) == "OIDC_TOKEN_INVALID"


def test_expired_tokens_are_refused(verifier, provider):
    old = provider.expired_tokens("siti")
    assert claims_of(old["access_token"])["exp"] < claims_of(old["access_token"])["iat"] + 3601
    assert refusal(verifier.verify_access_token, old["access_token"]) == "OIDC_TOKEN_EXPIRED"
    assert refusal(verifier.verify_id_token, old["id_token"], old["nonce"]) == "OIDC_TOKEN_EXPIRED"


def test_a_token_for_another_api_is_refused(verifier, provider):
    token = provider.token_for_other_resource("siti")
    assert refusal(verifier.verify_access_token, token) == "OIDC_WRONG_AUDIENCE"


def test_id_and_access_tokens_are_not_interchangeable(verifier, tokens):
    assert refusal(verifier.verify_access_token, tokens["id_token"]) == "OIDC_WRONG_AUDIENCE"
    # An access token (typ at+jwt, no nonce) is no sign-in's ID token.
    assert refusal(verifier.verify_id_token, tokens["access_token"],
                   tokens["nonce"]) == "OIDC_TOKEN_INVALID"


def test_an_id_token_of_another_sign_in_is_refused(verifier, tokens):
    assert refusal(verifier.verify_id_token, tokens["id_token"], "nonce-lain") == (
        "OIDC_TOKEN_INVALID")
    assert refusal(verifier.verify_id_token, tokens["id_token"], "") == "OIDC_TOKEN_INVALID"


def test_a_wrong_issuer_with_valid_keys_is_refused(verifier, impostor):
    token = impostor.access_token("siti")
    assert claims_of(token)["iss"] == impostor.issuer
    assert refusal(verifier.verify_access_token, token) == "OIDC_WRONG_ISSUER"


def test_another_issuers_token_is_refused(verifier, other_provider):
    tokens = other_provider.tokens("siti")
    assert refusal(verifier.verify_access_token, tokens["access_token"]) == "OIDC_WRONG_ISSUER"
    assert refusal(verifier.verify_id_token, tokens["id_token"],
                   tokens["nonce"]) == "OIDC_WRONG_ISSUER"


def test_garbage_is_refused(verifier):
    assert refusal(verifier.verify_access_token, "bukan-token") == "OIDC_TOKEN_INVALID"
    assert refusal(verifier.verify_access_token, "ses_" + "a" * 43) == "OIDC_TOKEN_INVALID"


def test_without_an_issuer_nothing_is_accepted(tokens):
    verifier = OidcVerifier(OidcSettings.from_env({}))
    assert not verifier.settings.enabled
    assert refusal(verifier.verify_access_token, tokens["access_token"]) == "OIDC_NOT_CONFIGURED"


def test_refusals_never_log_the_token(verifier, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    refusal(verifier.verify_access_token, broken_signature(tokens["access_token"]))
    body = tokens["access_token"].split(".")[1]
    assert body not in caplog.text


# --- the issuer's keys ----------------------------------------------------------------------

class CountingSession(requests.Session):
    """A real HTTP session that counts the requests it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


def test_an_unknown_kid_refetches_the_jwks_at_most_every_30_seconds(provider, tokens):
    now = [1000.0]
    http = CountingSession()
    verifier = OidcVerifier(settings_for(provider), http=http, clock=lambda: now[0])
    verifier.verify_access_token(tokens["access_token"])
    verifier.verify_access_token(tokens["access_token"])
    assert len(http.urls) == 2  # discovery, then the JWKS: both once
    unknown_kid = signed_by_stranger(tokens["access_token"], kid="kunci-baru")
    refusal(verifier.verify_access_token, unknown_kid)
    assert len(http.urls) == 2  # the JWKS is seconds old: the kid is not the issuer's
    now[0] += 31
    refusal(verifier.verify_access_token, unknown_kid)
    assert len(http.urls) == 3  # a kid it does not know: maybe rotated, fetched again
    refusal(verifier.verify_access_token, unknown_kid)
    assert len(http.urls) == 3  # not again within 30 s
    now[0] += 31
    refusal(verifier.verify_access_token, unknown_kid)
    assert len(http.urls) == 4


def test_a_rotated_key_is_picked_up_from_the_jwks(tmp_path):
    """The issuer restarts with a new signing key: tokens with the new kid verify once the
    JWKS is fetched again, without restarting the verifier."""
    now = [1000.0]
    first = OidcProvider(ARTIFACTS, name="oidc-provider-rotating",
                         keys_file=tmp_path / "old.json").start()
    try:
        verifier = OidcVerifier(settings_for(first), clock=lambda: now[0])
        verifier.verify_access_token(first.access_token("siti"))
    finally:
        first.stop()
    rotated = OidcProvider(ARTIFACTS, name="oidc-provider-rotated", port=first.port,
                           client_id=first.client_id, client_secret=first.client_secret,
                           keys_file=tmp_path / "new.json").start()
    try:
        assert rotated.issuer == first.issuer and rotated.kids != first.kids
        now[0] += 31
        claims = verifier.verify_access_token(rotated.access_token("siti"))
        assert claims["sub"] == "siti"
    finally:
        rotated.stop()


def test_an_unreachable_issuer_is_a_503_not_a_refusal(tokens):
    closed = f"http://127.0.0.1:{infra.free_port()}"
    verifier = OidcVerifier(OidcSettings(closed, "tahu-sumedang", None, "https://api", None))
    forged = altered_claims(tokens["access_token"], iss=closed)
    with pytest.raises(ServiceUnavailable) as unavailable:
        verifier.verify_access_token(forged)
    assert unavailable.value.code == "OIDC_PROVIDER_UNAVAILABLE"
    assert unavailable.value.http_status == 503


# --- settings -------------------------------------------------------------------------------

OIDC_ENV = {"OIDC_ISSUER": "https://id.tahusumedang.test", "OIDC_CLIENT_ID": "tahu-sumedang",
            "OIDC_AUDIENCE": "https://silasidakep.test/api"}


def test_settings_are_off_without_an_issuer():
    assert not OidcSettings.from_env({"OIDC_CLIENT_ID": "x"}).enabled


def test_settings_need_a_client_id_and_an_audience_with_an_issuer():
    with pytest.raises(MissingSetting, match="OIDC_AUDIENCE"):
        OidcSettings.from_env({"OIDC_ISSUER": "https://id.test", "OIDC_CLIENT_ID": "x"})


def test_the_client_secret_is_a_secret_only_the_relying_party_reads():
    production = {**OIDC_ENV, "SILASIDAKEP_ENV": "production"}
    with pytest.raises(MissingSetting, match="OIDC_CLIENT_SECRET"):
        OidcSettings.from_env(production, with_client_secret=True)
    assert OidcSettings.from_env(production).client_secret is None  # intake: never handed it
    given = OidcSettings.from_env({**production, "OIDC_CLIENT_SECRET": "s3"},
                                  with_client_secret=True)
    assert given.client_secret == "s3"
    development = {**OIDC_ENV, "SILASIDAKEP_ENV": "development"}
    assert OidcSettings.from_env(development, with_client_secret=True).client_secret  # dev default
    with pytest.raises(MissingSetting):  # unset means production
        OidcSettings.from_env(OIDC_ENV, with_client_secret=True)


def test_the_redirect_uri_defaults_to_the_public_callback():
    settings = OidcSettings.from_env({**OIDC_ENV, "PUBLIC_BASE_URL": "https://silasidakep.test/"})
    assert settings.redirect_uri == "https://silasidakep.test/auth/oidc/callback"
    assert settings.issuer == "https://id.tahusumedang.test"
    assert settings.scopes == "openid profile email phone"
