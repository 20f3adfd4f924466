"""The tests run as development (development secrets, test hooks); an unset SILASIDAKEP_ENV
means production everywhere else. Tests about production pass their own environment."""

from __future__ import annotations

import os

os.environ.setdefault("SILASIDAKEP_ENV", "development")

import shutil  # noqa: E402
import time  # noqa: E402

from tests.support import infra  # noqa: E402

# When this session began: tests/zz_privacy reads only what this session wrote.
SESSION_STARTED = time.time()


def pytest_sessionstart(session) -> None:  # noqa: ANN001 (pytest hook)
    shutil.rmtree(infra.EVENT_SAMPLES, ignore_errors=True)
