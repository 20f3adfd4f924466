"""Inspecting and replaying dead-lettered events (an operator's tool; pika, blocking)."""

from __future__ import annotations

from dataclasses import dataclass

import pika

from silasidakep.contracts import SUBSCRIPTIONS
from silasidakep.messaging import ATTEMPT_HEADER, dead_queue_name


@dataclass(frozen=True)
class DeadQueue:
    work_queue: str  # what ``replay`` takes; the dead letters wait in ``<work_queue>.dead``
    messages: int


def _connect(amqp_uri: str) -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(amqp_uri))


def list_dead_queues(amqp_uri: str) -> list[DeadQueue]:
    connection = _connect(amqp_uri)
    try:
        channel = connection.channel()
        result = []
        for subscription in SUBSCRIPTIONS:
            dead = dead_queue_name(subscription.queue)
            try:
                declared = channel.queue_declare(dead, passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                channel = connection.channel()  # the queue does not exist yet
                continue
            result.append(DeadQueue(subscription.queue, declared.method.message_count))
        return result
    finally:
        connection.close()


def replay(amqp_uri: str, work_queue: str, limit: int | None = None) -> int:
    """Move dead letters back to their work queue with a fresh attempt count.

    Each message is published (with confirms) before it is acked on the dead queue, so a crash
    mid-replay can duplicate a message but never lose one; handlers are idempotent. Only the
    messages parked when the replay starts are moved: one that is still broken comes back to
    the dead queue within milliseconds and must not be replayed again in a loop."""
    dead = dead_queue_name(work_queue)
    connection = _connect(amqp_uri)
    moved = 0
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        parked = channel.queue_declare(dead, passive=True).method.message_count
        budget = parked if limit is None else min(limit, parked)
        while moved < budget:
            method, properties, body = channel.basic_get(dead, auto_ack=False)
            if method is None:
                break
            headers = dict(properties.headers or {})
            headers.pop(ATTEMPT_HEADER, None)
            properties.headers = headers
            channel.basic_publish("", work_queue, body, properties, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
    finally:
        connection.close()
    return moved
