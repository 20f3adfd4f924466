"""Other services' audit entries (``<producer>.audit_recorded``) joining the one chain.

Each event is appended once (the caller runs this inside ``Store.consume_once``). The chain's
``at`` is when verification appended the entry, which keeps the chain in time order; where
and when it really happened goes first in ``detail``, so the hash covers it without changing
the entry format (``source=printing at=2026-11-28T04:19:54.325236+00:00 office=32.11.06 | …``,
then the producer's own detail; the whole is cut at 200 characters like every detail).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from services.verification import audit
from silasidakep.contracts import AUDIT_PRODUCERS, ContractViolation, parse_envelope

# Verification's own entries are appended directly; only these producers arrive as events.
SOURCES = tuple(p for p in AUDIT_PRODUCERS if p != "verification")


def origin(source: str, at: datetime, office: str | None, detail: str | None) -> str:
    """The entry's ``detail``: its source and original time, then the producer's detail."""
    head = f"source={source} at={at.astimezone(UTC).isoformat(timespec='microseconds')}"
    if office:
        head += f" office={office}"
    return f"{head} | {detail}"[:200] if detail else head[:200]


def parse(envelope: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
    """The source service, event id and entry of an ``audit_recorded`` event; refuses one
    whose producer does not match its type (a service may only speak for itself)."""
    source = str(envelope.get("producer"))
    if source not in SOURCES:
        raise ContractViolation(f"no audit entries are taken from {source!r}")
    event_id, data = parse_envelope(envelope, f"{source}.audit_recorded")
    return source, event_id, data


def append_recorded(session: Session, source: str, data: dict[str, Any]) -> int:
    """Append one entry from ``source`` to the chain; returns its ``seq``."""
    return audit.append(
        session, data["action"], staff_id=data.get("staff_id"), username=data.get("username"),
        application_id=data.get("application_id"),
        detail=origin(source, data["at"], data.get("office"), data.get("detail")),
        client_ip=data.get("client_ip"), announce=False,
    )
