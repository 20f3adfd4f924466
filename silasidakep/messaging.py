"""RabbitMQ plumbing: confirmed publishing of event envelopes and event handlers that never drop.

nameko's own ``event_handler`` acks and forgets a message whose handler raised. ``on_event``
instead re-publishes a failed message to a per-queue retry queue whose TTL dead-letters it back to
the work queue (exponential backoff without blocking a worker), and after the last attempt parks
it on ``<queue>.dead`` for an operator to inspect and replay. A message that breaks its contract
goes to the dead queue at once: retrying cannot fix it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from kombu import Connection, Exchange, Producer, Queue
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.standalone.events import get_event_exchange

from silasidakep import metrics
from silasidakep.contracts import EVENTS, ContractViolation, find_subscription, subscriptions_for
from silasidakep.errors import Deferred
from silasidakep.event_samples import Sampler

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-silasidakep-attempt"
DEFAULT_RETRY_DELAYS_MS = (1_000, 5_000, 30_000, 120_000)


PERSISTENT = 2  # AMQP delivery mode: written to disk by a durable queue
CONFIRM_TIMEOUT_SECONDS = 10.0

# A deferred event comes back after the longest backoff delay up to this (30 s by default).
DEFER_MAX_MS = 30_000


def defer_level(delays_ms: tuple[int, ...]) -> int:
    """The retry queue a deferred event waits in: the longest delay not above DEFER_MAX_MS."""
    fitting = [i for i, delay in enumerate(delays_ms) if delay <= DEFER_MAX_MS]
    return fitting[-1] if fitting else 0


def retry_delays_ms() -> tuple[int, ...]:
    raw = os.environ.get("EVENT_RETRY_DELAYS_MS")
    if not raw:
        return DEFAULT_RETRY_DELAYS_MS
    return tuple(int(part) for part in raw.split(",") if part.strip())


def event_exchange(producer: str) -> Exchange:
    return get_event_exchange(producer, {})


def subscriber_queues(event_type: str) -> list[Queue]:
    exchange = event_exchange(EVENTS[event_type].producer)
    return [
        Queue(s.queue, exchange=exchange, routing_key=event_type, durable=True)
        for s in subscriptions_for(event_type)
    ]


def retry_queue_name(queue: str, level: int) -> str:
    return f"{queue}.retry.{level}"


def dead_queue_name(queue: str) -> str:
    return f"{queue}.dead"


def failure_queues(queue: str, delays_ms: tuple[int, ...]) -> list[Queue]:
    """Delay queues, one per backoff level so no message waits behind a longer one; a dead queue."""
    default_exchange = Exchange("", type="direct")
    retries = [
        Queue(
            retry_queue_name(queue, level),
            exchange=default_exchange,
            routing_key=retry_queue_name(queue, level),
            durable=True,
            queue_arguments={
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
            },
        )
        for level, delay in enumerate(delays_ms)
    ]
    dead = Queue(
        dead_queue_name(queue), exchange=default_exchange, routing_key=dead_queue_name(queue),
        durable=True,
    )
    return [*retries, dead]


class EventPublisher:
    """Publishes envelopes to their producer's nameko events exchange and waits for the
    broker's confirms once per batch, not once per message.

    The channel is in confirm mode: every message gets a delivery tag and the broker acks
    (possibly several at once) after it has routed and, for durable queues, persisted it.
    ``publish_many`` returns only when every message of the batch is acked, so a caller that
    deletes its outbox rows afterwards never loses one; a nack, a timeout or a lost connection
    raises and the caller keeps its rows (they are published again: consumers are idempotent).
    """

    def __init__(self, amqp_uri: str, confirm_timeout: float = CONFIRM_TIMEOUT_SECONDS) -> None:
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._sent = 0  # delivery tags handed out on the current channel
        self._acked = 0  # highest delivery tag the broker confirmed
        self._nacked = False
        self._sampler = Sampler.from_env()  # development only: identity-number paths

    def publish_many(self, envelopes: list[dict[str, Any]]) -> None:
        if not envelopes:
            return
        try:
            producer = self._ready_producer()
            for envelope in envelopes:
                self._send(producer, envelope)
            self._await_confirms()
        except Exception:
            self.close()  # the next batch starts on a fresh channel with fresh tags
            raise
        for envelope in envelopes:
            self._sampler.record(envelope)

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()
        self._connection = self._producer = None

    def _ready_producer(self) -> Producer:
        if self._producer is None:
            connection = Connection(self.amqp_uri, connect_timeout=self.confirm_timeout)
            channel = connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._connection, self._sent, self._acked, self._nacked = connection, 0, 0, False
            self._producer = Producer(channel, serializer="json")
        return self._producer

    def _send(self, producer: Producer, envelope: dict[str, Any]) -> None:
        event_type = envelope["event_type"]
        exchange = event_exchange(EVENTS[event_type].producer)
        producer.publish(
            envelope,
            exchange=exchange,
            routing_key=event_type,
            # Declaring the subscribers' queues (once per connection) means an event waits for
            # a consumer that has not started yet instead of being dropped by an exchange with
            # no bindings.
            declare=[exchange, *subscriber_queues(event_type)],
            delivery_mode=PERSISTENT,
            message_id=envelope["event_id"],
            # The broker reports the head message's timestamp: the age of the oldest message.
            timestamp=int(time.time()),
            retry=False,
        )
        self._sent += 1

    def _await_confirms(self) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while self._acked < self._sent and not self._nacked:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"broker confirmed {self._acked} of {self._sent} messages")
            assert self._connection is not None
            self._connection.drain_events(timeout=remaining)
        if self._nacked:
            raise RuntimeError("the broker refused (nacked) a published event")

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._acked = max(self._acked, delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked = True


class ReliableEventHandler(EventHandler):
    """A service-pool event handler with retries, backoff and dead-lettering."""

    def __init__(self, event_type: str, **kwargs: Any) -> None:
        super().__init__(EVENTS[event_type].producer, event_type, **kwargs)

    def setup(self) -> None:
        super().setup()
        # Fail at start-up, not in production traffic, if the handler is not in the registry.
        find_subscription(self.event_type, self.container.service_name, self.method_name)
        self.delays_ms = retry_delays_ms()
        self.amqp_uri = self.container.config["AMQP_URI"]
        queues = failure_queues(self.queue.name, self.delays_ms)
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            for queue in queues:
                queue.bind(channel).declare()
        self._failure_publisher = Publisher(self.amqp_uri, use_confirms=True)

    def handle_message_processed(
        self, message: Any, result: Any = None, exc_info: Any = None
    ) -> None:
        labels = {"service": self.container.service_name, "event_type": self.event_type}
        if exc_info is None:
            metrics.EVENTS_HANDLED.labels(**labels, outcome="ok").inc()
            self.queue_consumer.ack_message(message)
            observe_delivery(labels["service"], self.event_type, message.payload)
            return
        try:
            self._route_failure(message, exc_info, labels)
        except Exception:
            # Could not park it anywhere: give it back to the broker rather than lose it.
            log.exception("could not schedule a retry; requeueing")
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)

    def _route_failure(self, message: Any, exc_info: Any, labels: dict[str, str]) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        exc = exc_info[1]
        permanent = isinstance(exc, ContractViolation)
        deferred = isinstance(exc, Deferred) and bool(self.delays_ms)
        if deferred:
            level = defer_level(self.delays_ms)
            target = retry_queue_name(self.queue.name, level)
            metrics.EVENTS_HANDLED.labels(**labels, outcome="deferred").inc()
            log.info("event deferred %s ms (attempt %s not spent): %s (%s)",
                     self.delays_ms[level], attempt, self.queue.name, exc)
        elif permanent or attempt > len(self.delays_ms):
            target = dead_queue_name(self.queue.name)
            metrics.EVENTS_HANDLED.labels(**labels, outcome="dead_lettered").inc()
            log.error(
                "event dead-lettered after %s attempt(s): %s (%s)",
                attempt, self.queue.name, type(exc).__name__,
            )
        else:
            target = retry_queue_name(self.queue.name, attempt - 1)
            metrics.EVENTS_HANDLED.labels(**labels, outcome="retried").inc()
            log.warning(
                "event handling failed, attempt %s; retrying in %s ms: %s (%s)",
                attempt, self.delays_ms[attempt - 1], self.queue.name, type(exc).__name__,
            )
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt if deferred else attempt + 1  # a wait spends none
        headers["x-silasidakep-last-error"] = f"{type(exc).__name__}: {exc}"[:500]
        self._failure_publisher.publish(
            message.payload,
            exchange=Exchange("", type="direct"),
            routing_key=target,
            headers=headers,
            message_id=message.properties.get("message_id"),
            # Keep the first publication's timestamp: the queue's oldest-message age is then
            # the time since the event was first published, across retries.
            timestamp=message.properties.get("timestamp") or int(time.time()),
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def observe_delivery(service: str, event_type: str, envelope: Any) -> None:
    """Delivery lag of a handled event, and the pipeline's last stage (ISSUED -> notified)."""
    if not isinstance(envelope, dict):
        return
    now = datetime.now(UTC)
    occurred = _parse_time(envelope.get("occurred_at"))
    if occurred is not None:
        metrics.EVENT_DELIVERY_LAG.labels(service=service, event_type=event_type).observe(
            max((now - occurred).total_seconds(), 0.0)
        )
    data = envelope.get("data") or {}
    if event_type == "application.status_changed" and data.get("status") == "ISSUED":
        metrics.observe_stage(
            "issued_to_notified", str(data.get("service_code")),
            _parse_time(data.get("changed_at")), now,
        )


on_event = ReliableEventHandler.decorator
