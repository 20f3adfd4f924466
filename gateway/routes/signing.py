"""The signer's desk (SIGNING_MODE=manual): drafts, signing, revocation, a document's
history."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import RevokeIn, SigningBatchIn


class SigningRoutes(GatewayBase):
    # --- electronic signature by the head of the Dinas (SIGNING_MODE=manual) -----------------

    @api("GET", "/api/v1/staff/signing/queue")
    def signing_queue(self, request: Request) -> Response:
        return json_response(self.printing.signing_queue(bearer_token(request)))

    @api("GET", "/api/v1/staff/signing/<document_number>/draft")
    def signing_draft(self, request: Request, document_number: str) -> Response:
        ref = self.printing.signing_draft(bearer_token(request), document_number)
        return self._stored_pdf(ref["object_key"], f"DRAF-{ref['document_number']}.pdf")

    @api("POST", "/api/v1/staff/applications/<application_id>/sign")
    def sign_application(self, request: Request, application_id: str) -> Response:
        return json_response(
            self.printing.sign_application(bearer_token(request), application_id)
        )

    @api("POST", "/api/v1/staff/signing/batch")
    def sign_batch(self, request: Request) -> Response:
        body = parse_json(request, SigningBatchIn())
        return json_response(
            self.printing.sign_batch(bearer_token(request), body["document_numbers"])
        )

    @api("POST", "/api/v1/staff/documents/<document_number>/revoke")
    def revoke_document(self, request: Request, document_number: str) -> Response:
        body = parse_json(request, RevokeIn())
        return json_response(self.printing.revoke_document(
            bearer_token(request), document_number, body["reason"]
        ))

    @api("GET", "/api/v1/staff/documents/<document_number>/history")
    def document_history(self, request: Request, document_number: str) -> Response:
        """What the document replaced and what superseded it (printing audits the reading)."""
        return json_response(
            self.printing.document_history(bearer_token(request), document_number)
        )
