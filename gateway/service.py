"""The public HTTP gateway. Thin: validate the request, make one RPC, shape the response.

Scan bytes go straight to object storage from here (never through the broker); intake then
records the upload, and refuses it if the token or the application's state does not allow it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Request, Response

from gateway import public_status
from gateway.http import api, bearer_token, json_response, parse_json
from gateway.rpc import TimedRpcProxy
from gateway.schemas import (
    CancelIn,
    CreateApplicationIn,
    DecisionIn,
    StaffLoginIn,
    UpdateApplicationIn,
)
from gateway.uploads import MAX_UPLOAD_BYTES, check_scan
from silasidakep.config import load_settings
from silasidakep.errors import NotFound, PayloadTooLarge, ValidationFailed
from silasidakep.ops import OpsEndpoints, check_broker
from silasidakep.storage import Storage

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)
OPENAPI_SPEC = Path(__file__).with_name("openapi.yaml")
VERIFY_LABELS = {
    "ACTIVE": "DOKUMEN ASLI DAN AKTIF",
    "SUPERSEDED": "DOKUMEN SUDAH TIDAK BERLAKU (DIGANTIKAN DOKUMEN BARU)",
    "REVOKED": "DOKUMEN DICABUT",
    "UNKNOWN": "DOKUMEN TIDAK DIKENAL",
}


DOC_TYPE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")


def scan_key(application_id: str, doc_type: str) -> str:
    """Where a scan goes; checked first so junk never reaches object storage."""
    try:
        application_id = str(uuid.UUID(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    if not DOC_TYPE_PATTERN.match(doc_type):
        raise ValidationFailed(
            fields={"doc_type": ["Jenis dokumen tidak dikenal."]}, code="UNKNOWN_DOCUMENT_TYPE"
        )
    return f"applications/{application_id}/{doc_type}/{uuid.uuid4()}"


class GatewayService(OpsEndpoints):
    name = "gateway"

    intake = TimedRpcProxy("intake")
    verification = TimedRpcProxy("verification")
    printing = TimedRpcProxy("printing")
    notification = TimedRpcProxy("notification")
    storage = Storage()

    def __init__(self) -> None:
        self.settings = load_settings()

    def health_checks(self) -> dict[str, Callable[[], None]]:
        return {
            "broker": lambda: check_broker(self.config["AMQP_URI"]),
            "object_storage": self.storage.ping,
        }

    # --- citizens ---------------------------------------------------------------------------

    @api("GET", "/api/v1/openapi.yaml")
    def openapi(self, request: Request) -> Response:
        return Response(OPENAPI_SPEC.read_bytes(), mimetype="application/yaml")

    @api("GET", "/api/v1/services")
    def list_services(self, request: Request) -> Response:
        return json_response({"services": self.intake.list_services()})

    @api("POST", "/api/v1/applications")
    def create_application(self, request: Request) -> Response:
        payload = parse_json(request, CreateApplicationIn())
        return json_response(self.intake.create_application(payload), status=201)

    @api("PUT", "/api/v1/applications/<application_id>/documents/<doc_type>")
    def upload_document(self, request: Request, application_id: str, doc_type: str) -> Response:
        token = bearer_token(request)
        if (request.content_length or 0) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"Ukuran berkas melebihi {MAX_UPLOAD_BYTES // 2**20} MB.")
        # Read one byte past the limit so a body without Content-Length is caught too.
        data = request.stream.read(MAX_UPLOAD_BYTES + 1)
        scan = check_scan(data, request.headers.get("Content-Type"))
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
        token = bearer_token(request)
        return json_response(self.intake.update_application(application_id, token, changes))

    @api("POST", "/api/v1/applications/<application_id>/cancel")
    def cancel_application(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, CancelIn())
        token = bearer_token(request)
        return json_response(self.intake.cancel(application_id, token, body["reason"]))

    @api("POST", "/api/v1/applications/<application_id>/submit")
    def submit(self, request: Request, application_id: str) -> Response:
        result = self.intake.submit(application_id, bearer_token(request))
        return json_response(result, status=202)

    @api("GET", "/api/v1/applications/<application_id>")
    def get_application(self, request: Request, application_id: str) -> Response:
        return json_response(self.intake.get_application(application_id, bearer_token(request)))

    @api("GET", "/api/v1/applications/<application_id>/document")
    def download_document(self, request: Request, application_id: str) -> Response:
        token = bearer_token(request)
        ref = self.intake.open_document(application_id, token, request.args.get("pin", ""))
        pdf = self.storage.get(self.settings.documents_bucket, ref["object_key"])
        return Response(
            pdf, mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{ref["document_number"]}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    # --- public service status ---------------------------------------------------------------

    @api("GET", "/api/v1/status")
    def service_status(self, request: Request) -> Response:
        return json_response(
            public_status.current(self._component_health, self.intake.backlog),
            headers={"Cache-Control": "public, max-age=15"},
        )

    def _component_health(self) -> dict[str, bool]:
        proxies = {
            "intake": self.intake, "verification": self.verification,
            "printing": self.printing, "notification": self.notification,
        }
        return public_status.probe(proxies, self.storage.ping)

    # --- public document verification (the QR code points here) -----------------------------

    @api("GET", "/api/v1/verify/<document_number>")
    def verify_json(self, request: Request, document_number: str) -> Response:
        return self._verification(request, document_number, prefer_html=False)

    @api("GET", "/verify/<document_number>")
    def verify_page(self, request: Request, document_number: str) -> Response:
        return self._verification(request, document_number, prefer_html=True)

    def _verification(self, request: Request, number: str, prefer_html: bool) -> Response:
        """JSON or HTML by the Accept header; each route has its own default."""
        result = self.printing.verify_document(number)
        offered = ["text/html", "application/json"]
        if not prefer_html:
            offered.reverse()
        if request.accept_mimetypes.best_match(offered, default=offered[0]) == "application/json":
            return json_response(result)
        html = templates.get_template("verify.html").render(result=result, labels=VERIFY_LABELS)
        return Response(html, mimetype="text/html")

    # --- staff --------------------------------------------------------------------------------

    @api("POST", "/api/v1/staff/session")
    def staff_login(self, request: Request) -> Response:
        body = parse_json(request, StaffLoginIn())
        return json_response(self.verification.login(body["username"], body["password"]))

    @api("POST", "/api/v1/staff/queue/claim")
    def claim_next(self, request: Request) -> Response:
        item = self.verification.claim_next(bearer_token(request))
        return json_response(item) if item else Response(status=204)

    @api("GET", "/api/v1/staff/applications/<application_id>")
    def staff_application(self, request: Request, application_id: str) -> Response:
        return json_response(
            self.verification.get_application(bearer_token(request), application_id)
        )

    @api("GET", "/api/v1/staff/applications/<application_id>/documents/<doc_type>")
    def staff_document(self, request: Request, application_id: str, doc_type: str) -> Response:
        ref = self.verification.document_ref(bearer_token(request), application_id, doc_type)
        data = self.storage.get(self.settings.scans_bucket, ref["object_key"])
        return Response(data, mimetype=ref["content_type"], headers={"Cache-Control": "no-store"})

    @api("POST", "/api/v1/staff/applications/<application_id>/decision")
    def decide(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, DecisionIn())
        return json_response(
            self.verification.decide(bearer_token(request), application_id, body)
        )
