"""The citizen pages and the staff console pages (static; they use only the API)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway import web
from gateway.http import api
from gateway.routes.base import GatewayBase


class PageRoutes(GatewayBase):
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

    @api("GET", "/masuk")
    def sign_in_page(self, request: Request) -> Response:
        return web.page(request, "sign_in")

    @api("GET", "/akun")
    def account_page(self, request: Request) -> Response:
        return web.page(request, "account")

    @api("GET", "/akun/keluarga")
    def account_family_page(self, request: Request) -> Response:
        return web.page(request, "account_family")

    @api("GET", "/akun/profil")
    def account_profile_page(self, request: Request) -> Response:
        return web.page(request, "account_profile")

    @api("GET", "/pulihkan")
    def recover_page(self, request: Request) -> Response:
        return web.page(request, "recover")

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

    @api("GET", "/petugas/loket")
    def staff_front_office_page(self, request: Request) -> Response:
        return web.page(request, "staff_front_office")

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

    @api("GET", "/petugas/laporan")
    def staff_reports_page(self, request: Request) -> Response:
        return web.page(request, "staff_reports")

    @api("GET", "/petugas/dokumen")
    def staff_documents_page(self, request: Request) -> Response:
        return web.page(request, "staff_documents")

    @api("GET", "/static/<path:path>")
    def static_file(self, request: Request, path: str) -> Response:
        return web.static(request, path)
