"""Data-subject export, notification's part (issue 14): the messages sent about the subject's
applications and complaints, by channel, template, state and time.

Bodies are never answered (only the in-app inbox stores one, and the citizen reads it on the
tracking page); nor the provider's reference or the last error, which may quote an address.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notification.models import Message

MAX_MESSAGES = 5000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def message_view(m: Message) -> dict[str, Any]:
    return {
        "application_id": str(m.application_id), "channel": m.channel,
        "template": m.template, "state": m.state, "recipient_masked": m.recipient_masked,
        "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
        "delivered_at": _iso(m.delivered_at), "read_at": _iso(m.read_at),
    }


def subject_data(session: Session, ids: list[str]) -> dict[str, Any]:
    """``ids``: application and complaint ids (a complaint's messages carry its id)."""
    keys = [uuid.UUID(value) for value in ids]
    if not keys:
        return {"messages": []}
    rows = session.scalars(
        select(Message).where(Message.application_id.in_(keys))
        .order_by(Message.created_at).limit(MAX_MESSAGES)
    ).all()
    return {"messages": [message_view(m) for m in rows]}
