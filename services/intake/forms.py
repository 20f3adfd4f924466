"""Rules beyond a form's shape (domain.md §2): identity numbers, names, dates and region codes.

``check_form`` runs after the catalogue's marshmallow schema has loaded a form. Hard rules become
errors keyed by the field's dotted path (``form.members.0.nik``) and reject the request; soft
rules become warnings stored for the verifier. Every message is for the citizen, in Indonesian.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.intake.catalogue import FAMILY_UPDATE, REQUIRED, ServiceDefinition
from services.intake.domain import family
from services.intake.domain.identity import Issue, check_kk_number, check_nik, check_person_name
from silasidakep import regions

REGENCY_CODE = "32.11"
HEAD_OF_FAMILY = "KEPALA KELUARGA"
REGION_LEVEL_NAMES = {
    "province": "provinsi", "regency": "kabupaten/kota", "district": "kecamatan",
    "village": "desa/kelurahan",
}


@dataclass
class Findings:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def issues(self, path: str, errors: list[Issue], warnings: list[Issue] = ()) -> None:
        for issue in errors:
            self.error(path, issue.message)
        self.warnings += [{"field": path, "code": w.code, "message": w.message} for w in warnings]

    def warn(self, path: str, code: str, message: str) -> None:
        self.warnings.append({"field": path, "code": code, "message": message})


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _age_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_nik_value(found: Findings, path: str, nik: str, born: date | None = None,
                    sex: str | None = None) -> None:
    result = check_nik(nik, birth_date=born, sex=sex)
    found.issues(path, result.errors, result.warnings)
    if result.ok and not regions.nik_region_known(nik):
        found.warn(path, "NIK_REGION_UNKNOWN",
                   "Kode wilayah pada NIK tidak ada dalam daftar wilayah Kemendagri terbaru.")


def check_region(found: Findings, path: str, code: str, level: str, within: str | None) -> None:
    region = regions.get(code)
    if region is None or region.level != level:
        found.error(path, f"Kode {REGION_LEVEL_NAMES[level]} tidak dikenal. Pilih dari daftar.")
    elif within and not code.startswith(within + "."):
        found.error(path, "Wilayah harus berada di Kabupaten Sumedang.")


def _check_date(found: Findings, path: str, spec: dict[str, Any], value: date,
                form: dict[str, Any], today: date) -> None:
    if spec.get("not_future") and value > today:
        found.error(path, "Tanggal tidak boleh di masa depan.")
        return
    age = _age_years(value, today)
    exempt = spec.get("min_age_unless")
    exempted = bool(exempt) and form.get(exempt["field"]) == exempt["equals"]
    if "min_age_years" in spec and age < spec["min_age_years"] and not exempted:
        found.error(path, f"Usia minimal {spec['min_age_years']} tahun untuk layanan ini.")
    if "max_age_years" in spec and age >= spec["max_age_years"]:
        found.error(path, f"Usia harus di bawah {spec['max_age_years']} tahun untuk layanan ini.")
    limit = spec.get("report_within_days")
    if limit and (today - value).days > limit:
        found.warn(path, "REPORTED_LATE",
                   f"Dilaporkan lebih dari {limit} hari setelah peristiwa (batas pelaporan).")


def _check_members(found: Findings, path: str, members: list[dict[str, Any]]) -> None:
    heads = [m for m in members if m["relationship"] == HEAD_OF_FAMILY]
    if len(heads) != 1:
        found.error(path, "Tepat satu anggota harus berstatus KEPALA KELUARGA.")
    for index, member in enumerate(members):
        check_nik_value(found, f"{path}.{index}.nik", member["nik"],
                        _date(member["birth_date"]), member["sex"])


def _required_now(spec: dict[str, Any], form: dict[str, Any]) -> bool:
    """A field with ``required_when: {field, equals}`` (e.g. the child's NIK when the KIA is
    requested: ``{field: request_kia, equals: true}``) is required for that answer only."""
    condition = spec.get("required_when")
    return bool(condition) and form.get(condition["field"]) == condition["equals"] and (
        type(form.get(condition["field"])) is type(condition["equals"]))


def _check_corrections(found: Findings, path: str, corrections: list[dict[str, Any]]) -> None:
    """The shape only; which fields a document allows and their values: outputs/reissue.py."""
    seen: set[str] = set()
    for index, item in enumerate(corrections):
        if item["field"] in seen:
            found.error(f"{path}.{index}.field", "Data ini sudah disebut di baris lain.")
        seen.add(item["field"])


def _check_field(found: Findings, spec: dict[str, Any], form: dict[str, Any],
                 today: date) -> None:
    name, kind = spec["name"], spec["type"]
    value = form.get(name)
    path = f"form.{name}"
    if value in (None, "", []):
        if _required_now(spec, form):
            found.error(path, REQUIRED)
        return
    if kind == "nik":
        born = _date(form.get(spec["birth_date_field"])) if "birth_date_field" in spec else None
        sex = form.get(spec["sex_field"]) if "sex_field" in spec else spec.get("sex")
        check_nik_value(found, path, value, born, sex)
    elif kind == "kk_number":
        found.issues(path, check_kk_number(value))
    elif kind == "person_name" and spec.get("new_registration"):
        found.issues(path, check_person_name(value))
    elif kind == "date":
        _check_date(found, path, spec, date.fromisoformat(value), form, today)
    elif kind == "region":
        check_region(found, path, value, spec.get("level", "village"), spec.get("within"))
    elif kind == "members":
        _check_members(found, path, value)
    elif kind == "people":
        for index, person in enumerate(value):
            check_nik_value(found, f"{path}.{index}.nik", person["nik"])
    elif kind == "corrections":
        _check_corrections(found, path, value)


def check_one(spec: dict[str, Any], form: dict[str, Any], today: date) -> Findings:
    """The rules of one field (``spec``) on its value in ``form`` (a correction's new value,
    checked against the rest of the document's content)."""
    found = Findings()
    _check_field(found, spec, form, today)
    return found


def check_form(service: ServiceDefinition, form: dict[str, Any], today: date) -> Findings:
    """``form`` is already loaded by the service's schema (JSON shape)."""
    found = Findings()
    for spec in service.form_fields:
        _check_field(found, spec, form, today)
    if not found.errors and any(o.content == FAMILY_UPDATE for o in service.outputs):
        # The updated KK's rule (domain/family.py) needs a family it can apply to.
        for path, messages in family.problems(service.code, form).items():
            for message in messages:
                found.error(path, message)
    return found


def check_applicant(applicant: dict[str, Any]) -> Findings:
    found = Findings()
    check_nik_value(found, "applicant.nik", applicant["nik"])
    found.issues("applicant.kk_number", check_kk_number(applicant["kk_number"]))
    check_region(found, "applicant.kecamatan_code", applicant["kecamatan_code"], "district",
                 REGENCY_CODE)
    return found
