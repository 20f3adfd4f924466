"""Public verification: the check code decides whether the holder's name is shown; the lookup
limit's settings and keyed client digests (the counting itself runs against PostgreSQL in
tests/e2e/test_verify_check_code.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.routes.public import VERIFY_LABELS, templates
from services.printing import production, public_lookup
from services.printing.documents import card as card_module
from services.printing.documents import render as render_module
from services.printing.models import IssuedDocument, new_check_code
from tests.unit.printing.samples import SNAPSHOTS

NUMBER = "3211-KK-2026-000042"
CODE = "ABCDEFGHIJKLMNOP"


class OneDocument:
    """Just enough of a Session for ``verification_view``: ``get`` by primary key."""

    def __init__(self, document: IssuedDocument | None) -> None:
        self.document = document

    def get(self, model: type, key: str) -> IssuedDocument | None:
        assert model is IssuedDocument
        return self.document if self.document and key == self.document.document_number else None


def issued(check_code: str | None = CODE, name: str = "SITI AMINAH") -> IssuedDocument:
    at = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    return IssuedDocument(
        document_number=NUMBER, document_type="KK", state="ISSUED", status="ACTIVE",
        holder_name=name, nik_masked="3211**********01", signer="Kepala Dinas",
        issued_at=at, superseded_at=None, revoked_at=None, check_code=check_code,
    )


def view(document: IssuedDocument | None, code: Any = None, number: str = NUMBER) -> dict:
    return public_lookup.verification_view(OneDocument(document), number, code)  # type: ignore[arg-type]


def test_check_codes_are_long_random_base32() -> None:
    codes = {new_check_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Z2-7]{16}", c) for c in codes)


def test_the_qr_url_carries_the_check_code_when_there_is_one() -> None:
    issuer = production.Issuer(None, "Kadis", "Kepala", "https://x.test", None, "b")  # type: ignore[arg-type]
    assert production.verify_url(issuer, NUMBER, CODE) == f"https://x.test/verify/{NUMBER}?c={CODE}"
    assert production.verify_url(issuer, NUMBER) == f"https://x.test/verify/{NUMBER}"
    assert production.issue_data(issuer, NUMBER, check_code=CODE).verify_url.endswith(f"?c={CODE}")


@pytest.mark.parametrize(("output", "module"), [("KTP_EL", card_module), ("KK", render_module)])
def test_the_printed_qr_code_carries_the_check_code(
    output: str, module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = module.qr_drawing

    def spy(value: str, *size: float) -> Any:
        encoded.append(value)
        return real(value, *size)

    monkeypatch.setattr(module, "qr_drawing", spy)
    issuer = production.Issuer(None, "Kadis", "Kepala", "https://x.test", None, "b")  # type: ignore[arg-type]
    number = f"3211-{output}-2026-000123"
    production.render(issuer, number, SNAPSHOTS[output](), CODE)
    assert encoded == [f"https://x.test/verify/{number}?c={CODE}"]


def test_the_right_code_shows_every_detail() -> None:
    shown = view(issued(), CODE)
    assert shown["full_details"] is True
    assert shown["holder_name"] == "SITI AMINAH" and shown["signer"] == "Kepala Dinas"
    assert shown["issued_at"] == "2026-11-30" and "check_code" not in shown
    assert view(issued(), f" {CODE.lower()} ")["full_details"] is True  # as typed by hand


@pytest.mark.parametrize("code", [None, "", "WRONGWRONGWRONG2", CODE[:-1], CODE + "A", 42, "é"])
def test_no_code_or_a_wrong_one_shows_the_status_only_and_the_same_answer(code: Any) -> None:
    shown = view(issued(), code)
    assert shown == view(issued(), None)
    assert "holder_name" not in shown and "signer" not in shown and "check_code" not in shown
    assert shown["status"] == "ACTIVE" and shown["document_type"] == "KK"
    assert shown["issued_at"] == "2026-11-30" and shown["nik_masked"] == "3211**********01"
    assert shown["full_details"] is False and "kode QR" in shown["hint"]


def test_a_document_issued_before_check_codes_shows_the_status_only() -> None:
    for code in (None, "", CODE):
        shown = view(issued(check_code=None), code)
        assert shown["full_details"] is False and "holder_name" not in shown


def test_an_unknown_number_is_unknown_whatever_the_code() -> None:
    assert view(None, CODE) == view(None) == {
        "document_number": NUMBER, "status": "UNKNOWN", "full_details": False}


def test_the_lookup_limit_setting() -> None:
    assert public_lookup.lookups_per_minute({}) == 30
    assert public_lookup.lookups_per_minute({"VERIFY_LOOKUPS_PER_MINUTE": "5"}) == 5
    assert public_lookup.lookups_per_minute({"VERIFY_LOOKUPS_PER_MINUTE": "0"}) == 1
    with pytest.raises(RuntimeError):
        public_lookup.lookups_per_minute({"VERIFY_LOOKUPS_PER_MINUTE": "lots"})


def test_client_digests_are_keyed_and_count_an_ipv6_prefix_as_one() -> None:
    one, other = public_lookup.client_hash("192.0.2.1"), public_lookup.client_hash("192.0.2.2")
    assert one != other and "192.0.2.1" not in one and re.fullmatch(r"[0-9a-f]{64}", one)
    assert public_lookup.client_hash("2001:db8:1:2::1") == public_lookup.client_hash(
        "2001:db8:1:2:ffff::9")
    assert public_lookup.client_hash("2001:db8:1:2::1") != public_lookup.client_hash(
        "2001:db8:1:3::1")
    assert public_lookup.client_hash(None) == public_lookup.client_hash(None)


def page(**context: Any) -> str:
    return templates.get_template("verify.html").render(labels=VERIFY_LABELS, **context)


def test_the_page_shows_the_name_only_with_full_details_and_escapes_it() -> None:
    full = page(result=view(issued(name="<script>x</script>"), CODE))
    assert "&lt;script&gt;x&lt;/script&gt;" in full and "<script>x" not in full
    assert "DOKUMEN ASLI DAN AKTIF" in full and "kode QR" not in full
    limited = page(result=view(issued(name="SITI AMINAH")))
    assert "SITI AMINAH" not in limited and "Kepala Dinas" not in limited
    assert "DOKUMEN ASLI DAN AKTIF" in limited and "kode QR" in limited
    assert "3211**********01" in limited


def test_the_page_for_an_unknown_number_and_for_too_many_lookups() -> None:
    unknown = page(result=view(None, number="<b>1</b>"))
    assert "DOKUMEN TIDAK DIKENAL" in unknown and "&lt;b&gt;1&lt;/b&gt;" in unknown
    limited = page(result={"document_number": NUMBER},
                   limited=public_lookup.TOO_MANY_LOOKUPS.format(seconds=12))
    assert "PEMERIKSAAN DITUNDA" in limited and "12 detik" in limited
    assert not any(label in limited for label in VERIFY_LABELS.values())
