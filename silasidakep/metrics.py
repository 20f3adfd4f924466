"""Prometheus metrics every process exposes on ``/metrics``; label values are always bounded.

Label sets and their bounds (no label ever carries an id, a NIK, a URL with ids or free text):

- ``service``: the five processes; ``entrypoint``/``handler``: method names in the code;
  ``kind``: the nameko entrypoint class; ``route``: the route *template*
  (``/api/v1/applications/<application_id>``), never the requested path; ``method``: the HTTP
  verb; ``status_class``: ``2xx``..``5xx``; ``error``: an exception class name.
- ``event_type``/``queue``: the registry in ``silasidakep.contracts``.
- ``service_code``: the catalogue (13 services); ``status``: the application state machine.
- ``kecamatan_code``: the 26 kecamatan of Kabupaten Sumedang (``32.11.xx``); anything else is
  reported as ``other`` (see :func:`kecamatan_label`), so the set stays bounded.
- ``stage``: a fixed set named where it is observed (intake's ``ops_metrics.STAGES``,
  ``issued_to_notified``); ``channel``: notification channels; ``outcome``: a short enum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# --- RED: every entrypoint (HTTP route, RPC method, event handler, timer) ----------------------

ENTRYPOINT_DURATION = Histogram(
    "silasidakep_entrypoint_duration_seconds",
    "Time spent in a nameko entrypoint (HTTP route, RPC method, event handler, timer).",
    ["service", "entrypoint", "kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ENTRYPOINT_CALLS = Counter(
    "silasidakep_entrypoint_calls_total",
    "Entrypoint calls by outcome (ok, error).",
    ["service", "entrypoint", "kind", "outcome"],
)
ENTRYPOINT_ERRORS = Counter(
    "silasidakep_entrypoint_errors_total",
    "Entrypoint calls that raised.",
    ["service", "entrypoint", "kind", "error"],
)
HTTP_REQUESTS = Counter(
    "silasidakep_http_requests_total",
    "HTTP requests by route template, method and status class.",
    ["service", "route", "method", "status_class"],
)
HTTP_DURATION = Histogram(
    "silasidakep_http_request_duration_seconds",
    "HTTP request duration by route template.",
    ["service", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# --- events: handling, retries, dead letters, delivery lag ---------------------------------

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
EVENT_DELIVERY_LAG = Histogram(
    "silasidakep_event_delivery_lag_seconds",
    "From an event's occurred_at to the end of its successful handling (relay, queue, work).",
    ["service", "event_type"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)

RPC_REPLAYED = Counter(
    "silasidakep_rpc_replayed_total",
    "RPC requests answered from a kept result (a redelivery or a client's retry) without acting.",
    ["method"],
)

# --- transactional outbox --------------------------------------------------------------------

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
OUTBOX_RELAY_LAG = Histogram(
    "silasidakep_outbox_relay_lag_seconds",
    "From commit of an outbox row to its confirmed publication.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

# --- the pipeline ------------------------------------------------------------------------------

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

# Latency of one stage of an application's journey. Stage names are a fixed set owned by the
# code that observes them (intake's ``ops_metrics.STAGES``; ``issued_to_notified`` in
# ``messaging``); this module knows no state machine.
STAGE_DURATION = Histogram(
    "silasidakep_stage_duration_seconds",
    "Latency of one stage of an application's journey.",
    ["stage", "service_code"],
    buckets=(
        1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 8 * 3600, 86400, 2 * 86400,
        3 * 86400, 5 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
    ),
)
SUMEDANG_PREFIX = "32.11."


def kecamatan_label(code: str | None) -> str:
    """The kecamatan label: a Sumedang kecamatan code (26 values) or ``other``."""
    if code and code.startswith(SUMEDANG_PREFIX) and len(code) == 8:
        return code
    return "other"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def observe_stage(stage: str, service_code: str, start: datetime | None, end: datetime | None
                  ) -> None:
    if start is None or end is None:
        return
    seconds = (_aware(end) - _aware(start)).total_seconds()
    STAGE_DURATION.labels(stage=stage, service_code=service_code).observe(max(seconds, 0.0))


# --- database connection pools ---------------------------------------------------------------

_POOLS: dict[str, Any] = {}


class PoolCollector(Collector):
    """Connection pool usage of every SQLAlchemy engine registered in this process."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        size = GaugeMetricFamily(
            "silasidakep_db_pool_size", "Configured pool size (without overflow).",
            labels=["service"],
        )
        conns = GaugeMetricFamily(
            "silasidakep_db_pool_connections",
            "Pool connections by state: checked_out (in use), idle, overflow.",
            labels=["service", "state"],
        )
        limit = GaugeMetricFamily(
            "silasidakep_db_pool_max_connections", "Pool size plus max overflow.",
            labels=["service"],
        )
        for service, engine in sorted(_POOLS.items()):
            pool = engine.pool
            try:
                size.add_metric([service], pool.size())
                limit.add_metric([service], pool.size() + max(getattr(pool, "_max_overflow", 0), 0))
                conns.add_metric([service, "checked_out"], pool.checkedout())
                conns.add_metric([service, "idle"], pool.checkedin())
                conns.add_metric([service, "overflow"], max(pool.overflow(), 0))
            except AttributeError:  # a pool class without these counters (NullPool)
                continue
        yield size
        yield limit
        yield conns


_POOL_COLLECTOR = PoolCollector()
REGISTRY.register(_POOL_COLLECTOR)


def register_pool(service: str, engine: Any) -> None:
    _POOLS[service] = engine


# --- collectors that a service registers once, by name -----------------------------------------

_NAMED_COLLECTORS: dict[str, Collector] = {}


def register_collector(name: str, collector: Collector) -> None:
    """Register ``collector`` once per process (a nameko container may set up more than once)."""
    previous = _NAMED_COLLECTORS.pop(name, None)
    if previous is not None:
        REGISTRY.unregister(previous)
    REGISTRY.register(collector)
    _NAMED_COLLECTORS[name] = collector


class CallbackCollector(Collector):
    """Runs ``callback`` at scrape time; it returns metric families. Failures yield nothing but
    ``<name>_collector_up 0`` so a broken query never breaks the whole scrape."""

    def __init__(self, name: str, callback: Callable[[], Iterable[Any]]) -> None:
        self.name = name
        self.callback = callback

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily(
            "silasidakep_collector_up", "1 if a scrape-time collector succeeded.",
            labels=["collector"],
        )
        try:
            families = list(self.callback())
        except Exception:  # reported as a metric; the scrape goes on
            up.add_metric([self.name], 0)
            yield up
            return
        up.add_metric([self.name], 1)
        yield from families
        yield up


# --- the entrypoint dependency ----------------------------------------------------------------


def status_class(result: Any, exc_info: Any) -> str:
    status = None
    if exc_info is not None:
        # What the HTTP entrypoint will answer: a DomainError's http_status, a werkzeug
        # HTTPException's code, otherwise 500.
        exc = exc_info[1]
        status = getattr(exc, "http_status", None) or getattr(exc, "code", None)
        return f"{status // 100}xx" if isinstance(status, int) and status >= 100 else "5xx"
    if hasattr(result, "status_code"):
        status = result.status_code
    elif isinstance(result, tuple) and result and isinstance(result[0], int):
        status = result[0]
    elif result is not None:
        status = 200
    return f"{int(status) // 100}xx" if status else "2xx"


class EntrypointMetrics(DependencyProvider):
    """Records calls, duration and errors of every entrypoint in the container it is declared on,
    and for HTTP entrypoints requests by route template and status class."""

    def setup(self) -> None:
        self._started: dict[Any, float] = {}

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        service = self.container.service_name
        labels = {
            "service": service,
            "entrypoint": entrypoint.method_name,
            "kind": type(entrypoint).__name__,
        }
        elapsed = time.perf_counter() - started if started is not None else None
        if elapsed is not None:
            ENTRYPOINT_DURATION.labels(**labels).observe(elapsed)
        ENTRYPOINT_CALLS.labels(**labels, outcome="ok" if exc_info is None else "error").inc()
        if exc_info is not None:
            ENTRYPOINT_ERRORS.labels(**labels, error=exc_info[0].__name__).inc()
        if isinstance(entrypoint, HttpRequestHandler):
            route = {"service": service, "route": entrypoint.url, "method": entrypoint.method}
            HTTP_REQUESTS.labels(**route, status_class=status_class(result, exc_info)).inc()
            if elapsed is not None:
                HTTP_DURATION.labels(**route).observe(elapsed)


# --- blanko (blank card) stock -----------------------------------------------------------------

BLANKO_STOCK = Gauge(
    "silasidakep_blanko_stock",
    "Blank security cards (blanko) left, by type (KTP_EL, KIA). Set by whoever records stock.",
    ["blanko_type"],
)
