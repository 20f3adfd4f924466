"""Every RPC entrypoint of a service is silasidakep's: one consumer serves a service's RPC
queue, and a method declared with nameko's own decorator would be served by a second consumer
that does not know the others' methods (and would wait for a confirm on every reply)."""

from __future__ import annotations

import inspect

import nameko.rpc
import pytest

from gateway.service import GatewayService
from services.intake.service import IntakeService
from services.notification.service import NotificationService
from services.printing.service import PrintingService
from services.verification.service import VerificationService
from silasidakep import rpc


def _rpc_entrypoints(service: type) -> dict[str, type]:
    found = {}
    for name, method in inspect.getmembers(service, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, nameko.rpc.Rpc):
                found[name] = type(entrypoint)
    return found


@pytest.mark.parametrize("service", [
    IntakeService, VerificationService, PrintingService, NotificationService,
])
def test_every_rpc_entrypoint_uses_the_unconfirmed_reply_consumer(service: type) -> None:
    entrypoints = _rpc_entrypoints(service)

    assert entrypoints
    assert {name for name, kind in entrypoints.items() if kind is not rpc._Rpc} == set()


def test_the_gateway_serves_no_rpc() -> None:
    assert _rpc_entrypoints(GatewayService) == {}


def test_replies_are_published_without_confirms() -> None:
    assert rpc._Responder.publisher_cls.use_confirms is False
    assert nameko.rpc.Publisher.use_confirms is True  # requests keep theirs
