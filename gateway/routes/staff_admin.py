"""Admins and auditors: staff accounts and the access log."""

from __future__ import annotations

from marshmallow import fields
from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.routes.staff_review import TOTP_CODE
from gateway.schemas import StaffAccountIn, StaffAccountUpdateIn, StrictSchema
from silasidakep.errors import ValidationFailed


class TotpConfirmIn(StrictSchema):
    code = fields.String(required=True, validate=TOTP_CODE)


class StaffAdminRoutes(GatewayBase):
    # --- staff accounts (admin) and the access log (auditor, supervisor) ---------------------

    @api("GET", "/api/v1/staff/accounts")
    def staff_accounts(self, request: Request) -> Response:
        return json_response(self.verification.list_staff_accounts(
            bearer_token(request), client=self._client(request)
        ))

    @api("POST", "/api/v1/staff/accounts")
    def staff_create_account(self, request: Request) -> Response:
        body = parse_json(request, StaffAccountIn())
        return json_response(self.verification.create_staff_account(
            bearer_token(request), body, client=self._client(request)
        ), status=201)

    @api("PATCH", "/api/v1/staff/accounts/<username>")
    def staff_update_account(self, request: Request, username: str) -> Response:
        body = parse_json(request, StaffAccountUpdateIn())
        return json_response(self.verification.update_staff_account(
            bearer_token(request), username, body, client=self._client(request)
        ))

    # --- TOTP: enrolment by the member, reset by an admin --------------------------------------

    @api("POST", "/api/v1/staff/me/totp")
    def staff_start_totp(self, request: Request) -> Response:
        return json_response(self.verification.start_totp_enrolment(
            bearer_token(request), client=self._client(request)
        ))

    @api("POST", "/api/v1/staff/me/totp/confirm")
    def staff_confirm_totp(self, request: Request) -> Response:
        body = parse_json(request, TotpConfirmIn())
        return json_response(self.verification.confirm_totp_enrolment(
            bearer_token(request), body["code"], client=self._client(request)
        ))

    @api("DELETE", "/api/v1/staff/accounts/<username>/totp")
    def staff_reset_totp(self, request: Request, username: str) -> Response:
        return json_response(self.verification.reset_staff_totp(
            bearer_token(request), username, client=self._client(request)
        ))

    @api("GET", "/api/v1/staff/audit")
    def staff_audit(self, request: Request) -> Response:
        """Access log entries; X-Audit-Chain tells whether the whole chain verified."""
        query = {k: request.args[k] for k in
                 ("from", "to", "application_id", "username", "after", "limit", "format")
                 if request.args.get(k)}
        if query.get("format", "json") not in ("json", "csv"):
            raise ValidationFailed(fields={"format": ["Pilih salah satu: json, csv."]})
        result = self.verification.audit_log(
            bearer_token(request), query, client=self._client(request)
        )
        headers = {"X-Audit-Chain": result["chain"]["status"], "Cache-Control": "no-store"}
        if result.get("next_after") is not None:
            headers["X-Audit-Next-After"] = str(result["next_after"])
        if query.get("format") == "csv":
            headers["Content-Disposition"] = 'attachment; filename="log-akses.csv"'
            return Response(result["csv"], mimetype="text/csv", headers=headers)
        return json_response(result, headers=headers)
