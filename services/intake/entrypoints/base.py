"""What every group of intake entrypoints shares: the dependencies and the ways to write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.intake.accounts import credentials
from services.intake.models import metadata
from services.intake.ops_metrics import IntakeMetrics
from silasidakep.db import Store
from silasidakep.idempotency import FORGET
from silasidakep.ops import ServiceOps, check_broker
from silasidakep.storage import Storage


class IntakeBase(ServiceOps):
    name = "intake"
    store = Store(metadata)
    ops_metrics = IntakeMetrics()  # applications by status, breaches, volumes (on scrape)
    objects = Storage()  # scans: retention deletes them (applications/retention.py)

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "database": self.store.ping,
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
        }

    def _write(self, action: Callable[[Session], Any], **once: Any) -> Any:
        """One transaction, once per request id (``store.write``; ``once``: keep/replay)."""
        return self.store.write(action, **once)

    def _write_or_refuse(self, action: Callable[[Session], tuple[Any, Exception | None]],
                         keep: Callable[[Any], Any] | None = None,
                         replay: Callable[[Session, Any], Any] | None = None) -> Any:
        """Commit what ``action`` wrote (a counted wrong code too), then raise its refusal. A
        refusal is not kept (a repeat tries again); a success is, like any write."""
        result, refusal = self._write(
            action,
            keep=lambda r: FORGET if r[1] is not None else [keep(r[0]) if keep else r[0], None],
            replay=lambda s, kept: (replay(s, kept[0]) if replay else kept[0], None),
        )
        if refusal is not None:
            raise refusal
        return result

    def _as_account(self, credential: str | None,
                    action: Callable[[Session, credentials.Principal], Any],
                    once: bool = True) -> Any:
        """``action`` as the signed-in citizen; ``once=False`` for reads (nothing to keep)."""
        return self._write(lambda s: action(s, credentials.principal(s, credential)), once=once)
