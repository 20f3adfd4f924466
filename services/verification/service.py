"""Verification service entrypoints: staff RPCs for the gateway and the submissions it queues."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from nameko.rpc import rpc

from services.verification import queue, staff
from services.verification.models import metadata
from silasidakep.auth import authenticate
from silasidakep.config import load_settings
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker

log = logging.getLogger(__name__)

# Bench mode only: approve every submission the moment it arrives, so a load test measures the
# pipeline rather than a human. Refused outside development (see bench/README.md).
BENCH_AUTO_APPROVE = os.environ.get("BENCH_AUTO_APPROVE") == "1"
if BENCH_AUTO_APPROVE and os.environ.get("SILASIDAKEP_ENV", "development") != "development":
    raise RuntimeError("BENCH_AUTO_APPROVE is only allowed with SILASIDAKEP_ENV=development")


class VerificationService(ServiceOps):
    name = "verification"
    store = Store(metadata)

    def __init__(self) -> None:
        self.jwt_secret = load_settings().jwt_secret

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    @rpc
    def login(self, username: str, password: str) -> dict[str, str]:
        with self.store.session() as session:
            return {"token": staff.login(session, username, password, self.jwt_secret)}

    @rpc
    def claim_next(self, token: str) -> dict[str, Any] | None:
        principal = authenticate(token, self.jwt_secret)
        with self.store.session() as session, session.begin():
            item = queue.claim_next(session, self.store.outbox, principal)
            return queue.item_view(item) if item else None

    @rpc
    def get_application(self, token: str, application_id: str) -> dict[str, Any]:
        principal = authenticate(token, self.jwt_secret)
        with self.store.session() as session, session.begin():
            return queue.staff_view(session, principal, application_id)

    @rpc
    def reason_codes(self, token: str) -> dict[str, Any]:
        """The reason codes a decision may carry, grouped by decision (for the staff console)."""
        authenticate(token, self.jwt_secret).require("verifier")
        return {
            "reason_codes": {
                decision: [{"code": code, "text": text} for code, text in codes.items()]
                for decision, codes in queue.reason_codes().items()
            }
        }

    @rpc
    def document_ref(self, token: str, application_id: str, doc_type: str) -> dict[str, Any]:
        principal = authenticate(token, self.jwt_secret)
        with self.store.session() as session, session.begin():
            return queue.document_ref(session, principal, application_id, doc_type)

    @rpc
    def decide(self, token: str, application_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        principal = authenticate(token, self.jwt_secret)
        with self.store.session() as session, session.begin():
            item = queue.decide(
                session, self.store.outbox, principal, application_id,
                decision["decision"], decision.get("reason_code"), decision.get("note"),
                decision.get("fix_fields"), decision.get("fix_documents"),
            )
            return {"id": str(item.application_id), "state": item.state,
                    "decision": decision["decision"]}

    @on_event("application.submitted")
    def on_application_submitted(self, envelope: dict) -> None:
        event_id, data = parse_envelope(envelope, "application.submitted")
        outbox = self.store.outbox

        def apply(session: Any) -> None:
            item = queue.enqueue(session, data)
            if item is not None and BENCH_AUTO_APPROVE:
                session.flush()
                queue.decide(session, outbox, None, str(item.application_id), "APPROVE")

        self.store.consume_once(event_id, "verification.on_application_submitted", apply)

    @on_event("application.cancelled")
    def on_application_cancelled(self, envelope: dict) -> None:
        event_id, data = parse_envelope(envelope, "application.cancelled")
        self.store.consume_once(
            event_id, "verification.on_application_cancelled",
            lambda session: queue.cancel(session, data),
        )
