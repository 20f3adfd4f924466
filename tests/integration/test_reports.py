"""The Dinas report on real PostgreSQL: a small known dataset in a database of its own, and the
exact figures (counts, median and 90th percentile in working days across a holiday, within
target, revision rate, online share, appointments, weeks, filters, period edges in WIB)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from services.intake import reporting
from services.intake.catalogue import get_service, holidays
from services.intake.domain.workdays import deadline
from services.intake.models import Application, Appointment, Location, Slot, StatusChange
from silasidakep.clock import WIB
from silasidakep.db import make_engine
from tests.support import infra

PERIOD = {"from": "2026-12-14", "to": "2026-12-31"}  # Friday 2026-12-25 is a holiday


def wib(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=WIB)


# key: (service, channel, kecamatan, [(status, at, round, reason)]); DRAFT comes first.
DATASET: dict[str, tuple[str, str, str, list[tuple[str, datetime, int, str | None]]]] = {
    "A1": ("KK_PERUBAHAN", "ONLINE", "32.11.06", [
        ("SUBMITTED", wib("2026-12-14"), 1, None), ("ISSUED", wib("2026-12-15", 9), 1, None)]),
    # Thursday before the holiday, issued Monday: one working day, not two.
    "A2": ("KK_PERUBAHAN", "SUPER_APP", "32.11.06", [
        ("SUBMITTED", wib("2026-12-24", 15), 1, None), ("ISSUED", wib("2026-12-28"), 1, None)]),
    # A revision round: time counts from the first submission, the target from the second.
    "A3": ("KTP_CETAK_ULANG", "LOKET_MPP", "32.11.07", [
        ("SUBMITTED", wib("2026-12-16"), 1, None),
        ("REVISION_REQUESTED", wib("2026-12-16", 14), 1, "DOKUMEN_TIDAK_TERBACA"),
        ("SUBMITTED", wib("2026-12-18", 9), 2, None), ("ISSUED", wib("2026-12-23", 11), 2, None)]),
    "A4": ("KK_PERUBAHAN", "KECAMATAN", "32.11.07", [
        ("SUBMITTED", wib("2026-12-14"), 1, None), ("ISSUED", wib("2026-12-22"), 1, None)]),
    "A5": ("AKTA_LAHIR", "ONLINE", "32.11.06", [
        ("SUBMITTED", wib("2026-12-15"), 1, None),
        ("REJECTED", wib("2026-12-16"), 1, "PERMOHONAN_GANDA")]),
    "A6": ("AKTA_LAHIR", "DESA", "32.11.07", [
        ("SUBMITTED", wib("2026-12-17"), 1, None), ("CANCELLED", wib("2026-12-18"), 1, None)]),
    # A draft dropped before submission: neither received nor cancelled.
    "A7": ("KK_PERUBAHAN", "ONLINE", "32.11.06", [("CANCELLED", wib("2026-12-16"), 0, None)]),
    # Submitted before the period, issued in it: issued (2 working days), not received.
    "A8": ("KK_PERUBAHAN", "ONLINE", "32.11.06", [
        ("SUBMITTED", wib("2026-12-10"), 1, None), ("ISSUED", wib("2026-12-14"), 1, None)]),
    "A9": ("KK_PERUBAHAN", "ONLINE", "32.11.06", [
        ("SUBMITTED", wib("2026-12-30"), 1, None),
        ("REVISION_REQUESTED", wib("2026-12-31"), 1, "DOKUMEN_TIDAK_TERBACA")]),
    # The period's edges are WIB midnights: 23:30 on the last day counts, 00:30 after does not.
    "A10": ("KK_BARU", "ONLINE", "32.11.06", [("SUBMITTED", wib("2026-12-31", 23, 30), 1, None)]),
    "A11": ("KK_BARU", "ONLINE", "32.11.06", [("SUBMITTED", wib("2027-01-01", 0, 30), 1, None)]),
}
# (application, slot day, status)
VISITS = [("A3", "2026-12-23", "ATTENDED"), ("A4", "2026-12-22", "NO_SHOW"),
          ("A2", "2026-12-29", "BOOKED"), ("A6", "2026-12-21", "CANCELLED"),
          ("A9", "2027-01-04", "BOOKED")]


def _application(key: str, service: str, channel: str, kecamatan: str,
                 events: list[tuple[str, datetime, int, str | None]]) -> dict[str, Any]:
    submissions = [at for status, at, _, _ in events if status == "SUBMITTED"]
    created = (submissions[0] if submissions else events[0][1]).replace(hour=8)
    issued = [at for status, at, _, _ in events if status == "ISSUED"]
    target = get_service(service).target_working_days
    return {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, key), "tracking_code": f"RPT{key}",
        "service_code": service, "catalogue_version": 1, "status": events[-1][0],
        "round": max(r for _, _, r, _ in events), "nik": "3211060000000000",
        "name": "Sintetis", "kk_number": "3211060000000000", "kecamatan_code": kecamatan,
        "email": "sintetis@example.invalid", "form": {}, "warnings": [],
        "access_token_hash": "0" * 64, "created_at": created, "updated_at": events[-1][1],
        "submitted_at": submissions[-1] if submissions else None,
        "deadline_at": deadline(submissions[-1], target, holidays()) if submissions else None,
        "issued_at": issued[0] if issued else None, "pin_failures": 0, "channel": channel,
    }


def _load(session: Session) -> None:
    for key, (service, channel, kecamatan, events) in DATASET.items():
        row = _application(key, service, channel, kecamatan, events)
        session.execute(insert(Application), [row])
        history = [("DRAFT", row["created_at"], 0, None), *events]
        session.execute(insert(StatusChange), [
            {"application_id": row["id"], "seq": seq, "status": status, "at": at,
             "round": round_, "reason_code": reason,
             "reason_text": f"Teks {reason}" if reason else None}
            for seq, (status, at, round_, reason) in enumerate(history, start=1)
        ])
    now = wib("2026-12-01")
    session.execute(insert(Location), [{
        "code": "RPT-MPP", "name": "MPP", "kind": "MPP", "address": "Jalan", "steps": [],
        "active": True, "created_at": now, "updated_at": now}])
    for i, (key, day, status) in enumerate(VISITS):
        slot = session.execute(insert(Slot).returning(Slot.id), [{
            "location_code": "RPT-MPP", "date": date.fromisoformat(day),
            "start_time": time(8 + i), "end_time": time(9 + i), "capacity": 5, "booked": 0}]
        ).scalar_one()
        session.execute(insert(Appointment), [{
            "id": uuid.uuid4(), "application_id": uuid.uuid5(uuid.NAMESPACE_URL, key),
            "step": "COLLECTION", "slot_id": slot, "status": status, "booked_at": now,
            "updated_at": now}])


@pytest.fixture(scope="module")
def sessions() -> Iterator[sessionmaker]:
    name, url = infra.create_database("silasidakep_reports")
    infra.run_cli(["migrate"], {**infra.base_env(), "DATABASE_URL": url})
    engine = make_engine(url)
    factory = sessionmaker(engine)
    with factory() as session, session.begin():
        _load(session)
    try:
        yield factory
    finally:
        engine.dispose()
        infra.drop_database(name)


def report(sessions: sessionmaker, **filters: str) -> dict[str, Any]:
    with sessions() as session:
        return reporting.build(session, reporting.parse_query({**PERIOD, **filters}))


def by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row for row in rows}


def test_totals(sessions: sessionmaker) -> None:
    total = report(sessions)["total"]
    assert {k: total[k] for k in ("received", "issued", "rejected", "cancelled")} == {
        "received": 8, "issued": 5, "rejected": 1, "cancelled": 1}
    # Working days to issue: A1 1, A2 1 (holiday), A8 2, A3 5 (from the first submission), A4 6.
    assert total["median_working_days"] == 2.0
    assert total["p90_working_days"] == 5.6
    assert (total["within_target"], total["within_target_share"]) == (3, 0.6)  # A1, A2, A3
    assert (total["revised"], total["revision_rate"], total["revision_requests"]) == (2, 0.25, 2)
    assert total["top_revision_reason"] == "DOKUMEN_TIDAK_TERBACA"
    assert (total["online_received"], total["online_share"]) == (5, 0.625)
    assert (total["appointments_booked"], total["appointments_attended"],
            total["appointments_no_show"], total["attendance_rate"]) == (3, 1, 1, 0.3333)


def test_groups_by_channel_service_and_kecamatan(sessions: sessionmaker) -> None:
    answer = report(sessions)
    channels = by_code(answer["by_channel"])
    assert {c: row["received"] for c, row in channels.items()} == {
        "ONLINE": 4, "SUPER_APP": 1, "LOKET_MPP": 1, "KECAMATAN": 1, "DESA": 1}
    assert channels["ONLINE"]["online_share"] == 1.0 and channels["DESA"]["online_share"] == 0
    kk = by_code(answer["by_service"])["KK_PERUBAHAN"]
    assert (kk["received"], kk["issued"], kk["median_working_days"], kk["p90_working_days"],
            kk["within_target_share"], kk["target_working_days"]) == (4, 4, 1.5, 4.8, 0.5, 1)
    assert by_code(answer["by_service"])["BIODATA"]["received"] == 0  # every service listed
    kecamatan = by_code(answer["by_kecamatan"])
    assert set(kecamatan) == {"32.11.06", "32.11.07"}
    assert (kecamatan["32.11.06"]["received"], kecamatan["32.11.06"]["online_share"]) == (5, 1.0)
    assert (kecamatan["32.11.07"]["received"], kecamatan["32.11.07"]["online_share"]) == (3, 0)
    assert kecamatan["32.11.07"]["appointments_booked"] == 2


def test_weekly_trend(sessions: sessionmaker) -> None:
    weeks = {w["week_start"]: w for w in report(sessions)["weekly"]}
    assert list(weeks) == ["2026-12-14", "2026-12-21", "2026-12-28"]
    assert [w["received"] for w in weeks.values()] == [5, 1, 2]
    assert [w["issued"] for w in weeks.values()] == [2, 2, 1]
    assert [w["appointments_booked"] for w in weeks.values()] == [0, 2, 1]


def test_reason_codes(sessions: sessionmaker) -> None:
    assert report(sessions)["reason_codes"] == [
        {"decision": "REVISION_REQUESTED", "code": "DOKUMEN_TIDAK_TERBACA",
         "label": "Teks DOKUMEN_TIDAK_TERBACA", "count": 2},
        {"decision": "REJECTED", "code": "PERMOHONAN_GANDA", "label": "Teks PERMOHONAN_GANDA",
         "count": 1},
    ]


def test_filters(sessions: sessionmaker) -> None:
    online = report(sessions, channel="ONLINE")
    assert (online["total"]["received"], online["total"]["issued"]) == (4, 2)
    assert [c["code"] for c in online["by_channel"]] == ["ONLINE"]
    one = report(sessions, service_code="KK_PERUBAHAN", kecamatan_code="32.11.07")["total"]
    assert (one["received"], one["issued"], one["median_working_days"]) == (1, 1, 6.0)
    assert one["within_target_share"] == 0.0 and one["online_share"] == 0.0


def test_an_empty_period_has_zeros_and_no_shares(sessions: sessionmaker) -> None:
    with sessions() as session:
        empty = reporting.build(session, reporting.parse_query(
            {"from": "2025-03-01", "to": "2025-03-31"}))
    assert empty["total"]["received"] == 0 and empty["total"]["online_share"] is None
    assert empty["total"]["median_working_days"] is None and empty["by_kecamatan"] == []
    assert len(empty["weekly"]) == 6
