"""The IKM survey (PermenPAN-RB No. 14/2017): the citizen's questions and answer behind the
invitation link, and for staff the index per service and period and the free-text answers."""

from __future__ import annotations

from typing import Any

from services.intake.entrypoints.base import IntakeBase
from services.intake.survey import answers, ikm, reports
from silasidakep.audit_trail import Auditor
from silasidakep.rpc import rpc

REPORT_ROLES = ("supervisor", "admin", "auditor")
COMMENT_ROLES = ("supervisor",)

# Validated when intake starts: a broken ikm.yaml stops the service instead of skewing the index.
ikm.definition()


class SurveyRpcs(IntakeBase):
    # --- the survey ---------------------------------------------------------------------------

    @rpc
    def survey_questions(self, token: str) -> dict[str, Any]:
        with self.store.session() as session:
            return answers.questions(session, token)

    @rpc
    def answer_survey(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._write(lambda s: answers.answer(s, token, payload))

    @rpc
    def ikm_report(self, token: str, start: str | None = None, end: str | None = None,
                   service_code: str | None = None) -> dict[str, Any]:
        self.store.staff(token, *REPORT_ROLES)
        first, last = reports.period(start, end)
        with self.store.session() as session:
            return reports.ikm_report(session, first, last, service_code or None)

    @rpc
    def ikm_comments(self, token: str, start: str | None = None, end: str | None = None,
                     service_code: str | None = None) -> dict[str, Any]:
        auditor = Auditor(self.store.outbox, self.store.staff(token, *COMMENT_ROLES))
        first, last = reports.period(start, end)
        with self.store.session() as session, session.begin():  # the reading is audited
            return reports.comments(session, first, last, service_code or None, auditor)
