"""The naive baseline of bench/run.py: HTTP → RPC → event in plain nameko, no database.

Three services, each run as a process of its own with ``bench/naive.yaml``:

- ``naive_http``: ``POST /naive`` decodes the JSON body and calls ``naive_rpc.accept``;
- ``naive_rpc``: ``accept`` dispatches a ``naive_rpc.accepted`` event and answers;
- ``naive_events``: handles that event.

What a request costs here is the floor the real request path (gateway → RPC → outbox → event)
is compared with: the same framework, broker and HTTP client, nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

EVENT_QUEUE = "evt-naive_rpc-accepted--naive_events.on_accepted"


class NaiveHttp:
    name = "naive_http"
    backend = RpcProxy("naive_rpc")

    @http("GET", "/health")
    def health(self, request: Request) -> Response:
        return Response('{"status": "ok"}', mimetype="application/json")

    @http("POST", "/naive")
    def accept(self, request: Request) -> Response:
        answer = self.backend.accept(json.loads(request.get_data()))
        return Response(json.dumps(answer), mimetype="application/json")


class NaiveRpc:
    name = "naive_rpc"
    dispatch = EventDispatcher()

    @rpc
    def accept(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.dispatch("accepted", {"fields": len(payload)})
        return {"accepted": True}


class NaiveEvents:
    name = "naive_events"
    handled = 0

    @event_handler("naive_rpc", "accepted")
    def on_accepted(self, payload: dict[str, Any]) -> None:
        NaiveEvents.handled += 1
