"""Intake service entrypoints: citizen RPCs for the gateway and the events intake follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.rpc import rpc
from sqlalchemy.orm import Session

from services.intake import applications
from services.intake.models import metadata
from silasidakep.contracts import parse_envelope
from silasidakep.db import Store
from silasidakep.errors import DomainError
from silasidakep.messaging import on_event
from silasidakep.ops import ServiceOps, check_broker


class IntakeService(ServiceOps):
    name = "intake"
    store = Store(metadata)

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    def _write(self, action: Callable[[Session], Any]) -> Any:
        with self.store.session() as session, session.begin():
            return action(session)

    @rpc
    def list_services(self) -> list[dict[str, Any]]:
        return applications.list_services()

    @rpc
    def create_application(self, payload: dict[str, Any]) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: applications.create_application(s, outbox, payload))

    @rpc
    def update_application(self, application_id: str, token: str, changes: dict) -> dict:
        return self._write(
            lambda s: applications.update_application(s, application_id, token, changes)
        )

    @rpc
    def cancel(self, application_id: str, token: str, reason: str | None = None) -> dict:
        outbox = self.store.outbox
        return self._write(
            lambda s: applications.cancel(s, outbox, application_id, token, reason)
        )

    @rpc
    def backlog(self) -> list[dict[str, Any]]:
        with self.store.session() as session:
            return applications.backlog(session)

    @rpc
    def attach_document(self, application_id: str, token: str, upload: dict) -> dict[str, Any]:
        return self._write(lambda s: applications.attach_document(s, application_id, token, upload))

    @rpc
    def submit(self, application_id: str, token: str) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: applications.submit(s, outbox, application_id, token))

    @rpc
    def get_application(self, application_id: str, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return applications.view(session, application_id, token)

    @rpc
    def open_document(self, application_id: str, token: str, pin: str) -> dict[str, Any]:
        with self.store.session() as session:
            with session.begin():
                try:
                    return applications.open_document(session, application_id, token, pin)
                except DomainError as exc:
                    # Commit the failed-attempt counter, then fail the call.
                    refusal = exc
            raise refusal

    def _follow(self, envelope: dict, event_type: str, handler: str, apply: Callable) -> None:
        event_id, data = parse_envelope(envelope, event_type)
        outbox = self.store.outbox
        self.store.consume_once(event_id, f"intake.{handler}", lambda s: apply(s, outbox, data))

    @on_event("verification.claimed")
    def on_verification_claimed(self, envelope: dict) -> None:
        self._follow(envelope, "verification.claimed", "on_verification_claimed",
                     applications.apply_claim)

    @on_event("verification.decided")
    def on_verification_decided(self, envelope: dict) -> None:
        self._follow(envelope, "verification.decided", "on_verification_decided",
                     applications.apply_decision)

    @on_event("document.issued")
    def on_document_issued(self, envelope: dict) -> None:
        self._follow(envelope, "document.issued", "on_document_issued",
                     applications.apply_issued)
