"""What every answer of the public port shares: the JSON error shape for paths and methods no
route serves, and the security headers on JSON, HTML and PDF answers alike."""

from __future__ import annotations

import pytest
import requests

from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_unmatched_paths_and_methods_answer_the_json_error_shape(system: System) -> None:
    missing = requests.get(f"{system.gateway}/api/v1/no-such-thing", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    assert missing.json()["error"]["message"] == "Alamat tidak ditemukan."
    wrong_method = requests.delete(f"{system.gateway}/api/v1/services", timeout=10)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in wrong_method.headers["Allow"]
    assert missing.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/no-such-thing",
                                  "/verify/KK-0000-0000", "/api/v1/verify/KK-0000-0000",
                                  "/health"])
def test_every_answer_carries_the_security_headers(system: System, path: str) -> None:
    response = requests.get(f"{system.gateway}{path}", timeout=10)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_the_pages_keep_their_own_stricter_policy(system: System) -> None:
    page = requests.get(f"{system.gateway}/", timeout=10)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
