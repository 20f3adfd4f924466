"""After a provider accepted a message: make sure that fact reaches the database.

The send and its record cannot be one transaction (SMTP cannot be asked afterwards whether it
accepted a message), so the process that saw the provider's answer is the only one that knows.
It keeps that knowledge in a ``SentLedger`` (process memory, keyed by (event id, channel)) and
retries the write for a bounded time (``retry_db``), reconnecting through the engine's pool. If
the database stays away longer, the event comes back and the ledger, not a resend, completes it.
What the ledger cannot cover is a process that dies between the answer and the commit: its
memory dies with it, and the row's SENDING lease lets the redelivered event send again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[uuid.UUID, str]  # (event id, channel): one message
# The first retry comes quickly (a dropped connection is replaced at once); later ones back off
# so a restarting PostgreSQL is not hammered.
FIRST_DELAY_SECONDS = 0.2
MAX_DELAY_SECONDS = 5.0


@dataclass(frozen=True)
class SentMark:
    """The provider accepted the message: what recording SENT needs, and nothing personal."""

    message_id: uuid.UUID
    provider_ref: str | None
    sent_at: datetime


class SentLedger:
    """Messages this process knows were accepted but has not recorded yet.

    Per process, not per worker (nameko builds a service instance per worker). Bounded, so a
    long outage cannot grow it without limit; the oldest events are forgotten first."""

    def __init__(self, max_events: int = 10_000) -> None:
        self.max_events = max_events
        self._events: OrderedDict[uuid.UUID, dict[str, SentMark]] = OrderedDict()

    def remember(self, event_id: uuid.UUID, channel: str, mark: SentMark) -> None:
        self._events.setdefault(event_id, {})[channel] = mark
        self._events.move_to_end(event_id)
        while len(self._events) > self.max_events:
            forgotten, _ = self._events.popitem(last=False)
            log.error("sent-marker ledger full: event %s could be sent again", forgotten)

    def get(self, event_id: uuid.UUID, channel: str) -> SentMark | None:
        return self._events.get(event_id, {}).get(channel)

    def marks(self, event_id: uuid.UUID | None = None) -> list[tuple[Key, SentMark]]:
        """One event's marks, or every mark (a copy: recording forgets them meanwhile)."""
        events = [event_id] if event_id is not None else list(self._events)
        return [((e, channel), mark) for e in events
                for channel, mark in self._events.get(e, {}).items()]

    def forget(self, event_id: uuid.UUID, channel: str) -> None:
        marks = self._events.get(event_id)
        if marks is None:
            return
        marks.pop(channel, None)
        if not marks:
            del self._events[event_id]

    def __len__(self) -> int:
        return sum(len(marks) for marks in self._events.values())


def is_db_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or dropped us (restart, terminated backend, refused
    or exhausted connections): worth retrying. A constraint or SQL error is not."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def monotonic() -> float:
    """Looked up at each call, so tests can replace the clock with their fake sleep's."""
    return time.monotonic()


class StillUnavailable(Exception):
    """``retry_db`` gave up: the database did not come back within the window."""


def retry_db(
    action: Callable[[], T], window_seconds: float, what: str,
    sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None,
) -> T:
    """``action`` (one whole transaction) until it commits or ``window_seconds`` have passed.

    ``what`` names the message in logs: an id, never an address or a body. ``time.sleep``,
    looked up now, is eventlet's under nameko: waiting holds one worker, not the process."""
    sleep, clock = sleep or time.sleep, clock or monotonic
    deadline = clock() + window_seconds
    delay = FIRST_DELAY_SECONDS
    tries = 0
    while True:
        tries += 1
        try:
            return action()
        except Exception as exc:
            if not is_db_unavailable(exc):
                raise
            if clock() + delay > deadline:
                raise StillUnavailable(f"{what}: {type(exc).__name__} after {tries} tries") from exc
            log.warning("%s: database unavailable (%s), retrying in %.1f s",
                        what, type(exc).__name__, delay)
        sleep(delay)
        delay = min(delay * 2, MAX_DELAY_SECONDS)
