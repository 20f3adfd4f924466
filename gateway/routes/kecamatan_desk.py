"""The kecamatan desk (Cekatan): the print queue, the Suket, blanko stock."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import BlankoIn, PrintJobStepIn


class KecamatanDeskRoutes(GatewayBase):
    # --- Cekatan: the kecamatan print queue and card blanko stock (role kecamatan_operator) ---

    @api("GET", "/api/v1/staff/print-queue")
    def print_queue(self, request: Request) -> Response:
        return json_response(self.printing.print_queue(
            bearer_token(request), request.args.get("kecamatan_code", "")
        ))

    @api("POST", "/api/v1/staff/print-jobs/<job_id>/printed")
    def print_job_printed(self, request: Request, job_id: str) -> Response:
        body = parse_json(request, PrintJobStepIn())
        return json_response(self.printing.mark_printed(
            bearer_token(request), job_id, body["kecamatan_code"]
        ))

    @api("POST", "/api/v1/staff/print-jobs/<job_id>/collected")
    def print_job_collected(self, request: Request, job_id: str) -> Response:
        body = parse_json(request, PrintJobStepIn())
        return json_response(self.printing.mark_collected(
            bearer_token(request), job_id, body["kecamatan_code"]
        ))

    @api("GET", "/api/v1/staff/print-jobs/<job_id>/suket")
    def print_job_suket(self, request: Request, job_id: str) -> Response:
        ref = self.printing.suket_ref(
            bearer_token(request), job_id, request.args.get("kecamatan_code", "")
        )
        return self._stored_pdf(ref["object_key"], f"{ref['suket_number']}.pdf")

    @api("GET", "/api/v1/staff/blanko")
    def blanko_stock(self, request: Request) -> Response:
        return json_response(self.printing.blanko(
            bearer_token(request), request.args.get("kecamatan_code", "")
        ))

    @api("POST", "/api/v1/staff/blanko/<kecamatan_code>")
    def blanko_received(self, request: Request, kecamatan_code: str) -> Response:
        body = parse_json(request, BlankoIn())
        return json_response(self.printing.add_blanko(bearer_token(request), kecamatan_code, body))
