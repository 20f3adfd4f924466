"""The citizen API: applications, scans, the signed document."""

from __future__ import annotations

from eventlet import tpool
from werkzeug.wrappers import Request, Response

from gateway.http import api, json_response, parse_json
from gateway.routes.base import GatewayBase, scan_key
from gateway.schemas import CancelIn, CreateApplicationIn, UpdateApplicationIn
from gateway.sessions import citizen_credential
from gateway.uploads import MAX_UPLOAD_BYTES, check_scan
from silasidakep.errors import PayloadTooLarge


class CitizenRoutes(GatewayBase):
    # --- citizens ---------------------------------------------------------------------------

    @api("GET", "/api/v1/services")
    def list_services(self, request: Request) -> Response:
        return json_response({"services": self.intake.list_services()})

    @api("POST", "/api/v1/applications")
    def create_application(self, request: Request) -> Response:
        # Signed in (a session or the super-app's token), the account is recorded as the filer.
        credential = citizen_credential(request, required=False)
        payload = parse_json(request, CreateApplicationIn())
        return json_response(self.intake.create_application(payload, credential), status=201)

    @api("PUT", "/api/v1/applications/<application_id>/documents/<doc_type>")
    def upload_document(self, request: Request, application_id: str, doc_type: str) -> Response:
        token = citizen_credential(request)
        if (request.content_length or 0) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"Ukuran berkas melebihi {MAX_UPLOAD_BYTES // 2**20} MB.")
        # Read one byte past the limit so a body without Content-Length is caught too.
        data = request.stream.read(MAX_UPLOAD_BYTES + 1)
        # Decoding a whole image or PDF is CPU work: off the event loop, so other requests go on.
        scan = tpool.execute(check_scan, data, request.headers.get("Content-Type"))
        key = scan_key(application_id, doc_type)
        bucket = self.settings.scans_bucket
        self.storage.put(bucket, key, scan.data, scan.content_type)
        upload = {
            "doc_type": doc_type, "object_key": key, "content_type": scan.content_type,
            "size": len(scan.data), "sha256": scan.sha256,
        }
        try:
            result = self.intake.attach_document(application_id, token, upload)
        except Exception:
            self.storage.delete(bucket, key)  # refused or failed: leave no orphan behind
            raise
        return json_response(result, status=201)

    @api("PATCH", "/api/v1/applications/<application_id>")
    def update_application(self, request: Request, application_id: str) -> Response:
        changes = parse_json(request, UpdateApplicationIn())
        token = citizen_credential(request)
        return json_response(self.intake.update_application(application_id, token, changes))

    @api("POST", "/api/v1/applications/<application_id>/cancel")
    def cancel_application(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, CancelIn())
        token = citizen_credential(request)
        return json_response(self.intake.cancel(application_id, token, body["reason"]))

    @api("POST", "/api/v1/applications/<application_id>/submit")
    def submit(self, request: Request, application_id: str) -> Response:
        result = self.intake.submit(application_id, citizen_credential(request))
        return json_response(result, status=202)

    @api("GET", "/api/v1/applications/<application_id>")
    def get_application(self, request: Request, application_id: str) -> Response:
        credential = citizen_credential(request)
        return json_response(self.intake.get_application(application_id, credential))

    @api("GET", "/api/v1/applications/<application_id>/document")
    def download_document(self, request: Request, application_id: str) -> Response:
        token = citizen_credential(request)
        ref = self.intake.open_document(application_id, token, request.args.get("pin", ""))
        return self._stored_pdf(ref["object_key"], f"{ref['document_number']}.pdf", "attachment")
