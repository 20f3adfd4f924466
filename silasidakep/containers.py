"""A nameko container that serves one side of a service: ``SERVES: requests`` keeps the RPC
and HTTP entrypoints, ``SERVES: events`` the event handlers, timers and HTTP (each process its
own /health and /metrics); ``everything``, or nothing, serves everything.

One service, two processes: intake's request path (the gateway's RPCs for every citizen) runs
apart from the events intake follows (decisions, issued documents: the pipeline of a backlog),
so a drain takes its CPU from a process of lower priority, not from the citizens' workers and
interpreter. Both sides share the service's queues, database and outbox (the relay takes rows
with SKIP LOCKED, so two relays never publish a row twice). Chosen by config
(``SERVICE_CONTAINER_CLS``): tests and a small install run the service as one process.
"""

from __future__ import annotations

from typing import Any

from nameko.containers import ServiceContainer
from nameko.events import EventHandler
from nameko.exceptions import ConfigurationError
from nameko.extensions import Entrypoint, iter_extensions
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.utils.concurrency import SpawningSet
from nameko.web.handlers import HttpRequestHandler

SIDES: dict[str, tuple[type[Entrypoint], ...]] = {
    "requests": (Rpc, HttpRequestHandler),
    "events": (EventHandler, Timer, HttpRequestHandler),
}


class OneSideContainer(ServiceContainer):
    def __init__(self, service_cls: type, config: dict[str, Any]) -> None:
        super().__init__(service_cls, config)
        side = str(config.get("SERVES") or "everything")
        if side == "everything":
            return
        if side not in SIDES:
            raise ConfigurationError(f"SERVES must be everything, requests or events: {side!r}")
        kept = [entrypoint for entrypoint in self.entrypoints
                if isinstance(entrypoint, SIDES[side])]
        self.entrypoints = SpawningSet(kept)
        self.subextensions = SpawningSet()
        for extension in [*self.dependencies, *kept]:
            self.subextensions.update(iter_extensions(extension))
