"""Verifiers and supervisors: login, the queue, review, decisions, reason codes, the
backlog board."""

from __future__ import annotations

from marshmallow import fields, validate
from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import (
    ClaimFiltersIn,
    DecisionIn,
    ReasonCodeIn,
    ReasonCodeUpdateIn,
    ReassignIn,
    StaffLoginIn,
)
from silasidakep.errors import ServiceUnavailable
from silasidakep.scan_crypto import get_scan

TOTP_CODE = validate.Regexp(r"^[0-9 ]{6,8}$", error="Kode autentikator berupa 6 angka.")


class StaffLoginTotpIn(StaffLoginIn):
    """A login, with the authenticator code for accounts that have TOTP."""

    totp = fields.String(load_default=None, allow_none=True, validate=TOTP_CODE)


class StaffReviewRoutes(GatewayBase):
    # --- staff --------------------------------------------------------------------------------

    @api("POST", "/api/v1/staff/session")
    def staff_login(self, request: Request) -> Response:
        body = parse_json(request, StaffLoginTotpIn())
        return json_response(self.verification.login(
            body["username"], body["password"], client=self._client(request),
            totp_code=body["totp"],
        ))

    @api("POST", "/api/v1/staff/queue/claim")
    def claim_next(self, request: Request) -> Response:
        token = bearer_token(request)
        # Filters in the query or a JSON body (the body wins); no body claims from everything.
        filters = {k: request.args[k] for k in ("service_code", "kecamatan_code")
                   if request.args.get(k)}
        if request.get_data(cache=True).strip():
            filters.update({k: v for k, v in parse_json(request, ClaimFiltersIn()).items() if v})
        item = self.verification.claim_next(token, filters, client=self._client(request))
        return json_response(item) if item else Response(status=204)

    @api("GET", "/api/v1/staff/applications/<application_id>")
    def staff_application(self, request: Request, application_id: str) -> Response:
        return json_response(self.verification.get_application(
            bearer_token(request), application_id, client=self._client(request)
        ))

    @api("GET", "/api/v1/staff/applications/<application_id>/documents/<doc_type>")
    def staff_document(self, request: Request, application_id: str, doc_type: str) -> Response:
        ref = self.verification.document_ref(
            bearer_token(request), application_id, doc_type, client=self._client(request)
        )
        data = get_scan(self.storage, self.scan_keys, self.settings.scans_bucket,
                        ref["object_key"])  # decrypted; purged: 404 SCAN_PURGED
        # A citizen's file, opened on a staff machine: never run as a page (sandbox: no script,
        # no same-origin access to the staff session), never sniffed into HTML, never cached.
        return Response(data, mimetype=ref["content_type"], headers={
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        })

    @api("GET", "/api/v1/staff/queue/mine")
    def my_claims(self, request: Request) -> Response:
        return json_response(self.verification.my_claims(bearer_token(request)))

    # --- the reason-code catalogue (list: staff; changes: admin) -----------------------------

    @api("GET", "/api/v1/staff/reason-codes")
    def staff_reason_codes(self, request: Request) -> Response:
        include_inactive = request.args.get("include_inactive", "").lower() in ("1", "true")
        return json_response(
            self.verification.reason_codes(bearer_token(request), include_inactive)
        )

    @api("POST", "/api/v1/staff/reason-codes")
    def staff_create_reason_code(self, request: Request) -> Response:
        body = parse_json(request, ReasonCodeIn())
        return json_response(self.verification.create_reason_code(
            bearer_token(request), body, client=self._client(request)
        ), status=201)

    @api("PATCH", "/api/v1/staff/reason-codes/<code>")
    def staff_update_reason_code(self, request: Request, code: str) -> Response:
        body = parse_json(request, ReasonCodeUpdateIn())
        return json_response(self.verification.update_reason_code(
            bearer_token(request), code, body, client=self._client(request)
        ))

    # --- supervisors: reassign or return a claim, the backlog board --------------------------

    @api("POST", "/api/v1/staff/applications/<application_id>/return")
    def staff_return_claim(self, request: Request, application_id: str) -> Response:
        return json_response(self.verification.return_claim(
            bearer_token(request), application_id, client=self._client(request)
        ))

    @api("POST", "/api/v1/staff/applications/<application_id>/reassign")
    def staff_reassign_claim(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, ReassignIn())
        return json_response(self.verification.reassign_claim(
            bearer_token(request), application_id, body["username"],
            client=self._client(request),
        ))

    @api("GET", "/api/v1/staff/backlog")
    def staff_backlog(self, request: Request) -> Response:
        """The verification queue (verification) and the stages after it (intake); both
        check the supervisor role. Without intake the queue part is still answered."""
        token = bearer_token(request)
        board = {"queue": self.verification.backlog_board(token, client=self._client(request))}
        try:
            board["pipeline"] = self.intake.staff_pipeline(token)
        except ServiceUnavailable:
            board["pipeline"] = None
        return json_response(board, headers={"Cache-Control": "no-store"})

    @api("POST", "/api/v1/staff/applications/<application_id>/decision")
    def decide(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, DecisionIn())
        return json_response(self.verification.decide(
            bearer_token(request), application_id, body, client=self._client(request)
        ))
