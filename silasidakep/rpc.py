"""RPC proxies with a deadline (nameko 2.14 waits for a reply forever, a citizen should not) and
a request id on every call, so the owning service runs a repeated request once
(``silasidakep.idempotency``); and the ``rpc`` entrypoint every service uses, whose replies
are published without waiting for the broker's confirm.

A reply's confirm guarantees nothing the caller relies on: the reply itself is the caller's
acknowledgement, and a reply lost with a failing broker looks to the caller like a slow
service (a deadline, then a retry under the same request id, answered from the kept result).
Waiting for it cost every RPC a round trip to the broker (issue 17's profile). Requests keep
their confirms: nameko publishes them ``mandatory`` to tell an unknown service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import eventlet
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import UnknownService
from nameko.rpc import Responder, Rpc, RpcConsumer, RpcProxy, get_rpc_exchange

from silasidakep.errors import ServiceUnavailable
from silasidakep.idempotency import CONTEXT_KEY

DEFAULT_TIMEOUT_SECONDS = 15.0


class _ReplyPublisher(Publisher):
    use_confirms = False


class _Responder(Responder):
    publisher_cls = _ReplyPublisher


class _RpcConsumer(RpcConsumer):
    def handle_result(self, message: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        # nameko's own, with the unconfirmed responder (nameko names the class inline).
        config = self.container.config
        responder = _Responder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class _Rpc(Rpc):
    # One consumer serves a service's RPC queue, so every entrypoint of a service must use this
    # decorator (an entrypoint of nameko's own would start a second consumer on the queue).
    rpc_consumer = _RpcConsumer()


rpc = _Rpc.decorator


class TimedRpcProxy(RpcProxy):
    def __init__(self, target_service: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        super().__init__(target_service)
        self.timeout = timeout

    def setup(self) -> None:
        super().setup()
        self.timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", self.timeout))

    def get_dependency(self, worker_ctx: Any) -> _TimedServiceProxy:
        return _TimedServiceProxy(super().get_dependency(worker_ctx), self.timeout, worker_ctx)


class _TimedServiceProxy:
    def __init__(self, proxy: Any, timeout: float, worker_ctx: Any,
                 request_id: str | None = None) -> None:
        self._proxy = proxy
        self._timeout = timeout
        self._worker_ctx = worker_ctx
        self._request_id = request_id

    def keyed(self, request_id: str | None) -> _TimedServiceProxy:
        """This proxy with the next calls under ``request_id`` (from a client's
        Idempotency-Key) instead of a fresh id per call; None keeps fresh ids."""
        return _TimedServiceProxy(self._proxy, self._timeout, self._worker_ctx, request_id)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        target = getattr(self._proxy, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            # nameko sends the worker's context data as message headers: the id travels with
            # the request, and a redelivered request carries the same one.
            self._worker_ctx.data[CONTEXT_KEY] = self._request_id or uuid.uuid4().hex
            try:
                with eventlet.Timeout(self._timeout):
                    return target(*args, **kwargs)
            except eventlet.Timeout:
                raise ServiceUnavailable(code="UPSTREAM_TIMEOUT") from None
            except UnknownService:
                raise ServiceUnavailable(code="UPSTREAM_UNAVAILABLE") from None
            finally:
                self._worker_ctx.data.pop(CONTEXT_KEY, None)

        return call
