"""The family after a birth, death, marriage or divorce (services/intake/domain/family.py), and
its rules as field errors when the form is filed (synthetic people only)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.intake import forms
from services.intake.catalogue import ServiceDefinition, get_service
from services.intake.domain import family
from tests.support.forms import adult, form_for, member
from tests.support.identities import make_nik

TODAY = date.today()


def loaded(code: str, seed: int = 3, **changes: Any) -> dict[str, Any]:
    service = get_service(code)
    return service.load_form({**form_for(code, adult(seed), seed=seed), **changes})


def errors(code: str, form: dict[str, Any]) -> dict[str, list[str]]:
    return forms.check_form(get_service(code), form, TODAY).errors


def by_nik(members: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {m["nik"]: m for m in members}


# --- birth ----------------------------------------------------------------------------------------


def test_a_birth_adds_the_child_with_the_mothers_religion() -> None:
    form = loaded("AKTA_LAHIR")
    mother = next(m for m in form["members"] if m["nik"] == form["mother_nik"])
    mother["religion"] = "KATOLIK"

    updated = family.updated("AKTA_LAHIR", form)

    assert updated[:-1] == form["members"]  # the family itself is unchanged
    child = updated[-1]
    assert child == {
        "nik": None, "name": form["child_name"], "sex": form["child_sex"],
        "birth_place": form["birth_place"], "birth_date": form["birth_date"],
        "religion": "KATOLIK", "education": "TIDAK/BELUM SEKOLAH",
        "occupation": "BELUM/TIDAK BEKERJA", "marital_status": "BELUM KAWIN",
        "relationship": "ANAK", "citizenship": "WNI", "father_name": form["father_name"],
        "mother_name": form["mother_name"],
    }


def test_a_child_whose_mother_is_not_on_the_kk_gets_the_heads_religion() -> None:
    form = loaded("AKTA_LAHIR")
    form["members"] = [m for m in form["members"] if m["nik"] != form["mother_nik"]]
    form["members"][0]["religion"] = "HINDU"

    assert family.updated("AKTA_LAHIR", form)[-1]["religion"] == "HINDU"


def test_the_childs_nik_from_siak_is_used_and_must_be_new_to_the_kk() -> None:
    form = loaded("AKTA_LAHIR")
    born = date.fromisoformat(form["birth_date"])
    form.update(request_kia=True, child_nik=make_nik(birth_date=born, sex=form["child_sex"]))
    assert family.updated("AKTA_LAHIR", form)[-1]["nik"] == form["child_nik"]
    assert errors("AKTA_LAHIR", form) == {}

    form["child_nik"] = form["mother_nik"]
    assert errors("AKTA_LAHIR", form)["form.child_nik"] == [
        "NIK anak sudah ada di daftar anggota keluarga."]


def test_the_kia_needs_the_childs_nik() -> None:
    form = loaded("AKTA_LAHIR", request_kia=True)

    assert errors("AKTA_LAHIR", form) == {"form.child_nik": ["Wajib diisi."]}
    assert errors("AKTA_LAHIR", loaded("AKTA_LAHIR", request_kia=False)) == {}


def test_citizens_cannot_type_a_member_without_a_nik() -> None:
    form = form_for("AKTA_LAHIR", adult(3), seed=3)
    form["members"][0]["nik"] = None

    with pytest.raises(Exception) as raised:
        get_service("AKTA_LAHIR").load_form(form)
    assert "members" in str(raised.value)


# --- death ----------------------------------------------------------------------------------------


def test_a_death_removes_the_deceased() -> None:
    form = loaded("AKTA_MATI")

    updated = family.updated("AKTA_MATI", form)

    assert form["deceased_nik"] not in by_nik(updated)
    assert len(updated) == len(form["members"]) - 1
    assert errors("AKTA_MATI", form) == {}


def test_the_deceased_must_be_on_the_kk() -> None:
    form = loaded("AKTA_MATI")
    form["members"] = [m for m in form["members"] if m["nik"] != form["deceased_nik"]]
    form["members"].append(member(make_nik(birth_date=date(2010, 1, 5), sex="P"), "Anak Sintetis",
                                  "P", date(2010, 1, 5), "ANAK", "BELUM KAWIN"))

    assert errors("AKTA_MATI", form) == {
        "form.deceased_nik": ["Almarhum/almarhumah tidak ada di daftar anggota keluarga."]}


def _head_dies(form: dict[str, Any]) -> dict[str, Any]:
    """The deceased is the head; his wife and a child remain."""
    born = date(1950, 3, 4)
    wife_born, child_born = date(1955, 6, 7), date(1985, 8, 9)
    form["deceased_nik"] = make_nik(birth_date=born, sex="L")
    form["members"] = [
        member(form["deceased_nik"], form["deceased_name"], "L", born, "KEPALA KELUARGA",
               "KAWIN TERCATAT"),
        member(make_nik(birth_date=wife_born, sex="P"), "Istri Sintetis", "P", wife_born,
               "ISTRI", "KAWIN TERCATAT"),
        member(make_nik(birth_date=child_born, sex="L"), "Anak Sintetis", "L", child_born,
               "ANAK", "BELUM KAWIN"),
    ]
    return form


def test_a_deceased_head_needs_a_new_head_from_the_family() -> None:
    form = _head_dies(loaded("AKTA_MATI"))
    assert errors("AKTA_MATI", form) == {
        "form.new_head_nik": ["Wajib diisi karena almarhum/almarhumah adalah kepala keluarga."]}

    form["new_head_nik"] = make_nik(birth_date=date(1990, 1, 1), sex="L")
    assert list(errors("AKTA_MATI", form)) == ["form.new_head_nik"]

    wife = form["members"][1]
    form["new_head_nik"] = wife["nik"]
    assert errors("AKTA_MATI", form) == {}
    updated = by_nik(family.updated("AKTA_MATI", form))
    assert updated[wife["nik"]]["relationship"] == "KEPALA KELUARGA"
    assert updated[wife["nik"]]["marital_status"] == "CERAI MATI"
    assert [m["relationship"] for m in updated.values()].count("KEPALA KELUARGA") == 1


def test_a_new_head_only_when_the_head_died() -> None:
    form = loaded("AKTA_MATI")
    form["new_head_nik"] = form["members"][0]["nik"]

    assert list(errors("AKTA_MATI", form)) == ["form.new_head_nik"]


# --- marriage and divorce -------------------------------------------------------------------------


def test_a_marriage_makes_the_husband_head_and_the_wife_istri() -> None:
    form = loaded("AKTA_KAWIN")
    form["members"][0]["relationship"], form["members"][1]["relationship"] = "ANAK", "FAMILI LAIN"
    parent_born = date(1960, 2, 2)
    form["members"].append(member(make_nik(birth_date=parent_born, sex="L"), "Ayah Sintetis",
                                  "L", parent_born, "KEPALA KELUARGA", "KAWIN TERCATAT"))
    assert errors("AKTA_KAWIN", form) == {}

    updated = by_nik(family.updated("AKTA_KAWIN", form))

    husband, wife = updated[form["husband_nik"]], updated[form["wife_nik"]]
    assert (husband["relationship"], husband["marital_status"]) == (
        "KEPALA KELUARGA", "KAWIN TERCATAT")
    assert (wife["relationship"], wife["marital_status"]) == ("ISTRI", "KAWIN TERCATAT")
    assert [m["relationship"] for m in updated.values()].count("KEPALA KELUARGA") == 1


def test_the_couple_must_be_on_the_family_they_live_in() -> None:
    form = loaded("AKTA_KAWIN")
    form["members"] = form["members"][:1]

    assert errors("AKTA_KAWIN", form) == {
        "form.wife_nik": ["Istri tidak ada di daftar anggota keluarga."]}


@pytest.mark.parametrize("leaving", ["SUAMI", "ISTRI"])
def test_a_divorce_removes_the_spouse_who_leaves(leaving: str) -> None:
    form = loaded("AKTA_CERAI", leaving_spouse=leaving)
    leaving_nik, staying_nik = (
        (form["husband_nik"], form["wife_nik"]) if leaving == "SUAMI"
        else (form["wife_nik"], form["husband_nik"]))
    assert errors("AKTA_CERAI", form) == {}

    updated = by_nik(family.updated("AKTA_CERAI", form))

    assert leaving_nik not in updated
    assert updated[staying_nik]["marital_status"] == "CERAI HIDUP"
    # The husband heads the family: when he leaves, the wife does.
    assert updated[staying_nik]["relationship"] == "KEPALA KELUARGA"


def test_the_divorcing_spouses_must_be_on_the_kk() -> None:
    form = loaded("AKTA_CERAI")
    form["members"] = form["members"][:1]

    assert errors("AKTA_CERAI", form) == {
        "form.wife_nik": ["Istri tidak ada di daftar anggota keluarga."]}


def test_the_rules_do_not_change_the_form() -> None:
    for code in ("AKTA_LAHIR", "AKTA_MATI", "AKTA_KAWIN", "AKTA_CERAI"):
        form = loaded(code)
        before = repr(form)
        family.updated_kk_form(code, form)
        assert repr(form) == before, code


def test_an_old_snapshot_without_family_outputs_is_not_checked_for_the_family() -> None:
    stored = get_service("AKTA_MATI").public()
    stored.pop("outputs")
    old = ServiceDefinition.from_public(stored)
    form = loaded("AKTA_MATI")
    form["deceased_nik"] = make_nik(birth_date=date(1940, 1, 1), sex="L")

    assert forms.check_form(old, form, TODAY).errors == {}
