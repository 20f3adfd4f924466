"""Turns events into messages, one per (event id, channel), and delivers each at most once.

State machine of a message::

    QUEUED -> SENDING -> SENT -> DELIVERED (provider receipt)
                     \\-> FAILED (transient; retried) -> ... -> TECHNICAL_FAILURE (terminal)
                     \\-> TECHNICAL_FAILURE (permanent provider answer, e.g. HTTP 4xx)
    SKIPPED (channel not configured, no phone number or email address, no template, identical
             duplicate, a one-time code that expired before it could be sent)
    INBOX messages are stored as DELIVERED at once.

Crash safety: SENDING (with the attempt counted) is committed *before* the provider is called,
and the outcome in a second transaction after it. SENDING is a lease of ``sending_timeout``.
A new message the throttle lets through is planned as SENDING at once (one transaction for
the event's plan and its first claims); a message that already existed is claimed on its own.
The lease must outlast the sends of one event (each channel has a 10 s timeout).

* The provider accepted but the database refuses the record (restart, dropped or exhausted
  connections): the process knows the message left, so it retries the record for
  ``record_retry`` (``recording.retry_db``), keeps a sent marker in process memory
  (``recording.SentLedger``) and, if the database is still away, lets the event come back
  without spending an attempt (``RecordPending``); the redelivery, or the ledger sweep, records
  SENT from the marker. Nothing is sent again while this process lives.
* The process dies between the provider's answer and the commit: the marker dies with it. The
  row stays SENDING; a redelivery that finds it within the lease waits (``InFlight``, no attempt
  spent, so a lease can never run the retry schedule into a dead letter), and after the lease
  sends again with the same message id, as idempotency key for HTTP providers and as the
  Message-ID for SMTP (which cannot be asked; this is the one duplicate left).

Retries are per message: an event is retried (broker retry queues, exponential backoff) only for
its messages still in FAILED, throttled or in flight; sent channels are never sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import false, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.notification import rendering
from services.notification.channels import Outgoing, PermanentError, Sender
from services.notification.models import Attempt, Message
from services.notification.recording import (
    SentLedger,
    SentMark,
    StillUnavailable,
    is_db_unavailable,
    retry_db,
)
from silasidakep import metrics
from silasidakep.clock import now_utc
from silasidakep.config import secret
from silasidakep.contracts import DEFAULT_NOTIFY_CHANNELS
from silasidakep.errors import Deferred
from silasidakep.logs import redact
from silasidakep.masking import mask_email, mask_phone
from silasidakep.messaging import retry_delays_ms

log = logging.getLogger(__name__)

FINAL = frozenset({"SENT", "DELIVERED", "TECHNICAL_FAILURE", "SKIPPED"})
# One-time codes go out on exactly one channel and are never held back by the per-recipient
# throttle: intake already limits codes per identifier, and a held-back code is a failed sign-in.
SINGLE_CHANNEL_TEMPLATES = frozenset({"one_time_code"})
UNTHROTTLED_TEMPLATES = frozenset({"one_time_code"})
# A status that asks nothing of the citizen and is followed by one that does: shown in the
# application's inbox only. "A verifier opened your file" is not worth an SMS or WhatsApp
# message the regency pays for, nor an email; the decision after it always goes out.
INBOX_ONLY_TEMPLATES = frozenset({"status_in_verification"})
STATES = ("QUEUED", "SENDING", "SENT", "DELIVERED", "FAILED", "TECHNICAL_FAILURE", "SKIPPED")


class RetryLater(Exception):
    """Some messages of the event are not final yet: the event handler retries with backoff."""


class Throttled(Deferred):
    """Every message still open is held back by the per-recipient limit only: the event comes
    back later without spending an attempt (a throttle delays, it never drops)."""


class InFlight(RetryLater, Deferred):
    """A message is SENDING under another attempt's lease (that attempt may be dead): the event
    comes back without spending an attempt until the lease has expired, so however the lease and
    the retry schedule are set, waiting for it never dead-letters the event."""


class RecordPending(RetryLater, Deferred):
    """A message was sent but the database refused the record for longer than
    ``Policy.record_retry``: the event comes back without spending an attempt and this process's
    sent marker records it then (no second send)."""


# Sent markers of this process: per process, because nameko builds a service instance per worker.
SENT = SentLedger()


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    sending_timeout: timedelta
    throttle_per_minute: int  # messages per recipient and channel within throttle_window
    throttle_window: timedelta
    duplicate_window: timedelta
    hash_key: str
    alert_failures: int
    # How long a process that saw the provider accept retries recording SENT before it lets the
    # event come back; shorter than the lease, so a live sender's lease never runs out.
    record_retry: timedelta = timedelta(seconds=30)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Policy:
        env = os.environ if env is None else env
        policy = cls(
            # By default the last broker retry of the event is the last attempt.
            max_attempts=int(env.get("NOTIFY_MAX_ATTEMPTS", len(retry_delays_ms()) + 1)),
            # The lease of a SENDING row: how long after a dead attempt a message is sent again.
            # A wait for it spends no attempt (InFlight), so no retry schedule can drop it.
            sending_timeout=timedelta(
                seconds=float(env.get("NOTIFY_SENDING_TIMEOUT_SECONDS", "45"))
            ),
            throttle_per_minute=int(env.get("NOTIFY_THROTTLE_PER_MINUTE", "10")),
            throttle_window=timedelta(
                seconds=float(env.get("NOTIFY_THROTTLE_WINDOW_SECONDS", "60"))
            ),
            duplicate_window=timedelta(
                seconds=float(env.get("NOTIFY_DUPLICATE_WINDOW_SECONDS", "600"))
            ),
            hash_key=secret(env, "NOTIFY_HASH_KEY", "development-only-notify-hash-key"),
            alert_failures=int(env.get("NOTIFY_ALERT_AFTER_FAILURES", "5")),
            record_retry=timedelta(
                seconds=float(env.get("NOTIFY_RECORD_RETRY_SECONDS", "30"))
            ),
        )
        if policy.record_retry >= policy.sending_timeout:
            raise ValueError("NOTIFY_RECORD_RETRY_SECONDS must be shorter than "
                             "NOTIFY_SENDING_TIMEOUT_SECONDS (a live sender would lose its lease)")
        return policy


def address_for(channel: str, recipient: dict[str, Any]) -> str | None:
    if channel == "EMAIL":
        return recipient.get("email")  # None for a phone-only citizen: the channel is skipped
    if channel in ("SMS", "WHATSAPP"):
        return recipient.get("phone")
    return "inbox"


def masked(channel: str, address: str) -> str:
    if channel in ("SMS", "WHATSAPP"):
        return mask_phone(address)
    if channel == "EMAIL":
        return ", ".join(mask_email(a) for a in address.split(","))
    return address


def digest(key: str, *parts: str) -> str:
    return hmac.new(key.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def short_error(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}")[:500]


# --- planning: one row per channel ----------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    message_id: uuid.UUID
    channel: str
    outgoing: Outgoing | None  # None: nothing to send (skipped, inbox, already final)
    state: str | None = None  # stored at planning: the outcome of one with nothing to send
    claimed: bool = False  # inserted as SENDING: the provider may be called at once


@dataclass(frozen=True)
class Stored:
    id: uuid.UUID
    state: str
    inserted: bool  # False: the message of (event id, channel) existed (a redelivery)


def insert_message(session: Session, **values: Any) -> Stored:
    """The message of (event id, channel): inserted with ``values`` unless it exists (one
    statement for a new message, the usual case)."""
    values.setdefault("attempts", 0)
    inserted = session.execute(
        insert(Message)
        .values(id=uuid.uuid4(), created_at=now_utc(), **values)
        .on_conflict_do_nothing(index_elements=["event_id", "channel"])
        .returning(Message.id, Message.state)
    ).first()
    if inserted is not None:
        return Stored(inserted.id, inserted.state, True)
    existing = session.execute(
        select(Message.id, Message.state).where(
            Message.event_id == values["event_id"], Message.channel == values["channel"]
        )
    ).one()
    return Stored(existing.id, existing.state, False)


def plan(
    session: Session, policy: Policy, senders: Mapping[str, Sender | None], event_id: uuid.UUID,
    template: str, event: dict[str, Any], subject_id: uuid.UUID | None, public_base_url: str,
) -> list[Planned]:
    recipient = event["recipient"]
    channels = list(dict.fromkeys(recipient.get("channels") or DEFAULT_NOTIFY_CHANNELS))
    secret = template in rendering.SECRET_TEMPLATES
    if secret or "application_id" not in event:
        # The inbox is shown on the application's page: no secrets, no complaints there.
        channels = [c for c in channels if c != "INBOX"]
    if template in SINGLE_CHANNEL_TEMPLATES:
        channels = channels[:1]
    if template in INBOX_ONLY_TEMPLATES:
        channels = [c for c in channels if c == "INBOX"]
    expired = _expired(event)
    context = rendering.context_for(template, event, public_base_url)
    planned = []
    for channel in channels:
        row: dict[str, Any] = {
            "event_id": event_id, "channel": channel, "template": template,
            "application_id": subject_id, "subject": "", "template_version": 1,
        }
        address = address_for(channel, recipient)
        reason = None
        rendered = None
        if not rendering.has_template(channel, template):
            reason = f"no {channel} template {template}"
        elif not address:
            reason = {"EMAIL": "no email address"}.get(channel, "no phone number")
        elif channel != "INBOX" and senders.get(channel) is None:
            reason = f"channel {channel} not configured"
        elif expired:
            reason = "code expired before it could be sent"
        else:
            rendered = rendering.render(channel, template, context)
            row["template_version"] = rendered.version
            row["subject"] = _stored_subject(template, rendered)
        row["recipient_masked"] = masked(channel, address) if address else "-"
        row["recipient_hash"] = digest(policy.hash_key, channel, address or "")
        if rendered is not None and not secret:
            # No digest of a secret message: not even a keyed hash of a code or PIN is kept.
            row["body_hash"] = digest(policy.hash_key, rendered.subject, rendered.text)
        if reason:
            row.update(state="SKIPPED", last_error=reason)
        elif channel == "INBOX":
            row.update(state="DELIVERED", body=rendered.text, delivered_at=now_utc())
        elif (recent := _recent(session, policy, row)).duplicates and not secret:
            row.update(state="SKIPPED", last_error="identical message sent recently")
        elif _over_limit(policy, template, recent.sending):
            row["state"] = "QUEUED"  # the attempt says "throttled" and the event waits
        else:
            started = now_utc()
            row.update(state="SENDING", attempts=1, sending_at=started, last_attempt_at=started,
                       provider=senders[channel].provider)
        stored = insert_message(session, **row)
        outgoing = None
        if row["state"] in ("QUEUED", "SENDING"):
            outgoing = Outgoing(str(stored.id), channel, address, rendered.subject,
                                rendered.text)
        claimed = stored.inserted and stored.state == "SENDING"
        planned.append(Planned(stored.id, channel, outgoing, stored.state, claimed))
    return planned


def _stored_subject(template: str, rendered: rendering.Rendered) -> str:
    """What the staff list shows. A secret message's subject never holds the secret (the
    templates' rule, tested); without a subject line (SMS, WhatsApp) a fixed label stands in."""
    if template in rendering.SECRET_TEMPLATES:
        return (rendered.subject or rendering.SECRET_SUBJECTS[template])[:200]
    if not rendered.subject and template in rendering.LINK_SUBJECTS:
        return rendering.LINK_SUBJECTS[template]
    return (rendered.subject or rendered.text)[:200]


def _expired(event: dict[str, Any]) -> bool:
    """A one-time code past its validity: sending it late would only confuse the citizen."""
    expires_at = event.get("expires_at")
    return expires_at is not None and expires_at <= now_utc()


def _expire_unsent(session: Session, message_ids: list[uuid.UUID]) -> None:
    """A retried code that expired meanwhile: what was not sent yet is not sent any more."""
    for message in session.scalars(
        select(Message).where(Message.id.in_(message_ids),
                              Message.state.in_(("QUEUED", "FAILED"))).with_for_update()
    ):
        message.state, message.last_error = "SKIPPED", "code expired before it could be sent"


@dataclass(frozen=True)
class Recent:
    duplicates: int  # the same text to the same address lately (under other events)
    sending: int  # sends to the same address on this channel within the throttle window


def _recent(session: Session, policy: Policy, row: dict[str, Any]) -> Recent:
    """The duplicate check and the throttle of a new message, in one query (the index on
    recipient, channel, sending_at narrows both to the recipient's messages)."""
    at = now_utc()
    if row.get("body_hash") is None:  # a secret message keeps no digest: never a duplicate
        duplicate = false()
    else:
        duplicate = (
            (Message.body_hash == row["body_hash"])
            & (Message.event_id != row["event_id"])
            & Message.state.in_(("QUEUED", "SENDING", "SENT", "DELIVERED", "FAILED"))
            & (Message.created_at > at - policy.duplicate_window)
        )
    counts = session.execute(
        select(func.count().filter(duplicate), func.count().filter(_sent_lately(policy, at)))
        .where(Message.recipient_hash == row["recipient_hash"],
               Message.channel == row["channel"])
    ).one()
    return Recent(*counts)


def _sent_lately(policy: Policy, at: Any) -> Any:
    """Messages the per-recipient throttle counts: sending started within its window."""
    return Message.sending_at > at - policy.throttle_window


def _over_limit(policy: Policy, template: str, sent_lately: int) -> bool:
    return template not in UNTHROTTLED_TEMPLATES and sent_lately >= policy.throttle_per_minute


# --- one attempt at one message -------------------------------------------------------------------


def _throttled(session: Session, policy: Policy, message: Message, started: Any) -> bool:
    """Would sending ``message`` now exceed its recipient's limit on its channel?"""
    if message.template in UNTHROTTLED_TEMPLATES:
        return False  # no query for a code
    sent_lately = session.scalar(
        select(func.count()).select_from(Message).where(
            Message.recipient_hash == message.recipient_hash,
            Message.channel == message.channel,
            Message.id != message.id,
            _sent_lately(policy, started),
        )
    )
    return _over_limit(policy, message.template, sent_lately)

AfterSend = Callable[[Outgoing], None]
Sleep = Callable[[float], None]


def attempt(
    sessions: sessionmaker, policy: Policy, sender: Sender, message_id: uuid.UUID,
    outgoing: Outgoing, after_send: AfterSend | None = None, ledger: SentLedger = SENT,
    sleep: Sleep | None = None, event_id: uuid.UUID | None = None,
) -> str:
    """Returns the message's state afterwards, or ``throttled`` / ``in_flight``. With
    ``event_id`` the message is already committed as SENDING by this attempt (planned so).

    Raises RecordPending when the provider accepted but the database refused the record."""
    if event_id is None:
        refused, event_id = _claim(sessions, policy, sender, message_id, ledger)
        if refused is not None:
            return refused
    outcome, error, ref = _send(sender, outgoing)
    if after_send is not None and outcome == "sent":
        after_send(outgoing)  # test hook: a process killed here loses its memory too
    if outcome == "sent":
        state = _record_sent(sessions, policy, ledger, event_id, outgoing.channel,
                             SentMark(message_id, ref, now_utc()), sleep)
    else:
        state = _record(sessions, policy, message_id, outcome, error)
    metrics.NOTIFICATIONS.labels(channel=outgoing.channel, outcome=state.lower()).inc()
    if state != "SENT":
        log.warning("notification %s via %s: %s (%s)", message_id, outgoing.channel, state, error)
    return state


def _claim(
    sessions: sessionmaker, policy: Policy, sender: Sender, message_id: uuid.UUID,
    ledger: SentLedger,
) -> tuple[str | None, uuid.UUID]:
    """Commit SENDING (returns None), or say why not: the state, ``in_flight``, ``throttled``."""
    with sessions() as session, session.begin():
        message = session.get(Message, message_id, with_for_update=True)
        event_id, started = message.event_id, now_utc()
        mark = ledger.get(event_id, message.channel)
        if message.state in FINAL or mark is not None:
            state = message.state if mark is None else _apply_mark(session, message, mark)
        elif message.state == "SENDING" and message.sending_at > started - policy.sending_timeout:
            return "in_flight", event_id
        elif _throttled(session, policy, message, started):
            metrics.NOTIFICATIONS.labels(channel=message.channel, outcome="throttled").inc()
            return "throttled", event_id
        else:
            message.state, message.sending_at, message.last_attempt_at = "SENDING", started, started
            message.attempts += 1
            message.provider = sender.provider
            return None, event_id
    ledger.forget(event_id, message.channel)  # committed: the row now says it
    return state, event_id


def _send(sender: Sender, outgoing: Outgoing) -> tuple[str, str | None, str | None]:
    try:
        return "sent", None, sender.send(outgoing)
    except PermanentError as exc:
        return "permanent", short_error(exc), None
    except Exception as exc:  # TransientError, or anything unexpected: try again later
        return "transient", short_error(exc), None


def _record(
    sessions: sessionmaker, policy: Policy, message_id: uuid.UUID, outcome: str,
    error: str | None, mark: SentMark | None = None,
) -> str:
    """One transaction: the attempt and the message's state after it."""
    with sessions() as session, session.begin():
        message = session.get(Message, message_id, with_for_update=True)
        if mark is not None:
            return _apply_mark(session, message, mark)
        session.add(Attempt(message_id=message_id, channel=message.channel, at=now_utc(),
                            outcome=outcome, error=error))
        if message.state != "SENDING":  # a receipt or a concurrent resend got there first
            return message.state
        if outcome == "permanent" or message.attempts >= policy.max_attempts:
            message.state, message.last_error = "TECHNICAL_FAILURE", error
        else:
            message.state, message.last_error = "FAILED", error
        return message.state


def _release(sessions: sessionmaker, message_ids: list[uuid.UUID]) -> None:
    """Hand back the claims planned for channels this attempt never reached (an earlier
    channel's send or record raised), so the redelivery need not wait out their lease. Best
    effort: if this fails, or the process died, the lease expires as for any dead attempt."""
    if not message_ids:
        return
    try:
        with sessions() as session, session.begin():
            session.execute(
                update(Message)
                .where(Message.id.in_(message_ids), Message.state == "SENDING")
                .values(state="QUEUED", attempts=Message.attempts - 1, sending_at=None,
                        last_attempt_at=None, provider=None)
            )
    except Exception as exc:
        log.warning("unsent claims left to their lease: %s", short_error(exc))


def _apply_mark(session: Session, message: Message, mark: SentMark) -> str:
    """Record a send the provider accepted, unless the row already reached a final state (a
    receipt, or an earlier commit whose answer was lost)."""
    if message.state in FINAL:
        return message.state
    session.add(Attempt(message_id=message.id, channel=message.channel, at=mark.sent_at,
                        outcome="sent", error=None))
    message.state, message.sent_at, message.last_error = "SENT", mark.sent_at, None
    message.provider_ref = mark.provider_ref
    return message.state


def _record_sent(
    sessions: sessionmaker, policy: Policy, ledger: SentLedger, event_id: uuid.UUID,
    channel: str, mark: SentMark, sleep: Sleep | None,
) -> str:
    """The provider accepted: remember it first, then retry the record for ``record_retry``
    instead of failing the handler into a redelivery that would send again."""
    ledger.remember(event_id, channel, mark)
    what = f"notification {mark.message_id} via {channel} (sent, not yet recorded)"
    try:
        state = retry_db(lambda: _record(sessions, policy, mark.message_id, "sent", None, mark),
                         policy.record_retry.total_seconds(), what, sleep)
    except StillUnavailable as exc:
        log.error("%s: database still unavailable after %.0f s; the event comes back and the "
                  "sent marker records it (no second send)", what,
                  policy.record_retry.total_seconds())
        raise RecordPending(str(exc)) from exc
    ledger.forget(event_id, channel)
    return state


def record_marks(sessions: sessionmaker, ledger: SentLedger = SENT,
                 event_id: uuid.UUID | None = None) -> int:
    """Record the sends this process remembers (one event's, or all); returns how many.

    Raises RecordPending while the database still refuses: the event must wait, not spend an
    attempt (its messages left already)."""
    recorded = 0
    for key, mark in ledger.marks(event_id):
        try:
            with sessions() as session, session.begin():
                message = session.get(Message, mark.message_id, with_for_update=True)
                state = _apply_mark(session, message, mark)
        except Exception as exc:
            if not is_db_unavailable(exc):
                raise
            raise RecordPending(f"sent marks not recorded yet: {type(exc).__name__}") from exc
        ledger.forget(*key)
        metrics.NOTIFICATIONS.labels(channel=key[1], outcome=state.lower()).inc()
        recorded += 1
    return recorded


def deliver_event(
    sessions: sessionmaker, policy: Policy, senders: Mapping[str, Sender | None],
    event_id: uuid.UUID, event_type: str, event: dict[str, Any], public_base_url: str,
    after_send: AfterSend | None = None, ledger: SentLedger = SENT,
) -> dict[str, str]:
    """Record and send every channel's message for one event. Returns channel -> state.

    Raises RetryLater while any message is FAILED (transient), throttled or in flight; the
    Deferred kinds (Throttled, InFlight, RecordPending) when waiting is all that is left."""
    template = rendering.template_for(event_type, event)
    if template is None:
        return {}
    # Sent before but not recorded: record it first, and while the database still refuses,
    # wait without spending an attempt (planning would fail on the same database).
    record_marks(sessions, ledger, event_id)
    subject_id = event.get("application_id") or event.get("complaint_id")
    with sessions() as session, session.begin():
        planned = plan(session, policy, senders, event_id, template, event, subject_id,
                       public_base_url)
        if _expired(event):
            _expire_unsent(session, [item.message_id for item in planned])
            planned = [Planned(item.message_id, item.channel, None,
                               session.get(Message, item.message_id).state) for item in planned]
    states: dict[str, str] = {}
    unsent = [item.message_id for item in planned if item.claimed]
    try:
        for item in planned:
            if item.outgoing is None:
                states[item.channel] = item.state
                continue
            if item.claimed:
                unsent.remove(item.message_id)
            states[item.channel] = attempt(sessions, policy, senders[item.channel],
                                           item.message_id, item.outgoing, after_send, ledger,
                                           event_id=event_id if item.claimed else None)
    except BaseException:
        _release(sessions, unsent)
        raise
    pending = {c: s for c, s in states.items() if s not in FINAL}
    if "in_flight" in pending.values():
        raise InFlight(f"sending under another attempt's lease: {sorted(pending)}")
    if pending and set(pending.values()) == {"throttled"}:
        raise Throttled(f"held back by the per-recipient limit: {sorted(pending)}")
    if pending:
        raise RetryLater(f"messages not final yet: {pending}")
    return states


# --- receipts, inbox, staff views -----------------------------------------------------------------


def record_receipt(sessions: sessionmaker, reference: str, status: str) -> str | None:
    """A provider's delivery report: DELIVERED, or FAILED (undeliverable: terminal)."""
    with sessions() as session, session.begin():
        query = select(Message).with_for_update()
        try:
            query = query.where(Message.id == uuid.UUID(reference))
        except ValueError:
            query = query.where(Message.provider_ref == reference)
        message = session.scalars(query).first()
        if message is None:
            return None
        if status == "DELIVERED" and message.state in ("SENDING", "SENT", "FAILED"):
            message.state, message.delivered_at = "DELIVERED", now_utc()
        elif status == "FAILED" and message.state in ("SENDING", "SENT"):
            message.state, message.last_error = "TECHNICAL_FAILURE", "provider: undeliverable"
        metrics.NOTIFICATIONS.labels(channel=message.channel, outcome=status.lower()).inc()
        return message.state


def message_view(message: Message, with_body: bool = False) -> dict[str, Any]:
    view = {
        "id": str(message.id), "event_id": str(message.event_id), "channel": message.channel,
        "template": message.template, "template_version": message.template_version,
        "application_id": str(message.application_id) if message.application_id else None,
        "recipient": message.recipient_masked, "subject": message.subject,
        "state": message.state, "attempts": message.attempts, "last_error": message.last_error,
        "provider": message.provider,
        "created_at": message.created_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
    }
    if with_body:
        view["text"] = message.body
    return view


def inbox(sessions: sessionmaker, application_id: str) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.scalars(
            select(Message)
            .where(Message.application_id == uuid.UUID(application_id),
                   Message.channel == "INBOX", Message.state == "DELIVERED")
            .order_by(Message.created_at)
        ).all()
        return [
            {"id": str(m.id), "subject": m.subject, "text": m.body,
             "at": m.created_at.isoformat(), "template": m.template}
            for m in rows
        ]


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def list_messages(
    sessions: sessionmaker, state: str | None, application_id: str | None, limit: int = 200,
) -> list[dict[str, Any]]:
    query = select(Message).order_by(Message.created_at.desc()).limit(limit)
    if state:
        query = query.where(Message.state == state)
    if application_id:
        query = query.where(Message.application_id == uuid.UUID(application_id))
    with sessions() as session:
        return [message_view(m) for m in session.scalars(query).all()]
