"""Delivering one event to one subscriber.

A delivery row is inserted (once per event and subscriber: its id, the ``webhook-id``, is
derived from both) in the transaction that handles the event, before the event is
acknowledged, so nothing is lost. Each attempt marks the row SENDING and commits before the
HTTP request, then records the answer: 2xx is DELIVERED; anything else is FAILED with the next
attempt due after the backoff (``WEBHOOK_RETRY_SECONDS``), and after the last one
TECHNICAL_FAILURE, terminal until an admin replays it. A worker killed mid-request leaves
SENDING; the sweep sends it again after ``SENDING_TIMEOUT`` with the same ``webhook-id``, which
receivers deduplicate on (the Standard Webhooks rule), so an event takes effect once.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from services.notification.models import WebhookAttempt, WebhookDelivery, WebhookSubscriber
from services.notification.webhooks.guard import check_url
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.clock import now_utc
from silasidakep.errors import DomainError, NotFound, ValidationFailed
from silasidakep.logs import redact

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("0b2d1f7e-5c1a-4f57-9a3e-7f3b8e0c6d21")
STATES = ("PENDING", "SENDING", "DELIVERED", "FAILED", "TECHNICAL_FAILURE")
SENDING_TIMEOUT = timedelta(seconds=60)
HTTP_TIMEOUT_SECONDS = 5.0
DEFAULT_RETRY_SECONDS = (10, 60, 300, 1800, 7200, 21600)  # then TECHNICAL_FAILURE


def retry_schedule(env: Mapping[str, str] | None = None) -> tuple[int, ...]:
    raw = (os.environ if env is None else env).get("WEBHOOK_RETRY_SECONDS")
    return tuple(int(s) for s in raw.split(",")) if raw else DEFAULT_RETRY_SECONDS


def delivery_id(event_id: uuid.UUID, subscriber_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{event_id}:{subscriber_id}")


def payload_for(event_type: str, event: dict[str, Any], user: dict[str, str]) -> dict[str, Any]:
    """What the integrator learns: the application's progress and which of its users it is
    about (the issuer's ``sub``); no NIK, no contact, no secret."""
    return {
        "type": event_type,
        "timestamp": event["changed_at"].isoformat(),
        "data": {
            "application_id": str(event["application_id"]),
            "tracking_code": event["tracking_code"],
            "service_code": event["service_code"],
            "service_name": event["service_name"],
            "status": event["status"],
            "previous_status": event["previous_status"],
            "reason_text": event.get("reason_text"),
            "fix_labels": event.get("fix_labels") or [],
            "expected_completion_at": (event["expected_completion_at"].isoformat()
                                       if event.get("expected_completion_at") else None),
            "document_number": event.get("document_number"),
            "user": user,
        },
    }


def _user_at(issuer: str, event: dict[str, Any]) -> dict[str, str] | None:
    for follower in event.get("accounts") or []:
        for identity in follower.get("identities") or []:
            if identity["issuer"] == issuer:
                return {"issuer": issuer, "sub": identity["subject"], "role": follower["role"]}
    return None


def has_followers_signed_in(event: dict[str, Any]) -> bool:
    """Does an account following the application sign in through an outside issuer? Only then
    can a subscriber (an integrator, known by its issuer) be told about it."""
    return any(follower.get("identities") for follower in event.get("accounts") or [])


def record(session: Session, event_id: uuid.UUID, event_type: str,
           event: dict[str, Any]) -> list[uuid.UUID]:
    """The deliveries of this event (inserted unless they exist) still to attempt."""
    subscribers = session.scalars(
        select(WebhookSubscriber).where(WebhookSubscriber.active.is_(True))
    ).all()
    ids = []
    for subscriber in subscribers:
        user = _user_at(subscriber.issuer, event) if event_type in subscriber.events else None
        if user is None:
            continue
        key = delivery_id(event_id, subscriber.id)
        session.execute(insert(WebhookDelivery).values(
            id=key, event_id=event_id, subscriber_id=subscriber.id, event_type=event_type,
            state="PENDING", attempts=0, replays=0, payload=payload_for(event_type, event, user),
            created_at=now_utc(), next_attempt_at=now_utc(),
        ).on_conflict_do_nothing(index_elements=["event_id", "subscriber_id"]))
        ids.append(key)
    return ids


def due(session: Session, limit: int = 50) -> list[uuid.UUID]:
    at = now_utc()
    return list(session.scalars(
        select(WebhookDelivery.id).where(or_(
            WebhookDelivery.state.in_(("PENDING", "FAILED"))
            & (WebhookDelivery.next_attempt_at <= at),
            (WebhookDelivery.state == "SENDING")
            & (WebhookDelivery.sending_at < at - SENDING_TIMEOUT),
        )).order_by(WebhookDelivery.next_attempt_at).limit(limit)
    ))


Post = Callable[..., requests.Response]


def _start(sessions: sessionmaker, key: uuid.UUID) -> tuple[WebhookSubscriber, bytes] | None:
    """Mark the delivery SENDING (committed before the request); None when it is not due."""
    with sessions() as session, session.begin():
        row = session.get(WebhookDelivery, key, with_for_update=True)
        at = now_utc()
        if row is None or row.state in ("DELIVERED", "TECHNICAL_FAILURE"):
            return None
        if row.state == "SENDING" and row.sending_at > at - SENDING_TIMEOUT:
            return None  # another worker is sending it right now
        subscriber = session.get(WebhookSubscriber, row.subscriber_id)
        row.state, row.sending_at, row.attempts = "SENDING", at, row.attempts + 1
        session.expunge(subscriber)
        return subscriber, json.dumps(row.payload, ensure_ascii=False).encode()


def _send(subscriber: WebhookSubscriber, key: uuid.UUID, body: bytes, development: bool,
          post: Post) -> tuple[int | None, str | None]:
    try:
        check_url(subscriber.url, development)
        timestamp = now_utc()
        signature = Webhook(subscriber.secret).sign(str(key), timestamp, body.decode())
        response = post(subscriber.url, data=body, timeout=HTTP_TIMEOUT_SECONDS,
                        allow_redirects=False, headers={
                            "Content-Type": "application/json",
                            "webhook-id": str(key),
                            "webhook-timestamp": str(int(timestamp.timestamp())),
                            "webhook-signature": signature,
                        })
    except DomainError as exc:
        return None, exc.message
    except requests.RequestException as exc:
        return None, redact(f"{type(exc).__name__}: {exc}")[:500]
    return response.status_code, None if response.ok else f"HTTP {response.status_code}"


def attempt(sessions: sessionmaker, key: uuid.UUID, development: bool,
            post: Post = requests.post, schedule: tuple[int, ...] | None = None) -> str | None:
    """One try at one delivery; returns its state afterwards (None when it was not due)."""
    started = _start(sessions, key)
    if started is None:
        return None
    subscriber, body = started
    began = time.monotonic()
    status, error = _send(subscriber, key, body, development, post)
    schedule = retry_schedule() if schedule is None else schedule
    with sessions() as session, session.begin():
        row = session.get(WebhookDelivery, key, with_for_update=True)
        ok = error is None and status is not None and 200 <= status < 300
        session.add(WebhookAttempt(
            delivery_id=key, at=now_utc(), status_code=status, error=error,
            outcome="delivered" if ok else "failed",
            duration_ms=int((time.monotonic() - began) * 1000),
        ))
        row.last_status_code, row.last_error = status, error
        if ok:
            row.state, row.delivered_at, row.next_attempt_at = "DELIVERED", now_utc(), None
        elif row.attempts > len(schedule):
            row.state, row.next_attempt_at = "TECHNICAL_FAILURE", None
        else:
            row.state = "FAILED"
            row.next_attempt_at = now_utc() + timedelta(seconds=schedule[row.attempts - 1])
        state = row.state
    if state != "DELIVERED":
        log.warning("webhook %s to subscriber %s: %s (%s)", key, subscriber.id, state, error)
    return state


def replay(session: Session, key: str, auditor: Auditor | None = None) -> dict[str, Any]:
    """Send it again with the same ``webhook-id`` (a new timestamp and signature)."""
    row = _get(session, key)
    if row.state == "SENDING":
        raise ValidationFailed("Webhook sedang dikirim.", code="WEBHOOK_IN_FLIGHT")
    row.state, row.attempts, row.next_attempt_at = "PENDING", 0, now_utc()
    row.replays += 1
    record_with(auditor, session, "WEBHOOK_REPLAY", detail=f"delivery={row.id}")
    return view(row)


def _get(session: Session, key: str) -> WebhookDelivery:
    try:
        row = session.get(WebhookDelivery, uuid.UUID(str(key)), with_for_update=True)
    except ValueError:
        row = None
    if row is None:
        raise NotFound("Pengiriman webhook tidak ditemukan.", code="WEBHOOK_DELIVERY_NOT_FOUND")
    return row


def view(row: WebhookDelivery) -> dict[str, Any]:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {
        "delivery_id": str(row.id), "webhook_id": str(row.id),
        "subscriber_id": str(row.subscriber_id), "event_id": str(row.event_id),
        "event_type": row.event_type, "state": row.state, "attempts": row.attempts,
        "replays": row.replays, "last_status_code": row.last_status_code,
        "last_error": row.last_error, "next_attempt_at": iso(row.next_attempt_at),
        "created_at": iso(row.created_at), "delivered_at": iso(row.delivered_at),
        "payload": row.payload,
    }


def listing(session: Session, state: str | None, subscriber_id: str | None) -> list[dict]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc()).limit(200)
    if state:
        if state not in STATES:
            raise ValidationFailed(fields={"state": ["Status pengiriman tidak dikenal."]})
        query = query.where(WebhookDelivery.state == state)
    if subscriber_id:
        try:
            query = query.where(WebhookDelivery.subscriber_id == uuid.UUID(subscriber_id))
        except ValueError:
            raise ValidationFailed(fields={"subscriber_id": ["ID tidak valid."]}) from None
    return [view(r) for r in session.scalars(query)]
