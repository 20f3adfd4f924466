"""The service catalogue: ``catalogue.yaml`` loaded once, expanded, and turned into form schemas.

A ``ServiceDefinition`` round-trips through its public dict (``public()`` / ``from_public()``):
that dict is what ``GET /api/v1/services`` serves and what an application stores as its snapshot,
so an application keeps the rules it was created under when the catalogue changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from silasidakep.errors import NotFound

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")

# Citizens read these messages: marshmallow's defaults are English.
REQUIRED = "Wajib diisi."
FIELD_ERRORS = {"required": REQUIRED, "null": REQUIRED}
TYPE_ERRORS = {
    "string": "Harus berupa teks.",
    "integer": "Harus berupa bilangan bulat.",
    "boolean": "Pilih ya atau tidak.",
    "date": "Tanggal tidak valid (format TTTT-BB-HH).",
    "time": "Jam tidak valid (format JJ:MM).",
    "list": "Harus berupa daftar.",
}
MEMBER_VOCABULARY_FIELDS = ("religion", "education", "marital_status", "relationship")


class FormSchema(Schema):
    error_messages = {
        "unknown": "Isian ini tidak dikenal untuk layanan ini.",
        "type": "Data formulir tidak valid.",
    }


def _errors(kind: str) -> dict[str, str]:
    return {**FIELD_ERRORS, "invalid": TYPE_ERRORS[kind]}


def _length(max_length: int, min_length: int = 1) -> validate.Length:
    return validate.Length(
        min=min_length, max=max_length, error=f"Panjang isian {min_length}–{max_length} karakter."
    )


def _one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error="Pilih salah satu nilai yang tersedia.")


def _text(required: bool, max_length: int, pattern: str | None = None,
          pattern_message: str | None = None) -> fields.String:
    validators: list[Any] = [_length(max_length)]
    if pattern:
        validators.append(validate.Regexp(pattern, error=pattern_message or "Format tidak valid."))
    return fields.String(required=required, validate=validators, error_messages=_errors("string"))


def _enum(required: bool, choices: list[str]) -> fields.String:
    return fields.String(
        required=required, validate=_one_of(choices), error_messages=_errors("string")
    )


def member_schema(vocabularies: dict[str, list[str]]) -> type[Schema]:
    """One row of the KK family-member table (form F-1.01)."""
    spec: dict[str, fields.Field] = {
        "nik": _text(True, 16),
        "name": _text(True, 60),
        "sex": _enum(True, vocabularies["sex"]),
        "birth_place": _text(True, 60),
        "birth_date": fields.Date(required=True, error_messages=_errors("date")),
        "occupation": _text(True, 60),
        "citizenship": _enum(True, vocabularies["citizenship"]),
        "father_name": _text(True, 60),
        "mother_name": _text(True, 60),
    }
    for name in MEMBER_VOCABULARY_FIELDS:
        spec[name] = _enum(True, vocabularies[name])
    return FormSchema.from_dict(spec, name="FamilyMember")


def person_ref_schema(vocabularies: dict[str, list[str]]) -> type[Schema]:
    """A person named in a form by NIK, e.g. each family member who moves out."""
    return FormSchema.from_dict(
        {
            "nik": _text(True, 16),
            "name": _text(True, 60),
            "relationship": _enum(True, vocabularies["relationship"]),
        },
        name="PersonRef",
    )


def _list_of(schema: type[Schema], required: bool) -> fields.List:
    return fields.List(
        fields.Nested(schema), required=required,
        validate=validate.Length(min=1, max=30, error="Isi 1–30 baris."),
        error_messages=_errors("list"),
    )


def field_for(spec: dict[str, Any], vocabularies: dict[str, list[str]]) -> fields.Field:
    """The marshmallow field for one catalogue field. Rules beyond shape (NIK, names, dates,
    regions) are checked afterwards by ``services.intake.forms``."""
    required = bool(spec.get("required", False))
    kind = spec["type"]
    if kind in ("string", "text"):
        return _text(required, spec.get("max_length", 200), spec.get("pattern"),
                     spec.get("pattern_message"))
    if kind == "person_name":
        return _text(required, 60)
    if kind in ("nik", "kk_number"):
        return _text(required, 16)
    if kind == "region":
        return _text(required, 13)
    if kind == "enum":
        return _enum(required, spec["choices"])
    if kind == "integer":
        return fields.Integer(
            required=required, strict=False, error_messages=_errors("integer"),
            validate=validate.Range(
                min=spec.get("min"), max=spec.get("max"),
                error="Nilai harus antara {min} dan {max}.",
            ),
        )
    if kind == "boolean":
        return fields.Boolean(required=required, error_messages=_errors("boolean"))
    if kind == "date":
        return fields.Date(required=required, error_messages=_errors("date"))
    if kind == "time":
        return fields.Time(required=required, error_messages=_errors("time"))
    if kind == "members":
        return _list_of(member_schema(vocabularies), required)
    if kind == "people":
        return _list_of(person_ref_schema(vocabularies), required)
    raise ValueError(f"unknown form field type {kind!r}")


@dataclass(frozen=True)
class DocumentRequirement:
    type: str
    label: str
    required: bool
    # Required only when a form field has a value, e.g. the police report when reason is HILANG.
    required_when: dict[str, str] | None = None

    def is_required(self, form: dict[str, Any]) -> bool:
        if self.required_when is None:
            return self.required
        return form.get(self.required_when["field"]) == self.required_when["equals"]


@dataclass(frozen=True)
class PresenceStep:
    step: str
    label: str
    before_issuance: bool


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    name: str
    description: str
    output_document: str
    output_card: bool  # the output is a blanko card (catalogue ``outputs``): always KECAMATAN
    target_working_days: int
    presence: tuple[PresenceStep, ...]
    documents: tuple[DocumentRequirement, ...]
    form_fields: tuple[dict[str, Any], ...]  # expanded: includes resolved, choices filled in
    vocabularies: dict[str, list[str]]
    catalogue_version: int

    @property
    def document_types(self) -> frozenset[str]:
        return frozenset(d.type for d in self.documents)

    @property
    def required_document_types(self) -> frozenset[str]:
        return frozenset(d.type for d in self.documents if d.required)

    def documents_required_for(self, form: dict[str, Any]) -> frozenset[str]:
        return frozenset(d.type for d in self.documents if d.is_required(form))

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f["name"] for f in self.form_fields)

    def document_label(self, doc_type: str) -> str:
        return next((d.label for d in self.documents if d.type == doc_type), doc_type)

    def field_label(self, name: str) -> str:
        return next((f["label"] for f in self.form_fields if f["name"] == name), name)

    def presence_step(self, step: str) -> PresenceStep | None:
        return next((p for p in self.presence if p.step == step), None)

    @property
    def steps_before_issuance(self) -> tuple[str, ...]:
        return tuple(p.step for p in self.presence if p.before_issuance)

    @cached_property
    def _form_schema_class(self) -> type[Schema]:
        # Built once per definition: creating a schema class is not per-request work.
        return FormSchema.from_dict(
            {f["name"]: field_for(f, self.vocabularies) for f in self.form_fields},
            name=f"{self.code}Form",
        )

    def form_schema(self) -> Schema:
        return self._form_schema_class(unknown=RAISE)

    def load_form(self, form: dict[str, Any]) -> dict[str, Any]:
        """Validate the shape and return the form in its JSON shape; raises ValidationError."""
        schema = self.form_schema()
        return schema.dump(schema.load(form))

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "output_document": self.output_document,
            "output_card": self.output_card,
            "target_working_days": self.target_working_days,
            "presence": [
                {"step": p.step, "label": p.label, "before_issuance": p.before_issuance}
                for p in self.presence
            ],
            "required_documents": [
                {"type": d.type, "label": d.label, "required": d.required,
                 "required_when": d.required_when}
                for d in self.documents
            ],
            "form_schema": {"fields": list(self.form_fields), "vocabularies": self.vocabularies},
            "catalogue_version": self.catalogue_version,
        }

    @classmethod
    def from_public(cls, data: dict[str, Any]) -> ServiceDefinition:
        return cls(
            code=data["code"],
            name=data["name"],
            description=data["description"],
            output_document=data["output_document"],
            # Snapshots stored before ``output_card`` existed: what the catalogue says now.
            output_card=bool(data.get("output_card", _is_card(data["output_document"]))),
            target_working_days=int(data["target_working_days"]),
            presence=tuple(PresenceStep(**p) for p in data["presence"]),
            documents=tuple(DocumentRequirement(**d) for d in data["required_documents"]),
            form_fields=tuple(data["form_schema"]["fields"]),
            vocabularies=data["form_schema"]["vocabularies"],
            catalogue_version=int(data["catalogue_version"]),
        )


def _expand_fields(entry: dict[str, Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = []
    for spec in entry["form"]:
        if "include" in spec:
            expanded += [dict(f) for f in raw["field_groups"][spec["include"]]]
            continue
        spec = dict(spec)
        if "vocabulary" in spec:
            spec["choices"] = list(raw["vocabularies"][spec.pop("vocabulary")])
        expanded.append(spec)
    names = [f["name"] for f in expanded]
    if len(names) != len(set(names)):
        raise ValueError(f"{entry['code']}: duplicate form field names")
    return expanded


def _outputs(raw: dict[str, Any]) -> dict[str, bool]:
    """The ``outputs`` table: output document -> whether it is a card; checked strictly."""
    outputs = raw.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        raise ValueError("the catalogue needs an `outputs` table (output document: {card: ...})")
    cards: dict[str, bool] = {}
    for document, spec in outputs.items():
        if not isinstance(spec, dict) or set(spec) != {"card"} or not isinstance(
            spec["card"], bool
        ):
            raise ValueError(f"outputs.{document}: write {{card: true}} or {{card: false}}")
        cards[str(document)] = spec["card"]
    undeclared = sorted({s["output_document"] for s in raw["services"]} - set(cards))
    if undeclared:
        raise ValueError("output documents missing from `outputs`: " + ", ".join(undeclared))
    return cards


def _definition(
    entry: dict[str, Any], raw: dict[str, Any], cards: dict[str, bool]
) -> ServiceDefinition:
    steps = raw["presence_steps"]
    definition = ServiceDefinition(
        code=entry["code"],
        name=entry["name"],
        description=entry["description"],
        output_document=entry["output_document"],
        output_card=cards[entry["output_document"]],
        target_working_days=int(entry["target_working_days"]),
        presence=tuple(
            PresenceStep(s, steps[s]["label"], bool(steps[s]["before_issuance"]))
            for s in entry.get("presence") or []
        ),
        documents=tuple(DocumentRequirement(**d) for d in entry["documents"]),
        form_fields=tuple(_expand_fields(entry, raw)),
        vocabularies={k: list(v) for k, v in raw["vocabularies"].items()},
        catalogue_version=int(raw["version"]),
    )
    definition.form_schema()  # fail at start-up on a bad field definition
    return definition


@cache
def _raw(path: Path = CATALOGUE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, ServiceDefinition]:
    raw = _raw(path)
    cards = _outputs(raw)  # an undeclared output stops the service at start-up
    return {entry["code"]: _definition(entry, raw, cards) for entry in raw["services"]}


@cache
def card_outputs(path: Path = CATALOGUE_FILE) -> frozenset[str]:
    """Output documents printed on blanko cards (``outputs`` with ``card: true``)."""
    return frozenset(doc for doc, card in _outputs(_raw(path)).items() if card)


def _is_card(output_document: str) -> bool:
    return output_document in card_outputs()


def holidays(path: Path = CATALOGUE_FILE) -> frozenset[date]:
    return frozenset(_raw(path).get("holidays") or ())


def get_service(code: str) -> ServiceDefinition:
    try:
        return load_catalogue()[code]
    except KeyError:
        raise NotFound(
            "Layanan tidak ditemukan.", fields={"service_code": ["Kode layanan tidak dikenal."]},
            code="UNKNOWN_SERVICE",
        ) from None


__all__ = ["ValidationError", "get_service", "load_catalogue", "ServiceDefinition"]
