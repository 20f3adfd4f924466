"""The senders this process is configured with: SMTP email unless ``NOTIFY_EMAIL_ENABLED=0``,
and an HTTP provider for SMS and WhatsApp where ``<CHANNEL>_PROVIDER/_URL/_SECRET`` are set."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from services.notification.channels import ProviderConfig, Sender, provider_config
from services.notification.channels.email import EmailSender, smtp_settings
from services.notification.channels.fonnte import FonnteSender
from services.notification.channels.webhook import WebhookSender

HTTP_CHANNELS = ("SMS", "WHATSAPP")


def http_sender(config: ProviderConfig) -> Sender:
    if config.provider == "webhook":
        return WebhookSender(config)
    if config.provider == "fonnte":
        return FonnteSender(config)
    raise ValueError(f"unknown {config.channel} provider {config.provider}")


def configured_senders(env: Mapping[str, str] | None = None) -> dict[str, Sender | None]:
    """Channel -> its sender, or None where the channel is not configured (messages SKIPPED)."""
    env = os.environ if env is None else env
    senders: dict[str, Sender | None] = {"EMAIL": None, "SMS": None, "WHATSAPP": None}
    if env.get("NOTIFY_EMAIL_ENABLED", "1") == "1":
        senders["EMAIL"] = EmailSender(smtp_settings())
    for channel in HTTP_CHANNELS:
        config = provider_config(channel, env)
        senders[channel] = http_sender(config) if config else None
    return senders


@functools.cache
def process_senders() -> dict[str, Sender | None]:
    """This process's senders, built once: nameko makes a service instance per worker, and a
    kept SMTP connection is worth something only if the next worker finds it."""
    return configured_senders()
