"""Email notices to the supervisors in ``SUPERVISOR_EMAILS``: a channel whose last attempts all
failed (at most once an hour per channel), and the applications past their service target
(the breach digest, once per digest period). Without supervisors or an email sender, none."""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.notification import rendering
from services.notification.channels import Outgoing, Sender
from services.notification.dispatch import Policy, attempt, digest, insert_message, masked
from services.notification.models import Attempt
from silasidakep.clock import now_utc
from silasidakep.errors import ServiceUnavailable

log = logging.getLogger(__name__)

ALERT_CHANNELS = ("EMAIL", "SMS", "WHATSAPP")
DIGEST_INTERVAL_SECONDS = float(os.environ.get("NOTIFY_DIGEST_INTERVAL_SECONDS", "3600"))

Breaches = list[dict[str, Any]]


def supervisor_emails(env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [a.strip() for a in env.get("SUPERVISOR_EMAILS", "").split(",") if a.strip()]


def channel_failing(sessions: sessionmaker, channel: str, n: int) -> tuple[bool, str | None]:
    """Whether the last ``n`` attempts on ``channel`` all failed, and the last error."""
    with sessions() as session:
        rows = session.execute(
            select(Attempt.outcome, Attempt.error).where(Attempt.channel == channel)
            .order_by(Attempt.id.desc()).limit(n)
        ).all()
    failing = len(rows) >= n and all(outcome != "sent" for outcome, _ in rows)
    return failing, rows[0].error if rows else None


def deliver_staff_notice(
    sessions: sessionmaker, policy: Policy, sender: Sender, notice_key: str, template: str,
    context: dict[str, Any], supervisors: list[str],
) -> str:
    """One email to all supervisors, once per ``notice_key`` (retried on the next call)."""
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"silasidakep:notice:{notice_key}")
    rendered = rendering.render("EMAIL", template, context)
    to = ", ".join(supervisors)
    with sessions() as session, session.begin():
        message_id = insert_message(
            session, event_id=event_id, channel="EMAIL", template=template,
            template_version=rendered.version, application_id=None,
            subject=rendered.subject[:200], recipient_masked=masked("EMAIL", to)[:254],
            recipient_hash=digest(policy.hash_key, "EMAIL", to), state="QUEUED",
        ).id
    outgoing = Outgoing(str(message_id), "EMAIL", to, rendered.subject, rendered.text)
    unthrottled = dataclasses.replace(policy, throttle_per_minute=10**6)
    return attempt(sessions, unthrottled, sender, message_id, outgoing)


def alert_failing_channels(
    sessions: sessionmaker, policy: Policy, email: Sender | None, supervisors: list[str],
    now: datetime | None = None,
) -> None:
    """Alert the supervisors of each channel whose last ``policy.alert_failures`` attempts
    failed. Never raises: an alert that cannot go out is logged, the delivery stands."""
    if not supervisors or email is None:
        return
    hour = (now or now_utc()).strftime("%Y-%m-%dT%H")
    for channel in ALERT_CHANNELS:
        failing, last_error = channel_failing(sessions, channel, policy.alert_failures)
        if not failing:
            continue
        try:
            deliver_staff_notice(
                sessions, policy, email, f"alert:{channel}:{hour}", "staff_channel_alert",
                {"channel": channel, "failures": policy.alert_failures,
                 "last_error": last_error or "-"},
                supervisors,
            )
        except Exception:
            log.exception("could not send the channel-failure alert for %s", channel)


def send_breach_digest(
    sessions: sessionmaker, policy: Policy, email: Sender | None, supervisors: list[str],
    fetch_breaches: Callable[[], Breaches], interval_seconds: float = DIGEST_INTERVAL_SECONDS,
    now: datetime | None = None,
) -> str | None:
    """Email the supervisors the breaches ``fetch_breaches`` returns (intake's ``breaches``
    RPC), once per ``interval_seconds`` period; the message state, or None if nothing was sent.
    Intake down or too slow (ServiceUnavailable) skips this period: the next one tries again."""
    if not supervisors or email is None:
        return None
    try:
        breaches = fetch_breaches()
    except ServiceUnavailable as exc:
        log.warning("breach digest skipped: intake did not answer (%s)", exc.code)
        return None
    if not breaches:
        return None
    period = int((now or now_utc()).timestamp() // interval_seconds)
    return deliver_staff_notice(
        sessions, policy, email, f"digest:{period}", "staff_breach_digest",
        {"breaches": breaches}, supervisors,
    )
