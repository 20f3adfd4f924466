"""Safe to run twice: a state-changing RPC is recorded with its effect and a repeat answers the
original result.

nameko acknowledges an RPC request only after replying, so a process killed after its commit and
before its reply runs the request again when the broker redelivers it; a client, too, may retry
after a network error. The gateway therefore gives every RPC call a request id (nameko context
data ``request_id``; derived from the client's ``Idempotency-Key`` where the API accepts one).
The owning service *claims* the id in the transaction that makes the change (an INSERT that
waits for a concurrent claimant to finish), keeps the result in the same row, and a second run
finds the row and answers the kept result without acting again. A run that fails rolls its
claim back with everything else, so a repeat after a failure simply runs.

A result holding a secret (a new access token) is not kept as it is: the caller passes ``keep``
to strip it and ``replay`` to rebuild the answer (minting a fresh secret) from what was kept.
``keep`` may answer ``FORGET`` for a result not worth keeping (a refusal committed with its
counter): the claim goes and a repeat runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kombu.utils.json import dumps as kombu_dumps
from kombu.utils.json import loads as kombu_loads
from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from silasidakep import metrics
from silasidakep.clock import now_utc
from silasidakep.errors import UnprocessableContent, ValidationFailed

TABLE_NAME = "rpc_results"
CONTEXT_KEY = "request_id"
# How long a result is kept: a redelivery comes within minutes; a client's retry with an
# Idempotency-Key is honoured for a day (docs/architecture.md).
KEEP_FOR = timedelta(hours=24)
# Printable ASCII without spaces: what a client may send as an Idempotency-Key.
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")
FORGET = object()


def add_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("request_id", String(100), primary_key=True),
        Column("method", String(100), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("result", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    )


def request_id_for_key(scope: str, key: str | None) -> str | None:
    """The request id for a client's ``Idempotency-Key`` on ``scope`` (a route), or None
    without one; a malformed key is refused (400) rather than ignored."""
    if key is None:
        return None
    if not _KEY.match(key):
        raise ValidationFailed(
            "Header Idempotency-Key harus 1–100 karakter ASCII tanpa spasi.",
            code="INVALID_IDEMPOTENCY_KEY",
        )
    return "key:" + hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


@dataclass(frozen=True)
class Call:
    """One RPC as its service received it: the caller's request id (None from a caller that
    sends none, e.g. an admin script), the method and a digest of its arguments."""

    request_id: str | None
    method: str
    fingerprint: str

    @classmethod
    def of(cls, worker_ctx: Any) -> Call:
        request_id = worker_ctx.data.get(CONTEXT_KEY)
        if not isinstance(request_id, str) or not 0 < len(request_id) <= 100:
            request_id = None
        arguments = json.dumps([worker_ctx.args, worker_ctx.kwargs], sort_keys=True, default=str)
        return cls(request_id, worker_ctx.entrypoint.method_name,
                   hashlib.sha256(arguments.encode()).hexdigest())


def _as_json(value: Any) -> Any:
    """``value`` in kombu's JSON, the RPC reply's own serialisation (a datetime keeps its type)."""
    return json.loads(kombu_dumps(value))


def _from_json(kept: Any) -> Any:
    return kombu_loads(json.dumps(kept))


def run_once(
    session: Session, table: Table, call: Call, action: Callable[[Session], Any], *,
    keep: Callable[[Any], Any] | None = None,
    replay: Callable[[Session, Any], Any] | None = None,
) -> Any:
    """``action(session)`` once per request id, in the caller's transaction."""
    if call.request_id is None:
        return action(session)
    claimed = session.execute(
        insert(table).values(request_id=call.request_id, method=call.method,
                             fingerprint=call.fingerprint, created_at=now_utc())
        .on_conflict_do_nothing()
    ).rowcount
    if not claimed:
        kept = session.execute(
            select(table.c.method, table.c.fingerprint, table.c.result)
            .where(table.c.request_id == call.request_id)
        ).one()
        if (kept.method, kept.fingerprint) != (call.method, call.fingerprint):
            raise UnprocessableContent(code="IDEMPOTENCY_KEY_REUSED")
        metrics.RPC_REPLAYED.labels(method=call.method).inc()
        result = _from_json(kept.result)
        return replay(session, result) if replay else result
    result = action(session)
    kept = keep(result) if keep else result
    mine = table.c.request_id == call.request_id
    if kept is FORGET:
        session.execute(delete(table).where(mine))
    else:
        session.execute(update(table).where(mine).values(result=_as_json(kept)))
    return result


def prune(session: Session, table: Table, now: datetime | None = None) -> int:
    """Forget results older than ``KEEP_FOR``; returns how many."""
    cutoff = (now or now_utc()) - KEEP_FOR
    return session.execute(delete(table).where(table.c.created_at < cutoff)).rowcount
