"""Prometheus metrics every process exposes on ``/metrics``; label values are always bounded."""

from __future__ import annotations

import time
from typing import Any

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram

ENTRYPOINT_DURATION = Histogram(
    "silasidakep_entrypoint_duration_seconds",
    "Time spent in a nameko entrypoint (HTTP route, RPC method, event handler, timer).",
    ["service", "entrypoint", "kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ENTRYPOINT_ERRORS = Counter(
    "silasidakep_entrypoint_errors_total",
    "Entrypoint calls that raised.",
    ["service", "entrypoint", "kind", "error"],
)
EVENTS_HANDLED = Counter(
    "silasidakep_events_handled_total",
    "Event deliveries by outcome: ok, retried, dead_lettered.",
    ["service", "event_type", "outcome"],
)
EVENTS_DUPLICATE = Counter(
    "silasidakep_events_duplicate_total",
    "Deliveries ignored because the handler had already processed that event id.",
    ["handler"],
)
OUTBOX_PUBLISHED = Counter(
    "silasidakep_outbox_published_total", "Events published by the outbox relay.", ["service"]
)
OUTBOX_BACKLOG = Gauge(
    "silasidakep_outbox_backlog", "Committed events not yet published.", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "silasidakep_outbox_oldest_age_seconds", "Age of the oldest unpublished event.", ["service"]
)
OUTBOX_RELAY_ERRORS = Counter(
    "silasidakep_outbox_relay_errors_total", "Failed outbox relay sweeps.", ["service"]
)
APPLICATION_TRANSITIONS = Counter(
    "silasidakep_application_transitions_total",
    "Application status transitions.",
    ["service_code", "status"],
)
DOCUMENTS_ISSUED = Counter(
    "silasidakep_documents_issued_total", "Signed documents issued.", ["document_type"]
)
NOTIFICATIONS = Counter(
    "silasidakep_notifications_total", "Notification attempts by outcome.", ["channel", "outcome"]
)


class EntrypointMetrics(DependencyProvider):
    """Records duration and errors of every entrypoint in the container it is declared on."""

    def setup(self) -> None:
        self._started: dict[Any, float] = {}

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        labels = {
            "service": self.container.service_name,
            "entrypoint": entrypoint.method_name,
            "kind": type(entrypoint).__name__,
        }
        if started is not None:
            ENTRYPOINT_DURATION.labels(**labels).observe(time.perf_counter() - started)
        if exc_info is not None:
            ENTRYPOINT_ERRORS.labels(**labels, error=exc_info[0].__name__).inc()
