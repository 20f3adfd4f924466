"""Registering integrators: an admin names the endpoint, the events and the OpenID issuer
whose users it serves; the signing secret is made here and shown once."""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notification.models import WebhookSubscriber
from services.notification.webhooks.guard import check_url
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.clock import now_utc
from silasidakep.errors import NotFound, ValidationFailed
from silasidakep.text import storable

EVENTS = ("application.status_changed",)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def view(row: WebhookSubscriber) -> dict[str, Any]:
    return {"subscriber_id": str(row.id), "name": row.name, "url": row.url,
            "events": row.events, "issuer": row.issuer, "active": row.active,
            "created_at": row.created_at.isoformat(), "created_by": row.created_by}


def create(session: Session, payload: dict[str, Any], actor: str,
           development: bool, auditor: Auditor | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name, issuer = payload.get("name"), payload.get("issuer")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100 or not storable(name):
        errors["name"] = ["Nama 1–100 karakter."]
    if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")) \
            or len(issuer) > 500:
        errors["issuer"] = ["Isi URL penerbit OpenID (issuer) pengguna integrator ini."]
    events = payload.get("events") or list(EVENTS)
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        errors["events"] = [f"Peristiwa yang didukung: {', '.join(EVENTS)}."]
    if errors:
        raise ValidationFailed(fields=errors)
    url = check_url(payload.get("url"), development)
    row = WebhookSubscriber(
        id=uuid.uuid4(), name=name.strip(), url=url, secret=new_secret(),
        events=list(dict.fromkeys(events)), issuer=issuer, active=True, created_at=now_utc(),
        created_by=actor,
    )
    session.add(row)
    record_with(auditor, session, "WEBHOOK_CREATE", detail=f"subscriber={row.id}")
    return {**view(row), "secret": row.secret}


def without_secret(created: dict[str, Any]) -> dict[str, Any]:
    """What a kept RPC result holds of a creation: not the secret (it stays in its row)."""
    return {k: v for k, v in created.items() if k != "secret"}


def with_secret(session: Session, kept: dict[str, Any]) -> dict[str, Any]:
    """A repeated creation's answer: the same subscriber, its secret read from its row."""
    row = session.get(WebhookSubscriber, uuid.UUID(kept["subscriber_id"]))
    return {**view(row), "secret": row.secret}


def listing(session: Session) -> list[dict[str, Any]]:
    return [view(r) for r in session.scalars(
        select(WebhookSubscriber).order_by(WebhookSubscriber.created_at))]


def get(session: Session, subscriber_id: str) -> WebhookSubscriber:
    try:
        key = uuid.UUID(str(subscriber_id))
    except ValueError:
        key = None
    row = session.get(WebhookSubscriber, key) if key else None
    if row is None:
        raise NotFound("Pelanggan webhook tidak ditemukan.", code="WEBHOOK_NOT_FOUND")
    return row


def disable(session: Session, subscriber_id: str,
            auditor: Auditor | None = None) -> dict[str, Any]:
    row = get(session, subscriber_id)
    row.active, row.disabled_at = False, now_utc()
    record_with(auditor, session, "WEBHOOK_DISABLE", detail=f"subscriber={row.id}")
    return view(row)
