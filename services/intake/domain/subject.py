"""Whom an issued document is about, resolved from the form intake owns (one rule per output
document of the catalogue); the result travels to printing in the application snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

HEAD_OF_FAMILY = "KEPALA KELUARGA"

Form = Mapping[str, Any]


class Subject(NamedTuple):
    """``key`` identifies what a re-issue replaces: a new document of the same type with the same
    key supersedes the active one. ``name`` and ``nik`` are shown (the NIK masked) on the public
    verification page; a subject without a NIK of its own (a newborn on a birth certificate) or a
    couple (marriage, divorce) shows none."""

    key: str
    name: str
    nik: str | None


class UnknownOutput(ValueError):
    """No subject rule for this output document (the catalogue names one this module lacks)."""


def _field(form: Form, name: str) -> str:
    value = form.get(name)
    if value is None or value == "":
        raise ValueError(f"the form has no {name!r}, needed to identify the document's subject")
    return str(value)


def _normal_name(name: str) -> str:
    return " ".join(name.upper().split())


def _family(applicant: Form, form: Form) -> Subject:
    """A KK: the family (its KK number), shown by its head."""
    head = next(
        (m for m in form.get("members") or []
         if str(m.get("relationship", "")).upper() == HEAD_OF_FAMILY),
        None,
    )
    name = head["name"] if head else applicant["name"]
    nik = (head.get("nik") if head else None) or applicant["nik"]
    return Subject(applicant["kk_number"], name, nik)


def _applicant(applicant: Form, form: Form) -> Subject:
    return Subject(applicant["nik"], applicant["name"], applicant["nik"])


def _move(applicant: Form, form: Form) -> Subject:
    key = f"{applicant['kk_number']}|{_field(form, 'planned_move_date')}"
    return Subject(key, applicant["name"], applicant["nik"])


def _person(nik_field: str, name_field: str) -> Callable[[Form, Form], Subject]:
    def rule(applicant: Form, form: Form) -> Subject:
        nik = _field(form, nik_field)
        return Subject(nik, _field(form, name_field), nik)

    return rule


def _birth(applicant: Form, form: Form) -> Subject:
    name = _field(form, "child_name")
    key = "|".join((_normal_name(name), _field(form, "birth_date"), _field(form, "mother_nik")))
    return Subject(key, name, form.get("child_nik") or None)


def _couple(applicant: Form, form: Form) -> Subject:
    key = f"{_field(form, 'husband_nik')}|{_field(form, 'wife_nik')}"
    return Subject(key, f"{_field(form, 'husband_name')} dan {_field(form, 'wife_name')}", None)


RULES: dict[str, Callable[[Form, Form], Subject]] = {
    "KK": _family,
    "KTP_EL": _applicant,
    "SKPWNI": _move,
    "KIA": _person("child_nik", "child_name"),
    "AKTA_LAHIR": _birth,
    "AKTA_MATI": _person("deceased_nik", "deceased_name"),
    "AKTA_KAWIN": _couple,
    "AKTA_CERAI": _couple,
    "BIODATA": _person("subject_nik", "subject_name"),
}


def document_subject(output_document: str, applicant: Form, form: Form | None) -> Subject:
    """Whom the ``output_document`` issued for this applicant and form is about.

    Raises UnknownOutput for an output without a rule, ValueError when the form lacks a field
    the rule needs (the catalogue makes every such field required)."""
    rule = RULES.get(output_document)
    if rule is None:
        raise UnknownOutput(f"no subject rule for output document {output_document!r}")
    return rule(applicant, form or {})
