"""In-person appointments on real PostgreSQL: booking rules, no overbooking under concurrency,
atomic reschedules, cancellation, attendance and reminders."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from services.intake.applications import commands, consumers, views
from services.intake.appointments import booking, counter, locations, reminders
from services.intake.appointments.rows import booked_count
from services.intake.catalogue import get_service
from services.intake.models import Slot, metadata
from silasidakep.auth import StaffPrincipal
from silasidakep.clock import WIB
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox, make_engine
from silasidakep.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tests.support.forms import adult, application_payload

OUTBOX = metadata.tables["intake.outbox"]
KTP = "KTP_BARU"  # presence: BIOMETRICS (before issuance), COLLECTION


@pytest.fixture(scope="module")
def engine(database_url: str):
    # Enough connections for every thread of the concurrency tests to hold its own.
    engine = make_engine(database_url, pool_size=30)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    factory = sessionmaker(engine, expire_on_commit=False)
    yield factory
    with factory() as session, session.begin():  # leave the shared outbox empty
        session.execute(OUTBOX.delete())


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(OUTBOX, producer="intake")


def events(sessions: sessionmaker, event_type: str, **match: Any) -> list[dict]:
    with sessions() as session:
        rows = session.execute(
            select(OUTBOX.c.envelope).where(OUTBOX.c.event_type == event_type)
            .order_by(OUTBOX.c.created_at)
        ).all()
    found = []
    for (envelope,) in rows:
        _, data = parse_envelope(envelope, event_type)
        if all(str(data[k]) == str(v) for k, v in match.items()):
            found.append(data)
    return found


_seeds = iter(range(10_000, 1_000_000))


def submitted(sessions: sessionmaker, outbox: Outbox, service_code: str = KTP) -> tuple[str, str]:
    """A submitted application of a service with in-person steps: (id, access token)."""
    seed = next(_seeds)
    with sessions() as s, s.begin():
        created = commands.create_application(
            s, outbox, application_payload(service_code, adult(seed), seed)
        )
    app_id, token = created["id"], created["access_token"]
    definition = get_service(service_code)
    with sessions() as s, s.begin():
        form = views.view(s, app_id, token)["form"]
        for doc_type in sorted(definition.documents_required_for(form)):
            commands.attach_document(s, app_id, token, {
                "doc_type": doc_type,
                "object_key": f"applications/{app_id}/{doc_type}/{uuid.uuid4()}",
                "content_type": "application/pdf", "size": 10, "sha256": "0" * 64,
            })
    with sessions() as s, s.begin():
        commands.submit(s, outbox, app_id, token)
    return app_id, token


def staff(username: str, *roles: str, kecamatan: str | None = None) -> StaffPrincipal:
    return StaffPrincipal(uuid.uuid4(), username, frozenset(roles or ("verifier",)),
                          kecamatan_code=kecamatan)


def new_location(sessions: sessionmaker, steps=("BIOMETRICS", "COLLECTION"), **extra) -> str:
    code = "T-" + uuid.uuid4().hex[:10].upper()
    payload = {"code": code, "name": f"Lokasi Uji {code}", "kind": "MPP",
               "address": "Jalan Uji No. 1, Sumedang", "steps": list(steps), **extra}
    with sessions() as s, s.begin():
        locations.create_location(s, payload)
    return code


def new_slots(sessions: sessionmaker, code: str, day: date, windows: list[str],
              capacity: int) -> list[int]:
    with sessions() as s, s.begin():
        locations.create_slots(s, code, {
            "from": day.isoformat(), "to": day.isoformat(), "windows": windows,
            "capacity": capacity, "include_weekends": True, "include_holidays": True,
        })
    with sessions() as s:
        return list(s.scalars(
            select(Slot.id).where(Slot.location_code == code, Slot.date == day)
            .order_by(Slot.start_time)
        ))


def in_days(n: int) -> date:
    return datetime.now(WIB).date() + timedelta(days=n)


def slot_state(sessions: sessionmaker, slot_id: int) -> tuple[int, int, int]:
    """(capacity, booked, live appointments counted from the appointments table)."""
    with sessions() as s:
        slot = s.get(Slot, slot_id)
        return slot.capacity, slot.booked, booked_count(s, slot_id)


def run_parallel(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run action(i) in ``count`` threads released together; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def code_of(result: Any) -> str:
    return result.code if isinstance(result, DomainError) else "OK"


# --- locations and slots --------------------------------------------------------------------------


def test_locations_are_filtered_by_kecamatan_and_step(sessions) -> None:
    kecamatan = new_location(sessions, steps=("BIOMETRICS",), kind="KECAMATAN",
                             kecamatan_code="32.11.26")
    mpp = new_location(sessions, steps=("COLLECTION",))
    with sessions() as s:
        in_kecamatan = {loc["code"] for loc in booking.list_locations(s, "32.11.26")}
        collecting = {loc["code"] for loc in booking.list_locations(s, step="COLLECTION")}
    assert kecamatan in in_kecamatan and mpp not in in_kecamatan
    assert mpp in collecting and kecamatan not in collecting

    with pytest.raises(ValidationFailed) as refused, sessions() as s, s.begin():
        locations.create_location(s, {"code": "T-BAD", "name": "Kantor Uji", "kind": "KECAMATAN",
                                         "address": "Jalan Uji", "steps": ["SIDIK_JARI"]})
    assert set(refused.value.fields) == {"steps", "kecamatan_code"}
    with pytest.raises(Conflict) as taken, sessions() as s, s.begin():
        locations.create_location(s, {"code": mpp, "name": "Lagi", "kind": "MPP",
                                         "address": "Jalan Uji", "steps": ["COLLECTION"]})
    assert taken.value.code == "LOCATION_EXISTS"

    with sessions() as s, s.begin():
        locations.update_location(s, mpp, {"active": False})
    with sessions() as s:
        assert mpp not in {loc["code"] for loc in booking.list_locations(s)}


def test_bulk_slots_skip_weekends_and_repeat_harmlessly(sessions) -> None:
    code = new_location(sessions)
    monday = in_days(7 - datetime.now(WIB).weekday() + 7)  # a Monday 8-14 days ahead
    payload = {"from": monday.isoformat(), "to": (monday + timedelta(days=6)).isoformat(),
               "windows": ["10:00-12:00", "08:00-10:00"], "capacity": 4,
               "include_holidays": True}
    with sessions() as s, s.begin():
        first = locations.create_slots(s, code, payload)
    with sessions() as s, s.begin():
        again = locations.create_slots(s, code, payload)
    assert (first["created"], first["existing"]) == (10, 0)  # Mon-Fri × 2 windows
    assert (again["created"], again["existing"]) == (0, 10)
    with sessions() as s:
        listed = booking.list_slots(s, code, monday, monday + timedelta(days=6))["slots"]
    assert len(listed) == 10 and {d["date"] for d in listed} == {
        (monday + timedelta(days=i)).isoformat() for i in range(5)
    }
    assert listed[0]["start_time"] == "08:00" and listed[0]["remaining"] == 4

    with pytest.raises(ValidationFailed), sessions() as s, s.begin():
        locations.create_slots(s, code, {**payload, "windows": ["08:00-10:00", "09:00-11:00"]})
    with pytest.raises(ValidationFailed), sessions() as s, s.begin():
        locations.create_slots(s, code, {**payload, "from": in_days(-1).isoformat()})


def test_slots_already_started_today_are_not_offered(sessions) -> None:
    code = new_location(sessions)
    day = in_days(3)
    early, late = new_slots(sessions, code, day, ["08:00-09:00", "13:00-14:00"], 5)
    # Pretend it is 10:00 WIB on that day.
    at_ten = datetime.combine(day, time(10, 0), tzinfo=WIB).astimezone(UTC)
    with sessions() as s:
        listed = booking.list_slots(s, code, day, day, now=at_ten)["slots"]
    assert [slot["id"] for slot in listed] == [late]
    app_id, token = submitted(sessions, Outbox(OUTBOX, "intake"))
    with pytest.raises(Conflict) as past, sessions() as s, s.begin():
        booking.book(s, Outbox(OUTBOX, "intake"), app_id, token, "BIOMETRICS", early,
                          now=at_ten)
    assert past.value.code == "SLOT_IN_PAST"


# --- booking rules --------------------------------------------------------------------------------


def test_booking_rules(sessions, outbox) -> None:
    code = new_location(sessions)
    collection_only = new_location(sessions, steps=("COLLECTION",))
    slot, other = new_slots(sessions, code, in_days(2), ["08:00-09:00", "09:00-10:00"], 3)
    (elsewhere,) = new_slots(sessions, collection_only, in_days(2), ["08:00-09:00"], 3)

    def book(app_id: str, token: str, step: str, slot_id: int) -> dict:
        with sessions() as s, s.begin():
            return booking.book(s, outbox, app_id, token, step, slot_id)

    def refused(expected: type, code: str, *args: Any) -> None:
        with pytest.raises(expected) as caught:
            book(*args)
        assert caught.value.code == code

    seed = next(_seeds)
    with sessions() as s, s.begin():
        draft = commands.create_application(s, outbox, application_payload(KTP, adult(seed),
                                                                               seed))
    refused(Conflict, "NOT_BOOKABLE", draft["id"], draft["access_token"], "BIOMETRICS", slot)

    app_id, token = submitted(sessions, outbox)
    refused(Forbidden, "INVALID_TOKEN", app_id, "not-the-token", "BIOMETRICS", slot)
    refused(Conflict, "STEP_NOT_REQUIRED", app_id, token, "PENGAMBILAN_AKTA", slot)
    refused(Conflict, "STEP_NOT_OFFERED", app_id, token, "BIOMETRICS", elsewhere)
    refused(NotFound, "SLOT_NOT_FOUND", app_id, token, "BIOMETRICS", 999_999_999)

    booked = book(app_id, token, "BIOMETRICS", slot)
    assert booked["status"] == "BOOKED" and booked["slot"]["booked"] == 1
    refused(Conflict, "ALREADY_BOOKED", app_id, token, "BIOMETRICS", other)
    collect = book(app_id, token, "COLLECTION", other)  # another step: its own booking
    assert slot_state(sessions, slot) == (3, 1, 1) and slot_state(sessions, other) == (3, 1, 1)

    sent = events(sessions, "appointment.booked", application_id=app_id)
    assert [e["step"] for e in sent] == ["BIOMETRICS", "COLLECTION"]
    assert sent[0]["location"]["code"] == code and sent[0]["slot_date"] == in_days(2)
    assert sent[0]["recipient"]["nik_masked"].count("*") == 10
    with sessions() as s:
        mine = booking.list_for_application(s, app_id, token)
    assert {a["id"] for a in mine["appointments"]} == {booked["id"], collect["id"]}
    assert [p["step"] for p in mine["steps"]] == ["BIOMETRICS", "COLLECTION"]

    # A service without in-person steps.
    kk_id, kk_token = submitted(sessions, outbox, "KK_PERUBAHAN")
    refused(Conflict, "STEP_NOT_REQUIRED", kk_id, kk_token, "BIOMETRICS", slot)


def test_capacity_never_drops_below_bookings(sessions, outbox) -> None:
    code = new_location(sessions)
    (slot,) = new_slots(sessions, code, in_days(2), ["08:00-09:00"], 3)
    for _ in range(2):
        app_id, token = submitted(sessions, outbox)
        with sessions() as s, s.begin():
            booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
    with pytest.raises(Conflict) as below, sessions() as s, s.begin():
        locations.set_capacity(s, slot, 1)
    assert below.value.code == "CAPACITY_BELOW_BOOKED"
    with sessions() as s, s.begin():
        assert locations.set_capacity(s, slot, 2)["remaining"] == 0
    app_id, token = submitted(sessions, outbox)
    with pytest.raises(Conflict) as full, sessions() as s, s.begin():
        booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
    assert full.value.code == "SLOT_FULL"
    with pytest.raises(NotFound), sessions() as s, s.begin():
        locations.set_capacity(s, 999_999_999, 5)


# --- concurrency ----------------------------------------------------------------------------------


def test_parallel_bookings_never_overbook(sessions, outbox) -> None:
    code = new_location(sessions)
    (slot,) = new_slots(sessions, code, in_days(4), ["08:00-09:00"], 5)
    citizens = [submitted(sessions, outbox) for _ in range(40)]

    def book(i: int) -> dict:
        app_id, token = citizens[i]
        with sessions() as s, s.begin():  # each thread: its own session and connection
            return booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)

    results = run_parallel(40, book)
    outcomes = Counter(code_of(r) for r in results)
    assert outcomes == {"OK": 5, "SLOT_FULL": 35}, outcomes
    assert slot_state(sessions, slot) == (5, 5, 5)
    booked_events = [e for e in events(sessions, "appointment.booked")
                     if e["location"]["code"] == code]
    assert len(booked_events) == 5


def test_parallel_reschedules_into_a_nearly_full_slot(sessions, outbox) -> None:
    code = new_location(sessions)
    day = in_days(5)
    # Sources on both sides of the target by id, so locks are taken in both orders.
    first, target, last = new_slots(
        sessions, code, day, ["08:00-09:00", "09:00-10:00", "10:00-11:00"], 20
    )
    with sessions() as s, s.begin():
        locations.set_capacity(s, target, 3)
    for _ in range(2):  # two of the target's three places are taken already
        app_id, token = submitted(sessions, outbox)
        with sessions() as s, s.begin():
            booking.book(s, outbox, app_id, token, "BIOMETRICS", target)
    movers = []
    for i in range(20):
        app_id, token = submitted(sessions, outbox)
        with sessions() as s, s.begin():
            booked = booking.book(s, outbox, app_id, token, "BIOMETRICS",
                                       first if i % 2 else last)
        movers.append((app_id, token, booked["id"]))

    def move(i: int) -> dict:
        app_id, token, appointment_id = movers[i]
        with sessions() as s, s.begin():
            return booking.reschedule(s, outbox, app_id, token, appointment_id, target)

    results = run_parallel(20, move)
    outcomes = Counter(code_of(r) for r in results)
    assert outcomes == {"OK": 1, "SLOT_FULL": 19}, outcomes
    assert slot_state(sessions, target) == (3, 3, 3)
    _, first_booked, first_live = slot_state(sessions, first)
    _, last_booked, last_live = slot_state(sessions, last)
    assert first_booked == first_live and last_booked == last_live
    assert first_booked + last_booked == 19  # the one that moved freed its place
    assert len(events(sessions, "appointment.rescheduled")) == 1


def test_crossing_reschedules_do_not_deadlock(sessions, outbox) -> None:
    code = new_location(sessions)
    a, b = new_slots(sessions, code, in_days(6), ["08:00-09:00", "09:00-10:00"], 30)
    pairs = []
    for i in range(16):  # half sit in a and move to b, half the other way round
        source, target = (a, b) if i % 2 == 0 else (b, a)
        app_id, token = submitted(sessions, outbox)
        with sessions() as s, s.begin():
            booked = booking.book(s, outbox, app_id, token, "BIOMETRICS", source)
        pairs.append((app_id, token, booked["id"], target))

    def move(i: int) -> dict:
        app_id, token, appointment_id, target = pairs[i]
        with sessions() as s, s.begin():
            return booking.reschedule(s, outbox, app_id, token, appointment_id, target)

    results = run_parallel(16, move)
    assert [code_of(r) for r in results] == ["OK"] * 16, results
    assert slot_state(sessions, a) == (30, 8, 8) and slot_state(sessions, b) == (30, 8, 8)


# --- cancellation ---------------------------------------------------------------------------------


def test_cancel_frees_the_place(sessions, outbox) -> None:
    code = new_location(sessions)
    (slot,) = new_slots(sessions, code, in_days(2), ["08:00-09:00"], 1)
    (first_id, first_token), (second_id, second_token) = (
        submitted(sessions, outbox), submitted(sessions, outbox)
    )
    with sessions() as s, s.begin():
        first = booking.book(s, outbox, first_id, first_token, "BIOMETRICS", slot)
    with pytest.raises(Conflict) as full, sessions() as s, s.begin():
        booking.book(s, outbox, second_id, second_token, "BIOMETRICS", slot)
    assert full.value.code == "SLOT_FULL"

    with pytest.raises(NotFound), sessions() as s, s.begin():  # not the second's appointment
        booking.cancel(s, outbox, second_id, second_token, first["id"])
    with sessions() as s, s.begin():
        cancelled = booking.cancel(s, outbox, first_id, first_token, first["id"])
    assert cancelled["status"] == "CANCELLED" and slot_state(sessions, slot) == (1, 0, 0)
    with pytest.raises(Conflict), sessions() as s, s.begin():
        booking.cancel(s, outbox, first_id, first_token, first["id"])
    with sessions() as s, s.begin():
        booking.book(s, outbox, second_id, second_token, "BIOMETRICS", slot)
    assert slot_state(sessions, slot) == (1, 1, 1)
    assert len(events(sessions, "appointment.cancelled", application_id=first_id)) == 1

    # The first citizen may book again after cancelling (one live booking per step).
    (spare,) = new_slots(sessions, code, in_days(3), ["08:00-09:00"], 1)
    with sessions() as s, s.begin():
        booking.book(s, outbox, first_id, first_token, "BIOMETRICS", spare)


def test_cancelling_the_application_cancels_its_bookings(sessions, outbox) -> None:
    code = new_location(sessions)
    one, two = new_slots(sessions, code, in_days(2), ["08:00-09:00", "09:00-10:00"], 2)
    app_id, token = submitted(sessions, outbox)
    with sessions() as s, s.begin():
        booking.book(s, outbox, app_id, token, "BIOMETRICS", two)
        booking.book(s, outbox, app_id, token, "COLLECTION", one)
    with sessions() as s, s.begin():
        cancelled = booking.cancel_for_application(s, outbox, uuid.UUID(app_id),
                                                        datetime.now(UTC))
    assert cancelled == 2
    assert slot_state(sessions, one) == (2, 0, 0) and slot_state(sessions, two) == (2, 0, 0)
    assert len(events(sessions, "appointment.cancelled", application_id=app_id)) == 2
    with sessions() as s:
        statuses = {a["status"] for a in
                    booking.list_for_application(s, app_id, token)["appointments"]}
    assert statuses == {"CANCELLED"}


def test_a_cancelled_application_frees_its_places(sessions, outbox) -> None:
    """Through intake's own cancel, which calls cancel_for_application."""
    code = new_location(sessions)
    (slot,) = new_slots(sessions, code, in_days(2), ["08:00-09:00"], 1)
    app_id, token = submitted(sessions, outbox)
    with sessions() as s, s.begin():
        booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
    with sessions() as s, s.begin():
        commands.cancel(s, outbox, app_id, token, "Salah pilih layanan.")
    assert slot_state(sessions, slot) == (1, 0, 0)
    with pytest.raises(Conflict) as closed, sessions() as s, s.begin():
        booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
    assert closed.value.code == "NOT_BOOKABLE"


# --- attendance -----------------------------------------------------------------------------------


def test_biometrics_attendance_releases_issuance(sessions, outbox) -> None:
    code = new_location(sessions)
    day = in_days(2)
    (slot,) = new_slots(sessions, code, day, ["08:00-09:00"], 2)
    app_id, token = submitted(sessions, outbox)
    with sessions() as s, s.begin():
        consumers.apply_decision(s, outbox, {
            "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
            "decided_at": datetime.now(UTC),
        })
    with sessions() as s:
        assert views.view(s, app_id, token)["status"] == "AWAITING_BIOMETRICS"
    with sessions() as s, s.begin():
        booked = booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)

    before_the_day = datetime.now(UTC)
    with pytest.raises(Conflict) as early, sessions() as s, s.begin():
        counter.mark_attendance(s, outbox, booked["id"], True, staff("petugas.uji"), before_the_day)
    assert early.value.code == "APPOINTMENT_NOT_TODAY"
    with pytest.raises(Conflict) as not_started, sessions() as s, s.begin():
        counter.mark_attendance(s, outbox, booked["id"], False, staff("petugas.uji"),
                                     before_the_day)
    assert not_started.value.code == "SLOT_NOT_STARTED"

    at_counter = datetime.combine(day, time(8, 20), tzinfo=WIB)
    with sessions() as s, s.begin():
        marked = counter.mark_attendance(s, outbox, booked["id"], True, staff("petugas.uji"),
                                              at_counter)
    assert marked["status"] == "ATTENDED" and marked["marked_by"] == "petugas.uji"
    assert "*" in marked["applicant"]["nik_masked"]
    with sessions() as s, s.begin():  # the same result again changes nothing
        counter.mark_attendance(s, outbox, booked["id"], True, staff("petugas.dua"), at_counter)
    with sessions() as s:
        view = views.view(s, app_id, token)
        day_list = counter.location_day(s, staff("petugas.uji"), code, day.isoformat())
    assert view["status"] == "APPROVED"
    assert [p["done_at"] is not None for p in view["presence"] if p["step"] == "BIOMETRICS"] == [
        True
    ]
    assert len(events(sessions, "application.issuance_requested", application_id=app_id)) == 1
    assert day_list["slots"][0]["appointments"][0]["status"] == "ATTENDED"
    with pytest.raises(Conflict), sessions() as s, s.begin():
        counter.mark_attendance(s, outbox, booked["id"], False, staff("petugas.uji"), at_counter)
    with pytest.raises(Conflict) as done, sessions() as s, s.begin():
        booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
    assert done.value.code == "STEP_ALREADY_DONE"


def booked_collection(sessions, outbox, code: str) -> tuple[dict, int, datetime]:
    """A collection booked in a slot two days ahead; a moment after the slot ended."""
    day = in_days(2)
    (slot,) = new_slots(sessions, code, day, ["08:00-09:00"], 2)
    app_id, token = submitted(sessions, outbox)
    with sessions() as s, s.begin():
        booked = booking.book(s, outbox, app_id, token, "COLLECTION", slot)
    return booked, slot, datetime.combine(day, time(9, 30), tzinfo=WIB)


def test_no_show_keeps_the_place_and_may_be_corrected(sessions, outbox) -> None:
    booked, slot, after = booked_collection(sessions, outbox, new_location(sessions))
    with sessions() as s, s.begin():
        assert counter.mark_attendance(
            s, outbox, booked["id"], False, staff("petugas.uji"), after)["status"] == "NO_SHOW"
    assert slot_state(sessions, slot) == (2, 1, 1)
    with sessions() as s, s.begin():
        assert counter.mark_attendance(
            s, outbox, booked["id"], True, staff("petugas.uji"), after)["status"] == "ATTENDED"


def test_a_kecamatan_operator_serves_only_its_own_kecamatans_offices(sessions, outbox) -> None:
    """An operator of 32.11.07 neither lists who is booked at 32.11.06's office nor marks a
    biometrics appointment there attended (which would release issuance)."""
    code = new_location(sessions, kind="KECAMATAN", kecamatan_code="32.11.06")
    mpp = new_location(sessions)  # the MPP belongs to no kecamatan: Dinas-wide staff only
    booked, _, after = booked_collection(sessions, outbox, code)
    day = after.date()
    neighbour = staff("op.tetangga", "kecamatan_operator", kecamatan="32.11.07")
    own = staff("op.sendiri", "kecamatan_operator", kecamatan="32.11.06")
    for refused, where in ((neighbour, code), (own, mpp)):
        with pytest.raises(Forbidden) as listing, sessions() as s:
            counter.location_day(s, refused, where, day.isoformat())
        assert listing.value.code == "WRONG_KECAMATAN"
    with pytest.raises(Forbidden) as marking, sessions() as s, s.begin():
        counter.mark_attendance(s, outbox, booked["id"], True, neighbour, after)
    assert marking.value.code == "WRONG_KECAMATAN"
    unbound = staff("op.baru", "kecamatan_operator")
    with pytest.raises(Forbidden) as no_office, sessions() as s:
        counter.location_day(s, unbound, code, day.isoformat())
    assert no_office.value.code == "NO_KECAMATAN"
    with sessions() as s:
        listed = counter.location_day(s, own, code, day.isoformat())
    assert [a["status"] for a in listed["slots"][0]["appointments"]] == ["BOOKED"]
    with sessions() as s, s.begin():
        assert counter.mark_attendance(s, outbox, booked["id"], True, own, after)[
            "marked_by"] == "op.sendiri"


# --- reminders ------------------------------------------------------------------------------------


def test_reminders_go_out_once_for_tomorrow(sessions, outbox) -> None:
    code = new_location(sessions)
    now = datetime.now(UTC)
    tomorrow = now.astimezone(WIB).date() + timedelta(days=1)
    (tomorrow_slot,) = new_slots(sessions, code, tomorrow, ["10:00-11:00"], 10)
    (later_slot,) = new_slots(sessions, code, tomorrow + timedelta(days=1), ["10:00-11:00"], 10)
    booked = []
    for slot in (tomorrow_slot, tomorrow_slot, later_slot):
        app_id, token = submitted(sessions, outbox)
        with sessions() as s, s.begin():
            appointment = booking.book(s, outbox, app_id, token, "BIOMETRICS", slot)
        booked.append((appointment["id"], app_id, token))

    # A fourth, for tomorrow too, whose application is rejected afterwards: no reminder.
    rejected_id, rejected_token = submitted(sessions, outbox)
    with sessions() as s, s.begin():
        rejected = booking.book(s, outbox, rejected_id, rejected_token, "BIOMETRICS",
                                     tomorrow_slot)
    with sessions() as s, s.begin():
        consumers.apply_decision(s, outbox, {
            "application_id": uuid.UUID(rejected_id), "round": 1, "decision": "REJECT",
            "reason_code": "PERMOHONAN_GANDA", "decided_at": datetime.now(UTC),
        })

    def reminded() -> list[str]:
        ids = {b[0] for b in booked} | {rejected["id"]}
        return sorted(str(e["appointment_id"]) for e in events(sessions, "appointment.reminder_due")
                      if str(e["appointment_id"]) in ids)

    # Two sweeps at once, then another: each of tomorrow's is reminded exactly once.
    run_parallel(2, lambda _: _sweep(sessions, outbox, now))
    _sweep(sessions, outbox, now)
    assert reminded() == sorted(b[0] for b in booked[:2])

    # A day later the third is due, once.
    _sweep(sessions, outbox, now + timedelta(days=1))
    _sweep(sessions, outbox, now + timedelta(days=1))
    assert reminded() == sorted(b[0] for b in booked)

    # Moved to another day, it is reminded again before the new date.
    (moved_to,) = new_slots(sessions, code, tomorrow + timedelta(days=3), ["10:00-11:00"], 10)
    appointment_id, app_id, token = booked[2]
    with sessions() as s, s.begin():
        booking.reschedule(s, outbox, app_id, token, appointment_id, moved_to)
    _sweep(sessions, outbox, now + timedelta(days=3))
    assert reminded().count(appointment_id) == 2


def _sweep(sessions: sessionmaker, outbox: Outbox, now: datetime) -> int:
    with sessions() as s, s.begin():
        return reminders.send_reminders(s, outbox, now=now)
