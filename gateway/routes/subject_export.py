"""Data-subject export (issue 14, UU PDP right of access): all data held about a NIK, as JSON
or a readable PDF, for an auditor (any NIK) or a signed-in citizen (the account's verified NIK).

Each owning service answers for its own data; the gateway only composes. Intake answers first
(it finds the applications and, for a citizen, checks the session and hands out a grant for
exactly those ids); verification next, which appends the SUBJECT_EXPORT entry to the audit
chain and applies the citizen's daily limit before any other service's data leaves; then
printing and notification.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from gateway import subject_pdf
from gateway.http import api, bearer_token, json_response
from gateway.routes.base import GatewayBase
from gateway.sessions import citizen_credential
from silasidakep.clock import now_utc
from silasidakep.errors import ValidationFailed

FORMATS = ("json", "pdf")
FORMAT_VERSION = 1


def export_format(request: Request) -> str:
    value = request.args.get("format", "json")
    if value not in FORMATS:
        raise ValidationFailed(fields={"format": ["Pilih json atau pdf."]}, code="INVALID_FORMAT")
    return value


def answer(export: dict[str, Any], fmt: str) -> Response:
    day = export["generated_at"][:10].replace("-", "")
    filename = f"ekspor-data-pribadi-{day}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "json":
        return json_response(export, headers=disposition)
    return Response(subject_pdf.render(export), mimetype="application/pdf",
                    headers={**disposition, "Cache-Control": "no-store"})


class SubjectExportRoutes(GatewayBase):
    def _compose(self, credential: str, own: dict[str, Any], nik: str, requested_by: str,
                 client: dict[str, Any]) -> dict[str, Any]:
        apps, complaints = own["application_ids"], own["complaint_ids"]
        # A citizen's grant names the (masked) NIK itself; only an auditor's request passes it.
        audit_nik = nik if requested_by == "AUDITOR" else None
        checked = self.verification.subject_data(credential, apps, audit_nik, client=client)
        printed = self.printing.subject_data(credential, apps)
        sent = self.notification.subject_data(credential, apps, complaints)
        sections = {key: own[key] for key in
                    ("accounts", "applications", "appointments", "complaints")}
        sections.update(printed)
        sections.update(sent)
        sections.update({key: checked[key] for key in ("submissions", "decisions", "history")})
        return {
            "format_version": FORMAT_VERSION, "generated_at": now_utc().isoformat(),
            "requested_by": requested_by, "subject": {"nik": nik},
            "export_audit_seq": checked["export_audit_seq"], "sections": sections,
        }

    @api("GET", "/api/v1/staff/subjects/<nik>/export")
    def staff_subject_export(self, request: Request, nik: str) -> Response:
        fmt = export_format(request)
        token = bearer_token(request)
        own = self.intake.subject_data(token, nik)
        export = self._compose(token, own, own["nik"], "AUDITOR", self._client(request))
        return answer(export, fmt)

    @api("GET", "/api/v1/account/export")
    def my_subject_export(self, request: Request) -> Response:
        fmt = export_format(request)
        own = self.intake.my_subject_data(citizen_credential(request))
        export = self._compose(own.pop("grant"), own, own["nik"], "CITIZEN",
                               self._client(request))
        return answer(export, fmt)
