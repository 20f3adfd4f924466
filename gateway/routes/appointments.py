"""In-person steps: locations, slots, bookings, the counter."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from gateway.http import api, bearer_token, json_response, parse_json
from gateway.routes.base import GatewayBase
from gateway.schemas import (
    AttendanceIn,
    BookAppointmentIn,
    RescheduleAppointmentIn,
    SlotCapacityIn,
)
from gateway.sessions import citizen_credential


class AppointmentRoutes(GatewayBase):
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
            self.intake.list_appointments(application_id, citizen_credential(request))
        )

    @api("POST", "/api/v1/applications/<application_id>/appointments")
    def book_appointment(self, request: Request, application_id: str) -> Response:
        body = parse_json(request, BookAppointmentIn())
        token = citizen_credential(request)
        booked = self.intake.book_appointment(application_id, token, body["step"], body["slot_id"])
        return json_response(booked, status=201)

    @api("PUT", "/api/v1/applications/<application_id>/appointments/<appointment_id>")
    def reschedule_appointment(
        self, request: Request, application_id: str, appointment_id: str
    ) -> Response:
        body = parse_json(request, RescheduleAppointmentIn())
        return json_response(self.intake.reschedule_appointment(
            application_id, citizen_credential(request), appointment_id, body["slot_id"]
        ))

    @api("DELETE", "/api/v1/applications/<application_id>/appointments/<appointment_id>")
    def cancel_appointment(
        self, request: Request, application_id: str, appointment_id: str
    ) -> Response:
        return json_response(self.intake.cancel_appointment(
            application_id, citizen_credential(request), appointment_id
        ))

    @api("POST", "/api/v1/staff/locations")
    def staff_create_location(self, request: Request) -> Response:
        body = parse_json(request)
        return json_response(
            self.intake.staff_create_location(bearer_token(request), body), status=201
        )

    @api("PUT", "/api/v1/staff/locations/<code>")
    def staff_update_location(self, request: Request, code: str) -> Response:
        body = parse_json(request)
        return json_response(self.intake.staff_update_location(bearer_token(request), code, body))

    @api("POST", "/api/v1/staff/locations/<code>/slots")
    def staff_create_slots(self, request: Request, code: str) -> Response:
        body = parse_json(request)
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
