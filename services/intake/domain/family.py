"""The family after a civil-registration event (docs/document-lifecycle.md, "The updated family
card"): pure rules over the form a service collects (``kk_number``, the address and the current
``members``), one per service whose catalogue ``outputs`` carry ``content: family_update``.

``problems`` says what in the form makes the rule impossible (the deceased not on the KK, ...),
as field errors in Indonesian; ``updated`` gives the members after the event. Members the
citizen types always have a NIK; only a derived row may lack one (a newborn whose NIK SIAK has
not given yet).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import deepcopy
from typing import Any

HEAD = "KEPALA KELUARGA"
HUSBAND, WIFE, CHILD, OTHER_RELATIVE = "SUAMI", "ISTRI", "ANAK", "FAMILI LAIN"
SPOUSES = (HUSBAND, WIFE)
MARRIED = "KAWIN TERCATAT"
MARRIED_STATES = ("KAWIN TERCATAT", "KAWIN BELUM TERCATAT")
DIVORCED, WIDOWED, SINGLE = "CERAI HIDUP", "CERAI MATI", "BELUM KAWIN"
NO_SCHOOLING = "TIDAK/BELUM SEKOLAH"
NOT_WORKING = "BELUM/TIDAK BEKERJA"
ADDRESS_FIELDS = ("address", "rt_rw", "desa_code")

Form = Mapping[str, Any]
Member = dict[str, Any]
Errors = dict[str, list[str]]

NOT_ON_KK = "{who} tidak ada di daftar anggota keluarga."


def members_of(form: Form) -> list[Member]:
    return [dict(m) for m in form.get("members") or []]


def _find(members: list[Member], nik: str | None) -> Member | None:
    if not nik:
        return None
    return next((m for m in members if m.get("nik") == nik), None)


def head_of(members: list[Member]) -> Member | None:
    return next((m for m in members if m.get("relationship") == HEAD), None)


def _error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(f"form.{field}", []).append(message)


# --- AKTA_LAHIR: the family plus the child ------------------------------------------------------


def _birth_problems(form: Form) -> Errors:
    errors: Errors = {}
    if _find(members_of(form), form.get("child_nik")):
        _error(errors, "child_nik", "NIK anak sudah ada di daftar anggota keluarga.")
    return errors


def child_member(form: Form) -> Member:
    """The newborn's row: religion of the mother when she is on the KK, else of the head."""
    members = members_of(form)
    mother = _find(members, form.get("mother_nik"))
    head = head_of(members)
    religion = (mother or head or {}).get("religion")
    return {
        "nik": form.get("child_nik") or None,
        "name": form.get("child_name"),
        "sex": form.get("child_sex"),
        "birth_place": form.get("birth_place"),
        "birth_date": form.get("birth_date"),
        "religion": religion,
        "education": NO_SCHOOLING,
        "occupation": NOT_WORKING,
        "marital_status": SINGLE,
        "relationship": CHILD,
        "citizenship": "WNI",
        "father_name": form.get("father_name") or None,
        "mother_name": form.get("mother_name"),
    }


def _birth(form: Form) -> list[Member]:
    return members_of(form) + [child_member(form)]


# --- AKTA_MATI: the family without the deceased -------------------------------------------------


def _death_problems(form: Form) -> Errors:
    errors: Errors = {}
    members = members_of(form)
    deceased = _find(members, form.get("deceased_nik"))
    new_head = form.get("new_head_nik")
    if deceased is None:
        _error(errors, "deceased_nik", NOT_ON_KK.format(who="Almarhum/almarhumah"))
        return errors
    if deceased.get("relationship") == HEAD:
        if not new_head:
            _error(errors, "new_head_nik",
                   "Wajib diisi karena almarhum/almarhumah adalah kepala keluarga.")
        elif new_head == deceased.get("nik") or _find(members, new_head) is None:
            _error(errors, "new_head_nik",
                   "Kepala keluarga pengganti harus anggota keluarga lain dalam daftar.")
    elif new_head:
        _error(errors, "new_head_nik",
               "Isi hanya bila almarhum/almarhumah adalah kepala keluarga.")
    if len(members) < 2:
        _error(errors, "members", "Tidak ada anggota keluarga yang tersisa setelah kematian.")
    return errors


def _death(form: Form) -> list[Member]:
    members = members_of(form)
    deceased = _find(members, form.get("deceased_nik")) or {}
    was_head = deceased.get("relationship") == HEAD
    if was_head:
        spouses = [m for m in members if m.get("relationship") in SPOUSES]
    elif deceased.get("relationship") in SPOUSES:
        spouses = [m for m in members if m.get("relationship") == HEAD]
    else:
        spouses = []
    for spouse in spouses:
        if spouse.get("marital_status") in MARRIED_STATES:
            spouse["marital_status"] = WIDOWED
    remaining = [m for m in members if m.get("nik") != deceased.get("nik")]
    if was_head:
        for member in remaining:
            if member.get("nik") == form.get("new_head_nik"):
                member["relationship"] = HEAD
    return remaining


# --- AKTA_KAWIN: the family the couple lives in, the husband at its head ------------------------


def _marriage_problems(form: Form) -> Errors:
    errors: Errors = {}
    members = members_of(form)
    if _find(members, form.get("husband_nik")) is None:
        _error(errors, "husband_nik", NOT_ON_KK.format(who="Suami"))
    if _find(members, form.get("wife_nik")) is None:
        _error(errors, "wife_nik", NOT_ON_KK.format(who="Istri"))
    return errors


def _marriage(form: Form) -> list[Member]:
    members = members_of(form)
    for member in members:
        if member.get("nik") == form.get("husband_nik"):
            member.update(relationship=HEAD, marital_status=MARRIED)
        elif member.get("nik") == form.get("wife_nik"):
            member.update(relationship=WIFE, marital_status=MARRIED)
        elif member.get("relationship") == HEAD:
            # The former head stays on the KK under the new head; the verifier sees the
            # relationship side by side and may ask for a better one.
            member["relationship"] = OTHER_RELATIVE
    return members


# --- AKTA_CERAI: the family without the spouse who leaves ---------------------------------------


def _spouses(form: Form) -> tuple[str | None, str | None]:
    """(NIK of the spouse who leaves, NIK of the one who stays)."""
    husband, wife = form.get("husband_nik"), form.get("wife_nik")
    return (husband, wife) if form.get("leaving_spouse") == HUSBAND else (wife, husband)


def _divorce_problems(form: Form) -> Errors:
    errors: Errors = {}
    members = members_of(form)
    for field, who in (("husband_nik", "Suami"), ("wife_nik", "Istri")):
        if _find(members, form.get(field)) is None:
            _error(errors, field, NOT_ON_KK.format(who=who))
    return errors


def _divorce(form: Form) -> list[Member]:
    members = members_of(form)
    leaving_nik, staying_nik = _spouses(form)
    leaving = _find(members, leaving_nik) or {}
    remaining = [m for m in members if m.get("nik") != leaving_nik]
    for member in remaining:
        if member.get("nik") == staying_nik:
            member["marital_status"] = DIVORCED
            if leaving.get("relationship") == HEAD:
                member["relationship"] = HEAD
    return remaining


RULES: dict[str, tuple[Callable[[Form], Errors], Callable[[Form], list[Member]]]] = {
    "AKTA_LAHIR": (_birth_problems, _birth),
    "AKTA_MATI": (_death_problems, _death),
    "AKTA_KAWIN": (_marriage_problems, _marriage),
    "AKTA_CERAI": (_divorce_problems, _divorce),
}


def has_rule(service_code: str) -> bool:
    return service_code in RULES


def problems(service_code: str, form: Form) -> Errors:
    """Field errors (``form.<field>``) that make the service's rule impossible; {} when none or
    the service has no rule."""
    rule = RULES.get(service_code)
    return rule[0](form) if rule else {}


def updated(service_code: str, form: Form) -> list[Member]:
    """The members after the event (a new list; ``form`` is not changed)."""
    rule = RULES.get(service_code)
    if rule is None:
        raise KeyError(f"no family rule for service {service_code!r}")
    return rule[1](deepcopy(dict(form)))


def updated_kk_form(service_code: str, form: Form) -> dict[str, Any]:
    """What the updated KK renders from: its number, address and the members after the event."""
    return {
        "kk_number": form.get("kk_number"),
        **{field: form.get(field) for field in ADDRESS_FIELDS},
        "members": updated(service_code, form),
    }
