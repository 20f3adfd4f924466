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
# A document number as printing's numbering formats it (services/printing/documents/numbering.py):
# regency code without dots, register code (LT, KM, KW, CR, KTP, BIO or the type), year, serial.
ISSUED_DOCUMENT_PATTERN = r"^\d{4}-[A-Z][A-Z0-9_]*-\d{4}-\d{6}$"
ISSUED_DOCUMENT_MESSAGE = "Nomor dokumen tidak valid (contoh: 3211-KK-2026-000123)."
MAX_CORRECTIONS = 10
FAMILY_UPDATE = "family_update"
OUTPUT_CONTENTS = (FAMILY_UPDATE,)
REISSUE_KINDS = ("CORRECTION", "REPRINT")
VERIFICATIONS = ("always", "when_unproven")


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


def correction_schema() -> type[Schema]:
    """One ``{field, value}`` of a correction; which fields and values are allowed is checked
    against the original document by ``services.intake.outputs.reissue``."""
    return FormSchema.from_dict(
        {
            "field": _text(True, 40),
            "value": fields.Raw(required=True, allow_none=False, error_messages=FIELD_ERRORS),
        },
        name="Correction",
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
    if kind == "issued_document":
        return _text(required, 40, ISSUED_DOCUMENT_PATTERN, ISSUED_DOCUMENT_MESSAGE)
    if kind == "corrections":
        return fields.List(
            fields.Nested(correction_schema()), required=required,
            validate=validate.Length(min=1, max=MAX_CORRECTIONS,
                                     error=f"Isi 1–{MAX_CORRECTIONS} data yang dibetulkan."),
            error_messages=_errors("list"),
        )
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
class OutputSpec:
    """One document a service issues (catalogue ``outputs``; the first is the principal one).
    ``content: family_update``: rendered from the family after the event (domain/family.py);
    ``optional`` outputs are issued only when the boolean form field ``requested_by`` is true."""

    document: str
    card: bool
    content: str | None = None
    optional: bool = False
    requested_by: str | None = None

    @property
    def key(self) -> str:
        return self.document  # a service never issues two of one type

    def wanted(self, form: dict[str, Any]) -> bool:
        return not self.optional or (form or {}).get(self.requested_by) is True

    def public(self) -> dict[str, Any]:
        return {"document": self.document, "card": self.card, "content": self.content,
                "optional": self.optional, "requested_by": self.requested_by}


@dataclass(frozen=True)
class DocumentType:
    """A ``document_types`` entry: whether it is a card, its name, what a correction may change."""

    code: str
    card: bool
    label: str
    correctable: tuple[str, ...]


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
    # The principal output (the first of ``outputs``), kept for clients; None for a correction or
    # reprint, whose output is the original document's type (decided at planning time).
    output_document: str | None
    output_card: bool  # the principal output is a blanko card: always KECAMATAN
    target_working_days: int
    presence: tuple[PresenceStep, ...]
    documents: tuple[DocumentRequirement, ...]
    form_fields: tuple[dict[str, Any], ...]  # expanded: includes resolved, choices filled in
    vocabularies: dict[str, list[str]]
    catalogue_version: int
    outputs: tuple[OutputSpec, ...] = ()
    reissue: str | None = None  # CORRECTION or REPRINT: outputs come from reissue.plan
    verification: str = "always"  # when_unproven: skip the verifier for a proven identity

    def outputs_for(self, form: dict[str, Any] | None) -> tuple[OutputSpec, ...]:
        """The outputs this form asks for (optional ones only when requested), in order."""
        return tuple(o for o in self.outputs if o.wanted(form or {}))

    def field_spec(self, name: str) -> dict[str, Any] | None:
        return next((f for f in self.form_fields if f["name"] == name), None)

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
            "outputs": [o.public() for o in self.outputs],
            "reissue": self.reissue,
            "verification": self.verification,
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
        document = data.get("output_document")
        # Snapshots stored before ``output_card`` existed: what the catalogue says now.
        card = bool(data.get("output_card", _is_card(document) if document else False))
        if "outputs" in data:
            outputs = tuple(OutputSpec(**o) for o in data["outputs"])
        else:
            # Snapshots from before several outputs (catalogue version 2): the one document.
            outputs = (OutputSpec(document, card),) if document else ()
        return cls(
            code=data["code"],
            name=data["name"],
            description=data["description"],
            output_document=document,
            output_card=card,
            target_working_days=int(data["target_working_days"]),
            presence=tuple(PresenceStep(**p) for p in data["presence"]),
            documents=tuple(DocumentRequirement(**d) for d in data["required_documents"]),
            form_fields=tuple(data["form_schema"]["fields"]),
            vocabularies=data["form_schema"]["vocabularies"],
            catalogue_version=int(data["catalogue_version"]),
            outputs=outputs,
            reissue=data.get("reissue"),
            verification=data.get("verification") or "always",
        )


def _expand_fields(entry: dict[str, Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = []
    for spec in entry["form"]:
        if "include" in spec:
            group = [dict(f) for f in raw["field_groups"][spec["include"]]]
            if "required_when" in spec:
                # The group asked only for some answers (the reprinted KTP-el's address).
                for included in group:
                    included.update(required=False, required_when=dict(spec["required_when"]))
            expanded += group
            continue
        spec = dict(spec)
        if "vocabulary" in spec:
            spec["choices"] = list(raw["vocabularies"][spec.pop("vocabulary")])
        expanded.append(spec)
    names = [f["name"] for f in expanded]
    if len(names) != len(set(names)):
        raise ValueError(f"{entry['code']}: duplicate form field names")
    return expanded


DOCUMENT_TYPE_KEYS = {"card", "label", "correctable"}
OUTPUT_KEYS = {"document", "content", "optional", "requested_by"}


def _document_types(raw: dict[str, Any]) -> dict[str, DocumentType]:
    """The ``document_types`` table, checked strictly."""
    if "outputs" in raw and "document_types" not in raw:
        raise ValueError("the catalogue's `outputs` table is now `document_types`")
    table = raw.get("document_types")
    if not isinstance(table, dict) or not table:
        raise ValueError("the catalogue needs a `document_types` table "
                         "(document: {card: ..., label: ..., correctable: [...]})")
    types: dict[str, DocumentType] = {}
    for code, spec in table.items():
        where = f"document_types.{code}"
        if not isinstance(spec, dict) or set(spec) != DOCUMENT_TYPE_KEYS:
            raise ValueError(f"{where}: write {{card: ..., label: ..., correctable: [...]}}")
        if not isinstance(spec["card"], bool):
            raise ValueError(f"{where}: card is true or false")
        if not isinstance(spec["label"], str) or not spec["label"].strip():
            raise ValueError(f"{where}: label is the document's name")
        correctable = spec["correctable"]
        if not isinstance(correctable, list) or not all(isinstance(f, str) for f in correctable):
            raise ValueError(f"{where}: correctable is a list of form field names")
        types[str(code)] = DocumentType(str(code), spec["card"], spec["label"], tuple(correctable))
    return types


def _output_specs(entry: dict[str, Any], types: dict[str, DocumentType],
                  form_fields: list[dict[str, Any]]) -> tuple[OutputSpec, ...]:
    code = entry["code"]
    if "output_document" in entry:
        raise ValueError(f"{code}: `output_document` is now the first of `outputs`")
    reissue = entry.get("reissue")
    if reissue is not None:
        if reissue not in REISSUE_KINDS:
            raise ValueError(f"{code}: reissue is one of {', '.join(REISSUE_KINDS)}")
        if entry.get("outputs"):
            raise ValueError(f"{code}: a reissue service has no `outputs` "
                             "(the original document's type is issued)")
        if not any(f["type"] == "issued_document" for f in form_fields):
            raise ValueError(f"{code}: a reissue service needs an issued_document field")
        return ()
    listed = entry.get("outputs")
    if not isinstance(listed, list) or not listed:
        raise ValueError(f"{code}: list the documents it issues in `outputs`")
    by_name = {f["name"]: f for f in form_fields}
    specs: list[OutputSpec] = []
    for index, item in enumerate(listed):
        where = f"{code}.outputs.{index}"
        if not isinstance(item, dict) or not set(item) <= OUTPUT_KEYS or "document" not in item:
            raise ValueError(f"{where}: write {{document: ..., content: ..., optional: ..., "
                             "requested_by: ...}}")
        document = item["document"]
        if document not in types:
            raise ValueError(f"{where}: unknown document type {document!r} "
                             "(missing from `document_types`)")
        content = item.get("content")
        if content is not None and content not in OUTPUT_CONTENTS:
            raise ValueError(f"{where}: content is one of {', '.join(OUTPUT_CONTENTS)}")
        optional = item.get("optional", False)
        requested_by = item.get("requested_by")
        if not isinstance(optional, bool):
            raise ValueError(f"{where}: optional is true or false")
        if optional != (requested_by is not None):
            raise ValueError(f"{where}: an optional output names its boolean form field in "
                             "requested_by (and only an optional one)")
        if requested_by is not None and (by_name.get(requested_by) or {}).get("type") != "boolean":
            raise ValueError(f"{where}: requested_by {requested_by!r} is not a boolean form field")
        if optional and index == 0:
            raise ValueError(f"{where}: the principal (first) output cannot be optional")
        specs.append(OutputSpec(document, types[document].card, content, optional, requested_by))
    documents = [s.document for s in specs]
    if len(documents) != len(set(documents)):
        raise ValueError(f"{code}: an output document is listed twice")
    return tuple(specs)


def _check_required_when(code: str, form_fields: list[dict[str, Any]],
                         documents: tuple[DocumentRequirement, ...]) -> None:
    names = {f["name"]: f for f in form_fields}
    conditions = [(f"form.{f['name']}", f["required_when"]) for f in form_fields
                  if "required_when" in f]
    conditions += [(f"documents.{d.type}", d.required_when) for d in documents if d.required_when]
    for where, condition in conditions:
        if not isinstance(condition, dict) or set(condition) != {"field", "equals"}:
            raise ValueError(f"{code}: {where}: required_when is {{field, equals}}")
        target = names.get(condition["field"])
        if target is None:
            raise ValueError(f"{code}: {where}: required_when names unknown field "
                             f"{condition['field']!r}")
        if target["type"] == "boolean" and not isinstance(condition["equals"], bool):
            raise ValueError(f"{code}: {where}: a boolean field equals true or false")


def _definition(
    entry: dict[str, Any], raw: dict[str, Any], types: dict[str, DocumentType]
) -> ServiceDefinition:
    steps = raw["presence_steps"]
    form_fields = _expand_fields(entry, raw)
    outputs = _output_specs(entry, types, form_fields)
    documents = tuple(DocumentRequirement(**d) for d in entry["documents"])
    _check_required_when(entry["code"], form_fields, documents)
    verification = entry.get("verification", "always")
    if verification not in VERIFICATIONS:
        raise ValueError(f"{entry['code']}: verification is one of {', '.join(VERIFICATIONS)}")
    if outputs and any(o.content == FAMILY_UPDATE for o in outputs):
        from services.intake.domain import family  # the rules depend on the catalogue's data

        if not family.has_rule(entry["code"]):
            raise ValueError(f"{entry['code']}: content family_update without a family rule")
    definition = ServiceDefinition(
        code=entry["code"],
        name=entry["name"],
        description=entry["description"],
        output_document=outputs[0].document if outputs else None,
        output_card=outputs[0].card if outputs else False,
        target_working_days=int(entry["target_working_days"]),
        presence=tuple(
            PresenceStep(s, steps[s]["label"], bool(steps[s]["before_issuance"]))
            for s in entry.get("presence") or []
        ),
        documents=documents,
        form_fields=tuple(form_fields),
        vocabularies={k: list(v) for k, v in raw["vocabularies"].items()},
        catalogue_version=int(raw["version"]),
        outputs=outputs,
        reissue=entry.get("reissue"),
        verification=verification,
    )
    definition.form_schema()  # fail at start-up on a bad field definition
    return definition


def _check_correctable(types: dict[str, DocumentType],
                       services: dict[str, ServiceDefinition]) -> None:
    """Each correctable field is a form field of a service that issues that document type."""
    for doc_type in types.values():
        names = {f["name"] for s in services.values() if doc_type.code in
                 {o.document for o in s.outputs} for f in s.form_fields}
        unknown = sorted(set(doc_type.correctable) - names)
        if unknown:
            raise ValueError(f"document_types.{doc_type.code}: correctable fields not on any "
                             f"form issuing it: {', '.join(unknown)}")


@cache
def _raw(path: Path = CATALOGUE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, ServiceDefinition]:
    raw = _raw(path)
    types = _document_types(raw)  # an unknown document type stops the service at start-up
    services = {entry["code"]: _definition(entry, raw, types) for entry in raw["services"]}
    _check_correctable(types, services)
    return services


@cache
def document_types(path: Path = CATALOGUE_FILE) -> dict[str, DocumentType]:
    return _document_types(_raw(path))


def document_type(code: str) -> DocumentType | None:
    return document_types().get(code)


def document_label(code: str) -> str:
    found = document_type(code)
    return found.label if found else code


@cache
def card_outputs(path: Path = CATALOGUE_FILE) -> frozenset[str]:
    """Document types printed on blanko cards (``document_types`` with ``card: true``)."""
    return frozenset(code for code, t in document_types(path).items() if t.card)


def _is_card(output_document: str) -> bool:
    return output_document in card_outputs()


def correctable_fields(code: str) -> list[dict[str, Any]]:
    """The fields a correction may change on a ``code`` document, with their form specs (from
    the first service that issues it as its principal output, else any that issues it)."""
    doc_type = document_type(code)
    if doc_type is None:
        return []
    issuers = sorted(
        (s for s in load_catalogue().values() if code in {o.document for o in s.outputs}),
        key=lambda s: s.output_document != code,
    )
    specs = []
    for name in doc_type.correctable:
        spec = next((s.field_spec(name) for s in issuers if s.field_spec(name)), None)
        if spec is not None:
            specs.append(spec)
    return specs


def public_document_types() -> dict[str, dict[str, Any]]:
    """What the public catalogue says of each document type (``document_types``)."""
    return {
        code: {"label": t.label, "card": t.card,
               "correctable": [{"field": f["name"], "label": f["label"]}
                               for f in correctable_fields(code)]}
        for code, t in document_types().items()
    }


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


__all__ = ["ValidationError", "get_service", "load_catalogue", "ServiceDefinition", "OutputSpec",
           "DocumentType", "document_types", "public_document_types"]
