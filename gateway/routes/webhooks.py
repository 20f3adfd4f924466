"""Webhook subscribers (integrators such as the super-app) and their deliveries, for admins.
Notification owns and validates them; see docs/webhooks.md."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase


class WebhookRoutes(GatewayBase):
    @api("POST", "/api/v1/staff/webhooks")
    def create_webhook(self, request: Request) -> Response:
        token = bearer_token(request)
        body = parse_json(request)  # notification checks the content (URL guard included)
        return json_response(self.notification.staff_create_webhook(token, body), status=201)

    @api("GET", "/api/v1/staff/webhooks")
    def list_webhooks(self, request: Request) -> Response:
        return json_response(self.notification.staff_webhooks(bearer_token(request)))

    @api("POST", "/api/v1/staff/webhooks/<subscriber_id>/disable")
    def disable_webhook(self, request: Request, subscriber_id: str) -> Response:
        return json_response(
            self.notification.staff_disable_webhook(bearer_token(request), subscriber_id)
        )

    @api("GET", "/api/v1/staff/webhooks/deliveries")
    def webhook_deliveries(self, request: Request) -> Response:
        return json_response(self.notification.staff_webhook_deliveries(
            bearer_token(request), request.args.get("state") or None,
            request.args.get("subscriber_id") or None,
        ))

    @api("POST", "/api/v1/staff/webhooks/deliveries/<delivery_id>/replay")
    def replay_webhook(self, request: Request, delivery_id: str) -> Response:
        return json_response(
            self.notification.staff_replay_webhook(bearer_token(request), delivery_id)
        )
