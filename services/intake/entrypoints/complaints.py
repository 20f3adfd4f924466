"""Complaints and feedback: citizens file and follow them, staff answer."""

from __future__ import annotations

from typing import Any

from services.intake import complaints, replays
from services.intake.entrypoints.base import IntakeBase
from silasidakep.audit_trail import Auditor
from silasidakep.rpc import rpc

COMPLAINT_HANDLERS = ("supervisor", "verifier")


class ComplaintRpcs(IntakeBase):
    # --- complaints and feedback -------------------------------------------------------------

    @rpc
    def complaint_categories(self) -> dict[str, Any]:
        return complaints.categories()

    @rpc
    def file_complaint(self, payload: dict[str, Any]) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(lambda s: complaints.file_complaint(s, outbox, payload),
                           keep=replays.without("access_token"), replay=replays.complaint_token)

    @rpc
    def get_complaint(self, tracking_code: str, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return complaints.view(session, tracking_code, token)

    @rpc
    def staff_list_complaints(self, token: str, status: str | None = None) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *COMPLAINT_HANDLERS))
        with self.store.session() as session, session.begin():  # the reading is audited
            return complaints.list_for_staff(session, status, auditor=auditor)

    @rpc
    def staff_answer_complaint(self, token: str, tracking_code: str, answer: str) -> dict:
        principal = self.store.staff(token, *COMPLAINT_HANDLERS)
        outbox = self.store.outbox
        return self._write(lambda s: complaints.answer(
            s, outbox, tracking_code, answer, principal.username, principal=principal
        ))
