"""The counter (loket): a front-office account files an application for a walk-in citizen at
its own service location, uploads the desk's scans, submits, books the in-person step and
prints the receipt (role front_office; intake checks the role and the location)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway import receipt_pdf
from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.routes.citizen import receive_scan
from gateway.schemas import BookAppointmentIn, FrontOfficeApplicationIn

PREFIX = "/api/v1/staff/front-office"
# The citizen's access token, right after filing: the receipt's QR code then opens the
# application. A header, never the URL (logs and proxies keep URLs).
ACCESS_TOKEN_HEADER = "X-Access-Token"


class FrontOfficeRoutes(GatewayBase):
    @api("GET", f"{PREFIX}/desk")
    def front_office_desk(self, request: Request) -> Response:
        return json_response(self.intake.front_office_desk(bearer_token(request)))

    @api("GET", f"{PREFIX}/families/<kk_number>")
    def front_office_kk_family(self, request: Request, kk_number: str) -> Response:
        """The family on a KK this system issued, to pre-fill a walk-in's form; intake audits
        the lookup (with the caller's address) and counts it."""
        return json_response(self.intake.kk_family(
            kk_number, staff_token=bearer_token(request), client=self._client(request)
        ))

    @api("POST", f"{PREFIX}/applications")
    def front_office_create(self, request: Request) -> Response:
        staff = bearer_token(request)
        payload = parse_json(request, FrontOfficeApplicationIn())
        intake = self._keyed(self.intake, request, "front_office_create")
        return json_response(
            intake.front_office_create(staff, payload, self._client(request)), status=201
        )

    @api("GET", f"{PREFIX}/applications/<application_id>")
    def front_office_application(self, request: Request, application_id: str) -> Response:
        return json_response(self.intake.front_office_application(
            bearer_token(request), application_id, self._client(request)
        ))

    @api("PUT", f"{PREFIX}/applications/<application_id>/documents/<doc_type>")
    def front_office_upload(self, request: Request, application_id: str,
                            doc_type: str) -> Response:
        staff, client = bearer_token(request), self._client(request)
        return receive_scan(
            self, request, application_id, doc_type,
            check=lambda: self.intake.front_office_check_upload(staff, application_id, doc_type),
            attach=lambda upload: self.intake.front_office_attach_document(
                staff, application_id, upload, client),
        )

    @api("POST", f"{PREFIX}/applications/<application_id>/submit")
    def front_office_submit(self, request: Request, application_id: str) -> Response:
        return json_response(self.intake.front_office_submit(
            bearer_token(request), application_id, self._client(request)
        ), status=202)

    @api("POST", f"{PREFIX}/applications/<application_id>/appointments")
    def front_office_book(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, BookAppointmentIn())
        return json_response(self.intake.front_office_book(
            bearer_token(request), application_id, body["step"], body["slot_id"],
            self._client(request),
        ), status=201)

    @api("GET", f"{PREFIX}/applications/<application_id>/receipt.pdf")
    def front_office_receipt(self, request: Request, application_id: str) -> Response:
        receipt = self.intake.front_office_receipt(
            bearer_token(request), application_id,
            request.headers.get(ACCESS_TOKEN_HEADER) or None, self._client(request),
        )
        pdf = receipt_pdf.render(receipt, self.settings.public_base_url)
        name = f"tanda-terima-{receipt['tracking_code']}.pdf"
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "no-store",
        })
