"""An adapter shaped like Fonnte's WhatsApp/SMS gateway API (api.fonnte.com/send).

Shape copied: ``POST`` form-encoded ``target`` (the number), ``message``, ``countryCode=62``,
with the account token in the ``Authorization`` header; the answer is JSON
``{"status": true, "id": ["..."], ...}`` or ``{"status": false, "reason": "..."}`` with HTTP 200.
We also send ``Idempotency-Key`` (our message id) and put it in ``ref`` ; the real Fonnte API is
not documented to deduplicate on either, so with that provider a resend after a worker crash
can reach the citizen twice. Tests only ever call this adapter against the loopback provider.
"""

from __future__ import annotations

from services.notification.channels import Outgoing, PermanentError, ProviderConfig
from services.notification.channels.webhook import IDEMPOTENCY_HEADER, classify, post


class FonnteSender:
    provider = "fonnte"

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def send(self, message: Outgoing) -> str:
        response = post(
            self.config, message,
            data={"target": message.to, "message": message.text, "countryCode": "62",
                  "ref": message.message_id},
            headers={"Authorization": self.config.secret, IDEMPOTENCY_HEADER: message.message_id},
        )
        classify(response)
        try:
            body = response.json()
        except ValueError:
            raise PermanentError("provider answered without JSON") from None
        if not body.get("status"):
            raise PermanentError(f"provider refused: {str(body.get('reason'))[:100]}")
        ids = body.get("id") or [message.message_id]
        return str(ids[0] if isinstance(ids, list) else ids)[:200]
