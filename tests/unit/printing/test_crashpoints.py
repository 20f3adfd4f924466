"""The test-only crash hook (PRINTING_CRASH_AFTER) used by tests/e2e/test_printing_crash.py."""

from __future__ import annotations

import pytest

from services.printing.crashpoints import crash_point


def test_the_crash_hook_is_refused_outside_development() -> None:
    assert crash_point({"SILASIDAKEP_ENV": "development"}) is None
    dev = {"SILASIDAKEP_ENV": "development"}
    assert crash_point({**dev, "PRINTING_CRASH_AFTER": "Stored"}) == "stored"
    with pytest.raises(RuntimeError, match="refused outside development"):
        crash_point({"SILASIDAKEP_ENV": "production", "PRINTING_CRASH_AFTER": "stored"})
    with pytest.raises(RuntimeError, match="refused outside development"):  # unset: production
        crash_point({"PRINTING_CRASH_AFTER": "stored"})
    with pytest.raises(RuntimeError, match="rendered, stored"):
        crash_point({**dev, "PRINTING_CRASH_AFTER": "signed"})
