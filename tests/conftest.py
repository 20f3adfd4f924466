"""The tests run as development (development secrets, test hooks); an unset SILASIDAKEP_ENV
means production everywhere else. Tests about production pass their own environment."""

from __future__ import annotations

import os

os.environ.setdefault("SILASIDAKEP_ENV", "development")
