"""What a verifier may ask a citizen to fix, and how each field and document is named to them."""

from __future__ import annotations

from typing import Any

from services.intake.catalogue import ServiceDefinition

APPLICANT_LABELS = {
    "nik": "NIK pemohon", "name": "Nama pemohon", "kk_number": "Nomor KK",
    "kecamatan_code": "Kecamatan", "email": "Email", "phone": "Nomor ponsel",
}


def field_label(service: ServiceDefinition, path: str) -> str:
    section, _, name = path.partition(".")
    if section == "form":
        return service.field_label(name.split(".")[0])
    return APPLICANT_LABELS.get(name, path)


def fix_labels(service: ServiceDefinition, paths: list[str], doc_types: list[str]) -> list[str]:
    return [field_label(service, p) for p in paths] + [
        service.document_label(d) for d in doc_types
    ]


def requirements(service: ServiceDefinition, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a verifier may ask to fix, with labels; ``required`` tells verification's
    pre-checks which documents this application (its form) must have."""
    return {
        "service_name": service.name,
        "documents": [
            {"type": d.type, "label": d.label,
             "required": d.is_required(form) if form is not None else d.required}
            for d in service.documents
        ],
        "fields": [
            *({"path": f"applicant.{k}", "label": v} for k, v in APPLICANT_LABELS.items()),
            *({"path": f"form.{f['name']}", "label": f["label"]} for f in service.form_fields),
        ],
    }
