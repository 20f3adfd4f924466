"""In-person appointments: where and when a citizen does a step the law requires in person
(KTP-el biometric recording, card collection), so the offices see no crowds.

Plain functions over a SQLAlchemy session and the outbox, like ``applications.py``; ``service.py``
opens the transaction and checks staff roles. All dates and times of slots are WIB.

Capacity is never overbooked, whatever the concurrency: a place is taken only by the single
conditional statement ``UPDATE slots SET booked = booked + 1 WHERE id = :id AND booked <
capacity`` (PostgreSQL re-checks the condition on the latest row version after waiting for a
concurrent writer), and the table's CHECK (booked <= capacity) backs it up. Lock order, to stay
free of deadlocks: the application row first, then its appointment rows, then slot rows in
ascending id order; nothing locks a slot and then waits for an application.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.intake import applications
from services.intake.catalogue import holidays, load_catalogue
from services.intake.domain.status import Status
from services.intake.domain.workdays import WIB
from services.intake.models import Application, Appointment, Location, Slot
from silasidakep.db import Outbox
from silasidakep.errors import Conflict, NotFound, ValidationFailed, in_indonesian
from silasidakep.masking import mask_nik

log = logging.getLogger(__name__)

BOOKED, CANCELLED, ATTENDED, NO_SHOW = "BOOKED", "CANCELLED", "ATTENDED", "NO_SHOW"
LOCATION_KINDS = ("DINAS", "MPP", "KECAMATAN")
# Booking opens once the application is submitted and closes when it ends without a document.
BOOKABLE = frozenset({
    Status.SUBMITTED, Status.IN_VERIFICATION, Status.REVISION_REQUESTED,
    Status.AWAITING_BIOMETRICS, Status.APPROVED, Status.AWAITING_SIGNATURE, Status.ISSUED,
})
MAX_SLOT_RANGE_DAYS = 62      # what a citizen may list at once
MAX_BULK_RANGE_DAYS = 366     # what staff may create at once
MAX_WINDOWS = 24
MAX_CAPACITY = 500
REMINDER_BATCH = 200
DATE_MESSAGE = "Tanggal tidak valid (format TTTT-BB-HH)."
WINDOW_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def now_utc() -> datetime:
    return applications.now_utc()


def today_wib(now: datetime) -> date:
    return now.astimezone(WIB).date()


def slot_start(slot: Slot) -> datetime:
    return datetime.combine(slot.date, slot.start_time, tzinfo=WIB)


def known_steps() -> dict[str, str]:
    """Every presence step of the catalogue, with its label."""
    steps: dict[str, str] = {}
    for service in load_catalogue().values():
        for presence in service.presence:
            steps.setdefault(presence.step, presence.label)
    return steps


# --- parsing ------------------------------------------------------------------------------------


def parse_date(value: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(fields={field: [DATE_MESSAGE]}, code="INVALID_DATE") from None


def parse_window(value: str) -> tuple[time, time]:
    match = WINDOW_PATTERN.match(str(value).strip())
    if not match:
        raise ValueError("Tulis jam sebagai JJ:MM-JJ:MM, misalnya 08:00-09:00.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise ValueError("Jam selesai harus setelah jam mulai.")
    return start, end


def _slot_id(value: Any) -> int:
    try:
        slot_id = int(str(value))
    except ValueError:
        slot_id = 0
    if slot_id <= 0:
        raise NotFound("Jadwal tidak ditemukan.", code="SLOT_NOT_FOUND")
    return slot_id


def _appointment_id(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND") from None


def _load(schema: Schema, payload: Any, partial: bool = False) -> dict[str, Any]:
    try:
        return schema.load(payload or {}, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(fields=in_indonesian(exc.messages)) from None


# --- views --------------------------------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def location_view(location: Location) -> dict[str, Any]:
    labels = known_steps()
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "kecamatan_code": location.kecamatan_code,
        "address": location.address,
        "steps": [{"step": s, "label": labels.get(s, s)} for s in location.steps],
        "active": location.active,
    }


def slot_view(slot: Slot, now: datetime | None = None) -> dict[str, Any]:
    remaining = max(slot.capacity - slot.booked, 0)
    view = {
        "id": slot.id,
        "location_code": slot.location_code,
        "date": slot.date.isoformat(),
        "start_time": _hhmm(slot.start_time),
        "end_time": _hhmm(slot.end_time),
        "capacity": slot.capacity,
        "booked": slot.booked,
        "remaining": remaining,
    }
    if now is not None:
        view["available"] = remaining > 0 and slot_start(slot) > now
    return view


def _step_label(app: Application, step: str) -> str:
    presence = applications.definition_of(app).presence_step(step)
    return presence.label if presence else known_steps().get(step, step)


def appointment_view(
    appointment: Appointment, slot: Slot, location: Location, app: Application
) -> dict[str, Any]:
    return {
        "id": str(appointment.id),
        "application_id": str(appointment.application_id),
        "tracking_code": app.tracking_code,
        "step": appointment.step,
        "step_label": _step_label(app, appointment.step),
        "status": appointment.status,
        "slot": slot_view(slot),
        "location": {
            "code": location.code, "name": location.name, "kind": location.kind,
            "address": location.address,
        },
        "booked_at": appointment.booked_at.isoformat(),
        "updated_at": appointment.updated_at.isoformat(),
    }


def _event(appointment: Appointment, slot: Slot, location: Location, app: Application) -> dict:
    return {
        "appointment_id": appointment.id,
        "application_id": app.id,
        "tracking_code": app.tracking_code,
        "step": appointment.step,
        "step_label": _step_label(app, appointment.step),
        "location": {"code": location.code, "name": location.name, "address": location.address},
        "slot_date": slot.date,
        "start_time": slot.start_time,
        "end_time": slot.end_time,
        "recipient": applications.recipient(app),
    }


# --- locking helpers ----------------------------------------------------------------------------


def _lock_application(session: Session, application_id: uuid.UUID) -> Application:
    # populate_existing: the row may already sit in the identity map from an unlocked read.
    return session.scalars(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _citizen_application(session: Session, application_id: str, token: str | None) -> Application:
    app = applications.load_for_citizen(session, application_id, token)
    return _lock_application(session, app.id)


def _lock_appointment(session: Session, app: Application, appointment_id: Any) -> Appointment:
    appointment = session.scalars(
        select(Appointment)
        .where(Appointment.id == _appointment_id(appointment_id),
               Appointment.application_id == app.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if appointment is None:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND")
    return appointment


def _slot_with_location(session: Session, slot_id: int) -> tuple[Slot, Location]:
    row = session.execute(
        select(Slot, Location).join(Location, Slot.location_code == Location.code)
        .where(Slot.id == slot_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound("Jadwal tidak ditemukan.", code="SLOT_NOT_FOUND")
    return row[0], row[1]


def _take_place(session: Session, slot: Slot) -> None:
    """Take one place in the slot, or raise SLOT_FULL. The one statement that books."""
    booked = session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .returning(Slot.booked)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if booked is None:
        raise Conflict(
            "Kuota jadwal ini sudah penuh. Silakan pilih jadwal lain.", code="SLOT_FULL"
        )
    set_committed_value(slot, "booked", booked)


def _free_place(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


# --- citizens -----------------------------------------------------------------------------------


def list_locations(
    session: Session, kecamatan_code: str | None = None, step: str | None = None,
    include_inactive: bool = False,
) -> list[dict[str, Any]]:
    query = select(Location).order_by(Location.kind, Location.name)
    if not include_inactive:
        query = query.where(Location.active.is_(True))
    if kecamatan_code:
        query = query.where(Location.kecamatan_code == kecamatan_code)
    if step:
        query = query.where(Location.steps.contains([step]))
    return [location_view(location) for location in session.scalars(query)]


def _location(session: Session, code: str, lock: bool = False) -> Location:
    query = select(Location).where(Location.code == str(code).upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    location = session.scalars(query).one_or_none()
    if location is None:
        raise NotFound("Lokasi layanan tidak ditemukan.", code="LOCATION_NOT_FOUND")
    return location


def list_slots(
    session: Session, location_code: str, date_from: Any = None, date_to: Any = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Slots not yet started in [from, to] (default: the next 14 days), with places left."""
    now = now or now_utc()
    today = today_wib(now)
    location = _location(session, location_code)
    start = max(parse_date(date_from, "from") if date_from else today, today)
    end = parse_date(date_to, "to") if date_to else start + timedelta(days=13)
    if end < start:
        raise ValidationFailed(
            fields={"to": ["Tanggal akhir tidak boleh sebelum tanggal awal."]},
            code="INVALID_DATE_RANGE",
        )
    if (end - start).days >= MAX_SLOT_RANGE_DAYS:
        raise ValidationFailed(
            fields={"to": [f"Rentang paling lama {MAX_SLOT_RANGE_DAYS} hari."]},
            code="INVALID_DATE_RANGE",
        )
    slots = session.scalars(
        select(Slot)
        .where(Slot.location_code == location.code, Slot.date >= start, Slot.date <= end)
        .order_by(Slot.date, Slot.start_time)
    ).all()
    return {
        "location": location_view(location),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "slots": [
            slot_view(slot, now) for slot in slots if location.active and slot_start(slot) > now
        ],
    }


def _require_bookable(app: Application, step: str) -> None:
    if Status(app.status) not in BOOKABLE:
        raise Conflict(
            "Jadwal kedatangan dapat dipesan setelah permohonan diajukan, dan tidak untuk"
            " permohonan yang ditolak atau dibatalkan.",
            code="NOT_BOOKABLE",
        )
    if applications.definition_of(app).presence_step(step) is None:
        raise Conflict(
            "Layanan ini tidak memerlukan kedatangan untuk langkah tersebut.",
            fields={"step": ["Langkah ini tidak diperlukan untuk layanan ini."]},
            code="STEP_NOT_REQUIRED",
        )
    if step in (app.presence_done or {}):
        raise Conflict("Langkah ini sudah selesai dilakukan.", code="STEP_ALREADY_DONE")


def _require_slot_for(slot: Slot, location: Location, step: str, now: datetime) -> None:
    if not location.active:
        raise Conflict("Lokasi layanan ini sedang tidak melayani.", code="LOCATION_INACTIVE")
    if step not in location.steps:
        raise Conflict(
            "Lokasi ini tidak melayani langkah tersebut. Pilih lokasi lain.",
            code="STEP_NOT_OFFERED",
        )
    if slot_start(slot) <= now:
        raise Conflict("Jadwal ini sudah lewat. Pilih jadwal lain.", code="SLOT_IN_PAST")


def book(
    session: Session, outbox: Outbox, application_id: str, token: str | None, step: str,
    slot_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    now = now or now_utc()
    app = _citizen_application(session, application_id, token)
    _require_bookable(app, step)
    existing = session.scalar(
        select(Appointment.id).where(
            Appointment.application_id == app.id, Appointment.step == step,
            Appointment.status == BOOKED,
        )
    )
    if existing is not None:
        raise Conflict(
            "Anda sudah memiliki jadwal untuk langkah ini. Ubah jadwal yang ada bila perlu.",
            fields={"appointment_id": [str(existing)]},
            code="ALREADY_BOOKED",
        )
    slot, location = _slot_with_location(session, _slot_id(slot_id))
    _require_slot_for(slot, location, step, now)
    _take_place(session, slot)
    appointment = Appointment(
        id=uuid.uuid4(), application_id=app.id, step=step, slot_id=slot.id, status=BOOKED,
        booked_at=now, updated_at=now,
    )
    session.add(appointment)
    session.flush()
    outbox.add(session, "appointment.booked", _event(appointment, slot, location, app))
    return appointment_view(appointment, slot, location, app)


def reschedule(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    appointment_id: Any, slot_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    """Move a booking to another slot in one transaction: the new place is taken and the old
    one freed together, or neither (SLOT_FULL leaves the booking where it was)."""
    now = now or now_utc()
    app = _citizen_application(session, application_id, token)
    appointment = _lock_appointment(session, app, appointment_id)
    if appointment.status != BOOKED:
        raise Conflict("Janji temu ini tidak aktif lagi.", code="APPOINTMENT_NOT_ACTIVE")
    _require_bookable(app, appointment.step)
    new_id = _slot_id(slot_id)
    if new_id == appointment.slot_id:
        raise Conflict("Jadwal baru sama dengan jadwal sekarang.", code="SAME_SLOT")
    slot, location = _slot_with_location(session, new_id)
    _require_slot_for(slot, location, appointment.step, now)
    old_id = appointment.slot_id
    # Row locks in ascending slot id: two reschedules crossing between the same two slots
    # cannot deadlock.
    for locked_id in sorted((old_id, new_id)):
        if locked_id == new_id:
            _take_place(session, slot)
        else:
            _free_place(session, old_id)
    appointment.slot_id = slot.id
    appointment.updated_at = now
    appointment.reminder_sent_at = None  # a new date deserves its own reminder
    session.flush()
    outbox.add(session, "appointment.rescheduled", _event(appointment, slot, location, app))
    return appointment_view(appointment, slot, location, app)


def _cancel(
    session: Session, outbox: Outbox, app: Application, appointment: Appointment, at: datetime
) -> None:
    _free_place(session, appointment.slot_id)
    appointment.status = CANCELLED
    appointment.updated_at = at
    slot, location = _slot_with_location(session, appointment.slot_id)
    outbox.add(session, "appointment.cancelled", _event(appointment, slot, location, app))


def cancel(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    appointment_id: Any, now: datetime | None = None,
) -> dict[str, Any]:
    now = now or now_utc()
    app = _citizen_application(session, application_id, token)
    appointment = _lock_appointment(session, app, appointment_id)
    if appointment.status != BOOKED:
        raise Conflict("Janji temu ini tidak aktif lagi.", code="APPOINTMENT_NOT_ACTIVE")
    _cancel(session, outbox, app, appointment, now)
    session.flush()
    slot, location = _slot_with_location(session, appointment.slot_id)
    return appointment_view(appointment, slot, location, app)


def cancel_for_application(
    session: Session, outbox: Outbox, application_id: uuid.UUID | str, at: datetime
) -> int:
    """The application was cancelled (the caller holds its row lock): cancel its live bookings
    and free their places. Returns how many were cancelled."""
    app = _lock_application(session, uuid.UUID(str(application_id)))
    booked = session.scalars(
        select(Appointment)
        .where(Appointment.application_id == app.id, Appointment.status == BOOKED)
        .order_by(Appointment.slot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for appointment in booked:
        _cancel(session, outbox, app, appointment, at)
    return len(booked)


def list_for_application(
    session: Session, application_id: str, token: str | None
) -> dict[str, Any]:
    app = applications.load_for_citizen(session, application_id, token)
    definition = applications.definition_of(app)
    rows = session.execute(
        select(Appointment, Slot, Location)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Location, Slot.location_code == Location.code)
        .where(Appointment.application_id == app.id)
        .order_by(Appointment.booked_at)
    ).all()
    return {
        "application_id": str(app.id),
        "tracking_code": app.tracking_code,
        "can_book": Status(app.status) in BOOKABLE,
        "steps": [
            {"step": p.step, "label": p.label, "before_issuance": p.before_issuance,
             "done_at": (app.presence_done or {}).get(p.step)}
            for p in definition.presence
        ],
        "appointments": [appointment_view(a, s, loc, app) for a, s, loc in rows],
    }


# --- staff: locations and slots (role checks are in service.py) ---------------------------------


class LocationIn(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9][A-Z0-9-]{1,19}$",
            error="Kode 2–20 karakter: huruf besar, angka, tanda hubung.",
        ),
    )
    name = fields.String(required=True, validate=validate.Length(min=3, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(LOCATION_KINDS))
    kecamatan_code = fields.String(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$",
                                 error="Tulis kode kecamatan seperti 32.11.06."),
    )
    address = fields.String(required=True, validate=validate.Length(min=5, max=300))
    steps = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=10))
    active = fields.Boolean(load_default=True)


def _check_location(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values.get("steps") or ()) - set(known_steps()))
    if unknown:
        errors["steps"] = ["Langkah tidak dikenal: " + ", ".join(unknown) + "."]
    if values.get("kind") == "KECAMATAN" and not values.get("kecamatan_code"):
        errors["kecamatan_code"] = ["Wajib diisi untuk kantor kecamatan."]
    if errors:
        raise ValidationFailed(fields=errors)


def create_location(
    session: Session, payload: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    values = _load(LocationIn(), payload)
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
    return location_view(_location(session, values["code"]))


def update_location(
    session: Session, code: str, changes: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    location = _location(session, code, lock=True)
    values = _load(LocationIn(exclude=("code",)), changes, partial=True)
    merged = {"kind": location.kind, "kecamatan_code": location.kecamatan_code, **values}
    _check_location(merged)
    for key, value in values.items():
        setattr(location, key, sorted(set(value)) if key == "steps" else value)
    location.updated_at = now or now_utc()
    session.flush()
    return location_view(location)


class SlotsIn(Schema):
    class Meta:
        unknown = RAISE

    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    windows = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=MAX_WINDOWS)
    )
    capacity = fields.Integer(
        required=True, strict=False, validate=validate.Range(min=1, max=MAX_CAPACITY)
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
    session: Session, location_code: str, payload: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """Every (day × window) in the range, skipping weekends and public holidays unless asked.
    Existing slots (same location, date and start) are left as they are, so this is safe to
    repeat."""
    now = now or now_utc()
    location = _location(session, location_code)
    values = _load(SlotsIn(), payload)
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
                {"location_code": location.code, "date": day, "start_time": s, "end_time": e,
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
    return {"location_code": location.code, "created": created, "existing": len(rows) - created}


def set_capacity(session: Session, slot_id: Any, capacity: int) -> dict[str, Any]:
    """Change a slot's places; never below what is already booked (0 closes an empty slot)."""
    if not isinstance(capacity, int) or not 0 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(fields={"capacity": [f"Isi bilangan 0–{MAX_CAPACITY}."]})
    key = _slot_id(slot_id)
    changed = session.execute(
        update(Slot)
        .where(Slot.id == key, Slot.booked <= capacity)
        .values(capacity=capacity)
        .returning(Slot.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    slot, _ = _slot_with_location(session, key)  # raises SLOT_NOT_FOUND
    if changed is None:
        raise Conflict(
            f"Kapasitas tidak boleh kurang dari jumlah yang sudah memesan ({slot.booked}).",
            fields={"capacity": [f"Paling sedikit {slot.booked}."]},
            code="CAPACITY_BELOW_BOOKED",
        )
    return slot_view(slot)


# --- staff: the day's list and attendance -------------------------------------------------------


def _staff_appointment_view(appointment: Appointment, app: Application) -> dict[str, Any]:
    definition = applications.definition_of(app)
    return {
        "id": str(appointment.id),
        "status": appointment.status,
        "step": appointment.step,
        "step_label": _step_label(app, appointment.step),
        "application_id": str(app.id),
        "tracking_code": app.tracking_code,
        "service_code": app.service_code,
        "service_name": definition.name,
        "application_status": app.status,
        "applicant": {"name": app.name, "nik_masked": mask_nik(app.nik), "phone": app.phone},
        "booked_at": appointment.booked_at.isoformat(),
        "marked_by": appointment.marked_by,
    }


def location_day(session: Session, location_code: str, day: Any = None) -> dict[str, Any]:
    """A location's slots on one day (default today) with who is coming (cancelled bookings
    left out)."""
    location = _location(session, location_code)
    on = parse_date(day, "date") if day else today_wib(now_utc())
    slots = session.scalars(
        select(Slot).where(Slot.location_code == location.code, Slot.date == on)
        .order_by(Slot.start_time)
    ).all()
    rows = session.execute(
        select(Appointment, Application)
        .join(Application, Appointment.application_id == Application.id)
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Slot.location_code == location.code, Slot.date == on,
               Appointment.status != CANCELLED)
        .order_by(Appointment.booked_at)
    ).all()
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for appointment, app in rows:
        by_slot.setdefault(appointment.slot_id, []).append(
            _staff_appointment_view(appointment, app)
        )
    return {
        "location": location_view(location),
        "date": on.isoformat(),
        "slots": [{**slot_view(s), "appointments": by_slot.get(s.id, [])} for s in slots],
    }


def mark_attendance(
    session: Session, outbox: Outbox, appointment_id: Any, attended: bool, staff_username: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Staff at the counter: the citizen came (the in-person step is recorded with the
    application, which may release issuance) or did not come. Marking the same result again
    changes nothing; a no-show may still be corrected to attended (the citizen came late)."""
    at = at or now_utc()
    key = _appointment_id(appointment_id)
    application_id = session.scalar(
        select(Appointment.application_id).where(Appointment.id == key)
    )
    if application_id is None:
        raise NotFound("Janji temu tidak ditemukan.", code="APPOINTMENT_NOT_FOUND")
    app = _lock_application(session, application_id)
    appointment = _lock_appointment(session, app, key)
    target = ATTENDED if attended else NO_SHOW
    if appointment.status == target:
        return _staff_appointment_view(appointment, app)
    if not (appointment.status == BOOKED or (appointment.status == NO_SHOW and attended)):
        raise Conflict(
            f"Janji temu berstatus {appointment.status} tidak dapat ditandai {target}.",
            code="APPOINTMENT_NOT_ACTIVE",
        )
    slot, _ = _slot_with_location(session, appointment.slot_id)
    if attended and today_wib(at) < slot.date:
        raise Conflict("Janji temu ini untuk hari lain.", code="APPOINTMENT_NOT_TODAY")
    if not attended and at < slot_start(slot):
        raise Conflict("Jadwal ini belum dimulai.", code="SLOT_NOT_STARTED")
    appointment.status = target
    appointment.updated_at = at
    appointment.marked_by = staff_username
    if attended:
        applications.record_presence(session, outbox, app.id, appointment.step, at)
    session.flush()
    log.info("appointment %s marked %s by %s", appointment.id, target, staff_username)
    return _staff_appointment_view(appointment, app)


# --- reminders ----------------------------------------------------------------------------------


def send_reminders(
    session: Session, outbox: Outbox, now: datetime | None = None, limit: int = REMINDER_BATCH
) -> int:
    """Mark up to ``limit`` of tomorrow's (WIB) bookings reminded and emit their reminders.
    SKIP LOCKED: several intake processes may run this at once without sending twice."""
    now = now or now_utc()
    tomorrow = today_wib(now) + timedelta(days=1)
    rows = session.execute(
        select(Appointment, Slot, Location, Application)
        .join(Slot, Appointment.slot_id == Slot.id)
        .join(Location, Slot.location_code == Location.code)
        .join(Application, Appointment.application_id == Application.id)
        .where(Appointment.status == BOOKED, Appointment.reminder_sent_at.is_(None),
               Slot.date == tomorrow, Application.status.in_(BOOKABLE))
        .order_by(Slot.start_time, Appointment.id)
        .limit(limit)
        .with_for_update(of=Appointment, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for appointment, slot, location, app in rows:
        appointment.reminder_sent_at = now
        outbox.add(session, "appointment.reminder_due", _event(appointment, slot, location, app))
    return len(rows)


def booked_count(session: Session, slot_id: int) -> int:
    """Live bookings of a slot, counted from the appointments (for checks and tests)."""
    return session.scalar(
        select(func.count()).select_from(Appointment)
        .where(Appointment.slot_id == slot_id, Appointment.status.in_((BOOKED, ATTENDED, NO_SHOW)))
    ) or 0
