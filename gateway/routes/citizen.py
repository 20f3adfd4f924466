"""The citizen API: applications, scans, the signed documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventlet import tpool
from werkzeug.wrappers import Request, Response

from gateway.http import api, json_response, parse_json
from gateway.routes.base import GatewayBase, scan_key
from gateway.schemas import (
    CancelIn,
    ContactCodeIn,
    CreateApplicationIn,
    DownloadIn,
    UpdateApplicationIn,
)
from gateway.sessions import citizen_credential
from gateway.uploads import MAX_UPLOAD_BYTES, check_scan, read_body
from silasidakep.errors import PayloadTooLarge
from silasidakep.scan_crypto import put_scan

PIN_HEADER = "X-Download-PIN"


def receive_scan(routes: GatewayBase, request: Request, application_id: str, doc_type: str,
                 check: Callable[[], Any], attach: Callable[[dict], dict]) -> Response:
    """Store an uploaded scan and have intake record it (the citizen's and the counter's path).
    ``check`` asks intake whether the upload is allowed before the body is read, so a bad
    token costs one cheap RPC; ``attach`` records it and checks it all again."""
    key = scan_key(application_id, doc_type)
    if (request.content_length or 0) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Ukuran berkas melebihi {MAX_UPLOAD_BYTES // 2**20} MB.")
    check()
    # One byte past the limit, so a chunked body (no Content-Length) is caught too.
    data = read_body(request, MAX_UPLOAD_BYTES)
    # Decoding a whole image or PDF is CPU work: off the event loop, so other requests go on.
    scan = tpool.execute(check_scan, data, request.headers.get("Content-Type"))
    bucket = routes.settings.scans_bucket
    put_scan(routes.storage, routes.scan_keys, bucket, key, scan.data)  # encrypted at rest
    upload = {
        "doc_type": doc_type, "object_key": key, "content_type": scan.content_type,
        "size": len(scan.data), "sha256": scan.sha256,
    }
    try:
        result = attach(upload)
    except Exception:
        routes.storage.delete(bucket, key)  # refused or failed: leave no orphan behind
        raise
    return json_response(result, status=201)


class CitizenRoutes(GatewayBase):
    # --- citizens ---------------------------------------------------------------------------

    @api("GET", "/api/v1/services")
    def list_services(self, request: Request) -> Response:
        return json_response(self.intake.catalogue())

    @api("POST", "/api/v1/applications")
    def create_application(self, request: Request) -> Response:
        # Signed in (a session or the super-app's token), the account is recorded as the filer.
        credential = citizen_credential(request, required=False)
        payload = parse_json(request, CreateApplicationIn())
        intake = self._keyed(self.intake, request, "create_application")
        return json_response(intake.create_application(payload, credential), status=201)

    @api("PUT", "/api/v1/applications/<application_id>/documents/<doc_type>")
    def upload_document(self, request: Request, application_id: str, doc_type: str) -> Response:
        token = citizen_credential(request)
        return receive_scan(
            self, request, application_id, doc_type,
            check=lambda: self.intake.check_upload(application_id, token, doc_type),
            attach=lambda upload: self.intake.attach_document(application_id, token, upload),
        )

    @api("PATCH", "/api/v1/applications/<application_id>")
    def update_application(self, request: Request, application_id: str) -> Response:
        changes = parse_json(request, UpdateApplicationIn())
        token = citizen_credential(request)
        return json_response(self.intake.update_application(
            application_id, token, changes, self._client(request)
        ))

    @api("POST", "/api/v1/applications/<application_id>/contact/confirm")
    def confirm_contact_change(self, request: Request, application_id: str) -> Response:
        """A new email or phone (PATCH above) applies once the code sent to it is given."""
        code = parse_json(request, ContactCodeIn())["code"]
        token = citizen_credential(request)
        return json_response(self.intake.confirm_contact_change(application_id, token, code))

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

    @api("GET", "/api/v1/applications/<application_id>/access-log")
    def access_log(self, request: Request, application_id: str) -> Response:
        """Who opened or acted on the application ("Riwayat akses data Anda")."""
        credential = citizen_credential(request)
        return json_response(self.intake.access_log(application_id, credential))

    @api("POST", "/api/v1/applications/<application_id>/document")
    def download_document(self, request: Request, application_id: str) -> Response:
        """The PIN in the body: never in a URL that proxies, browsers or logs keep."""
        pin = parse_json(request, DownloadIn())["pin"]
        return self._document(request, application_id, pin)

    @api("GET", "/api/v1/applications/<application_id>/document")
    def download_document_by_get(self, request: Request, application_id: str) -> Response:
        """The PIN in the ``X-Download-PIN`` header; ``?pin=`` is the deprecated old form, kept
        working (with a Deprecation header) for clients that still send it."""
        pin = request.headers.get(PIN_HEADER)
        if pin is not None:
            return self._document(request, application_id, pin)
        response = self._document(request, application_id, request.args.get("pin", ""))
        response.headers["Deprecation"] = "true"
        response.headers["Link"] = (f'</api/v1/applications/{application_id}/document>; '
                                    'rel="successor-version"')
        return response

    @api("POST", "/api/v1/applications/<application_id>/issued-documents/<document_number>")
    def download_issued_document(self, request: Request, application_id: str,
                                 document_number: str) -> Response:
        """One of the application's documents (a birth issues the akta, the KK, maybe the
        KIA); the same PIN opens them all. Not ``documents/``: that path is the uploads'."""
        pin = parse_json(request, DownloadIn())["pin"]
        return self._document(request, application_id, pin, document_number)

    @api("GET", "/api/v1/applications/<application_id>/issued-documents/<document_number>")
    def download_issued_document_by_get(self, request: Request, application_id: str,
                                        document_number: str) -> Response:
        """The PIN in the ``X-Download-PIN`` header only: a new route has no ``?pin=`` form.
        No header is a wrong PIN (403 INVALID_PIN), as on the old route."""
        pin = request.headers.get(PIN_HEADER, "")
        return self._document(request, application_id, pin, document_number)

    def _document(self, request: Request, application_id: str, pin: str,
                  document_number: str | None = None) -> Response:
        """``document_number`` None: the principal document (the old single-document route)."""
        token = citizen_credential(request)
        ref = self.intake.open_document(application_id, token, pin,
                                        document_number=document_number)
        return self._stored_pdf(ref["object_key"], f"{ref['document_number']}.pdf", "attachment")
