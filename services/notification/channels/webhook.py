"""The generic JSON webhook provider contract (see docs/notifications.md).

Request: ``POST <URL>`` with JSON ``{"message_id", "to", "channel", "text"}``, headers
``Idempotency-Key: <message_id>`` and ``X-Silasidakep-Signature: sha256=<hex HMAC-SHA256 of the
raw body with the shared secret>``. 2xx: accepted (optional JSON ``{"id": "..."}`` is the
provider's reference); 408/429/5xx/timeout: transient; any other 4xx: permanent.
The provider must deduplicate on the idempotency key (answer 2xx for a key it has seen).
"""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from services.notification.channels import (
    Outgoing,
    PermanentError,
    ProviderConfig,
    TransientError,
)

SIGNATURE_HEADER = "X-Silasidakep-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TRANSIENT_4XX = (408, 425, 429)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(signature(secret, body), header or "")


def classify(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status >= 500 or status in TRANSIENT_4XX:
        raise TransientError(f"HTTP {status}")
    raise PermanentError(f"HTTP {status}")


def post(config: ProviderConfig, message: Outgoing, **kwargs) -> requests.Response:
    try:
        return requests.post(config.url, timeout=config.timeout, **kwargs)
    except requests.Timeout:
        raise TransientError("timeout") from None
    except requests.RequestException as exc:
        raise TransientError(f"{type(exc).__name__}") from None


class WebhookSender:
    provider = "webhook"

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def send(self, message: Outgoing) -> str:
        body = json.dumps({
            "message_id": message.message_id, "to": message.to,
            "channel": message.channel, "text": message.text,
        }).encode()
        response = post(self.config, message, data=body, headers={
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: message.message_id,
            SIGNATURE_HEADER: signature(self.config.secret, body),
        })
        classify(response)
        try:
            return str(response.json().get("id") or message.message_id)[:200]
        except ValueError:
            return message.message_id
