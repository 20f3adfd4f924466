"""RPC proxies with a deadline: nameko 2.14 waits for a reply forever, a citizen should not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy

from silasidakep.errors import ServiceUnavailable

DEFAULT_TIMEOUT_SECONDS = 15.0


class TimedRpcProxy(RpcProxy):
    def __init__(self, target_service: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        super().__init__(target_service)
        self.timeout = timeout

    def setup(self) -> None:
        super().setup()
        self.timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", self.timeout))

    def get_dependency(self, worker_ctx: Any) -> _TimedServiceProxy:
        return _TimedServiceProxy(super().get_dependency(worker_ctx), self.timeout)


class _TimedServiceProxy:
    def __init__(self, proxy: Any, timeout: float) -> None:
        self._proxy = proxy
        self._timeout = timeout

    def __getattr__(self, method: str) -> Callable[..., Any]:
        target = getattr(self._proxy, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                with eventlet.Timeout(self._timeout):
                    return target(*args, **kwargs)
            except eventlet.Timeout:
                raise ServiceUnavailable(code="UPSTREAM_TIMEOUT") from None
            except UnknownService:
                raise ServiceUnavailable(code="UPSTREAM_UNAVAILABLE") from None

        return call
