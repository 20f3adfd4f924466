"""Citizen accounts: sign-in by one-time code, the session cookie or token, the account's
applications, family (and a KK's family, to pre-fill a form), profile and devices, attaching
a guest application, and recovering a lost guest link. Intake owns all of it; see
docs/accounts.md."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import (
    AccountUpdateIn,
    AttachIn,
    CodeRequestIn,
    ContactIn,
    SignInIn,
    TrackingCodeIn,
)
from gateway.sessions import (
    citizen_credential,
    clear_session_cookies,
    csrf_for,
    set_session_cookies,
)


def _empty(status: int = 204) -> Response:
    return Response(status=status)


class AccountRoutes(GatewayBase):
    # --- signing in ---------------------------------------------------------------------------

    @api("POST", "/api/v1/auth/code")
    def request_sign_in_code(self, request: Request) -> Response:
        body = parse_json(request, CodeRequestIn())
        sent = self.intake.request_sign_in_code(
            body["identifier"], body.get("channel"), self._client(request)
        )
        return json_response(sent, status=202)

    @api("POST", "/api/v1/auth/session")
    def sign_in(self, request: Request) -> Response:
        body = parse_json(request, SignInIn())
        started = self.intake.sign_in_with_code(
            body["identifier"], body["code"], self._device(request)
        )
        answer = {"account": started["account"], "expires_at": started["expires_at"],
                  "csrf_token": csrf_for(started["token"])}
        if body["mode"] == "cookie":
            response = json_response(answer, status=201)
            set_session_cookies(response, started)
            return response
        return json_response({**answer, "token": started["token"]}, status=201)

    @api("DELETE", "/api/v1/auth/session")
    def sign_out(self, request: Request) -> Response:
        self.intake.sign_out(citizen_credential(request))
        response = _empty()
        clear_session_cookies(response)
        return response

    # --- the account ----------------------------------------------------------------------------

    @api("GET", "/api/v1/me")
    def me(self, request: Request) -> Response:
        return json_response(self.intake.account(citizen_credential(request)))

    @api("PATCH", "/api/v1/me")
    def update_me(self, request: Request) -> Response:
        credential = citizen_credential(request)
        body = parse_json(request, AccountUpdateIn())
        return json_response(self.intake.update_account(credential, body))

    @api("POST", "/api/v1/me/contacts/code")
    def request_contact_code(self, request: Request) -> Response:
        credential = citizen_credential(request)
        body = parse_json(request, CodeRequestIn())
        sent = self.intake.request_contact_code(
            credential, body["identifier"], body.get("channel"), self._client(request)
        )
        return json_response(sent, status=202)

    @api("POST", "/api/v1/me/contacts")
    def add_contact(self, request: Request) -> Response:
        credential = citizen_credential(request)
        body = parse_json(request, ContactIn())
        return json_response(
            self.intake.add_contact(credential, body["identifier"], body["code"]), status=201
        )

    @api("GET", "/api/v1/me/sessions")
    def my_sessions(self, request: Request) -> Response:
        return json_response(self.intake.account_sessions(citizen_credential(request)))

    @api("DELETE", "/api/v1/me/sessions/<session_id>")
    def end_my_session(self, request: Request, session_id: str) -> Response:
        self.intake.end_account_session(citizen_credential(request), session_id)
        return _empty()

    @api("POST", "/api/v1/me/sessions/end-all")
    def end_all_my_sessions(self, request: Request) -> Response:
        self.intake.end_all_account_sessions(citizen_credential(request))
        response = _empty()
        clear_session_cookies(response)
        return response

    @api("GET", "/api/v1/me/applications")
    def my_applications(self, request: Request) -> Response:
        return json_response(self.intake.my_applications(citizen_credential(request)))

    @api("GET", "/api/v1/me/family")
    def my_family(self, request: Request) -> Response:
        return json_response(self.intake.my_family(citizen_credential(request)))

    @api("GET", "/api/v1/account/families/<kk_number>")
    def account_kk_family(self, request: Request, kk_number: str) -> Response:
        """The family on a KK this system issued, to pre-fill a form: only for an account whose
        verified NIK is on it (intake checks that and counts the lookups)."""
        return json_response(self.intake.kk_family(
            kk_number, citizen_token=citizen_credential(request)
        ))

    # --- guest applications -------------------------------------------------------------------

    @api("POST", "/api/v1/me/applications/attach-code")
    def request_attach_code(self, request: Request) -> Response:
        credential = citizen_credential(request)
        body = parse_json(request, TrackingCodeIn())
        sent = self.intake.request_attach_code(
            credential, body["tracking_code"], self._client(request)
        )
        return json_response(sent, status=202)

    @api("POST", "/api/v1/me/applications/attach")
    def attach_application(self, request: Request) -> Response:
        credential = citizen_credential(request)
        body = parse_json(request, AttachIn())
        return json_response(
            self.intake.attach_application(credential, body["tracking_code"], body["code"])
        )

    @api("POST", "/api/v1/recovery/code")
    def request_recovery_code(self, request: Request) -> Response:
        body = parse_json(request, TrackingCodeIn())
        sent = self.intake.request_recovery_code(body["tracking_code"], self._client(request))
        return json_response(sent, status=202)

    @api("POST", "/api/v1/recovery")
    def recover_access(self, request: Request) -> Response:
        body = parse_json(request, AttachIn())
        return json_response(
            self.intake.recover_access(body["tracking_code"], body["code"])
        )
