"""Intake owns the request rules for locations, slots and complaints: the gateway passes the JSON
body through as it came, so whatever a JSON body may hold is refused with a 400 and Indonesian
messages per field, never a 500 (no database needed: nothing invalid reaches it)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

import jwt
import pytest
from nameko.testing.services import worker_factory

from services.intake import complaints
from services.intake.appointments import locations
from services.intake.models import Location
from services.intake.service import IntakeService
from silasidakep.auth import ISSUER
from silasidakep.config import load_settings
from silasidakep.db import StoreHandle
from silasidakep.errors import NotFound, ValidationFailed

NOT_OBJECTS = [None, [], [{"code": "MPP"}], "MPP", 5, 1.5, True, False, ""]
ENGLISH = ("Not a valid", "Missing data", "Unknown field", "Must be", "Length must", "may not",
           "Invalid input", "Longer than", "Shorter than", "greater than", "less than")
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def valid_location(**changes: Any) -> dict[str, Any]:
    return {"code": "MPP-UJI", "name": "Mal Pelayanan Publik Uji", "kind": "MPP",
            "address": "Jalan Prabu Geusan Ulun", "steps": ["BIOMETRICS"], **changes}


def valid_slots(**changes: Any) -> dict[str, Any]:
    return {"from": TOMORROW, "to": TOMORROW, "windows": ["08:00-10:00"], "capacity": 5,
            **changes}


def valid_complaint(**changes: Any) -> dict[str, Any]:
    return {"kind": "COMPLAINT", "category": "LAYANAN_LAMBAT",
            "message": "Permohonan saya belum diproses.", "name": "Warga Uji",
            "email": "warga@example.test", **changes}


def messages(fields: Any) -> list[str]:
    if isinstance(fields, dict):
        return [m for value in fields.values() for m in messages(value)]
    if isinstance(fields, list):
        return [m for value in fields for m in messages(value)]
    return [fields]


def refused(call, *args: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        call(*args)
    error = raised.value
    assert error.http_status == 400
    for text in [error.message, *messages(error.fields)]:
        assert isinstance(text, str) and not any(e in text for e in ENGLISH), text
    assert all(isinstance(key, str) for key in _keys(error.fields))
    return error


def _keys(fields: Any) -> list[Any]:
    if not isinstance(fields, dict):
        return []
    return [*fields, *(k for value in fields.values() for k in _keys(value))]


def session_with(location: Location | None = None) -> MagicMock:
    """A session whose only row is ``location``; any write would be a MagicMock, not a 500."""
    session = MagicMock()
    session.scalars.return_value.one_or_none.return_value = location
    return session


def mpp() -> Location:
    return Location(code="MPP-UJI", name="MPP Uji", kind="MPP", kecamatan_code=None,
                    address="Jalan Uji", steps=["BIOMETRICS"], active=True)


# --- not an object at all -------------------------------------------------------------------


@pytest.mark.parametrize("payload", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_refused_everywhere(payload: Any) -> None:
    calls = [
        (locations.create_location, session_with(), payload),
        (locations.update_location, session_with(mpp()), "MPP-UJI", payload),
        (locations.create_slots, session_with(mpp()), "MPP-UJI", payload),
        (complaints.file_complaint, session_with(), MagicMock(), payload),
    ]
    for call, *args in calls:
        assert refused(call, *args).code == "INVALID_JSON"


# --- locations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"extra": 1}, "extra", "Isian tidak dikenal."),
        ({"code": 5}, "code", "Harus berupa teks."),
        ({"code": "MPP\n"}, "code", "Kode 2–20 karakter: huruf besar, angka, tanda hubung."),
        ({"code": None}, "code", "Wajib diisi."),
        ({"name": ["a"]}, "name", "Harus berupa teks."),
        ({"name": "ab"}, "name", "Panjang isian 3–120 karakter."),
        ({"name": "Kantor\x00Uji"}, "name", "Isian berisi karakter yang tidak diizinkan."),
        ({"name": "Kantor \ud800 Uji"}, "name", "Isian berisi karakter yang tidak diizinkan."),
        ({"kind": "PASAR"}, "kind", "Pilih salah satu: DINAS, MPP, KECAMATAN, DESA."),
        ({"kind": {"a": 1}}, "kind", "Harus berupa teks."),
        ({"kecamatan_code": 32.1106}, "kecamatan_code", "Harus berupa teks."),
        ({"kecamatan_code": "32.11.06\n"}, "kecamatan_code",
         "Tulis kode kecamatan seperti 32.11.06."),
        ({"address": 12345}, "address", "Harus berupa teks."),
        ({"steps": "BIOMETRICS"}, "steps", "Harus berupa daftar."),
        ({"steps": []}, "steps", "Pilih 1–10 langkah."),
        ({"steps": ["BIOMETRICS"] * 11}, "steps", "Pilih 1–10 langkah."),
        ({"steps": ["TERBANG"]}, "steps", "Langkah tidak dikenal: TERBANG."),
        ({"active": "mungkin"}, "active", "Pilih ya atau tidak."),
        ({"kind": "KECAMATAN"}, "kecamatan_code", "Wajib diisi untuk kantor kecamatan."),
    ],
)
def test_a_location_with_a_bad_field_is_refused(changes: dict, field: str, message: str) -> None:
    error = refused(locations.create_location, session_with(), valid_location(**changes))
    assert error.fields[field] == [message]


def test_a_location_with_a_bad_list_item_names_the_item() -> None:
    error = refused(locations.create_location, session_with(),
                    valid_location(steps=["BIOMETRICS", 7, None]))
    assert error.fields == {"steps": {"1": ["Harus berupa teks."], "2": ["Wajib diisi."]}}


def test_every_missing_location_field_is_named() -> None:
    error = refused(locations.create_location, session_with(), {})
    assert error.fields == {f: ["Wajib diisi."] for f in ("code", "name", "kind", "address",
                                                          "steps")}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "MPP-LAIN"}, "code", "Isian tidak dikenal."),  # the code cannot change
        ({"name": None}, "name", "Wajib diisi."),
        ({"active": None}, "active", "Wajib diisi."),
        ({"steps": []}, "steps", "Pilih 1–10 langkah."),
        ({"steps": [None]}, "steps", {"0": ["Wajib diisi."]}),
        ({"kind": "KECAMATAN"}, "kecamatan_code", "Wajib diisi untuk kantor kecamatan."),
        ({"kind": "KECAMATAN", "kecamatan_code": None}, "kecamatan_code",
         "Wajib diisi untuk kantor kecamatan."),
        ({"address": "x\x00yzabc"}, "address", "Isian berisi karakter yang tidak diizinkan."),
        ({"bogus": True}, "bogus", "Isian tidak dikenal."),
    ],
)
def test_a_partial_location_update_checks_only_what_it_changes(
    changes: dict, field: str, message: Any
) -> None:
    place = mpp()
    error = refused(locations.update_location, session_with(place), "mpp-uji", changes)
    assert error.fields[field] == (message if isinstance(message, dict) else [message])
    assert (place.name, place.kind, place.steps) == ("MPP Uji", "MPP", ["BIOMETRICS"])


def test_a_partial_location_update_changes_only_the_keys_given() -> None:
    place = mpp()
    at = datetime(2026, 11, 2, 3, tzinfo=UTC)

    shown = locations.update_location(session_with(place), "MPP-UJI", {"active": False}, now=at)

    assert shown["active"] is False and place.active is False
    assert (place.name, place.kind, place.kecamatan_code, place.steps) == (
        "MPP Uji", "MPP", None, ["BIOMETRICS"])
    assert place.updated_at == at


# --- slots ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"from": 20261102}, "from", "Tanggal tidak valid (format TTTT-BB-HH)."),
        ({"to": "besok"}, "to", "Tanggal tidak valid (format TTTT-BB-HH)."),
        ({"to": None}, "to", "Wajib diisi."),
        ({"windows": "08:00-10:00"}, "windows", "Harus berupa daftar."),
        ({"windows": []}, "windows", "Isi 1–24 rentang jam."),
        ({"windows": [8]}, "windows", {"0": ["Harus berupa teks."]}),
        ({"windows": ["8-10"]}, "windows.0",
         "Tulis jam sebagai JJ:MM-JJ:MM, misalnya 08:00-09:00."),
        ({"windows": ["10:00-08:00"]}, "windows.0", "Jam selesai harus setelah jam mulai."),
        ({"windows": ["08:00-10:00", "09:00-11:00"]}, "windows",
         "Rentang jam tidak boleh tumpang tindih."),
        ({"capacity": True}, "capacity", "Harus berupa bilangan bulat."),
        ({"capacity": "banyak"}, "capacity", "Harus berupa bilangan bulat."),
        ({"capacity": 2.5}, "capacity", "Harus berupa bilangan bulat."),
        ({"capacity": "5"}, "capacity", "Harus berupa bilangan bulat."),
        ({"capacity": 0}, "capacity", "Isi bilangan 1–500."),
        ({"capacity": 10**30}, "capacity", "Isi bilangan 1–500."),
        ({"include_weekends": "kadang"}, "include_weekends", "Pilih ya atau tidak."),
        ({"location": "MPP"}, "location", "Isian tidak dikenal."),
    ],
)
def test_slots_with_a_bad_field_are_refused(changes: dict, field: str, message: Any) -> None:
    error = refused(locations.create_slots, session_with(mpp()), "MPP-UJI", valid_slots(**changes))
    assert error.fields[field] == (message if isinstance(message, dict) else [message])


@pytest.mark.parametrize("capacity", [True, False, "5", 5.0, -1, 501, None, [5]])
def test_a_slot_capacity_that_is_not_a_small_whole_number_is_refused(capacity: Any) -> None:
    error = refused(locations.set_capacity, session_with(), 1, capacity)
    assert error.fields == {"capacity": ["Isi bilangan 0–500."]}


# --- complaints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": None}, "kind", "Wajib diisi."),
        ({"kind": "PUJIAN"}, "kind", "Pilih salah satu: COMPLAINT, FEEDBACK."),
        ({"category": 3}, "category", "Harus berupa teks."),
        ({"message": "pendek"}, "message", "Panjang isian 10–2000 karakter."),
        ({"message": ["Permohonan saya belum diproses."]}, "message", "Harus berupa teks."),
        ({"message": "Permohonan\x00 saya belum diproses."}, "message",
         "Isian berisi karakter yang tidak diizinkan."),
        ({"email": "bukan-email"}, "email", "Alamat email tidak valid."),
        ({"email": 5}, "email", "Alamat email tidak valid."),
        ({"phone": "0812345678\n"}, "phone", "Nomor ponsel tidak valid."),
        ({"phone": 812345678}, "phone", "Harus berupa teks."),
        ({"application_tracking_code": "SLS-\x00"}, "application_tracking_code",
         "Isian berisi karakter yang tidak diizinkan."),
        ({"application_tracking_code": "X" * 17}, "application_tracking_code",
         "Paling banyak 16 karakter."),
        ({"nik": "3211"}, "nik", "Isian tidak dikenal."),
    ],
)
def test_a_complaint_with_a_bad_field_is_refused(changes: dict, field: str, message: str) -> None:
    session = session_with()
    error = refused(complaints.file_complaint, session, MagicMock(), valid_complaint(**changes))
    assert error.fields[field] == [message]
    session.add.assert_not_called()


@pytest.mark.parametrize(
    "answer", [None, 5, ["Jawaban."], {"answer": "x"}, "  ", "Jawab\x00.", "Jawab \udfff."]
)
def test_an_answer_that_is_not_plain_text_is_refused(answer: Any) -> None:
    session = session_with()
    error = refused(complaints.answer, session, MagicMock(), "ADU-00000000", answer, "petugas")
    assert list(error.fields) == ["answer"]
    session.scalars.assert_not_called()


# --- through the RPC entrypoints, as the gateway calls them -------------------------------------


def staff_token(*roles: str) -> str:
    claims = {
        "sub": str(uuid.uuid4()), "username": "admin.uji", "roles": list(roles),
        "iss": ISSUER, "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    return jwt.encode(claims, load_settings().jwt_secret, algorithm="HS256")


@pytest.fixture
def service() -> Any:
    store = MagicMock()
    store.staff.side_effect = lambda *args: StoreHandle.staff(store, *args)
    # A write runs its action on the (mock) session, as Store.write does in its transaction.
    store.write.side_effect = lambda action, **once: action(store.session())
    return worker_factory(IntakeService, store=store)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s, t: s.staff_create_location(t, None), "INVALID_JSON"),
        (lambda s, t: s.staff_create_location(t, {"code": ["MPP"]}), "VALIDATION_ERROR"),
        (lambda s, t: s.staff_update_location(t, "MPP", "aktif"), "INVALID_JSON"),
        (lambda s, t: s.staff_update_location(t, "MPP", {"steps": 1}), "VALIDATION_ERROR"),
        (lambda s, t: s.staff_create_slots(t, "MPP", [1, 2]), "INVALID_JSON"),
        (lambda s, t: s.staff_create_slots(t, "MPP", {"capacity": "x"}), "VALIDATION_ERROR"),
        (lambda s, t: s.staff_set_slot_capacity(t, "1", "5"), "VALIDATION_ERROR"),
        (lambda s, t: s.file_complaint(None), "INVALID_JSON"),
        (lambda s, t: s.file_complaint({"kind": 1}), "VALIDATION_ERROR"),
    ],
)
def test_the_rpc_entrypoints_refuse_raw_bodies_with_a_400(service, call, code: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        call(service, staff_token("admin"))
    assert raised.value.code == code and raised.value.http_status == 400


@pytest.mark.parametrize("code", ["ADU-\x00", "ADU-\ud800"])
def test_a_tracking_code_postgresql_cannot_compare_is_simply_not_found(code: str) -> None:
    session = session_with()
    with pytest.raises(NotFound):
        complaints.view(session, code, "token")
    with pytest.raises(NotFound):
        locations.update_location(session, code, {"active": True})
    session.scalars.assert_not_called()
