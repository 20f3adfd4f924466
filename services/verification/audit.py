"""The staff access log as a hash chain: append under one lock, verify, search, export.

Every entry has a gapless ``seq``, the ``prev_hash`` of the entry before it (64 zeros for the
first) and ``hash = sha256(canonical JSON of seq, at, staff_id, username, action,
application_id, detail, client_ip, prev_hash)``. Writers lock the single ``audit_head`` row
(``SELECT ... FOR UPDATE``), so concurrent transactions, in any number of replicas, queue up
and the chain cannot fork; the lock is held until the writer commits, so take it last in a
transaction (every caller appends after its other row locks). A rolled-back transaction
leaves no gap: its ``seq`` was never committed, and the head moves only with the entry.

A trigger (migration ``05feb1c850ba``) refuses UPDATE, DELETE and TRUNCATE on the log and any
head change other than one step forward. ``verify_chain`` recomputes every hash, so a row
changed with the trigger bypassed (a superuser) is found, and so is a deleted row (a gap or a
``prev_hash`` that no longer matches) or a cut-off tail (the head is ahead of the last row).
Someone who can bypass the trigger could rebuild the whole chain; ``anchors`` (a seq and its
hash recorded outside the database, e.g. from ``silasidakep audit verify``) catch that.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from services.verification.models import AccessLog, AuditHead, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import WIB, now_utc
from silasidakep.contracts import audit_event_type
from silasidakep.db import Outbox
from silasidakep.errors import ValidationFailed

GENESIS = "0" * 64
LOG = AccessLog.__table__
HEAD = AuditHead.__table__
FIELDS = ("seq", "at", "staff_id", "username", "action", "application_id", "detail",
          "client_ip", "prev_hash", "hash")
MAX_PAGE = 10_000
VERIFY_BATCH = 5_000
# The service's own outbox table (what Store.outbox wraps), so every caller of ``append``
# announces without passing it; the relay wakes on the session's commit all the same.
OUTBOX = Outbox(metadata.tables["verification.outbox"], producer="verification")


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def entry_hash(
    seq: int, at: datetime, staff_id: uuid.UUID | str | None, username: str | None,
    action: str, application_id: uuid.UUID | str | None, detail: str | None,
    client_ip: str | None, prev_hash: str,
) -> str:
    """SHA-256 (hex) of the entry's canonical JSON: sorted keys, no spaces, UTF-8, times in
    UTC with microseconds, UUIDs in their canonical text. Changing this breaks every chain."""
    payload = {
        "seq": int(seq), "at": _at_text(at), "staff_id": _text(staff_id),
        "username": username, "action": action, "application_id": _text(application_id),
        "detail": detail, "client_ip": client_ip, "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else str(value)[:length]


def append(
    session: Session, action: str, *, staff_id: uuid.UUID | None = None,
    username: str | None = None, application_id: uuid.UUID | str | None = None,
    detail: str | None = None, client_ip: str | None = None,
    roles: Iterable[str] | None = None, office: str | None = None, announce: bool = True,
) -> int:
    """Add an entry in the session's transaction and return its ``seq``.

    An entry of verification's own that names an application is also announced as
    ``verification.audit_recorded`` (same transaction), so intake can show the citizen who
    opened their file; ``roles`` and ``office`` travel only in that event. ``announce=False``
    for entries taken from other services' events (intake has those already).

    Holds the head row lock until the transaction ends: call it after the transaction's other
    row locks (lock order: business rows, then the audit head)."""
    seq, prev_hash = session.execute(
        select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1).with_for_update()
    ).one()
    seq += 1
    at = now_utc()
    if application_id is not None and not isinstance(application_id, uuid.UUID):
        application_id = uuid.UUID(str(application_id))
    username, detail = _clip(username, 60), _clip(detail, 200)
    action, client_ip = _clip(action, 40), _clip(client_ip, 64)
    digest = entry_hash(seq, at, staff_id, username, action, application_id, detail, client_ip,
                        prev_hash)
    session.execute(insert(LOG).values(
        seq=seq, at=at, staff_id=staff_id, username=username, action=action,
        application_id=application_id, detail=detail, client_ip=client_ip,
        prev_hash=prev_hash, hash=digest,
    ))
    session.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=seq, hash=digest))
    if announce and application_id is not None:
        OUTBOX.add(session, audit_event_type("verification"), {
            "at": at, "action": action, "staff_id": staff_id, "username": username,
            "roles": sorted(roles or ()), "office": _clip(office, 20),
            "application_id": application_id, "detail": detail, "client_ip": client_ip,
        })
    return seq


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int  # rows present in the log
    head_seq: int  # what the head says the last seq is
    head_hash: str
    first_broken_seq: int | None = None
    reason: str | None = None

    @property
    def status(self) -> str:
        """``intact`` or ``broken at N`` (the X-Audit-Chain header)."""
        return "intact" if self.intact else f"broken at {self.first_broken_seq}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def verify_chain(session: Session, anchors: dict[int, str] | None = None) -> ChainReport:
    """Recompute the whole chain, oldest first, streaming; report the first seq that breaks.

    Reasons: ``hash`` (the row's content changed), ``prev_hash`` (the link to the row before
    changed), ``gap`` (seq missing: a row was deleted), ``tail`` (rows at the end are missing),
    ``head`` (the head row does not match the last row, or rows lie beyond it), ``anchor`` (a
    hash recorded outside the database differs). Safe while others append: it checks the
    chain up to the head it read first (a row and the head move in one transaction)."""
    head_seq, head_hash = session.execute(
        select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)
    ).one()
    anchors = dict(anchors or {})
    broken: tuple[int, str] | None = None
    expected, prev, count = 1, GENESIS, 0
    rows = session.execute(
        select(*(LOG.c[name] for name in FIELDS)).where(LOG.c.seq <= head_seq)
        .order_by(LOG.c.seq).execution_options(yield_per=VERIFY_BATCH)
    )
    for row in rows:
        count += 1
        if broken is not None:
            continue
        if row.seq != expected:
            broken = (expected, "gap")
        elif row.prev_hash != prev:
            broken = (row.seq, "prev_hash")
        elif entry_hash(row.seq, row.at, row.staff_id, row.username, row.action,
                        row.application_id, row.detail, row.client_ip, row.prev_hash) != row.hash:
            broken = (row.seq, "hash")
        elif row.seq in anchors and anchors.pop(row.seq) != row.hash:
            broken = (row.seq, "anchor")
        expected, prev = row.seq + 1, row.hash
    # Rows past the head as it is now (one statement, one snapshot): written around the lock.
    beyond = session.execute(
        select(LOG.c.seq).where(LOG.c.seq > select(HEAD.c.seq).where(HEAD.c.id == 1)
                                .scalar_subquery()).order_by(LOG.c.seq).limit(1)
    ).scalar()
    if broken is None:
        last = expected - 1
        if last < head_seq:
            broken = (last + 1, "tail")
        elif last and prev != head_hash:
            broken = (head_seq, "head")
        elif beyond is not None:
            broken = (beyond, "head")
        elif anchors:  # an anchored seq that is not (or no longer) there
            broken = (min(anchors), "anchor")
    return ChainReport(
        intact=broken is None, entries=count, head_seq=head_seq, head_hash=head_hash,
        first_broken_seq=broken[0] if broken else None, reason=broken[1] if broken else None,
    )


# --- search and export ----------------------------------------------------------------------


def parse_bound(value: str | None, field: str, *, end: bool) -> datetime | None:
    """``YYYY-MM-DD`` (a whole day in WIB, inclusive) or an ISO date-time (WIB if no offset)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.min, WIB)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            fields={field: ["Tanggal tidak valid (format TTTT-BB-HH atau TTTT-BB-HHTjj:mm)."]},
            code="INVALID_DATE",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


def page_bounds(query: dict[str, Any], default_limit: int) -> tuple[int, int]:
    """``after`` (a seq cursor) and ``limit`` from a query, checked."""
    try:
        after = int(query.get("after") or 0)
        limit = int(query.get("limit") or default_limit)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"limit": ["Harus berupa bilangan bulat."]}) from None
    if after < 0 or not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(fields={"limit": [f"Antara 1 dan {MAX_PAGE}."]})
    return after, limit


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    application_id: uuid.UUID | None = None
    username: str | None = None

    @classmethod
    def parse(cls, query: dict[str, Any]) -> Filters:
        application_id = query.get("application_id") or None
        if application_id is not None:
            try:
                application_id = uuid.UUID(str(application_id))
            except ValueError:
                raise ValidationFailed(
                    fields={"application_id": ["Bukan ID permohonan yang valid."]}
                ) from None
        return cls(
            start=parse_bound(query.get("from"), "from", end=False),
            end=parse_bound(query.get("to"), "to", end=True),
            application_id=application_id,
            username=(query.get("username") or None),
        )

    def describe(self) -> str:
        """For the log entry that records the search itself."""
        pairs = (
            ("from", self.start and self.start.isoformat()),
            ("to", self.end and self.end.isoformat()),
            ("application_id", self.application_id), ("username", self.username),
        )
        parts = [f"{key}={value}" for key, value in pairs if value]
        return " ".join(parts) or "all"


def _conditions(filters: Filters) -> list[Any]:
    conditions = []
    if filters.start is not None:
        conditions.append(LOG.c.at >= filters.start)
    if filters.end is not None:
        conditions.append(LOG.c.at < filters.end)
    if filters.application_id is not None:
        conditions.append(LOG.c.application_id == filters.application_id)
    if filters.username is not None:
        conditions.append(LOG.c.username == filters.username)
    return conditions


def search(
    session: Session, filters: Filters, after_seq: int = 0, limit: int = 1000
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of entries by seq; the second value is the cursor of the next page, if any."""
    limit = max(1, min(int(limit), MAX_PAGE))
    rows = session.execute(
        select(*(LOG.c[name] for name in FIELDS))
        .where(and_(LOG.c.seq > after_seq, *_conditions(filters)))
        .order_by(LOG.c.seq).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    entries = [entry_view(row) for row in rows[:limit]]
    return entries, (entries[-1]["seq"] if more else None)


def iter_entries(session: Session, filters: Filters, batch: int = VERIFY_BATCH) -> Iterator[dict]:
    """Every matching entry, oldest first, a page at a time (the CLI export)."""
    after = 0
    while True:
        entries, after = search(session, filters, after, batch)
        yield from entries
        if after is None:
            return


def entry_view(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq, "at": _at_text(row.at), "staff_id": _text(row.staff_id),
        "username": row.username, "action": row.action,
        "application_id": _text(row.application_id), "detail": row.detail,
        "client_ip": row.client_ip, "prev_hash": row.prev_hash, "hash": row.hash,
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a typed username is attacker-controlled.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(entries: Iterable[dict[str, Any]], out: io.TextIOBase) -> int:
    """CSV with a header row. Cells a spreadsheet would run as a formula get a leading quote
    (so recompute hashes from the JSON export, not from such a cell)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    count = 0
    for entry in entries:
        writer.writerow([_cell(entry[name]) for name in FIELDS])
        count += 1
    return count


def to_csv(entries: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    write_csv(entries, out)
    return out.getvalue()


def read_log(
    session: Session, principal: StaffPrincipal, query: dict[str, Any], client_ip: str | None
) -> dict[str, Any]:
    """One page of entries matching ``query`` (from, to, application_id, username, after,
    limit, format json|csv) with the verification of the whole chain; the reading itself is
    an entry (AUDIT_VIEW, or AUDIT_EXPORT for CSV)."""
    as_csv = query.get("format") == "csv"
    filters = Filters.parse(query)
    after, limit = page_bounds(query, MAX_PAGE if as_csv else 1000)
    report = verify_chain(session)
    entries, next_after = search(session, filters, after, limit)
    append(session, "AUDIT_EXPORT" if as_csv else "AUDIT_VIEW",
           staff_id=principal.staff_id, username=principal.username,
           application_id=filters.application_id, detail=filters.describe(),
           client_ip=client_ip, roles=principal.roles, office=principal.kecamatan_code)
    result: dict[str, Any] = {"chain": report.to_dict(), "next_after": next_after}
    if as_csv:
        result["csv"] = to_csv(entries)
    else:
        result["entries"] = entries
    return result
