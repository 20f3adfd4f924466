"""Which kecamatan a staff member acts for at the Cekatan desk."""

from __future__ import annotations

import uuid

import pytest

from services.intake.catalogue import card_outputs
from services.printing.kecamatan.print_jobs import desk_kecamatan
from services.printing.kecamatan.stock import BLANKO_TYPES
from silasidakep.auth import StaffPrincipal
from silasidakep.errors import Forbidden, ValidationFailed


def principal(*roles: str, kecamatan: str | None = None) -> StaffPrincipal:
    return StaffPrincipal(uuid.uuid4(), "petugas", frozenset(roles), 0, kecamatan)


def test_an_operator_acts_for_its_own_kecamatan_only() -> None:
    operator = principal("kecamatan_operator", kecamatan="32.11.06")
    assert desk_kecamatan(operator, None) == "32.11.06"
    assert desk_kecamatan(operator, " ") == "32.11.06"
    assert desk_kecamatan(operator, "32.11.06") == "32.11.06"
    with pytest.raises(Forbidden) as refused:
        desk_kecamatan(operator, "32.11.01")
    assert refused.value.code == "WRONG_KECAMATAN"
    # Stock of another kecamatan stays out of reach too.
    with pytest.raises(Forbidden):
        desk_kecamatan(operator, "32.11.01", admin_anywhere=True)


def test_an_unbound_operator_is_refused() -> None:
    with pytest.raises(Forbidden) as refused:
        desk_kecamatan(principal("kecamatan_operator"), "32.11.06")
    assert refused.value.code == "NO_KECAMATAN"


def test_an_admin_keeps_stock_anywhere_but_must_name_the_kecamatan() -> None:
    admin = principal("admin")
    assert desk_kecamatan(admin, "32.11.01", admin_anywhere=True) == "32.11.01"
    with pytest.raises(ValidationFailed):
        desk_kecamatan(admin, "", admin_anywhere=True)
    with pytest.raises(Forbidden):
        desk_kecamatan(admin, "32.11.01")  # the print desk itself is the operator's


def test_blanko_kinds_are_the_card_outputs_the_catalogue_declares() -> None:
    # Printing stocks blanko for exactly the outputs intake's catalogue prints on cards; which
    # output is a card travels in the snapshot (output.card), this only guards the stock list.
    assert set(BLANKO_TYPES) == card_outputs()
