"""Test-only crash points: make the printing process die at a chosen step of issuance.

``PRINTING_CRASH_AFTER=rendered|stored|output:N`` (read once at start-up, refused outside
``SILASIDAKEP_ENV=development``) makes the process ``os._exit(1)`` right after rendering, right
after storing the signed PDF but before finalising, or right after finalising the N-th output
of an application (before the next one starts), so end-to-end tests can check that a worker
dying mid-job still issues each document exactly once.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from nameko.extensions import DependencyProvider

from silasidakep.config import is_development

log = logging.getLogger(__name__)

CRASH_POINTS = ("rendered", "stored", "output:N")
_AFTER_OUTPUT = re.compile(r"^output:[1-9][0-9]?$")


def crash_point(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    point = env.get("PRINTING_CRASH_AFTER", "").strip().lower()
    if not point:
        return None
    if not is_development(env):
        raise RuntimeError("PRINTING_CRASH_AFTER is a test hook, refused outside development")
    if point not in CRASH_POINTS[:2] and not _AFTER_OUTPUT.match(point):
        raise RuntimeError(f"PRINTING_CRASH_AFTER must be one of {', '.join(CRASH_POINTS)}")
    return point


class CrashHook(DependencyProvider):
    """Gives workers a `reached(step)` callable that ends the process at the configured step."""

    point: str | None = None

    def setup(self) -> None:
        self.point = crash_point()
        if self.point:
            log.warning("PRINTING_CRASH_AFTER=%s: this process will die mid-job", self.point)

    def get_dependency(self, worker_ctx: Any) -> Callable[[str], None]:
        return self.reached

    def reached(self, step: str) -> None:
        if step == self.point:
            log.warning("crash point %r reached: exiting", step)
            logging.shutdown()
            os._exit(1)
