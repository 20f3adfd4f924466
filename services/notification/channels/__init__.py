"""Delivery channels: SMTP email, HTTP SMS/WhatsApp providers, and the in-app inbox.

Every sender takes an ``Outgoing`` whose ``message_id`` is stable across retries and is used as
the idempotency key (HTTP providers) or the Message-ID header (SMTP). A sender returns the
provider's reference, or raises ``TransientError`` (retry later) or ``PermanentError``
(retrying cannot help: the message becomes TECHNICAL_FAILURE at once).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    channel: str
    to: str
    subject: str
    text: str


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class Sender(Protocol):
    provider: str

    def send(self, message: Outgoing) -> str: ...


@dataclass(frozen=True)
class ProviderConfig:
    """``<CHANNEL>_PROVIDER`` (webhook | fonnte), ``<CHANNEL>_URL``, ``<CHANNEL>_SECRET``."""

    channel: str
    provider: str
    url: str
    secret: str
    timeout: float


def provider_config(channel: str, env: Mapping[str, str] | None = None) -> ProviderConfig | None:
    env = os.environ if env is None else env
    provider = (env.get(f"{channel}_PROVIDER") or "").strip().lower()
    url = env.get(f"{channel}_URL") or ""
    secret = env.get(f"{channel}_SECRET") or ""
    if not provider or not url or not secret:
        return None
    return ProviderConfig(channel, provider, url, secret,
                          float(env.get("NOTIFY_HTTP_TIMEOUT_SECONDS", "10")))

