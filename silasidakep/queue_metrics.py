"""Queue depth and age of the oldest message of every pipeline queue, from RabbitMQ's
management API, read at scrape time.

One process exports these (the gateway declares :class:`QueueMetrics`); the queues are the
bounded set in ``silasidakep.contracts.SUBSCRIPTIONS`` (work queues, their retry queues and dead
letters) plus nameko's RPC queues of the four back-end services. The management API samples
queue statistics every few seconds (``collect_statistics_interval``), which is what alerts need.

Age of the oldest message is ``head_message_timestamp``: every publisher here sets the AMQP
``timestamp`` property (see ``silasidakep.messaging``), and the broker reports it for the message
at the head of the queue (classic queues; quorum queues leave it out, and then the series is
absent rather than wrong).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlparse

import requests
from nameko.extensions import DependencyProvider
from prometheus_client.core import GaugeMetricFamily

from silasidakep import metrics
from silasidakep.contracts import SUBSCRIPTIONS
from silasidakep.messaging import dead_queue_name, retry_delays_ms, retry_queue_name

RPC_SERVICES = ("intake", "verification", "printing", "notification")


def known_queues() -> dict[str, tuple[str, str, str]]:
    """queue name -> (work queue, stage = consuming service, kind)."""
    queues: dict[str, tuple[str, str, str]] = {}
    levels = max(len(retry_delays_ms()), 4)
    for sub in SUBSCRIPTIONS:
        queues[sub.queue] = (sub.queue, sub.consumer, "work")
        for level in range(levels):
            queues[retry_queue_name(sub.queue, level)] = (sub.queue, sub.consumer, "retry")
        queues[dead_queue_name(sub.queue)] = (sub.queue, sub.consumer, "dead")
    for service in RPC_SERVICES:
        queues[f"rpc-{service}"] = (f"rpc-{service}", service, "rpc")
    return queues


def management_target(amqp_uri: str) -> tuple[str, str, tuple[str, str]]:
    """(API base URL, vhost, credentials) from AMQP_URI, overridable by RABBITMQ_MANAGEMENT_*."""
    parsed = urlparse(amqp_uri)
    host = parsed.hostname or "localhost"
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL") or f"http://{host}:15672"
    vhost = unquote(parsed.path[1:]) if parsed.path and parsed.path != "/" else "/"
    user = os.environ.get("RABBITMQ_MANAGEMENT_USER") or unquote(parsed.username or "guest")
    password = os.environ.get("RABBITMQ_MANAGEMENT_PASSWORD") or unquote(
        parsed.password or "guest"
    )
    return base.rstrip("/"), vhost, (user, password)


class QueueCollector:
    def __init__(self, amqp_uri: str, timeout: float = 3.0) -> None:
        self.base, self.vhost, self.auth = management_target(amqp_uri)
        self.timeout = timeout
        self.queues = known_queues()

    def fetch(self) -> list[dict[str, Any]]:
        response = requests.get(
            f"{self.base}/api/queues/{quote(self.vhost, safe='')}",
            params={"columns": "name,messages_ready,messages_unacknowledged,consumers,"
                               "head_message_timestamp"},
            auth=self.auth, timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        labels = ["queue", "stage", "kind"]
        ready = GaugeMetricFamily(
            "silasidakep_queue_messages_ready", "Messages waiting for a consumer.", labels=labels
        )
        unacked = GaugeMetricFamily(
            "silasidakep_queue_messages_unacked",
            "Messages delivered to a consumer and not yet acknowledged (in flight).",
            labels=labels,
        )
        consumers = GaugeMetricFamily(
            "silasidakep_queue_consumers", "Consumers attached to the queue.", labels=labels
        )
        oldest = GaugeMetricFamily(
            "silasidakep_queue_oldest_message_age_seconds",
            "Age of the message at the head of the queue (0 when empty).",
            labels=labels,
        )
        up = GaugeMetricFamily(
            "silasidakep_queue_exporter_up", "1 if RabbitMQ's management API answered."
        )
        try:
            rows = self.fetch()
        except Exception:  # the broker being away is itself what this reports
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        now = time.time()
        # Several retry levels share one label set: add them up (oldest = the oldest of them).
        totals: dict[tuple[str, str, str], list[float | None]] = {}
        for row in rows:
            known = self.queues.get(row.get("name"))
            if known is None:
                continue
            total = totals.setdefault(known, [0, 0, 0, 0.0])
            waiting = row.get("messages_ready") or 0
            total[0] += waiting
            total[1] += row.get("messages_unacknowledged") or 0
            total[2] += row.get("consumers") or 0
            head = row.get("head_message_timestamp")
            if waiting and isinstance(head, int | float):
                total[3] = max(total[3] or 0.0, now - head)
            elif waiting and total[3] == 0.0:
                total[3] = None  # messages, but no timestamp to tell their age
        for key, (waiting, inflight, attached, age) in sorted(totals.items()):
            values = list(key)
            ready.add_metric(values, waiting)
            unacked.add_metric(values, inflight)
            consumers.add_metric(values, attached)
            if age is not None:
                oldest.add_metric(values, max(age, 0.0))
        yield from (ready, unacked, consumers, oldest, up)


class QueueMetrics(DependencyProvider):
    """Declare on the one service that should export the broker's queue metrics."""

    def setup(self) -> None:
        collector = QueueCollector(self.container.config["AMQP_URI"])
        metrics.register_collector("rabbitmq_queues", collector)  # type: ignore[arg-type]
