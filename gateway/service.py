"""The public HTTP gateway. Thin: validate the request, make one RPC, shape the response.

Scan bytes go straight to object storage from here (never through the broker); intake then
records the upload, and refuses it if the token or the application's state does not allow it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from eventlet import tpool
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Request, Response

from gateway import public_status, web
from gateway.http import (
    api,
    bearer_token,
    client_address,
    json_response,
    parse_json,
    trust_proxy_headers,
)
from gateway.rpc import TimedRpcProxy
from gateway.schemas import (
    AttendanceIn,
    BlankoIn,
    BookAppointmentIn,
    CancelIn,
    ClaimFiltersIn,
    ComplaintAnswerIn,
    ComplaintIn,
    CreateApplicationIn,
    DecisionIn,
    LocationIn,
    LocationUpdateIn,
    NotificationPreviewIn,
    PrintJobStepIn,
    ReasonCodeIn,
    ReasonCodeUpdateIn,
    ReassignIn,
    RescheduleAppointmentIn,
    RevokeIn,
    SigningBatchIn,
    SlotCapacityIn,
    SlotsIn,
    StaffAccountIn,
    StaffAccountUpdateIn,
    StaffLoginIn,
    UpdateApplicationIn,
)
from gateway.uploads import MAX_UPLOAD_BYTES, check_scan
from silasidakep import regions
from silasidakep.config import load_settings
from silasidakep.errors import NotFound, PayloadTooLarge, ServiceUnavailable, ValidationFailed
from silasidakep.ops import OpsEndpoints, check_broker
from silasidakep.queue_metrics import QueueMetrics
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


CACHE_A_DAY = {"Cache-Control": "public, max-age=86400"}


def region_body(region: regions.Region) -> dict[str, str]:
    return {"code": region.code, "name": region.name, "level": region.level}


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
    queue_metrics = QueueMetrics()  # every pipeline queue's depth and oldest message (on scrape)

    def __init__(self) -> None:
        self.settings = load_settings()
        self.trust_proxy = trust_proxy_headers()

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

    # --- region codes for pickers (static data, answered here without an RPC) ----------------

    @api("GET", "/api/v1/regions")
    def list_regions(self, request: Request) -> Response:
        parent = request.args.get("parent") or None
        if parent is not None and regions.get(parent) is None:
            raise NotFound("Wilayah tidak ditemukan.", code="REGION_NOT_FOUND")
        children = [region_body(r) for r in regions.children(parent)]
        return json_response({"regions": children}, headers=CACHE_A_DAY)

    @api("GET", "/api/v1/regions/<code>")
    def get_region(self, request: Request, code: str) -> Response:
        region = regions.get(code)
        if region is None:
            raise NotFound("Wilayah tidak ditemukan.", code="REGION_NOT_FOUND")
        body = {**region_body(region), "path": [region_body(r) for r in regions.path(code)]}
        return json_response(body, headers=CACHE_A_DAY)

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

    # --- citizen web pages (static; they use only the public API above) ----------------------

    @api("GET", "/")
    def home_page(self, request: Request) -> Response:
        return web.page(request, "home")

    @api("GET", "/layanan/<code>")
    def apply_page(self, request: Request, code: str) -> Response:
        return web.apply_page(request, code)

    @api("GET", "/permohonan")
    def track_page(self, request: Request) -> Response:
        return web.page(request, "track")

    @api("GET", "/pengaduan")
    def complaints_page(self, request: Request) -> Response:
        return web.page(request, "complaints")

    @api("GET", "/status")
    def status_page(self, request: Request) -> Response:
        return web.page(request, "status")

    # --- staff console pages (static; the token stays in the browser's sessionStorage) ------

    @api("GET", "/petugas")
    def staff_login_page(self, request: Request) -> Response:
        return web.page(request, "staff_login")

    @api("GET", "/petugas/antrean")
    def staff_queue_page(self, request: Request) -> Response:
        return web.page(request, "staff_queue")

    @api("GET", "/petugas/permohonan/<application_id>")
    def staff_review_page(self, request: Request, application_id: str) -> Response:
        return web.staff_review_page(request, application_id)

    @api("GET", "/petugas/tanda-tangan")
    def staff_signing_page(self, request: Request) -> Response:
        return web.page(request, "staff_signing")

    @api("GET", "/petugas/kecamatan")
    def staff_desk_page(self, request: Request) -> Response:
        return web.page(request, "staff_desk")

    @api("GET", "/petugas/cetak")
    def staff_print_page(self, request: Request) -> Response:
        return web.page(request, "staff_print")

    @api("GET", "/petugas/pengaduan")
    def staff_complaints_page(self, request: Request) -> Response:
        return web.page(request, "staff_complaints")

    @api("GET", "/petugas/admin")
    def staff_admin_page(self, request: Request) -> Response:
        return web.page(request, "staff_admin")

    @api("GET", "/petugas/kode-alasan")
    def staff_reason_codes_page(self, request: Request) -> Response:
        return web.page(request, "staff_reason_codes")

    @api("GET", "/petugas/pantauan")
    def staff_backlog_page(self, request: Request) -> Response:
        return web.page(request, "staff_backlog")

    @api("GET", "/static/<path:path>")
    def static_file(self, request: Request, path: str) -> Response:
        return web.static(request, path)

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

    def _client(self, request: Request) -> dict[str, str | None]:
        """Who calls, for verification's login limits and access log (TRUST_PROXY_HEADERS)."""
        return {"ip": client_address(request, self.trust_proxy)}

    @api("POST", "/api/v1/staff/session")
    def staff_login(self, request: Request) -> Response:
        body = parse_json(request, StaffLoginIn())
        return json_response(self.verification.login(
            body["username"], body["password"], client=self._client(request)
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
        data = self.storage.get(self.settings.scans_bucket, ref["object_key"])
        return Response(data, mimetype=ref["content_type"], headers={"Cache-Control": "no-store"})

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

    # --- electronic signature by the head of the Dinas (SIGNING_MODE=manual) -----------------

    @api("GET", "/api/v1/staff/signing/queue")
    def signing_queue(self, request: Request) -> Response:
        return json_response(self.printing.signing_queue(bearer_token(request)))

    @api("GET", "/api/v1/staff/signing/<document_number>/draft")
    def signing_draft(self, request: Request, document_number: str) -> Response:
        ref = self.printing.signing_draft(bearer_token(request), document_number)
        pdf = self.storage.get(self.settings.documents_bucket, ref["object_key"])
        return Response(
            pdf, mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="DRAF-{ref["document_number"]}.pdf"',
                "Cache-Control": "no-store",
            },
        )

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
        pdf = self.storage.get(self.settings.documents_bucket, ref["object_key"])
        return Response(
            pdf, mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{ref["suket_number"]}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    @api("GET", "/api/v1/staff/blanko")
    def blanko_stock(self, request: Request) -> Response:
        return json_response(self.printing.blanko(
            bearer_token(request), request.args.get("kecamatan_code", "")
        ))

    @api("POST", "/api/v1/staff/blanko/<kecamatan_code>")
    def blanko_received(self, request: Request, kecamatan_code: str) -> Response:
        body = parse_json(request, BlankoIn())
        return json_response(self.printing.add_blanko(bearer_token(request), kecamatan_code, body))

    # --- in-person appointments (KTP-el biometrics, card collection) -------------------------

    @api("GET", "/api/v1/locations")
    def list_locations(self, request: Request) -> Response:
        locations = self.intake.list_locations(
            request.args.get("kecamatan_code") or None, request.args.get("step") or None
        )
        return json_response({"locations": locations})

    @api("GET", "/api/v1/locations/<code>/slots")
    def list_slots(self, request: Request, code: str) -> Response:
        return json_response(self.intake.list_slots(
            code, request.args.get("from") or None, request.args.get("to") or None
        ))

    @api("GET", "/api/v1/applications/<application_id>/appointments")
    def list_appointments(self, request: Request, application_id: str) -> Response:
        return json_response(
            self.intake.list_appointments(application_id, bearer_token(request))
        )

    @api("POST", "/api/v1/applications/<application_id>/appointments")
    def book_appointment(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, BookAppointmentIn())
        token = bearer_token(request)
        booked = self.intake.book_appointment(application_id, token, body["step"], body["slot_id"])
        return json_response(booked, status=201)

    @api("PUT", "/api/v1/applications/<application_id>/appointments/<appointment_id>")
    def reschedule_appointment(
        self, request: Request, application_id: str, appointment_id: str
    ) -> Response:
        body = parse_json(request, RescheduleAppointmentIn())
        return json_response(self.intake.reschedule_appointment(
            application_id, bearer_token(request), appointment_id, body["slot_id"]
        ))

    @api("DELETE", "/api/v1/applications/<application_id>/appointments/<appointment_id>")
    def cancel_appointment(
        self, request: Request, application_id: str, appointment_id: str
    ) -> Response:
        return json_response(self.intake.cancel_appointment(
            application_id, bearer_token(request), appointment_id
        ))

    @api("POST", "/api/v1/staff/locations")
    def staff_create_location(self, request: Request) -> Response:
        body = parse_json(request, LocationIn())
        return json_response(
            self.intake.staff_create_location(bearer_token(request), body), status=201
        )

    @api("PUT", "/api/v1/staff/locations/<code>")
    def staff_update_location(self, request: Request, code: str) -> Response:
        body = parse_json(request, LocationUpdateIn())
        return json_response(self.intake.staff_update_location(bearer_token(request), code, body))

    @api("POST", "/api/v1/staff/locations/<code>/slots")
    def staff_create_slots(self, request: Request, code: str) -> Response:
        body = parse_json(request, SlotsIn())
        return json_response(
            self.intake.staff_create_slots(bearer_token(request), code, body), status=201
        )

    @api("PATCH", "/api/v1/staff/slots/<slot_id>")
    def staff_set_slot_capacity(self, request: Request, slot_id: str) -> Response:
        body = parse_json(request, SlotCapacityIn())
        return json_response(
            self.intake.staff_set_slot_capacity(bearer_token(request), slot_id, body["capacity"])
        )

    @api("GET", "/api/v1/staff/locations/<code>/appointments")
    def staff_location_appointments(self, request: Request, code: str) -> Response:
        return json_response(self.intake.staff_location_appointments(
            bearer_token(request), code, request.args.get("date") or None
        ))

    @api("POST", "/api/v1/staff/appointments/<appointment_id>/attendance")
    def staff_mark_attendance(self, request: Request, appointment_id: str) -> Response:
        body = parse_json(request, AttendanceIn())
        return json_response(self.intake.staff_mark_attendance(
            bearer_token(request), appointment_id, body["attended"]
        ))

    # --- complaints and feedback --------------------------------------------------------------

    @api("GET", "/api/v1/complaints/categories")
    def complaint_categories(self, request: Request) -> Response:
        return json_response(
            self.intake.complaint_categories(), headers={"Cache-Control": "public, max-age=300"}
        )

    @api("POST", "/api/v1/complaints")
    def file_complaint(self, request: Request) -> Response:
        body = parse_json(request, ComplaintIn())
        return json_response(self.intake.file_complaint(body), status=201)

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

    # --- notifications: the citizen's inbox, provider receipts, staff views ------------------

    @api("GET", "/api/v1/applications/<application_id>/messages")
    def application_messages(self, request: Request, application_id: str) -> Response:
        # Intake owns the access token: check it there, then ask notification.
        checked = self.intake.check_access(application_id, bearer_token(request))
        return json_response(self.notification.inbox(checked["application_id"]))

    @api("POST", "/api/v1/notifications/receipts/<provider>")
    def notification_receipt(self, request: Request, provider: str) -> Response:
        # Notification holds the providers' secrets and verifies the HMAC signature.
        body = request.get_data(cache=False)[:10_000].decode("utf-8", "replace")
        signature = request.headers.get("X-Silasidakep-Signature")
        return json_response(self.notification.delivery_receipt(provider, body, signature))

    @api("GET", "/api/v1/staff/notifications")
    def staff_notifications(self, request: Request) -> Response:
        return json_response(self.notification.staff_messages(
            bearer_token(request), request.args.get("state") or None,
            request.args.get("application_id") or None,
        ))

    @api("GET", "/api/v1/staff/notifications/templates")
    def staff_notification_templates(self, request: Request) -> Response:
        return json_response(self.notification.staff_templates(bearer_token(request)))

    @api("POST", "/api/v1/staff/notifications/preview")
    def staff_notification_preview(self, request: Request) -> Response:
        body = parse_json(request, NotificationPreviewIn())
        return json_response(self.notification.staff_preview(
            bearer_token(request), body["template"], body["channel"]
        ))
