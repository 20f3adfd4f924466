"""The family of a KK number, to pre-fill a birth, death, marriage or divorce form
(``outputs/family_lookup.py``): for a signed-in citizen on that KK or a front-office account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.intake.accounts import credentials
from services.intake.entrypoints.base import IntakeBase
from services.intake.outputs import family_lookup
from silasidakep.audit_trail import Auditor
from silasidakep.clock import now_utc
from silasidakep.errors import Unauthorized
from silasidakep.rpc import rpc

FRONT_OFFICE = ("front_office",)


class FamilyRpcs(IntakeBase):
    @rpc
    def kk_family(self, kk_number: str, citizen_token: str | None = None,
                  staff_token: str | None = None,
                  client: dict | None = None) -> dict[str, Any]:
        """The address and members of the last KK issued for ``kk_number``. The lookup count
        (and, for staff, the audit entry) commits even when the answer is a refusal."""
        if staff_token:
            # The role is checked before any data is read.
            principal = self.store.staff(staff_token, *FRONT_OFFICE)
            auditor = Auditor(self.store.outbox, principal, (client or {}).get("ip"))

            def look_up(s: Session) -> Any:
                return family_lookup.for_staff(s, auditor, kk_number, now_utc())
        elif citizen_token:
            def look_up(s: Session) -> Any:
                account = credentials.principal(s, citizen_token).account
                return family_lookup.for_citizen(s, account, kk_number, now_utc())
        else:
            raise Unauthorized("Silakan masuk ke akun Anda.", code="SIGN_IN_REQUIRED")
        return self._write_or_refuse(look_up)
