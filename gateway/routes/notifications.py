"""Notifications: the citizen's inbox, provider receipts, staff views."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import NotificationPreviewIn
from gateway.sessions import citizen_credential


class NotificationRoutes(GatewayBase):
    # --- notifications: the citizen's inbox, provider receipts, staff views ------------------

    @api("GET", "/api/v1/applications/<application_id>/messages")
    def application_messages(self, request: Request, application_id: str) -> Response:
        # Intake owns the access token: check it there, then ask notification.
        checked = self.intake.check_access(application_id, citizen_credential(request))
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
