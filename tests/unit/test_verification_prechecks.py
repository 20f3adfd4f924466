"""Verification's pre-checks, the reason-code rules and the backlog summary as plain functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.verification import prechecks, reasons, supervision
from services.verification.prechecks import OPEN, RECENT, Other
from silasidakep.errors import ValidationFailed

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
NIK = "3211064107900001"


def other(service: str = "KK_PERUBAHAN", status: str | None = OPEN, nik: str = NIK,
          form: dict | None = None, tracking: str = "SLS-LAIN0001") -> Other:
    return Other(uuid.uuid4(), tracking, service,
                 {"applicant": {"nik": nik}, "form": form or {}}, status)


def codes(findings: list[dict]) -> list[str]:
    return [f["code"] for f in findings]


@pytest.mark.parametrize(
    ("state", "decision", "days_ago", "expected"),
    [
        ("PENDING", None, None, OPEN),
        ("CLAIMED", None, None, OPEN),
        ("DECIDED", "REQUEST_REVISION", 90, OPEN),  # the citizen still has to fix it
        ("DECIDED", "APPROVE", 5, RECENT),
        ("DECIDED", "APPROVE", 45, None),  # outside the 30-day window
        ("DECIDED", "REJECT", 1, None),
        ("CANCELLED", None, None, None),
    ],
)
def test_status_of_another_application(state, decision, days_ago, expected) -> None:
    decided = NOW - timedelta(days=days_ago) if days_ago is not None else None
    assert prechecks.status_of(state, decision, decided, NOW, timedelta(days=30)) == expected


def test_same_nik_and_service_open_or_recently_approved() -> None:
    item = {"service_code": "KK_PERUBAHAN", "applicant": {"nik": NIK}, "form": {}}
    found = prechecks.duplicate_findings(item, [
        other(tracking="SLS-TERBUKA1"), other(status=RECENT, tracking="SLS-SETUJU01"),
        other(status=None), other(service="KTP_BARU"), other(nik="3211060101900002"),
    ])
    assert codes(found) == ["DUPLICATE_APPLICATION", "DUPLICATE_RECENTLY_APPROVED"]
    assert found[0]["related"]["tracking_code"] == "SLS-TERBUKA1"
    assert found[0]["category"] == "duplicate" and "masih diproses" in found[0]["message"]
    assert all(NIK not in f["message"] for f in found)  # never the NIK itself


BIRTH = {"child_name": "Raka Pratama", "birth_date": "2026-10-01",
         "mother_nik": "3211064107900001", "mother_name": "Siti Rahmawati"}


def test_the_same_birth_reported_twice() -> None:
    item = {"service_code": "AKTA_LAHIR", "applicant": {"nik": NIK}, "form": BIRTH}
    same = other("AKTA_LAHIR", form={**BIRTH, "child_name": "  raka   PRATAMA "})
    by_name = other("AKTA_LAHIR", form={**BIRTH, "mother_nik": None})  # mother's name matches
    twin = other("AKTA_LAHIR", form={**BIRTH, "child_name": "Rizki Pratama"})
    other_mother = other("AKTA_LAHIR", form={**BIRTH, "mother_nik": "3211064107900099"})
    found = prechecks.duplicate_findings(item, [same, by_name, twin, other_mother])
    assert codes(found) == ["DUPLICATE_BIRTH", "DUPLICATE_BIRTH"]
    # A parent reporting two children is not an applicant duplicate.
    assert "DUPLICATE_APPLICATION" not in codes(found)


def test_the_same_child_or_deceased_as_subject() -> None:
    item = {"service_code": "KIA", "applicant": {"nik": "3211060101800001"},
            "form": {"child_nik": "3211065001200001"}}
    found = prechecks.duplicate_findings(item, [
        other("KIA", nik="3211060101800002", form={"child_nik": "3211065001200001"}),
    ])
    assert codes(found) == ["DUPLICATE_SUBJECT"]
    assert found[0]["field"] == "form.child_nik" and "NIK anak" in found[0]["message"]


def test_document_findings() -> None:
    requirements = {"documents": [
        {"type": "KK_LAMA", "label": "Kartu Keluarga lama", "required": True},
        {"type": "BUKTI", "label": "Bukti perubahan", "required": True},
        {"type": "FOTO", "label": "Pas foto", "required": False},
        {"type": "LAIN", "label": "Lainnya", "required": True},
    ]}
    documents = [
        {"doc_type": "KK_LAMA", "content_type": "image/png", "size": 2048, "sha256": "a"},
        {"doc_type": "BUKTI", "content_type": "application/pdf", "size": 0, "sha256": "b"},
        {"doc_type": "FOTO", "content_type": "image/gif", "size": 10, "sha256": "a"},
    ]
    found = prechecks.document_findings(documents, requirements)
    assert codes(found) == ["DOCUMENT_MISSING", "DOCUMENT_EMPTY", "DOCUMENT_UNREADABLE",
                            "DOCUMENT_SAME_FILE"]
    assert found[0]["message"] == "Dokumen wajib belum diunggah: Lainnya."
    # Requirements from before the "required" flag: nothing is reported missing.
    assert prechecks.document_findings([], {"documents": [{"type": "KK", "label": "KK"}]}) == []


def test_intake_warnings_pass_through_with_a_category() -> None:
    found = prechecks.intake_findings([
        {"field": "form.birth_date", "code": "REPORTED_LATE", "message": "Dilaporkan ..."},
        {"field": "applicant.nik", "code": "NIK_BIRTH_DATE_MISMATCH", "message": "..."},
    ])
    assert [(f["code"], f["category"]) for f in found] == [
        ("REPORTED_LATE", "deadline"), ("NIK_BIRTH_DATE_MISMATCH", "nik")]


# --- reason codes ------------------------------------------------------------------------------


def test_reason_code_rules() -> None:
    assert reasons.check_code(" FOTO_BURAM ") == "FOTO_BURAM"
    for bad in ("foto", "1ABC", "AB", "A" * 61, "FOTO BURAM"):
        with pytest.raises(ValidationFailed) as refused:
            reasons.check_code(bad)
        assert refused.value.code == "INVALID_REASON_CODE"
    assert reasons.check_text("  Foto   buram sekali.  ") == "Foto buram sekali."
    with pytest.raises(ValidationFailed):
        reasons.check_text("Pendek")
    assert reasons.check_decisions(["REQUEST_REVISION", "REJECT"]) == [
        "REJECT", "REQUEST_REVISION"]
    for bad in ([], ["MAYBE"]):
        with pytest.raises(ValidationFailed):
            reasons.check_decisions(bad)


def test_grouped_offers_active_codes_per_decision() -> None:
    listed = [
        {"code": "A_CODE", "text": "Teks A", "decisions": ["REJECT", "REQUEST_REVISION"],
         "active": True},
        {"code": "B_CODE", "text": "Teks B", "decisions": ["REJECT"], "active": False},
    ]
    assert reasons.grouped(listed) == {
        "REJECT": [{"code": "A_CODE", "text": "Teks A"}],
        "REQUEST_REVISION": [{"code": "A_CODE", "text": "Teks A"}],
        "APPROVE": [],
    }


# --- the backlog board ---------------------------------------------------------------------------


def test_backlog_summary_per_stage_service_and_kecamatan() -> None:
    hour = timedelta(hours=1)
    rows = [
        ("PENDING", "KK_PERUBAHAN", "32.11.06", None, NOW + hour),
        ("PENDING", "KK_PERUBAHAN", "32.11.01", None, NOW - hour),  # late
        ("CLAIMED", "AKTA_LAHIR", "32.11.06", NOW + hour, NOW - hour),  # late, in review
        ("CLAIMED", "AKTA_LAHIR", "32.11.06", NOW - hour, NOW + hour),  # lease expired
    ]
    summary = supervision.summarise(rows, NOW)
    assert summary["total"] == 4 and summary["breached"] == 2
    assert [(s["stage"], s["count"], s["breached"]) for s in summary["stages"]] == [
        ("WAITING", 2, 1), ("CLAIMED", 1, 1), ("LEASE_EXPIRED", 1, 0)]
    assert summary["services"] == [
        {"service_code": "AKTA_LAHIR", "count": 2, "breached": 1},
        {"service_code": "KK_PERUBAHAN", "count": 2, "breached": 1},
    ]
    assert summary["kecamatan"] == [
        {"kecamatan_code": "32.11.01", "count": 1, "breached": 1},
        {"kecamatan_code": "32.11.06", "count": 3, "breached": 1},
    ]
    assert supervision.summarise([], NOW)["stages"][0]["count"] == 0
