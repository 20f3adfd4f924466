"""Complaints and feedback, and their answers."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import ComplaintAnswerIn


class ComplaintRoutes(GatewayBase):
    # --- complaints and feedback --------------------------------------------------------------

    @api("GET", "/api/v1/complaints/categories")
    def complaint_categories(self, request: Request) -> Response:
        return json_response(
            self.intake.complaint_categories(), headers={"Cache-Control": "public, max-age=300"}
        )

    @api("POST", "/api/v1/complaints")
    def file_complaint(self, request: Request) -> Response:
        body = parse_json(request)
        intake = self._keyed(self.intake, request, "file_complaint")
        return json_response(intake.file_complaint(body), status=201)

    @api("GET", "/api/v1/complaints/<tracking_code>")
    def get_complaint(self, request: Request, tracking_code: str) -> Response:
        return json_response(self.intake.get_complaint(tracking_code, bearer_token(request)))

    @api("GET", "/api/v1/staff/complaints")
    def staff_list_complaints(self, request: Request) -> Response:
        return json_response(self.intake.staff_list_complaints(
            bearer_token(request), request.args.get("status") or None
        ))

    @api("POST", "/api/v1/staff/complaints/<tracking_code>/answer")
    def staff_answer_complaint(self, request: Request, tracking_code: str) -> Response:
        body = parse_json(request, ComplaintAnswerIn())
        return json_response(self.intake.staff_answer_complaint(
            bearer_token(request), tracking_code, body["answer"]
        ))
