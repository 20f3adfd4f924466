"""The books after a fault run: what was lost, what happened twice, what is stuck.

Read from the services' own tables, the mailbox the SMTP server received and the broker's dead
queues. Each figure must be zero (``Books.problems`` lists the ones that are not).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg2

from silasidakep.contracts import SUBSCRIPTIONS
from silasidakep.messaging import dead_queue_name
from tests.support import infra

if TYPE_CHECKING:
    from tests.faults.harness import FaultRig

ISSUED_OR_LATER = ("ISSUED", *("QUEUED_AT_KECAMATAN", "AWAITING_BLANKO", "PRINTED", "COLLECTED"))
SCHEMAS = ("intake", "verification", "printing", "notification")


def _rows(rig: FaultRig, sql: str, args: tuple = ()) -> list[tuple]:
    conn = psycopg2.connect(host="127.0.0.1", port=rig.pg.port, user="postgres",
                            dbname="silasidakep")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def _unfinished(rig: FaultRig, app_ids: set[str]) -> set[str]:
    rows = _rows(rig, "SELECT id::text, status FROM intake.applications WHERE id::text = ANY(%s)",
                 (list(app_ids),))
    done = {app_id for app_id, status in rows if status in ISSUED_OR_LATER}
    return app_ids - done


def _outbox_rows(rig: FaultRig) -> int:
    return sum(_rows(rig, f"SELECT count(*) FROM {schema}.outbox")[0][0] for schema in SCHEMAS)


def wait_drained(rig: FaultRig, app_ids: set[str], timeout: float) -> None:
    """Every application issued and every outbox empty."""
    def drained() -> bool:
        try:
            return not _unfinished(rig, app_ids) and _outbox_rows(rig) == 0
        except psycopg2.OperationalError:  # the database is coming back
            return False
    infra.wait_until(drained, timeout=timeout, interval=0.5, what="the pipeline to drain")


def _unsettled_messages(rig: FaultRig) -> list[tuple]:
    return _rows(rig, "SELECT channel, state, attempts FROM notification.messages WHERE state "
                      "NOT IN ('SENT', 'DELIVERED', 'TECHNICAL_FAILURE', 'SKIPPED')")


def wait_settled(rig: FaultRig, timeout: float) -> None:
    """Every notification message final (a message a killed sender left SENDING waits out its
    lease first); a message still open after ``timeout`` is stuck and counted by ``audit``."""
    with contextlib.suppress(TimeoutError):
        infra.wait_until(lambda: not _unsettled_messages(rig) and _outbox_rows(rig) == 0,
                         timeout=timeout, interval=1.0, what="notifications to settle")


def sending_messages(rig: FaultRig) -> set[str]:
    """Message-IDs of the email messages SENDING right now."""
    return {f"<{row[0]}@silasidakep>" for row in _rows(
        rig, "SELECT id::text FROM notification.messages WHERE channel = 'EMAIL' "
             "AND state = 'SENDING'")}


def _dead_letters(rig: FaultRig) -> int:
    from kombu import Connection

    total = 0
    with Connection(rig.rabbit.url) as conn:
        for subscription in SUBSCRIPTIONS:
            channel = conn.channel()
            try:
                _, count, _ = channel.queue_declare(dead_queue_name(subscription.queue),
                                                    passive=True)
                total += count
            except Exception:  # noqa: BLE001 (no dead queue: nothing was parked)
                pass
            finally:
                channel.close()
    return total


@dataclass
class Books:
    applications: int
    figures: dict[str, int] = field(default_factory=dict)
    # Reported, not failures: SMTP's own window (docs/faults.md), the emails notification was
    # sending when it was killed, which the server may have taken before the record.
    within_smtp_window: int = 0

    @property
    def problems(self) -> dict[str, int]:
        return {name: value for name, value in self.figures.items() if value}

    def lines(self) -> list[str]:
        return [f"{name:<42} {value}" for name, value in self.figures.items()] + [
            f"(emails twice in SMTP's own window, in flight when notification was killed: "
            f"{self.within_smtp_window})"]


def audit(rig: FaultRig, created: dict[str, Any], niks: list[str], probes: int) -> Books:
    app_ids = set(created)
    per_nik = Counter(nik for (nik,) in _rows(
        rig, "SELECT nik FROM intake.applications WHERE nik = ANY(%s)", (niks,)))
    documents = Counter(app_id for (app_id,) in _rows(
        rig, "SELECT application_id::text FROM printing.documents WHERE state = 'ISSUED'"))
    decisions = Counter(app_id for (app_id,) in _rows(
        rig, "SELECT application_id::text FROM verification.decisions"))
    drafts = _rows(rig, "SELECT count(*) FROM intake.applications WHERE status = 'DRAFT' "
                        "AND NOT (nik = ANY(%s))", (niks,))[0][0]
    mailbox = rig.system.smtp.mailbox.messages
    message_ids = Counter(m["Message-ID"] for m in mailbox)
    sent = {f"<{row[0]}@silasidakep>" for row in _rows(
        rig, "SELECT id::text FROM notification.messages WHERE channel = 'EMAIL' "
             "AND state IN ('SENT', 'DELIVERED')")}
    # Per recipient, distinct PIN messages (a copy with the same Message-ID is counted above).
    pins = Counter(to for to, _ in {(m["To"], m["Message-ID"]) for m in mailbox
                                    if "pin unduh" in (m["Subject"] or "").lower()})
    figures = {
        "applications lost (citizen got 201, no row)": sum(1 for n in niks if not per_nik[n]),
        "applications duplicated (rows per citizen>1)": sum(c - 1 for c in per_nik.values()
                                                            if c > 1),
        "stray drafts (beyond the probes)": max(drafts - probes, 0),
        "applications not issued": len(_unfinished(rig, app_ids)),
        "documents missing": sum(1 for a in app_ids if documents[a] == 0),
        "documents issued twice": sum(documents[a] - 1 for a in app_ids if documents[a] > 1),
        "decisions recorded twice": sum(c - 1 for c in decisions.values() if c > 1),
        "emails received twice (same Message-ID)": sum(
            c - 1 for mid, c in message_ids.items() if c > 1 and mid not in rig.sending_at_kill),
        "emails recorded sent, never received": len(sent - set(message_ids)),
        "PIN emails per application != 1": abs(len(app_ids) - sum(1 for c in pins.values()
                                                                   if c == 1)),
        "notification messages not final": len(_unsettled_messages(rig)),
        "queue items still claimed or pending": _rows(
            rig, "SELECT count(*) FROM verification.queue_items WHERE state IN "
                 "('PENDING', 'CLAIMED')")[0][0],
        "outbox rows left": _outbox_rows(rig),
        "dead-lettered events": _dead_letters(rig),
    }
    window = sum(c - 1 for mid, c in message_ids.items() if c > 1 and mid in rig.sending_at_kill)
    return Books(len(app_ids), figures, window)
