"""Public answers without a token: the API description, region codes, service status, document
verification."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Request, Response

from gateway import public_status
from gateway.http import api, json_response, take_retry_after
from gateway.routes.base import GatewayBase
from silasidakep import regions
from silasidakep.errors import NotFound, TooManyAttempts

GATEWAY_DIR = Path(__file__).resolve().parent.parent
OPENAPI_SPEC = GATEWAY_DIR / "openapi.yaml"
templates = Environment(
    loader=FileSystemLoader(GATEWAY_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
)
VERIFY_LABELS = {
    "ACTIVE": "DOKUMEN ASLI DAN AKTIF",
    "SUPERSEDED": "DOKUMEN SUDAH TIDAK BERLAKU (DIGANTIKAN DOKUMEN BARU)",
    "REVOKED": "DOKUMEN DICABUT",
    "UNKNOWN": "DOKUMEN TIDAK DIKENAL",
}
CACHE_A_DAY = {"Cache-Control": "public, max-age=86400"}


def region_body(region: regions.Region) -> dict[str, str]:
    return {"code": region.code, "name": region.name, "level": region.level}


class PublicRoutes(GatewayBase):
    @api("GET", "/api/v1/openapi.yaml")
    def openapi(self, request: Request) -> Response:
        return Response(OPENAPI_SPEC.read_bytes(), mimetype="application/yaml")

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

    # --- public document verification (the QR code points here) -----------------------------

    @api("GET", "/api/v1/verify/<document_number>")
    def verify_json(self, request: Request, document_number: str) -> Response:
        return self._verification(request, document_number, prefer_html=False)

    @api("GET", "/verify/<document_number>")
    def verify_page(self, request: Request, document_number: str) -> Response:
        return self._verification(request, document_number, prefer_html=True)

    def _verification(self, request: Request, number: str, prefer_html: bool) -> Response:
        """JSON or HTML by the Accept header; each route has its own default. ``c`` is the
        check code in the QR code (the holder's name is shown only with it); printing limits
        lookups per client address (429 ``TOO_MANY_LOOKUPS``, as a page for the HTML route)."""
        offered = ["text/html", "application/json"]
        if not prefer_html:
            offered.reverse()
        as_json = request.accept_mimetypes.best_match(offered, default=offered[0]) == (
            "application/json"
        )
        no_store = {"Cache-Control": "no-store"}  # the answer depends on the code and the limit
        try:
            result = self.printing.verify_document(
                number, check_code=request.args.get("c") or None, client=self._client(request)
            )
        except TooManyAttempts as exc:
            if as_json or exc.code != "TOO_MANY_LOOKUPS":
                raise
            wait = take_retry_after(exc)
            html = templates.get_template("verify.html").render(
                result={"document_number": number[:40]}, labels=VERIFY_LABELS,
                limited=exc.message,
            )
            headers = {**no_store, **({"Retry-After": str(wait)} if wait is not None else {})}
            return Response(html, status=429, mimetype="text/html", headers=headers)
        if as_json:
            return json_response(result)
        html = templates.get_template("verify.html").render(result=result, labels=VERIFY_LABELS)
        return Response(html, mimetype="text/html", headers=no_store)
