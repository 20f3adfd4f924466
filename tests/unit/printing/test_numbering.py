from __future__ import annotations

from datetime import date

import pytest

from services.printing.documents.numbering import document_number


def test_kk_number_format() -> None:
    assert document_number("KK", "32.11", date(2026, 11, 28), 123) == "3211-KK-2026-000123"


def test_accepts_code_without_dots_and_uses_the_issue_year() -> None:
    assert (
        document_number("AKTA_LAHIR", "3211", date(2027, 1, 1), 1) == "3211-LT-2027-000001"
    )


@pytest.mark.parametrize(
    ("document_type", "regency_code", "serial"),
    [
        ("KK", "32.11.06", 1),  # a kecamatan code, not a regency
        ("KK", "32-11", 1),
        ("kk", "32.11", 1),
        ("K-K", "32.11", 1),  # would make the number ambiguous to split
        ("KK", "32.11", 0),
        ("KK", "32.11", 1_000_000),
    ],
)
def test_rejects_malformed_parts(document_type: str, regency_code: str, serial: int) -> None:
    with pytest.raises(ValueError):
        document_number(document_type, regency_code, date(2026, 1, 1), serial)
