"""Where a front-office account works: one service location (intake's ``locations.code``).

Verification keeps accounts but not locations, so only the code's shape is checked here; intake,
which owns the locations, refuses an unknown one when the account files there."""

from __future__ import annotations

import re

from silasidakep.errors import ValidationFailed

# The shape of intake's location codes (services/intake/appointments/locations.py).
LOCATION_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}\Z")


def check_location(roles: list[str], location_code: str | None) -> str | None:
    """The account's location (upper-cased), None for none; front_office needs one."""
    code = (location_code or "").strip().upper() or None
    if code is not None and not LOCATION_CODE.match(code):
        raise ValidationFailed(
            fields={"location_code": ["Kode lokasi 2–20 karakter: huruf, angka, tanda hubung."]},
            code="INVALID_LOCATION",
        )
    if code is None and "front_office" in roles:
        raise ValidationFailed(
            fields={"location_code": ["Petugas loket wajib ditetapkan ke satu lokasi layanan."]},
            code="LOCATION_REQUIRED",
        )
    return code
