"""The service catalogue: loaded once from ``catalogue.yaml`` and turned into form validators."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from silasidakep.errors import NotFound

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")

SEXES = ("L", "P")
CITIZENSHIPS = ("WNI", "WNA")


class FamilyMemberSchema(Schema):
    """One row of the KK family-member table."""

    class Meta:
        unknown = RAISE

    nik = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    birth_place = fields.String(required=True, validate=validate.Length(min=1, max=60))
    birth_date = fields.Date(required=True)
    religion = fields.String(required=True, validate=validate.Length(max=30))
    education = fields.String(required=True, validate=validate.Length(max=60))
    occupation = fields.String(required=True, validate=validate.Length(max=60))
    marital_status = fields.String(required=True, validate=validate.Length(max=30))
    relationship = fields.String(required=True, validate=validate.Length(max=30))
    citizenship = fields.String(required=True, validate=validate.OneOf(CITIZENSHIPS))
    father_name = fields.String(required=True, validate=validate.Length(max=60))
    mother_name = fields.String(required=True, validate=validate.Length(max=60))


def _field_for(spec: dict[str, Any]) -> fields.Field:
    required = bool(spec.get("required", False))
    kind = spec["type"]
    if kind in ("string", "text"):
        return fields.String(
            required=required, validate=validate.Length(min=1, max=spec.get("max_length", 200))
        )
    if kind == "enum":
        return fields.String(required=required, validate=validate.OneOf(spec["choices"]))
    if kind == "date":
        return fields.Date(required=required)
    if kind == "members":
        return fields.List(
            fields.Nested(FamilyMemberSchema), required=required, validate=validate.Length(min=1)
        )
    raise ValueError(f"unknown form field type {kind!r}")


@dataclass(frozen=True)
class DocumentRequirement:
    type: str
    label: str
    required: bool


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    name: str
    description: str
    output_document: str
    in_person: bool
    target_hours: int
    documents: tuple[DocumentRequirement, ...]
    form_fields: tuple[dict[str, Any], ...]
    catalogue_version: int

    @property
    def document_types(self) -> frozenset[str]:
        return frozenset(d.type for d in self.documents)

    @property
    def required_document_types(self) -> frozenset[str]:
        return frozenset(d.type for d in self.documents if d.required)

    @cached_property
    def _form_schema_class(self) -> type[Schema]:
        # Built once per service: creating a schema class is not per-request work.
        return Schema.from_dict(
            {f["name"]: _field_for(f) for f in self.form_fields}, name=f"{self.code}Form"
        )

    def form_schema(self) -> Schema:
        return self._form_schema_class(unknown=RAISE)

    def load_form(self, form: dict[str, Any]) -> dict[str, Any]:
        """Validate and return the form in its JSON shape; raises marshmallow ValidationError."""
        schema = self.form_schema()
        return schema.dump(schema.load(form))

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "output_document": self.output_document,
            "in_person": self.in_person,
            "target_hours": self.target_hours,
            "required_documents": [
                {"type": d.type, "label": d.label, "required": d.required} for d in self.documents
            ],
            "form_schema": {"fields": list(self.form_fields)},
        }


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, ServiceDefinition]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = int(raw["version"])
    catalogue: dict[str, ServiceDefinition] = {}
    for entry in raw["services"]:
        definition = ServiceDefinition(
            code=entry["code"],
            name=entry["name"],
            description=entry["description"],
            output_document=entry["output_document"],
            in_person=bool(entry["in_person"]),
            target_hours=int(entry["target_hours"]),
            documents=tuple(DocumentRequirement(**d) for d in entry["documents"]),
            form_fields=tuple(entry["form"]),
            catalogue_version=version,
        )
        definition.form_schema()  # fail at start-up on a bad field definition
        catalogue[definition.code] = definition
    return catalogue


def get_service(code: str) -> ServiceDefinition:
    try:
        return load_catalogue()[code]
    except KeyError:
        raise NotFound(
            "Layanan tidak ditemukan.", fields={"service_code": ["Kode layanan tidak dikenal."]},
            code="UNKNOWN_SERVICE",
        ) from None


__all__ = ["ValidationError", "get_service", "load_catalogue", "ServiceDefinition"]
