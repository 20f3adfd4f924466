"""The event registry is the single source of truth for who publishes and who consumes what."""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, datetime

import pytest

from gateway.service import GatewayService
from services.intake.service import IntakeService
from services.notification.service import NotificationService
from services.printing.service import PrintingService
from services.verification.service import VerificationService
from silasidakep.contracts import (
    EVENTS,
    SUBSCRIPTIONS,
    ContractViolation,
    build_envelope,
    parse_envelope,
)
from silasidakep.messaging import ReliableEventHandler

SERVICES = [IntakeService, VerificationService, PrintingService, NotificationService,
            GatewayService]


def declared_handlers() -> set[tuple[str, str, str]]:
    found = set()
    for service in SERVICES:
        for name, method in inspect.getmembers(service, inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    found.add((entrypoint.event_type, service.name, name))
    return found


def test_every_subscription_is_consumed_by_a_handler_and_every_handler_is_registered() -> None:
    registered = {(s.event_type, s.consumer, s.handler) for s in SUBSCRIPTIONS}
    assert declared_handlers() == registered


def test_every_event_has_a_consumer_and_a_known_producer() -> None:
    consumed = {s.event_type for s in SUBSCRIPTIONS}
    assert consumed == set(EVENTS)
    assert {c.producer for c in EVENTS.values()} <= {s.name for s in SERVICES}


def test_queue_names_are_unique_and_follow_nameko_naming() -> None:
    queues = [s.queue for s in SUBSCRIPTIONS]
    assert len(queues) == len(set(queues))
    assert "evt-intake-application.submitted--verification.on_application_submitted" in queues


def test_envelope_round_trip() -> None:
    data = {"application_id": uuid.uuid4(), "round": 1, "claimed_at": datetime.now(UTC)}
    envelope = build_envelope("verification.claimed", "verification", data)
    assert envelope["schema_version"] == 1
    event_id, loaded = parse_envelope(envelope, "verification.claimed")
    assert str(event_id) == envelope["event_id"]
    assert loaded["application_id"] == data["application_id"]


def test_only_the_owner_may_publish_and_bad_data_is_refused() -> None:
    data = {"application_id": uuid.uuid4(), "round": 1, "claimed_at": datetime.now(UTC)}
    with pytest.raises(ContractViolation):
        build_envelope("verification.claimed", "intake", data)
    with pytest.raises(ContractViolation):
        build_envelope("verification.claimed", "verification", {"round": 1})


def test_parse_refuses_wrong_type_and_malformed_data() -> None:
    data = {"application_id": uuid.uuid4(), "round": 1, "claimed_at": datetime.now(UTC)}
    envelope = build_envelope("verification.claimed", "verification", data)
    with pytest.raises(ContractViolation):
        parse_envelope(envelope, "verification.decided")
    envelope["data"]["application_id"] = "not-a-uuid"
    with pytest.raises(ContractViolation):
        parse_envelope(envelope, "verification.claimed")


def test_unknown_fields_from_a_newer_producer_are_ignored() -> None:
    data = {"application_id": uuid.uuid4(), "round": 1, "claimed_at": datetime.now(UTC)}
    envelope = build_envelope("verification.claimed", "verification", data)
    envelope["data"]["added_in_v2"] = "x"
    _, loaded = parse_envelope(envelope, "verification.claimed")
    assert "added_in_v2" not in loaded
