"""Intake checks staff roles itself for appointments, complaints and the pipeline board (not only
the gateway), through the kernel's ``store.staff``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from unittest.mock import MagicMock

import jwt
import pytest
from nameko.testing.services import worker_factory

from services.intake.service import IntakeService
from silasidakep.auth import ISSUER
from silasidakep.config import load_settings
from silasidakep.db import StoreHandle
from silasidakep.errors import Forbidden, Unauthorized


def token(*roles: str) -> str:
    claims = {
        "sub": str(uuid.uuid4()), "username": "petugas.uji", "roles": list(roles),
        "iss": ISSUER, "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    return jwt.encode(claims, load_settings().jwt_secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("call", "role"),
    [
        (lambda s, t: s.staff_create_location(t, {}), "verifier"),
        (lambda s, t: s.staff_update_location(t, "MPP", {}), "supervisor"),
        (lambda s, t: s.staff_create_slots(t, "MPP", {}), "kecamatan_operator"),
        (lambda s, t: s.staff_set_slot_capacity(t, 1, 5), "verifier"),
        (lambda s, t: s.staff_location_appointments(t, "MPP", None), "admin"),
        (lambda s, t: s.staff_mark_attendance(t, str(uuid.uuid4()), True), "signer"),
        (lambda s, t: s.staff_list_complaints(t, None), "admin"),
        (lambda s, t: s.staff_answer_complaint(t, "ADU-00000000", "Jawab."), "kecamatan_operator"),
        (lambda s, t: s.staff_pipeline(t), "verifier"),
    ],
)
def test_staff_calls_refuse_other_roles_before_touching_data(call, role) -> None:
    store = MagicMock()
    # The real check (roles first, then staff access), on a store that records every use.
    store.staff.side_effect = lambda *args: StoreHandle.staff(store, *args)
    service = worker_factory(IntakeService, store=store)
    with pytest.raises(Forbidden) as refused:
        call(service, token(role))
    assert refused.value.code == "ROLE_REQUIRED"
    with pytest.raises(Unauthorized):
        call(service, "bukan.jwt")
    store.check_staff_access.assert_not_called()
    store.session.assert_not_called()


def test_an_allowed_role_is_checked_against_staff_access_before_the_data() -> None:
    store = MagicMock()
    store.staff.side_effect = lambda *args: StoreHandle.staff(store, *args)
    service = worker_factory(IntakeService, store=store)

    service.staff_list_complaints(token("supervisor"), None)

    (principal,), _ = store.check_staff_access.call_args
    assert principal.username == "petugas.uji" and "supervisor" in principal.roles
    store.session.assert_called()
