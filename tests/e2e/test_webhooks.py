"""Webhooks end to end: an admin registers the super-app's endpoint (a real HTTP server on
loopback that verifies every signature), a super-app user applies with the app's own access
token, and each status change arrives signed, naming the user by the issuer's ``sub``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook

from tests.e2e.test_oidc import bearer, oidc_system, person, provider  # noqa: F401 (fixtures)
from tests.support.forms import adult, application_payload
from tests.support.infra import wait_until
from tests.support.system import System

pytestmark = pytest.mark.e2e


class Receiver(ThreadingHTTPServer):
    secret = ""
    received: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            Webhook(self.server.secret).verify(body, dict(self.headers.items()))
        except Exception:
            self.send_response(401)
            self.end_headers()
            return
        self.server.received.append({"id": self.headers["webhook-id"], **json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def admin_token(system: System) -> str:
    password = system.add_staff("admin.webhook", "admin")
    return system.staff_token("admin.webhook", password)


def test_status_changes_reach_the_super_app_signed(oidc_system, provider, receiver):  # noqa: F811
    admin = {"Authorization": f"Bearer {admin_token(oidc_system)}"}
    url = f"http://127.0.0.1:{receiver.server_port}/silasidakep"
    created = requests.post(f"{oidc_system.gateway}/api/v1/staff/webhooks", headers=admin,
                            json={"name": "Tahu Sumedang", "url": url,
                                  "issuer": provider.issuer}, timeout=10)
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    assert "secret" not in requests.get(f"{oidc_system.gateway}/api/v1/staff/webhooks",
                                        headers=admin, timeout=10).json()["subscribers"][0]

    login, _, _ = person(provider)
    token = provider.access_token(login)
    payload = application_payload("KTP_BARU", adult(1301), 1301)
    app = requests.post(f"{oidc_system.gateway}/api/v1/applications", json=payload,
                        headers=bearer(token), timeout=30).json()
    cancelled = requests.post(f"{oidc_system.gateway}/api/v1/applications/{app['id']}/cancel",
                              json={"reason": "Salah pilih layanan"}, headers=bearer(token),
                              timeout=30)
    assert cancelled.status_code == 200, cancelled.text
    hook = wait_until(lambda: next(iter(receiver.received), None), 30, what="the webhook")
    assert hook["type"] == "application.status_changed"
    assert hook["data"]["status"] == "CANCELLED"
    assert hook["data"]["user"]["sub"] == login and hook["data"]["application_id"] == app["id"]
    log = requests.get(f"{oidc_system.gateway}/api/v1/staff/webhooks/deliveries",
                       headers=admin, params={"state": "DELIVERED"}, timeout=10).json()
    assert [d["webhook_id"] for d in log["deliveries"]] == [hook["id"]]

    refused = requests.post(f"{oidc_system.gateway}/api/v1/staff/webhooks", headers=admin,
                            json={"name": "x", "url": "ftp://127.0.0.1/",
                                  "issuer": provider.issuer}, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "WEBHOOK_URL_REFUSED"
