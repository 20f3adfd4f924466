"""The public HTTP gateway. Thin: validate the request's shape, make one RPC, shape the
response. The routes live by area in ``gateway/routes/``; this composes them into one nameko
service (dependencies are declared once, in ``gateway.routes.base``).

Scan bytes go straight to object storage from here (never through the broker); intake then
records the upload, and refuses it if the token or the application's state does not allow it.
"""

from __future__ import annotations

from gateway.routes.accounts import AccountRoutes
from gateway.routes.appointments import AppointmentRoutes
from gateway.routes.citizen import CitizenRoutes
from gateway.routes.complaints import ComplaintRoutes
from gateway.routes.front_office import FrontOfficeRoutes
from gateway.routes.kecamatan_desk import KecamatanDeskRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.oidc import OidcRoutes
from gateway.routes.pages import PageRoutes
from gateway.routes.public import PublicRoutes
from gateway.routes.reports import ReportRoutes
from gateway.routes.signing import SigningRoutes
from gateway.routes.staff_admin import StaffAdminRoutes
from gateway.routes.staff_review import StaffReviewRoutes
from gateway.routes.subject_export import SubjectExportRoutes
from gateway.routes.survey import SurveyRoutes
from gateway.routes.webhooks import WebhookRoutes


class GatewayService(
    CitizenRoutes, AccountRoutes, OidcRoutes, PublicRoutes, PageRoutes, StaffReviewRoutes,
    StaffAdminRoutes, SigningRoutes, KecamatanDeskRoutes, AppointmentRoutes, ComplaintRoutes,
    NotificationRoutes, WebhookRoutes, SubjectExportRoutes, FrontOfficeRoutes,
    ReportRoutes, SurveyRoutes,
):
    name = "gateway"
