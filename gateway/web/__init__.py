"""The citizen web pages: HTML, one ES module per page and one stylesheet.

The pages hold no data of their own: every page talks to the public JSON API exactly as the
regional super-app does. Each page is a Jinja2 template that only fills the shared layout
(``pages/_layout.html``), rendered once per file version; nothing depends on the request. This
module serves them and the static files, with safe path handling, explicit content types and
cache headers.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.security import safe_join
from werkzeug.wrappers import Request, Response

from gateway.http import json_response
from silasidakep.errors import NotFound

WEB_DIR = Path(__file__).resolve().parent
PAGES_DIR = WEB_DIR / "pages"
STATIC_DIR = WEB_DIR / "static"

PAGES = {
    "home": "beranda.html",
    "apply": "layanan.html",
    "track": "permohonan.html",
    "complaints": "pengaduan.html",
    "status": "status.html",
    # Citizen accounts: sign-in by code, the account's applications, family, profile, devices.
    "sign_in": "masuk.html",
    "account": "akun.html",
    "account_family": "akun-keluarga.html",
    "account_profile": "akun-profil.html",
    "recover": "pulihkan.html",
    "survey": "survei.html",  # the IKM survey behind an invitation link (/survei/<token>)
    # The staff console (/petugas/...): same layout and API rules, staff token in sessionStorage.
    "staff_login": "petugas-masuk.html",
    "staff_queue": "petugas-antrean.html",
    "staff_review": "petugas-permohonan.html",
    "staff_signing": "petugas-tanda-tangan.html",
    "staff_desk": "petugas-kecamatan.html",
    "staff_print": "petugas-cetak.html",
    "staff_front_office": "petugas-loket.html",  # the counter: assisted intake (issue 15)
    "staff_complaints": "petugas-pengaduan.html",
    "staff_admin": "petugas-admin.html",
    "staff_reason_codes": "petugas-kode-alasan.html",
    "staff_backlog": "petugas-pantauan.html",
    "staff_reports": "petugas-laporan.html",
    "staff_documents": "petugas-dokumen.html",  # a document's history, revocation (issue 16)
}
STAFF_BASE = "petugas-base.html"
SIMPLE_BASE = "_simple.html"  # pages drawn wholly by their script (the account pages)
APPLICATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Only these extensions are served: never Python files, never anything without a known type.
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
SERVICE_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
STATIC_PATH = re.compile(r"^[a-z0-9][a-z0-9_\-/]*(\.[a-z0-9]+)+$")

# The pages load only their own scripts and styles and talk only to this origin's API.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The tracking link carries the access token in its fragment, which is never sent; no
    # referrer at all keeps even the path of a page out of other servers' logs.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Staff pages show scans fetched with the staff token as blob: URLs (PDF in a frame).
STAFF_SECURITY_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"].replace(
        "object-src 'none';", "object-src 'none'; frame-src blob:;"
    ),
}
# Assets have no hashed names (no build step), so browsers revalidate them after a short while;
# the ETag makes that revalidation a 304.
STATIC_CACHE = "public, max-age=300, must-revalidate"


_templates = Environment(
    loader=FileSystemLoader(PAGES_DIR), autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined, auto_reload=True,
)


def _tagged(data: bytes) -> tuple[bytes, str]:
    return data, hashlib.sha256(data).hexdigest()[:32]


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int) -> tuple[bytes, str]:
    return _tagged(path.read_bytes())


@lru_cache(maxsize=16)
def _render(name: str, mtimes_ns: tuple[int, ...]) -> tuple[bytes, str]:
    return _tagged(_templates.get_template(name).render().encode())


def _read(path: Path) -> tuple[bytes, str]:
    # The modification time is part of the cache key, so an edited file is served at once.
    return _load(path, path.stat().st_mtime_ns)


def _conditional(request: Request, data: bytes, etag: str, content_type: str,
                 cache_control: str, security: dict[str, str] = SECURITY_HEADERS) -> Response:
    headers = {"Cache-Control": cache_control, "ETag": f'"{etag}"', **security}
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(data, headers=headers, content_type=content_type)


def page(request: Request, name: str) -> Response:
    """One of the citizen pages. HTML is always revalidated, so a new release shows at once."""
    template = PAGES[name]
    staff = name.startswith("staff_")
    # All files' modification times key the cache, so an edited page or layout shows at once.
    files = (template, "_layout.html", STAFF_BASE if staff else SIMPLE_BASE)
    mtimes = tuple((PAGES_DIR / f).stat().st_mtime_ns for f in files)
    data, etag = _render(template, mtimes)
    security = STAFF_SECURITY_HEADERS if staff else SECURITY_HEADERS
    return _conditional(request, data, etag, "text/html; charset=utf-8", "no-cache", security)


def _not_found(message: str, code: str) -> Response:
    # Answered, not raised: a raised error is logged with a traceback, and probes for files
    # that do not exist are routine on any public site.
    return json_response(NotFound(message, code=code).to_body(), status=404)


def apply_page(request: Request, code: str) -> Response:
    if not SERVICE_CODE.match(code):
        return _not_found("Layanan tidak ditemukan.", "SERVICE_NOT_FOUND")
    return page(request, "apply")


def staff_review_page(request: Request, application_id: str) -> Response:
    if not APPLICATION_ID.match(application_id):
        return _not_found("Permohonan tidak ditemukan.", "APPLICATION_NOT_FOUND")
    return page(request, "staff_review")


def static(request: Request, path: str) -> Response:
    """A stylesheet, script or image under ``static/``; anything else is a 404."""
    missing = _not_found("Berkas tidak ditemukan.", "STATIC_NOT_FOUND")
    if not STATIC_PATH.match(path) or "//" in path:
        return missing
    content_type = CONTENT_TYPES.get(Path(path).suffix)
    joined = safe_join(str(STATIC_DIR), path)
    if content_type is None or joined is None:
        return missing
    target = Path(joined)
    if not target.is_file() or STATIC_DIR not in target.resolve().parents:
        return missing
    data, etag = _read(target)
    return _conditional(request, data, etag, content_type, STATIC_CACHE)
