"""PostgreSQL for nameko services: engine, sessions, transactional outbox, processed-event inbox.

A service keeps all its tables in its own PostgreSQL schema. ``Store`` is the nameko dependency a
service uses for everything persistent: ``store.session()`` for its own tables, ``store.outbox.add``
to record an event in the same transaction as the state change, and ``store.consume_once`` to apply
an incoming event at most once per handler. A relay green thread publishes committed outbox rows
with publisher confirms as soon as a transaction that added one commits, and sweeps every second
for anything left behind (a crash between commit and publish, a broker outage).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from silasidakep import idempotency, metrics
from silasidakep import staff_access as staff_access_module
from silasidakep.auth import StaffPrincipal, authorize
from silasidakep.config import is_development, load_settings
from silasidakep.contracts import build_envelope
from silasidakep.messaging import EventPublisher

log = logging.getLogger(__name__)

RELAY_BATCH = 200
RELAY_SWEEP_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 600.0  # how often kept RPC results past their day are deleted
PING_AFTER_IDLE_SECONDS = 5.0  # a pooled connection idle this long is tested before use


def service_metadata(schema: str, *, staff_access: bool = False) -> MetaData:
    """Metadata for one service's schema, with the outbox, inbox and kept-RPC-result
    (``silasidakep.idempotency``) tables every service has;
    with ``staff_access``, also the table by which a service that serves staff but does not own
    their accounts refuses ended tokens (``silasidakep.staff_access``)."""
    metadata = MetaData(schema=schema)
    if staff_access:
        staff_access_module.add_table(metadata)
    Table(
        "outbox",
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    )
    Table(
        "processed_events",
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("handler", String(200), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    idempotency.add_table(metadata)
    return metadata


# The forms hosting services and CloudNativePG hand out; SQLAlchemy would pick a driver we do
# not install (psycopg 3) for "postgresql://" and knows no "postgres://" at all.
_STANDARD_SCHEMES = ("postgresql://", "postgres://")


def sqlalchemy_url(url: str) -> str:
    """``url`` with the psycopg2 driver named, so a standard PostgreSQL URL works as it is."""
    for scheme in _STANDARD_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme):]
    return url


@dataclass(frozen=True)
class PoolSize:
    """Connections one process may open: ``size`` kept, ``overflow`` more under a burst.
    Sizing: replicas x (size + overflow), summed over every process, plus the migration job
    and the operator, must stay below PostgreSQL's ``max_connections`` (docs/deploy.md)."""

    size: int = 10
    overflow: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PoolSize:
        env = os.environ if env is None else env
        try:
            size = int(env.get("DB_POOL_SIZE") or cls.size)
            overflow = int(env.get("DB_MAX_OVERFLOW") or size)
        except ValueError:
            raise RuntimeError("DB_POOL_SIZE and DB_MAX_OVERFLOW must be whole numbers") from None
        if size < 1 or overflow < 0:
            raise RuntimeError("DB_POOL_SIZE must be at least 1, DB_MAX_OVERFLOW at least 0")
        return cls(size, overflow)


def make_engine(url: str, pool_size: int | PoolSize = 10) -> Engine:
    pool = pool_size if isinstance(pool_size, PoolSize) else PoolSize(pool_size, pool_size)
    if eventlet.patcher.is_monkey_patched("socket"):
        # Without this psycopg2 blocks the whole eventlet hub on every query.
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
    # hide_parameters: SQL errors would otherwise quote row values (a NIK) into logs.
    engine = create_engine(
        sqlalchemy_url(url), pool_size=pool.size, max_overflow=pool.overflow,
        hide_parameters=True,
    )
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Test a pooled connection on checkout only when it sat unused for ``idle_seconds``.

    ``pool_pre_ping`` costs a round trip on every checkout (about 5 % of intake's CPU under
    load); a connection handed back a moment ago is alive, and one idle across a database
    restart is the one that needs the test. A dead one is replaced before the caller sees it
    (``DisconnectionError`` makes the pool connect afresh)."""

    @event.listens_for(engine, "checkin")
    def _mark_returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            raise DisconnectionError("pooled connection is gone") from exc


class Outbox:
    def __init__(self, table: Table, producer: str) -> None:
        self.table = table
        self.producer = producer

    def add(self, session: Session, event_type: str, data: dict[str, Any]) -> uuid.UUID:
        envelope = build_envelope(event_type, self.producer, data)
        event_id = uuid.UUID(envelope["event_id"])
        session.execute(
            self.table.insert().values(
                event_id=event_id,
                event_type=event_type,
                envelope=envelope,
                created_at=datetime.now(UTC),
            )
        )
        session.info["outbox_dirty"] = True
        return event_id


class OutboxRelay:
    def __init__(
        self, sessions: sessionmaker, table: Table, publisher: EventPublisher, service: str = ""
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.publisher = publisher
        self.service = service

    def flush(self) -> int:
        """Publish committed rows oldest first, a batch per broker confirm; safe to run in
        several processes at once."""
        published = 0
        while True:
            with self.sessions() as session, session.begin():
                rows = session.execute(
                    select(self.table.c.event_id, self.table.c.envelope, self.table.c.created_at)
                    .order_by(self.table.c.created_at)
                    .limit(RELAY_BATCH)
                    .with_for_update(skip_locked=True)
                ).all()
                if rows:
                    self.publisher.publish_many([row.envelope for row in rows])
                    now = datetime.now(UTC)
                    lag = metrics.OUTBOX_RELAY_LAG.labels(service=self.service)
                    for row in rows:
                        lag.observe(max((now - row.created_at).total_seconds(), 0.0))
                    # Deleted, not flagged: some envelopes carry secrets (a download PIN).
                    ids = [row.event_id for row in rows]
                    session.execute(delete(self.table).where(self.table.c.event_id.in_(ids)))
            published += len(rows)
            if len(rows) < RELAY_BATCH:
                return published

    def backlog(self) -> tuple[int, float]:
        """Rows waiting and the age in seconds of the oldest one."""
        with self.sessions() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(self.table.c.created_at))
            ).one()
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        return count, age


def consume_once(
    sessions: sessionmaker, inbox: Table, event_id: uuid.UUID, handler: str,
    apply: Callable[[Session], None],
) -> bool:
    """Run ``apply`` and record the event as processed by ``handler`` in one transaction.

    Returns False, changing nothing, when the handler already processed the event. Two
    concurrent deliveries of one event serialise on the inbox primary key."""
    with sessions() as session, session.begin():
        inserted = session.execute(
            insert(inbox)
            .values(event_id=event_id, handler=handler, processed_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        ).rowcount
        if not inserted:
            metrics.EVENTS_DUPLICATE.labels(handler=handler).inc()
            return False
        apply(session)
    return True


def crash_after_commit_setting() -> str | None:
    """``CRASH_AFTER_COMMIT=<rpc method>``: a test hook (development only) that ends the process
    after that method's transaction commits and before it replies, as a kill would."""
    method = os.environ.get("CRASH_AFTER_COMMIT", "").strip()
    if method and not is_development():
        raise RuntimeError("CRASH_AFTER_COMMIT is a test hook, refused outside development")
    return method or None


def _die_after_commit(method: str) -> None:
    log.warning("CRASH_AFTER_COMMIT: %s committed, exiting before the reply", method)
    logging.shutdown()
    os._exit(1)


class StoreHandle:
    """What a worker sees as ``self.store``."""

    def __init__(self, store: Store, worker_ctx: Any = None) -> None:
        self._store = store
        self._worker_ctx = worker_ctx
        self.outbox = store.outbox

    @property
    def sessions(self) -> sessionmaker:
        return self._store.sessions

    def session(self) -> Session:
        return self._store.sessions()

    def ping(self) -> None:
        self._store.ping()

    def write(
        self, action: Callable[[Session], Any], *,
        keep: Callable[[Any], Any] | None = None,
        replay: Callable[[Session, Any], Any] | None = None, once: bool = True,
    ) -> Any:
        """``action`` in one transaction, at most once per caller's request id: a repeated RPC
        (a redelivery after a crash, a client's retry) answers the first run's result
        (``silasidakep.idempotency``; ``keep``/``replay`` for a result holding a secret).
        ``once=False`` for a read that only touches bookkeeping (a last-seen time)."""
        call = idempotency.Call.of(self._worker_ctx)
        if not once:
            call = idempotency.Call(None, call.method, call.fingerprint)
        with self.session() as session, session.begin():
            result = idempotency.run_once(session, self._store.rpc_results, call, action,
                                          keep=keep, replay=replay)
        if call.method == self._store.crash_after_commit:
            _die_after_commit(call.method)
        return result

    def consume_once(
        self, event_id: uuid.UUID, handler: str, apply: Callable[[Session], None]
    ) -> bool:
        return consume_once(self._store.sessions, self._store.inbox, event_id, handler, apply)

    def check_staff_access(self, principal: StaffPrincipal) -> None:
        """Refuse a staff token verification has ended since it was issued (needs
        ``service_metadata(..., staff_access=True)``)."""
        with self.session() as session:
            staff_access_module.check(session, self._store.staff_access, principal)

    def staff(self, token: str | None, *roles: str) -> StaffPrincipal:
        """The staff member behind ``token``: holding one of ``roles`` (checked first, without
        I/O) and not shut out since the token was issued (``staff.access_changed``)."""
        principal = authorize(token, *roles)
        self.check_staff_access(principal)
        return principal

    def record_staff_access(self, data: dict[str, Any]) -> None:
        with self.session() as session, session.begin():
            staff_access_module.record(session, self._store.staff_access, data)


class Store(DependencyProvider):
    def __init__(self, metadata: MetaData, pool_size: int = 10) -> None:
        self.metadata = metadata
        self.pool_size = pool_size

    def setup(self) -> None:
        config = self.container.config
        settings = load_settings()
        url = config.get("DATABASE_URL") or settings.database_url
        schema = self.metadata.schema
        # DB_POOL_SIZE / DB_MAX_OVERFLOW, else this service's default for both.
        self.engine = make_engine(url, PoolSize.from_env({"DB_POOL_SIZE": str(self.pool_size),
                                                          **os.environ}))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.inbox = self.metadata.tables[f"{schema}.processed_events"]
        self.rpc_results = self.metadata.tables[f"{schema}.{idempotency.TABLE_NAME}"]
        self.crash_after_commit = crash_after_commit_setting()
        self.staff_access = self.metadata.tables.get(
            f"{schema}.{staff_access_module.TABLE_NAME}"
        )
        outbox_table = self.metadata.tables[f"{schema}.outbox"]
        self.outbox = Outbox(outbox_table, producer=self.container.service_name)
        publisher = EventPublisher(config.get("AMQP_URI") or settings.amqp_uri)
        self.relay = OutboxRelay(
            self.sessions, outbox_table, publisher, service=self.container.service_name
        )
        metrics.register_pool(self.container.service_name, self.engine)
        self._wake = Event()
        self._running = False
        event.listen(self.sessions, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("outbox_dirty", False) and not self._wake.ready():
            self._wake.send(True)

    def start(self) -> None:
        service = self.container.service_name
        # Export the series from the first scrape, before the first sweep sets a value.
        for gauge in (metrics.OUTBOX_BACKLOG, metrics.OUTBOX_OLDEST_AGE):
            gauge.labels(service=service).set(0)
        metrics.OUTBOX_PUBLISHED.labels(service=service)
        metrics.OUTBOX_RELAY_LAG.labels(service=service)
        self._running = True
        self.container.spawn_managed_thread(self._relay_forever, identifier="outbox-relay")

    def _relay_forever(self) -> None:
        service = self.container.service_name
        pruned_at = measured_at = 0.0
        while self._running:
            with eventlet.Timeout(RELAY_SWEEP_SECONDS, False):
                self._wake.wait()
            self._wake = Event()
            try:
                if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                    self._prune_rpc_results()
                    pruned_at = time.monotonic()
                metrics.OUTBOX_PUBLISHED.labels(service=service).inc(self.relay.flush())
                # The backlog gauges once a sweep, not after every commit: a query per event
                # under load for a figure scraped every 15 s.
                if time.monotonic() - measured_at >= RELAY_SWEEP_SECONDS:
                    count, age = self.relay.backlog()
                    metrics.OUTBOX_BACKLOG.labels(service=service).set(count)
                    metrics.OUTBOX_OLDEST_AGE.labels(service=service).set(age)
                    measured_at = time.monotonic()
            except Exception:
                metrics.OUTBOX_RELAY_ERRORS.labels(service=service).inc()
                log.exception("outbox relay failed; retrying on the next sweep")
                eventlet.sleep(RELAY_SWEEP_SECONDS)

    def _prune_rpc_results(self) -> None:
        with self.sessions() as session, session.begin():
            idempotency.prune(session, self.rpc_results)

    def stop(self) -> None:
        self._running = False
        if not self._wake.ready():
            self._wake.send(True)
        self.relay.publisher.close()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx: Any) -> StoreHandle:
        return StoreHandle(self, worker_ctx)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
