"""Printing's view of an application's outputs (issue 16): a v2 event's one output, each
output's snapshot, and the crash point between outputs."""

from __future__ import annotations

import pytest

from services.printing.crashpoints import crash_point
from services.printing.outputs import output_snapshot, outputs_of

SNAPSHOT = {
    "tracking_code": "SLS-X", "service_code": "AKTA_LAHIR", "output_document": "AKTA_LAHIR",
    "applicant": {"nik": "3211000000000001", "name": "AYAH", "kk_number": "3211000000000009",
                  "kecamatan_code": "32.11.01"},
    "form": {"child_name": "BAYI"}, "delivery": "DOWNLOAD",
    "output": {"document": "AKTA_LAHIR", "card": False},
    "subject": {"key": "k-bayi", "name": "BAYI", "nik": None},
}


def test_a_v2_event_issues_the_snapshots_one_output() -> None:
    (only,) = outputs_of(SNAPSHOT, None)
    assert (only["key"], only["document"], only["card"], only["kind"]) == (
        "AKTA_LAHIR", "AKTA_LAHIR", False, "ORIGINAL")
    assert only["subject"] == SNAPSHOT["subject"] and only["form"] is None
    assert outputs_of(SNAPSHOT, []) == [only]


def test_each_output_renders_with_its_own_document_subject_form_and_applicant() -> None:
    kk = {"key": "KK", "document": "KK", "card": False, "kind": "ORIGINAL", "replaces": None,
          "subject": {"key": "3211000000000009", "name": "AYAH", "nik": "3211000000000001"},
          "form": {"members": [{"name": "AYAH"}, {"name": "BAYI"}]},
          "applicant": {**SNAPSHOT["applicant"], "name": "KEPALA"}}
    composed = output_snapshot(SNAPSHOT, kk)
    assert composed["output_document"] == "KK"
    assert composed["output"] == {"document": "KK", "card": False}
    assert composed["subject"] == kk["subject"] and composed["form"] == kk["form"]
    assert composed["applicant"]["name"] == "KEPALA"
    assert composed["tracking_code"] == "SLS-X" and composed["delivery"] == "DOWNLOAD"
    assert SNAPSHOT["output_document"] == "AKTA_LAHIR"  # the application's is untouched
    kia = {**kk, "key": "KIA", "document": "KIA", "card": True, "form": None,
           "applicant": None}
    composed = output_snapshot(SNAPSHOT, kia)
    assert composed["output"]["card"] is True
    assert composed["form"] == SNAPSHOT["form"] and composed["applicant"] == SNAPSHOT["applicant"]


def test_the_crash_point_after_an_output() -> None:
    dev = {"SILASIDAKEP_ENV": "development"}
    assert crash_point({**dev, "PRINTING_CRASH_AFTER": "output:1"}) == "output:1"
    for bad in ("output:0", "output:", "output:x"):
        with pytest.raises(RuntimeError, match="output:N"):
            crash_point({**dev, "PRINTING_CRASH_AFTER": bad})
