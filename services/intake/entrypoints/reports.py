"""Reports for the Dinas (roles supervisor, admin, auditor): aggregates only, no personal data,
so reading one is not an access to anyone's data and is not written to the audit chain."""

from __future__ import annotations

from typing import Any

from services.intake import reporting
from services.intake.entrypoints.base import IntakeBase
from silasidakep.rpc import rpc

REPORT_READERS = ("supervisor", "admin", "auditor")


class ReportRpcs(IntakeBase):
    @rpc
    def staff_report(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """The report for a period (``from``, ``to``: WIB dates) and optional filters
        (``service_code``, ``channel``, ``kecamatan_code``); 400 with a code on bad input."""
        self.store.staff(token, *REPORT_READERS)
        query = reporting.parse_query(params)
        with self.store.session() as session:
            return reporting.build(session, query)
