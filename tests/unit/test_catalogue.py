from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.intake.catalogue import get_service, load_catalogue
from silasidakep.errors import NotFound
from tests.support.citizen import kk_form
from tests.support.identities import make_person


def test_catalogue_loads_and_exposes_kk_change() -> None:
    catalogue = load_catalogue()
    kk = catalogue["KK_PERUBAHAN"]
    assert kk.required_document_types == {"KK_LAMA", "BUKTI_PERUBAHAN"}
    assert "KTP_EL" in kk.document_types
    public = kk.public()
    assert public["form_schema"]["fields"][0]["name"] == "change_type"
    assert "fee" not in str(public).lower()  # adminduk services are free by law


def test_form_validation_accepts_a_valid_form_and_names_bad_fields() -> None:
    kk = get_service("KK_PERUBAHAN")
    form = kk_form(make_person(1))
    loaded = kk.load_form(form)
    assert loaded["members"][0]["birth_date"] == form["members"][0]["birth_date"]
    form["members"][0]["sex"] = "X"
    form["surprise"] = "field"
    with pytest.raises(ValidationError) as raised:
        kk.load_form(form)
    assert "surprise" in raised.value.messages
    assert "sex" in raised.value.messages["members"][0]


def test_unknown_service_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_service("KTP_TERBANG")
