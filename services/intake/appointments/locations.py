"""Staff: service locations and their slots (role checks are in ``service.py``). The request
rules live here and only here: the gateway passes the JSON body through as it came."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake import inputs
from services.intake.appointments.parsing import parse_window, slot_key
from services.intake.appointments.rows import known_steps, location, slot_with_location
from services.intake.appointments.views import location_view, slot_view
from services.intake.catalogue import holidays
from services.intake.inputs import Text
from services.intake.models import Location, Slot
from silasidakep.audit_trail import Auditor, record_with
from silasidakep.clock import WIB, now_utc, today_wib
from silasidakep.errors import Conflict, ValidationFailed

# DESA: a desa/kelurahan office, a front-office counter (it may serve no in-person step).
LOCATION_KINDS = ("DINAS", "MPP", "KECAMATAN", "DESA")
MAX_STEPS = 10
MAX_BULK_RANGE_DAYS = 366  # what staff may create at once
MAX_WINDOWS = 24
MAX_CAPACITY = 500


class LocationIn(Schema):
    class Meta:
        unknown = RAISE

    code = Text(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9][A-Z0-9-]{1,19}\Z",
            error="Kode 2–20 karakter: huruf besar, angka, tanda hubung.",
        ),
    )
    name = Text(required=True, validate=validate.Length(min=3, max=120))
    kind = Text(required=True, validate=validate.OneOf(LOCATION_KINDS))
    kecamatan_code = Text(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\Z",
                                 error="Tulis kode kecamatan seperti 32.11.06."),
    )
    address = Text(required=True, validate=validate.Length(min=5, max=300))
    steps = fields.List(
        Text(), required=True,
        validate=validate.Length(max=MAX_STEPS, error=f"Pilih 1–{MAX_STEPS} langkah."),
    )
    active = fields.Boolean(load_default=True)


def _check_location(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values.get("steps") or ()) - set(known_steps()))
    if unknown:
        errors["steps"] = ["Langkah tidak dikenal: " + ", ".join(unknown) + "."]
    if not values.get("steps") and values.get("kind") != "DESA":
        errors["steps"] = [f"Pilih 1–{MAX_STEPS} langkah."]
    if values.get("kind") in ("KECAMATAN", "DESA") and not values.get("kecamatan_code"):
        office = "kecamatan" if values["kind"] == "KECAMATAN" else "desa/kelurahan"
        errors["kecamatan_code"] = [f"Wajib diisi untuk kantor {office}."]
    if errors:
        raise ValidationFailed(fields=errors)


def create_location(
    session: Session, payload: Any, now: datetime | None = None,
    auditor: Auditor | None = None,
) -> dict[str, Any]:
    values = inputs.load(LocationIn(), payload)
    _check_location(values)
    now = now or now_utc()
    inserted = session.execute(
        insert(Location)
        .values({**values, "steps": sorted(set(values["steps"])), "created_at": now,
                 "updated_at": now})
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Location.code)
    ).scalar_one_or_none()
    if inserted is None:
        raise Conflict("Kode lokasi sudah dipakai.", code="LOCATION_EXISTS")
    record_with(auditor, session, "LOCATION_CREATE", detail=f"location={values['code']}")
    return location_view(location(session, values["code"]))


def update_location(
    session: Session, code: str, changes: Any, now: datetime | None = None,
    auditor: Auditor | None = None,
) -> dict[str, Any]:
    """A partial update (PATCH semantics): only the keys given change; the code cannot."""
    place = location(session, code, lock=True)
    values = inputs.load(LocationIn(exclude=("code",)), changes, partial=True)
    merged = {"kind": place.kind, "kecamatan_code": place.kecamatan_code,
              "steps": place.steps, **values}
    _check_location(merged)
    for key, value in values.items():
        setattr(place, key, sorted(set(value)) if key == "steps" else value)
    place.updated_at = now or now_utc()
    session.flush()
    record_with(auditor, session, "LOCATION_UPDATE",
                detail=f"location={place.code} fields={','.join(sorted(values))}")
    return location_view(place)


class SlotsIn(Schema):
    class Meta:
        unknown = RAISE

    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    windows = fields.List(
        Text(), required=True,
        validate=validate.Length(
            min=1, max=MAX_WINDOWS, error=f"Isi 1–{MAX_WINDOWS} rentang jam."
        ),
    )
    capacity = fields.Integer(
        required=True, strict=True,  # 2.5 or "5" is not a number of places
        validate=validate.Range(min=1, max=MAX_CAPACITY, error=f"Isi bilangan 1–{MAX_CAPACITY}."),
    )
    include_weekends = fields.Boolean(load_default=False)
    include_holidays = fields.Boolean(load_default=False)


def _windows(raw: Iterable[str]) -> list[tuple[time, time]]:
    parsed: list[tuple[time, time]] = []
    for index, value in enumerate(raw):
        try:
            parsed.append(parse_window(value))
        except ValueError as exc:
            raise ValidationFailed(fields={f"windows.{index}": [str(exc)]}) from None
    parsed.sort()
    for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
        if start < end:
            raise ValidationFailed(
                fields={"windows": ["Rentang jam tidak boleh tumpang tindih."]}
            )
    return parsed


def create_slots(
    session: Session, location_code: str, payload: Any, now: datetime | None = None,
    auditor: Auditor | None = None,
) -> dict[str, Any]:
    """Every (day × window) in the range, skipping weekends and public holidays unless asked.
    Existing slots (same location, date and start) are left as they are, so this is safe to
    repeat."""
    now = now or now_utc()
    place = location(session, location_code)
    values = inputs.load(SlotsIn(), payload)
    start, end = values["date_from"], values["date_to"]
    if end < start:
        raise ValidationFailed(fields={"to": ["Tanggal akhir tidak boleh sebelum tanggal awal."]})
    if start < today_wib(now):
        raise ValidationFailed(fields={"from": ["Tanggal tidak boleh sebelum hari ini."]})
    if (end - start).days >= MAX_BULK_RANGE_DAYS:
        raise ValidationFailed(fields={"to": [f"Rentang paling lama {MAX_BULK_RANGE_DAYS} hari."]})
    windows = _windows(values["windows"])
    closed = holidays()
    rows = []
    day = start
    while day <= end:
        open_day = (values["include_weekends"] or day.weekday() < 5) and (
            values["include_holidays"] or day not in closed
        )
        if open_day:
            rows += [
                {"location_code": place.code, "date": day, "start_time": s, "end_time": e,
                 "capacity": values["capacity"], "booked": 0}
                for s, e in windows
                if datetime.combine(day, s, tzinfo=WIB) > now
            ]
        day += timedelta(days=1)
    created = 0
    if rows:
        created = len(session.execute(
            insert(Slot).values(rows)
            .on_conflict_do_nothing(constraint="uq_slots_location_start")
            .returning(Slot.id)
        ).all())
    record_with(auditor, session, "SLOTS_CREATE", detail=f"location={place.code} n={created}")
    return {"location_code": place.code, "created": created, "existing": len(rows) - created}


def set_capacity(session: Session, slot_id: Any, capacity: Any,
                 auditor: Auditor | None = None) -> dict[str, Any]:
    """Change a slot's places; never below what is already booked (0 closes an empty slot)."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not (
        0 <= capacity <= MAX_CAPACITY
    ):
        raise ValidationFailed(fields={"capacity": [f"Isi bilangan 0–{MAX_CAPACITY}."]})
    key = slot_key(slot_id)
    changed = session.execute(
        update(Slot)
        .where(Slot.id == key, Slot.booked <= capacity)
        .values(capacity=capacity)
        .returning(Slot.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    slot, _ = slot_with_location(session, key)  # raises SLOT_NOT_FOUND
    if changed is None:
        raise Conflict(
            f"Kapasitas tidak boleh kurang dari jumlah yang sudah memesan ({slot.booked}).",
            fields={"capacity": [f"Paling sedikit {slot.booked}."]},
            code="CAPACITY_BELOW_BOOKED",
        )
    record_with(auditor, session, "SLOT_CAPACITY", detail=f"slot={slot.id} capacity={capacity}")
    return slot_view(slot)
