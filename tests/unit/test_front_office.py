"""The counter's rules without a database: who may file (role front_office, refused before any
data is touched), where (the "loc" claim, WRONG_LOCATION), which channel, the receipt PDF."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from unittest.mock import MagicMock

import jwt
import pypdfium2 as pdfium
import pytest
from nameko.testing.services import worker_factory

from gateway import receipt_pdf
from services.intake.domain import channels
from services.intake.service import IntakeService
from services.verification.staff_binding import check_location
from silasidakep.auth import ISSUER, StaffPrincipal, authenticate
from silasidakep.config import load_settings
from silasidakep.db import StoreHandle
from silasidakep.errors import Forbidden, ValidationFailed


def token(*roles: str, location: str | None = "MPP-SUMEDANG") -> str:
    claims = {
        "sub": str(uuid.uuid4()), "username": "loket.uji", "roles": list(roles), "loc": location,
        "iss": ISSUER, "exp": datetime.now(UTC) + timedelta(minutes=5), "ver": 0,
    }
    return jwt.encode(claims, load_settings().jwt_secret, algorithm="HS256")


CALLS = [
    lambda s, t: s.front_office_desk(t),
    lambda s, t: s.front_office_create(t, {}),
    lambda s, t: s.front_office_check_upload(t, str(uuid.uuid4()), "KK"),
    lambda s, t: s.front_office_attach_document(t, str(uuid.uuid4()), {}),
    lambda s, t: s.front_office_submit(t, str(uuid.uuid4())),
    lambda s, t: s.front_office_book(t, str(uuid.uuid4()), "BIOMETRICS", 1),
    lambda s, t: s.front_office_application(t, str(uuid.uuid4())),
    lambda s, t: s.front_office_receipt(t, str(uuid.uuid4())),
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("role", ["verifier", "kecamatan_operator", "admin", "supervisor"])
def test_other_roles_are_refused_before_any_data(call, role) -> None:
    store = MagicMock()
    store.staff.side_effect = lambda *args: StoreHandle.staff(store, *args)
    service = worker_factory(IntakeService, store=store)
    with pytest.raises(Forbidden) as refused:
        call(service, token(role))
    assert refused.value.code == "ROLE_REQUIRED"
    store.check_staff_access.assert_not_called()
    store.session.assert_not_called()
    store.write.assert_not_called()


def test_the_location_claim_binds_the_desk() -> None:
    principal = authenticate(token("front_office", location="KEC-321106"),
                             load_settings().jwt_secret)
    assert principal.location_code == "KEC-321106"
    assert principal.require_location(None) == "KEC-321106"
    assert principal.require_location("kec-321106") == "KEC-321106"
    with pytest.raises(Forbidden) as elsewhere:
        principal.require_location("MPP-SUMEDANG")
    assert elsewhere.value.code == "WRONG_LOCATION"
    unbound = StaffPrincipal(uuid.uuid4(), "loket.baru", frozenset({"front_office"}))
    with pytest.raises(Forbidden) as none:
        unbound.require_location("MPP-SUMEDANG")
    assert none.value.code == "NO_LOCATION"


def test_channels() -> None:
    assert channels.for_citizen(False) == "ONLINE"
    assert channels.for_citizen(True) == "SUPER_APP"
    assert channels.for_citizen(False, "ONLINE") == "ONLINE"
    for claimed in ("DESA", "KECAMATAN", "LOKET_MPP", "SUPER_APP", 7):
        with pytest.raises(Forbidden) as refused:
            channels.for_citizen(False, claimed)
        assert refused.value.code == "CHANNEL_NOT_ALLOWED"
    assert [channels.for_location_kind(k) for k in ("MPP", "DINAS", "KECAMATAN", "DESA")] == [
        "LOKET_MPP", "LOKET_MPP", "KECAMATAN", "DESA"]
    assert set(channels.CHANNELS) == set(channels.LABELS)


def test_a_front_office_account_needs_a_location() -> None:
    assert check_location(["verifier"], None) is None
    assert check_location(["front_office"], " mpp-sumedang ") == "MPP-SUMEDANG"
    with pytest.raises(ValidationFailed) as missing:
        check_location(["front_office"], "")
    assert missing.value.code == "LOCATION_REQUIRED"
    with pytest.raises(ValidationFailed) as bad:
        check_location(["front_office"], "MPP SUMEDANG\n")
    assert bad.value.code == "INVALID_LOCATION"


RECEIPT = {
    "id": "0b9f5a4e-6a0c-4a55-9d0e-2f9a7f1c0a11", "tracking_code": "SLS-7K3M9Q2D",
    "service_name": "KTP-el Baru", "status": "SUBMITTED", "status_label": "Diajukan",
    "created_at": "2026-12-03T02:10:00+00:00", "submitted_at": "2026-12-03T02:20:00+00:00",
    "expected_completion_at": "2026-12-04T02:20:00+00:00",
    "applicant": {"name": "Nama Uji", "nik_masked": "3211**********01", "has_phone": True},
    "location": {"code": "MPP-SUMEDANG", "name": "Mal Pelayanan Publik (MPP) Sumedang",
                 "address": "Jalan Mayor Abdurahman, Sumedang"},
    "channel_label": "Loket MPP", "documents": ["Kartu Keluarga"],
    "next_steps": ["Permohonan menunggu diperiksa petugas verifikasi."],
    "access_token": None, "staff": "loket.uji",
}


@pytest.mark.parametrize("access_token", [None, "rahasia-uji"])
def test_the_receipt_is_an_a5_pdf_in_indonesian(access_token) -> None:
    pdf = receipt_pdf.render({**RECEIPT, "access_token": access_token}, "https://contoh.test")
    document = pdfium.PdfDocument(io.BytesIO(pdf))
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (420, 595)  # A5 in points
    text = " ".join(document[0].get_textpage().get_text_range().split())  # lines wrap
    for expected in ("TANDA TERIMA PERMOHONAN", "SLS-7K3M9Q2D", "KTP-el Baru",
                     "Mal Pelayanan Publik", "Kartu Keluarga", "Langkah selanjutnya",
                     "3 Desember 2026, pukul 09.10 WIB", "tidak dipungut biaya"):
        assert expected in text
    assert "3211**********01" in text and "rahasia-uji" not in text  # the token only in the QR


def test_the_qr_link_holds_the_token_only_in_the_fragment() -> None:
    url = receipt_pdf.tracking_url("https://contoh.test", "abc", "t0k3n")
    assert url == "https://contoh.test/permohonan#id=abc&token=t0k3n"
    assert receipt_pdf.tracking_url("https://contoh.test", "abc", None) == (
        "https://contoh.test/pulihkan")
