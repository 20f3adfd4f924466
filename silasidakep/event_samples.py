"""Development only: where published events carry a 16-digit identity number.

With ``EVENT_SAMPLE_DIR`` set (refused outside ``SILASIDAKEP_ENV=development``), each publisher
appends, per event, its type and the paths of the string values holding 16 consecutive digits
(a NIK or a KK number, in full) — never the values themselves. The test suite checks every path
against the contract's ``identity_paths`` (tests/zz_privacy), so an event that starts carrying
a full NIK where its contract promises a masked one fails the build.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from silasidakep.config import is_development

log = logging.getLogger(__name__)

# 16 digits standing alone (not inside a longer number or a hex digest such as a sha256).
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")


def identity_paths(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths (list items as ``*``) of strings holding a 16-digit number."""
    if isinstance(data, str):
        return [prefix or "."] if _SIXTEEN_DIGITS.search(data) else []
    if isinstance(data, dict):
        return [p for key, value in data.items()
                for p in identity_paths(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(data, list):
        return [p for value in data for p in identity_paths(value, f"{prefix}.*")]
    return []


class Sampler:
    def __init__(self, directory: str | None) -> None:
        self.path: Path | None = None
        if directory:
            if not is_development():
                raise RuntimeError("EVENT_SAMPLE_DIR is a test aid, refused outside development")
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.path = Path(directory) / f"events-{os.getpid()}.jsonl"

    @classmethod
    def from_env(cls) -> Sampler:
        return cls(os.environ.get("EVENT_SAMPLE_DIR") or None)

    def record(self, envelope: dict[str, Any]) -> None:
        if self.path is None:
            return
        line = json.dumps({"event_type": envelope["event_type"],
                           "paths": sorted(set(identity_paths(envelope.get("data"))))})
        try:  # a test aid must never fail a publish (another test session may clear the dir)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as sample:
                sample.write(line + "\n")
        except OSError:
            log.warning("event sample not written to %s", self.path.parent)
