"""Delivery receipts from SMS/WhatsApp providers: signed with a configured channel's secret,
mapped onto our message states."""

from __future__ import annotations

import json

from services.notification.channels import provider_config
from services.notification.channels.webhook import verify_signature
from silasidakep.errors import Forbidden, ValidationFailed

RECEIPT_CHANNELS = ("SMS", "WHATSAPP")
PROVIDER_STATUSES = {"READ": "DELIVERED", "UNDELIVERABLE": "FAILED"}
KNOWN_STATUSES = ("DELIVERED", "FAILED", "SENT")


def parse_receipt(provider: str, body: str, signature: str | None) -> tuple[str, str]:
    """``body`` is the raw JSON ``{"message_id" | "id", "status"}``, HMAC-signed with the
    secret of a channel configured with ``provider``; returns (message reference, state)."""
    secrets = [
        config.secret for channel in RECEIPT_CHANNELS
        if (config := provider_config(channel)) and config.provider == provider
    ]
    raw = body.encode()
    if not any(verify_signature(secret, raw, signature) for secret in secrets):
        raise Forbidden("Tanda tangan laporan tidak sah.", code="INVALID_SIGNATURE")
    try:
        report = json.loads(body)
        reference = str(report.get("message_id") or report["id"])
        status = str(report["status"]).upper()
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValidationFailed("Laporan tidak dikenal.", code="INVALID_RECEIPT") from None
    status = PROVIDER_STATUSES.get(status, status)
    if status not in KNOWN_STATUSES:
        raise ValidationFailed("Status laporan tidak dikenal.", code="INVALID_RECEIPT")
    return reference, status
