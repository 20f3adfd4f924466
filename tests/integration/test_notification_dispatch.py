"""Notification delivery on real PostgreSQL, a real SMTP server (aiosmtpd) and a loopback
SMS/WhatsApp provider that fails on purpose: once per event × channel, retries, terminal
failures, crash recovery without duplicates, throttling, masking."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.notification import dispatch, rendering, staff_notices
from services.notification.channels import ProviderConfig
from services.notification.channels.email import EmailSender, SmtpSettings
from services.notification.channels.fonnte import FonnteSender
from services.notification.channels.webhook import WebhookSender, verify_signature
from services.notification.models import Message
from silasidakep.db import make_engine
from silasidakep.errors import ServiceUnavailable
from tests.support.infra import SmtpServer, body_text, free_port
from tests.support.provider import LoopbackProvider

NIK = "3211064101900007"
SECRET = "uji-rahasia"


@pytest.fixture
def sessions(database_url: str):
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def provider():
    server = LoopbackProvider(timeout_seconds=1.5).start()
    yield server
    server.stop()


def policy(**overrides) -> dispatch.Policy:
    values = dict(max_attempts=3, sending_timeout=timedelta(seconds=30), throttle_per_minute=50,
                  throttle_window=timedelta(minutes=1), duplicate_window=timedelta(minutes=10),
                  hash_key="uji", alert_failures=3)
    return dispatch.Policy(**{**values, **overrides})


def senders(smtp_port: int, provider: LoopbackProvider | None, fonnte: bool = False) -> dict:
    email = EmailSender(SmtpSettings("127.0.0.1", smtp_port, "uji@silasidakep.test", timeout=3))
    if provider is None:
        return {"EMAIL": email, "SMS": None, "WHATSAPP": None}
    config = ProviderConfig("SMS", "webhook", provider.url, SECRET, timeout=1.0)
    wa = ProviderConfig("WHATSAPP", "fonnte", provider.url, SECRET, timeout=1.0)
    return {"EMAIL": email, "SMS": WebhookSender(config),
            "WHATSAPP": FonnteSender(wa) if fonnte else WebhookSender(wa)}


def status_event(status: str = "SUBMITTED", channels=("EMAIL", "SMS", "WHATSAPP", "INBOX"),
                 **recipient) -> tuple[dict, str, str]:
    event = rendering.sample_event(f"status_{status.lower()}")
    event["application_id"] = uuid.uuid4()
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    phone = "0812" + str(uuid.uuid4().int)[:8]
    event["recipient"].update({"email": email, "phone": phone, "channels": list(channels),
                               **recipient})
    return event, email, phone


def rows(sessions, event_id) -> dict[str, Message]:
    with sessions() as session:
        found = session.scalars(select(Message).where(Message.event_id == event_id)).all()
        return {m.channel: m for m in found}


def deliver(sessions, pol, send, event_id, event, **kwargs):
    return dispatch.deliver_event(sessions, pol, send, event_id, "application.status_changed",
                                  event, "https://silasidakep.test", **kwargs)


def test_every_chosen_channel_gets_one_message_and_redelivery_sends_nothing(
    sessions, smtp, provider
) -> None:
    event, email, phone = status_event()
    event_id = uuid.uuid4()
    states = deliver(sessions, policy(), senders(smtp.port, provider), event_id, event)
    assert states == {"EMAIL": "SENT", "SMS": "SENT", "WHATSAPP": "SENT", "INBOX": "DELIVERED"}
    again = deliver(sessions, policy(), senders(smtp.port, provider), event_id, event)
    assert again == states
    assert len(smtp.mailbox.to(email)) == 1
    sent = provider.to(phone)
    assert sorted(a.channel for a in sent) == ["SMS", "WHATSAPP"]
    assert provider.requests == 2
    assert all(len(a.text) <= 160 for a in sent if a.channel == "SMS")
    found = rows(sessions, event_id)
    assert all(m.template == "status_submitted" and m.template_version == 1
               for m in found.values())
    assert found["SMS"].recipient_masked.startswith("0812") and phone not in str(
        {c: m.recipient_masked for c, m in found.items()})
    mail = smtp.mailbox.to(email)[0]
    assert mail["Message-ID"] == f"<{found['EMAIL'].id}@silasidakep>"


def test_webhook_requests_are_signed_and_carry_the_idempotency_key(sessions, smtp, provider):
    event, _, phone = status_event(channels=["SMS"])
    deliver(sessions, policy(), senders(smtp.port, provider), uuid.uuid4(), event)
    [accepted] = provider.to(phone)
    assert accepted.signature.startswith("sha256=")
    assert uuid.UUID(accepted.key)
    body = json.dumps({"message_id": accepted.key, "to": phone, "channel": "SMS",
                       "text": accepted.text}).encode()
    assert verify_signature(SECRET, body, accepted.signature)


@pytest.mark.parametrize("failure", ["timeout", "500", "503"])
def test_transient_failures_retry_and_a_failed_channel_does_not_resend_others(
    sessions, smtp, provider, failure
) -> None:
    event, email, phone = status_event(channels=["EMAIL", "SMS"])
    event_id = uuid.uuid4()
    provider.fail_next(failure)
    send = senders(smtp.port, provider)
    with pytest.raises(dispatch.RetryLater):
        deliver(sessions, policy(), send, event_id, event)
    first = rows(sessions, event_id)
    assert first["EMAIL"].state == "SENT" and first["SMS"].state == "FAILED"
    assert first["SMS"].attempts == 1 and first["SMS"].last_error
    assert deliver(sessions, policy(), send, event_id, event)["SMS"] == "SENT"
    assert len(smtp.mailbox.to(email)) == 1  # the email was not sent again
    assert len(provider.to(phone)) == 1
    assert rows(sessions, event_id)["SMS"].attempts == 2


def test_a_4xx_answer_is_terminal_at_once(sessions, smtp, provider) -> None:
    event, _, phone = status_event(channels=["SMS"])
    event_id = uuid.uuid4()
    provider.fail_next("400")
    states = deliver(sessions, policy(), senders(smtp.port, provider), event_id, event)
    assert states == {"SMS": "TECHNICAL_FAILURE"}
    assert rows(sessions, event_id)["SMS"].attempts == 1
    assert dispatch.list_messages(sessions, "TECHNICAL_FAILURE", str(event["application_id"]))


def test_after_the_attempt_limit_the_message_is_terminal_and_listed(sessions, smtp, provider):
    event, _, _ = status_event(channels=["SMS"])
    event_id = uuid.uuid4()
    provider.fail_next("500", "502", "503")
    send = senders(smtp.port, provider)
    for _ in range(2):
        with pytest.raises(dispatch.RetryLater):
            deliver(sessions, policy(max_attempts=3), send, event_id, event)
    assert deliver(sessions, policy(max_attempts=3), send, event_id, event) == {
        "SMS": "TECHNICAL_FAILURE"}
    row = rows(sessions, event_id)["SMS"]
    assert row.attempts == 3 and "503" in row.last_error
    listed = dispatch.list_messages(sessions, "TECHNICAL_FAILURE", str(event["application_id"]))
    assert [m["id"] for m in listed] == [str(row.id)]
    failing, last = staff_notices.channel_failing(sessions, "SMS", 3)
    assert failing and "503" in last
    supervisor = f"supervisor-{uuid.uuid4().hex[:8]}@example.org"
    staff_notices.alert_failing_channels(sessions, policy(max_attempts=3), send["EMAIL"],
                                         [supervisor], now=a_fresh_period())
    [alert] = smtp.mailbox.to(supervisor)
    assert "SMS" in alert["Subject"] + body_text(alert) and "503" in body_text(alert)


class Crash(Exception):
    pass


def crash_on(channel: str):
    def hook(outgoing) -> None:
        if outgoing.channel == channel:
            raise Crash("worker died after the provider accepted")
    return hook


def test_a_crash_after_sending_is_resent_with_the_same_key_and_not_duplicated(
    sessions, smtp, provider
) -> None:
    event, _, phone = status_event(channels=["SMS", "WHATSAPP"])
    event_id = uuid.uuid4()
    send = senders(smtp.port, provider)
    with pytest.raises(Crash):
        deliver(sessions, policy(), send, event_id, event, after_send=crash_on("SMS"))
    assert rows(sessions, event_id)["SMS"].state == "SENDING"
    assert provider.requests == 1
    # WhatsApp was claimed when the event was planned; the failing attempt handed it back.
    whatsapp = rows(sessions, event_id)["WHATSAPP"]
    assert (whatsapp.state, whatsapp.attempts, whatsapp.sending_at) == ("QUEUED", 0, None)
    # A redelivery while the first attempt may still be running does not send.
    with pytest.raises(dispatch.RetryLater):
        deliver(sessions, policy(), send, event_id, event)
    assert rows(sessions, event_id)["WHATSAPP"].state == "SENT"
    # Once SENDING is older than the timeout, the redelivered event resends with the same key.
    states = deliver(sessions, policy(sending_timeout=timedelta(0)), send, event_id, event)
    assert states == {"SMS": "SENT", "WHATSAPP": "SENT"}
    assert provider.requests == 3  # SMS, WhatsApp, the SMS again (same key) ...
    assert sorted(a.channel for a in provider.to(phone)) == ["SMS", "WHATSAPP"]  # ... once each


def test_a_new_message_is_planned_as_sending_and_a_redelivered_one_is_not(sessions, smtp):
    """One transaction plans the event and claims its new messages; what existed before (a
    redelivery) is claimed on its own, under the lease and the throttle."""
    event, _, _ = status_event(channels=["EMAIL", "INBOX"])
    event_id = uuid.uuid4()
    send = senders(smtp.port, None)

    def planned():
        with sessions() as session, session.begin():
            return dispatch.plan(session, policy(), send, event_id, "status_submitted", event,
                                 event["application_id"], "https://silasidakep.test")

    first = {item.channel: item for item in planned()}
    assert first["EMAIL"].claimed and not first["INBOX"].claimed
    row = rows(sessions, event_id)["EMAIL"]
    assert (row.state, row.attempts, row.provider) == ("SENDING", 1, "smtp")
    assert row.sending_at is not None
    again = {item.channel: item for item in planned()}
    assert not again["EMAIL"].claimed and again["EMAIL"].state == "SENDING"
    assert rows(sessions, event_id)["EMAIL"].attempts == 1


def test_a_claim_never_reached_waits_for_its_lease_when_the_process_died(
    sessions, smtp, provider, monkeypatch
) -> None:
    """A dead process cannot hand its claims back: the unsent channel waits for the lease
    (no attempt spent) and is then sent once."""
    event, _, phone = status_event(channels=["SMS", "WHATSAPP"])
    event_id = uuid.uuid4()
    send = senders(smtp.port, provider)
    monkeypatch.setattr(dispatch, "_release", lambda sessions, ids: None)
    with pytest.raises(Crash):
        deliver(sessions, policy(), send, event_id, event, after_send=crash_on("SMS"))
    assert rows(sessions, event_id)["WHATSAPP"].state == "SENDING"
    with pytest.raises(dispatch.InFlight):
        deliver(sessions, policy(), send, event_id, event)
    assert provider.requests == 1
    states = deliver(sessions, policy(sending_timeout=timedelta(0)), send, event_id, event)
    assert states == {"SMS": "SENT", "WHATSAPP": "SENT"}
    assert sorted(a.channel for a in provider.to(phone)) == ["SMS", "WHATSAPP"]
    assert rows(sessions, event_id)["WHATSAPP"].attempts == 2  # the dead claim counted


def test_a_crash_after_an_email_resends_with_the_same_message_id(sessions, smtp) -> None:
    """SMTP has no idempotency key: at-least-once, with one stable Message-ID."""
    event, email, _ = status_event(channels=["EMAIL"])
    event_id = uuid.uuid4()
    send = senders(smtp.port, None)
    with pytest.raises(Crash):
        deliver(sessions, policy(), send, event_id, event, after_send=crash_on("EMAIL"))
    deliver(sessions, policy(sending_timeout=timedelta(0)), send, event_id, event)
    deliver(sessions, policy(sending_timeout=timedelta(0)), send, event_id, event)
    mails = smtp.mailbox.to(email)
    assert len(mails) == 2 and len({m["Message-ID"] for m in mails}) == 1
    assert rows(sessions, event_id)["EMAIL"].state == "SENT"


def test_concurrent_deliveries_of_one_event_send_once(sessions, smtp, provider) -> None:
    event, email, phone = status_event(channels=["EMAIL", "SMS"])
    event_id = uuid.uuid4()
    barrier = threading.Barrier(5)

    def run() -> None:
        barrier.wait()
        with contextlib.suppress(dispatch.RetryLater):
            deliver(sessions, policy(), senders(smtp.port, provider), event_id, event)

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(smtp.mailbox.to(email)) == 1 and len(provider.to(phone)) == 1


def test_unconfigured_channels_and_missing_phone_are_skipped_with_a_reason(sessions, smtp):
    event, email, _ = status_event(channels=["EMAIL", "SMS", "WHATSAPP"])
    event_id = uuid.uuid4()
    states = deliver(sessions, policy(), senders(smtp.port, None), event_id, event)
    assert states == {"EMAIL": "SENT", "SMS": "SKIPPED", "WHATSAPP": "SKIPPED"}
    assert rows(sessions, event_id)["SMS"].last_error == "channel SMS not configured"
    event2, _, _ = status_event(channels=["SMS"], phone=None)
    assert deliver(sessions, policy(), senders(smtp.port, None), uuid.uuid4(), event2) == {
        "SMS": "SKIPPED"}


def test_the_pin_never_goes_to_the_inbox(sessions, smtp, provider) -> None:
    event = rendering.sample_event("download_pin")
    event["application_id"] = uuid.uuid4()
    event["recipient"].update(email=f"{uuid.uuid4().hex[:8]}@example.org")
    states = dispatch.deliver_event(
        sessions, policy(), senders(smtp.port, provider), uuid.uuid4(),
        "application.download_pin_issued", event, "https://silasidakep.test")
    assert "INBOX" not in states and states["EMAIL"] == "SENT"
    assert dispatch.inbox(sessions, str(event["application_id"])) == []


def test_throttling_holds_messages_back_and_identical_duplicates_are_skipped(
    sessions, smtp, provider
) -> None:
    event, _, phone = status_event(channels=["SMS"])
    pol = policy(throttle_per_minute=2)
    send = senders(smtp.port, provider)
    results = []
    for status in ("SUBMITTED", "APPROVED", "ISSUED"):
        event = {**event, "status": status, "recipient": event["recipient"]}
        try:
            results.append(deliver(sessions, pol, send, uuid.uuid4(), event)["SMS"])
        except dispatch.Throttled:  # a Deferred: back later without spending an attempt
            results.append("throttled")
    assert results == ["SENT", "SENT", "throttled"]
    assert len(provider.to(phone)) == 2
    same = {**event, "status": "SUBMITTED", "recipient": event["recipient"]}
    assert deliver(sessions, policy(), send, uuid.uuid4(), same) == {"SMS": "SKIPPED"}


def test_receipts_mark_delivered(sessions, smtp, provider) -> None:
    event, _, _ = status_event(channels=["SMS"])
    event_id = uuid.uuid4()
    deliver(sessions, policy(), senders(smtp.port, provider), event_id, event)
    row = rows(sessions, event_id)["SMS"]
    assert dispatch.record_receipt(sessions, str(row.id), "DELIVERED") == "DELIVERED"


def test_smtp_outage_is_transient(sessions) -> None:
    event, _, _ = status_event(channels=["EMAIL"])
    event_id = uuid.uuid4()
    with pytest.raises(dispatch.RetryLater):
        deliver(sessions, policy(), senders(free_port(), None), event_id, event)
    assert rows(sessions, event_id)["EMAIL"].state == "FAILED"


def test_no_full_nik_in_any_message_or_log(sessions, smtp, provider, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    event, email, phone = status_event("REJECTED", nik_masked="3211**********07")
    event["note"] = f"NIK {NIK} tidak cocok"  # even when staff type one into a note
    provider.fail_next("500")
    with pytest.raises(dispatch.RetryLater):
        deliver(sessions, policy(), senders(smtp.port, provider), uuid.uuid4(), event)
    texts = [body_text(m) for m in smtp.mailbox.to(email)] + [a.text for a in provider.to(phone)]
    texts += [m["text"] for m in dispatch.inbox(sessions, str(event["application_id"]))]
    assert texts
    for text in texts + [caplog.text]:
        assert NIK not in text


# --- staff notices ----------------------------------------------------------------------------


def a_fresh_period() -> datetime:
    """An instant whose one-second digest period no earlier test has used."""
    return datetime.fromtimestamp(uuid.uuid4().int % 10**9, UTC)


def test_the_breach_digest_goes_to_the_supervisors_once_per_period(sessions, smtp) -> None:
    supervisor = f"supervisor-{uuid.uuid4().hex[:8]}@example.org"
    breaches = rendering.staff_context("staff_breach_digest")["breaches"]
    email, now = senders(smtp.port, None)["EMAIL"], a_fresh_period()

    def send() -> str | None:
        return staff_notices.send_breach_digest(sessions, policy(), email, [supervisor],
                                                lambda: breaches, interval_seconds=1, now=now)

    assert send() == "SENT"
    assert send() == "SENT"  # the same period: the message is final, nothing is sent again
    [mail] = smtp.mailbox.to(supervisor)
    assert breaches[0]["tracking_code"] in body_text(mail)


def test_the_breach_digest_skips_a_period_when_intake_does_not_answer(
    sessions, smtp, caplog
) -> None:
    supervisor = f"supervisor-{uuid.uuid4().hex[:8]}@example.org"

    def intake_down() -> list:
        raise ServiceUnavailable(code="UPSTREAM_TIMEOUT")

    with caplog.at_level(logging.WARNING, logger=staff_notices.__name__):
        state = staff_notices.send_breach_digest(
            sessions, policy(), senders(smtp.port, None)["EMAIL"], [supervisor], intake_down,
            interval_seconds=1, now=a_fresh_period(),
        )
    assert state is None and smtp.mailbox.to(supervisor) == []
    assert "UPSTREAM_TIMEOUT" in caplog.text


def test_no_supervisors_or_no_email_means_no_digest_and_no_intake_call(sessions) -> None:
    def must_not_call() -> list:
        raise AssertionError("intake asked although nobody would get the digest")

    assert staff_notices.send_breach_digest(sessions, policy(), None, ["a@example.org"],
                                            must_not_call) is None
    assert staff_notices.supervisor_emails({"SUPERVISOR_EMAILS": " a@x.test, ,b@x.test"}) == [
        "a@x.test", "b@x.test"]


def test_in_verification_is_told_in_the_inbox_only(sessions, smtp, provider) -> None:
    event, email, phone = status_event("IN_VERIFICATION")

    states = deliver(sessions, policy(), senders(smtp.port, provider), uuid.uuid4(), event)

    assert states == {"INBOX": "DELIVERED"}
    assert not provider.to(phone) and not smtp.mailbox.to(email)
    assert [m["template"] for m in dispatch.inbox(sessions, str(event["application_id"]))] == [
        "status_in_verification"
    ]


def test_a_code_that_expired_before_it_could_be_sent_is_skipped(sessions, smtp) -> None:
    event = rendering.sample_event("one_time_code")
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    event["recipient"].update(email=email, channels=["EMAIL"])
    event["expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
    event_id = uuid.uuid4()

    states = dispatch.deliver_event(sessions, policy(), senders(smtp.port, None), event_id,
                                    "citizen.code_requested", event, "https://silasidakep.test")

    assert states == {"EMAIL": "SKIPPED"}
    assert rows(sessions, event_id)["EMAIL"].last_error == "code expired before it could be sent"
    assert not smtp.mailbox.to(email)
