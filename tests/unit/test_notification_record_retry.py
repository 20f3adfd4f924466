"""The send/record window of notification, with a fake database that refuses writes after the
provider accepted: the record is retried in-process, a redelivery records from the sent marker
instead of sending again, and a message in flight under a lease waits without spending an
attempt (issue 14, item 2)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from services.notification import dispatch
from services.notification.channels import Outgoing
from services.notification.models import Attempt, Message
from services.notification.recording import SentLedger, SentMark, is_db_unavailable, retry_db
from silasidakep.clock import now_utc
from silasidakep.errors import Deferred

ADDRESS = "warga.rahasia@example.org"
BODY = "PIN unduh Anda: 482913"
DEV = {"SILASIDAKEP_ENV": "development"}
COLUMNS = [column.key for column in Message.__table__.columns]


def refused() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("terminating connection (admin command)"))


class FakeDB:
    """Committed rows; a transaction sees copies, and a refused one changes nothing."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Message] = {}
        self.attempts: list[Attempt] = []
        self.refuse_next = 0  # transactions to refuse from now on
        self.refuse_all = False
        self.transactions = 0

    def __call__(self) -> FakeSession:
        return FakeSession(self)

    def add_message(self, state: str = "QUEUED", **values: Any) -> Message:
        fields = dict(
            id=uuid.uuid4(), event_id=uuid.uuid4(), channel="EMAIL", template="download_pin",
            template_version=1, recipient_masked="w***@example.org", subject="PIN unduh",
            state=state, attempts=0, created_at=now_utc(),
        )
        message = Message(**{**fields, **values})
        self.rows[message.id] = message
        return message

    def refusing(self) -> bool:
        if self.refuse_all:
            return True
        if self.refuse_next:
            self.refuse_next -= 1
            return True
        return False


class FakeSession:
    def __init__(self, db: FakeDB) -> None:
        self.db = db
        self.seen: dict[uuid.UUID, Message] = {}
        self.added: list[Any] = []

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @contextmanager
    def begin(self) -> Iterator[FakeSession]:
        self.db.transactions += 1
        if self.db.refusing():
            raise refused()
        yield self
        self.db.rows.update(self.seen)
        self.db.attempts.extend(a for a in self.added if isinstance(a, Attempt))

    def get(self, model: type, key: uuid.UUID, with_for_update: bool = False) -> Message:
        row = self.db.rows[key]
        self.seen[key] = copy = Message(**{c: getattr(row, c) for c in COLUMNS})
        return copy

    def scalar(self, query: Any) -> int:
        return 0  # the throttle's count: nobody else was sent anything

    def add(self, obj: Any) -> None:
        self.added.append(obj)


class FakeSender:
    provider = "smtp"

    def __init__(self, db: FakeDB | None = None, refuse_after: int = 0) -> None:
        self.sent: list[Outgoing] = []
        self.db, self.refuse_after = db, refuse_after

    def send(self, message: Outgoing) -> str:
        self.sent.append(message)
        if self.db is not None:  # PostgreSQL goes away while the server answers 250
            self.db.refuse_next = self.refuse_after
        return f"<{message.message_id}@silasidakep>"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("services.notification.recording.monotonic", fake)
    return fake


def policy(**overrides: Any) -> dispatch.Policy:
    values = dict(max_attempts=5, sending_timeout=timedelta(seconds=45), throttle_per_minute=50,
                  throttle_window=timedelta(minutes=1), duplicate_window=timedelta(minutes=10),
                  hash_key="uji", alert_failures=3, record_retry=timedelta(seconds=30))
    return dispatch.Policy(**{**values, **overrides})


def outgoing(message: Message) -> Outgoing:
    return Outgoing(str(message.id), message.channel, ADDRESS, "PIN unduh", BODY)


def send_once(db: FakeDB, sender: FakeSender, message: Message, ledger: SentLedger,
              clock: FakeClock, **overrides: Any) -> str:
    return dispatch.attempt(db, policy(**overrides), sender, message.id, outgoing(message),
                            ledger=ledger, sleep=clock.sleep)


def redeliver(db: FakeDB, sender: FakeSender, message: Message, ledger: SentLedger,
              monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> dict[str, str]:
    """The event again, planned into the same message (planning itself is tested elsewhere)."""
    planned = [dispatch.Planned(message.id, message.channel, outgoing(message))]
    monkeypatch.setattr(dispatch, "plan", lambda *args, **kwargs: planned)
    event = {"recipient": {"email": ADDRESS}}
    return dispatch.deliver_event(db, policy(**overrides), {"EMAIL": sender}, message.event_id,
                                  "application.download_pin_issued", event, "https://uji",
                                  ledger=ledger)


def sent_attempts(db: FakeDB) -> list[Attempt]:
    return [a for a in db.attempts if a.outcome == "sent"]


def test_a_refused_record_after_the_send_is_retried_not_sent_again(clock: FakeClock) -> None:
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message()
    sender = FakeSender(db, refuse_after=4)
    assert send_once(db, sender, message, ledger, clock) == "SENT"
    assert len(sender.sent) == 1
    row = db.rows[message.id]
    assert row.state == "SENT" and row.attempts == 1 and row.provider_ref
    assert len(sent_attempts(db)) == 1
    assert clock.sleeps == [0.2, 0.4, 0.8, 1.6]  # short backoff while reconnecting
    assert len(ledger) == 0  # recorded: nothing left to remember


def test_after_the_window_the_event_waits_and_the_redelivery_records_without_sending(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message()
    sender = FakeSender(db, refuse_after=10_000)
    with pytest.raises(dispatch.RecordPending) as raised:
        send_once(db, sender, message, ledger, clock, record_retry=timedelta(seconds=10))
    assert isinstance(raised.value, Deferred)  # comes back without spending an attempt
    assert 5 <= clock.now <= 10
    assert db.rows[message.id].state == "SENDING" and len(ledger) == 1
    # Redelivered while PostgreSQL still refuses: it waits again, before planning anything.
    db.refuse_all = True
    with pytest.raises(dispatch.RecordPending):
        redeliver(db, sender, message, ledger, monkeypatch)
    # Back: the sent marker records SENT, long after the lease would have allowed a resend.
    db.refuse_all, db.refuse_next = False, 0
    db.rows[message.id].sending_at = now_utc() - timedelta(hours=1)
    assert redeliver(db, sender, message, ledger, monkeypatch) == {"EMAIL": "SENT"}
    assert len(sender.sent) == 1 and len(sent_attempts(db)) == 1
    assert db.rows[message.id].attempts == 1 and len(ledger) == 0


def test_the_sweep_records_every_remembered_send(clock: FakeClock) -> None:
    db, ledger = FakeDB(), SentLedger()
    messages = [db.add_message(), db.add_message(channel="SMS")]
    sender = FakeSender(db, refuse_after=10_000)
    for message in messages:
        with pytest.raises(dispatch.RecordPending):
            send_once(db, sender, message, ledger, clock, record_retry=timedelta(seconds=1))
        db.refuse_next = 0  # back for the next claim
    assert dispatch.record_marks(db, ledger) == 2
    assert {db.rows[m.id].state for m in messages} == {"SENT"} and len(ledger) == 0
    assert dispatch.record_marks(db, ledger) == 0


def test_a_receipt_that_came_first_is_kept(clock: FakeClock) -> None:
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message(state="DELIVERED")
    ledger.remember(message.event_id, "EMAIL", SentMark(message.id, "ref", now_utc()))
    assert dispatch.record_marks(db, ledger) == 1
    assert db.rows[message.id].state == "DELIVERED" and not db.attempts


def test_a_remembered_send_is_recorded_by_the_next_attempt_instead_of_sending(
    clock: FakeClock,
) -> None:
    """Staff notices call ``attempt`` directly, without the event's marker pass."""
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message(state="SENDING", attempts=1,
                             sending_at=now_utc() - timedelta(hours=1))
    ledger.remember(message.event_id, "EMAIL", SentMark(message.id, "ref-1", now_utc()))
    sender = FakeSender()
    assert send_once(db, sender, message, ledger, clock) == "SENT"
    assert not sender.sent and db.rows[message.id].provider_ref == "ref-1"
    assert len(ledger) == 0


def test_a_message_in_flight_defers_until_its_lease_expires(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, this raised RetryLater: with retry delays shorter than the lease, an event whose
    sender died was dead-lettered and the message never sent."""
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message(state="SENDING", attempts=1, sending_at=now_utc())
    sender = FakeSender()
    for _ in range(10):  # any number of redeliveries: none spends an attempt
        with pytest.raises(dispatch.InFlight) as raised:
            redeliver(db, sender, message, ledger, monkeypatch)
        assert isinstance(raised.value, Deferred)
    assert not sender.sent and db.rows[message.id].attempts == 1
    db.rows[message.id].sending_at = now_utc() - timedelta(seconds=46)
    assert redeliver(db, sender, message, ledger, monkeypatch) == {"EMAIL": "SENT"}
    assert len(sender.sent) == 1 and db.rows[message.id].attempts == 2


def test_in_flight_with_a_failed_channel_still_waits_without_spending(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, ledger = FakeDB(), SentLedger()
    busy = db.add_message(state="SENDING", attempts=1, sending_at=now_utc())
    failed = db.add_message(state="FAILED", attempts=1, channel="SMS")
    failed.event_id = busy.event_id

    class Down(FakeSender):
        def send(self, message: Outgoing) -> str:
            raise ConnectionError("provider down")

    planned = [dispatch.Planned(m.id, m.channel, outgoing(m)) for m in (busy, failed)]
    monkeypatch.setattr(dispatch, "plan", lambda *args, **kwargs: planned)
    with pytest.raises(dispatch.InFlight):
        dispatch.deliver_event(db, policy(), {"EMAIL": FakeSender(), "SMS": Down()},
                               busy.event_id, "application.download_pin_issued",
                               {"recipient": {}}, "https://uji", ledger=ledger)
    assert db.rows[failed.id].state == "FAILED" and db.rows[failed.id].attempts == 2


def test_the_logs_name_the_message_never_the_address_or_body(
    clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    db, ledger = FakeDB(), SentLedger()
    message = db.add_message()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(dispatch.RecordPending) as raised:
        send_once(db, FakeSender(db, refuse_after=10_000), message, ledger, clock,
                  record_retry=timedelta(seconds=3))
    text = caplog.text + str(raised.value)
    assert str(message.id) in caplog.text and "OperationalError" in caplog.text
    assert ADDRESS not in text and "482913" not in text and "w***" not in text


def test_only_an_unavailable_database_is_retried(clock: FakeClock) -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    assert not is_db_unavailable(IntegrityError("INSERT", {}, Exception("x")))
    assert is_db_unavailable(refused())
    with pytest.raises(IntegrityError):
        retry_db(broken, 30, "notification x", sleep=clock.sleep)
    assert calls == [1] and not clock.sleeps


def test_the_lease_outlasts_the_record_retry_and_both_are_configurable() -> None:
    default = dispatch.Policy.from_env(DEV)
    assert default.record_retry < default.sending_timeout
    custom = dispatch.Policy.from_env({**DEV, "NOTIFY_SENDING_TIMEOUT_SECONDS": "20",
                                       "NOTIFY_RECORD_RETRY_SECONDS": "5"})
    assert custom.sending_timeout == timedelta(seconds=20)
    assert custom.record_retry == timedelta(seconds=5)
    with pytest.raises(ValueError, match="NOTIFY_RECORD_RETRY_SECONDS"):
        dispatch.Policy.from_env({**DEV, "NOTIFY_SENDING_TIMEOUT_SECONDS": "10",
                                  "NOTIFY_RECORD_RETRY_SECONDS": "10"})


def test_the_ledger_is_bounded_and_forgets_the_oldest_event_first() -> None:
    ledger = SentLedger(max_events=2)
    events = [uuid.uuid4() for _ in range(3)]
    for event_id in events:
        ledger.remember(event_id, "EMAIL", SentMark(uuid.uuid4(), None, now_utc()))
    assert ledger.get(events[0], "EMAIL") is None
    assert ledger.get(events[2], "EMAIL") is not None and len(ledger) == 2
