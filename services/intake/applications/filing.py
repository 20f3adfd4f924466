"""Who files and whom it is about: the pelapor (``reporter``) when it is not the person named in
``applicant``, the subject the document is for, and the rule that a contact is given."""

from __future__ import annotations

from typing import Any

from services.intake import forms
from services.intake.catalogue import ServiceDefinition
from services.intake.domain.subject import Subject, UnknownOutput, document_subject
from silasidakep.errors import ValidationFailed
from silasidakep.text import storable

# The subject's relation to the pelapor.
RELATIONSHIPS = ("SUAMI", "ISTRI", "ANAK", "AYAH", "IBU", "SAUDARA", "KAKEK_NENEK", "CUCU",
                 "LAINNYA")
# Documents about someone other than the person named (a newborn, the deceased, a couple): the
# pelapor may be from another family, so the same-KK rule does not apply.
EVENT_DOCUMENTS = ("AKTA_LAHIR", "AKTA_MATI", "AKTA_KAWIN", "AKTA_CERAI")


def require_contact(email: str | None, phone: str | None) -> None:
    if not email and not phone:
        raise ValidationFailed(
            "Isi nomor ponsel atau alamat email agar kami dapat mengabari Anda.",
            fields={"applicant.phone": ["Isi nomor ponsel atau email."],
                    "applicant.email": ["Isi nomor ponsel atau email."]},
            code="CONTACT_REQUIRED",
        )


def check_reporter(service: ServiceDefinition, applicant: dict[str, Any],
                   reporter: Any) -> dict[str, str] | None:
    """The pelapor as stored, or None when the person named files for themself."""
    if reporter is None:
        return None
    if not isinstance(reporter, dict):
        raise ValidationFailed(fields={"reporter": ["Data pelapor tidak valid."]})
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for field in ("name", "nik", "kk_number", "relationship"):
        value = reporter.get(field)
        if not isinstance(value, str) or not value.strip() or not storable(value):
            errors[f"reporter.{field}"] = ["Wajib diisi."]
        else:
            values[field] = value.strip()
    unknown = set(reporter) - {"name", "nik", "kk_number", "relationship"}
    errors.update({f"reporter.{k}": ["Kolom tidak dikenal."] for k in sorted(map(str, unknown))})
    if errors:
        raise ValidationFailed(fields=errors)
    if len(values["name"]) > 60:
        errors["reporter.name"] = ["Nama paling banyak 60 karakter."]
    if values["relationship"] not in RELATIONSHIPS:
        errors["reporter.relationship"] = ["Hubungan keluarga tidak dikenal."]
    found = forms.check_applicant({**applicant, "nik": values["nik"],
                                   "kk_number": values["kk_number"]})
    errors.update({k.replace("applicant.", "reporter."): v for k, v in found.errors.items()
                   if k in ("applicant.nik", "applicant.kk_number")})
    if errors:
        raise ValidationFailed(fields=errors)
    if values["nik"] == applicant["nik"]:
        return None  # filing for oneself after all
    if (service.output_document not in EVENT_DOCUMENTS
            and values["kk_number"] != applicant["kk_number"]):
        raise ValidationFailed(
            "Permohonan untuk orang lain hanya untuk anggota keluarga dalam KK yang sama.",
            fields={"reporter.kk_number": ["Nomor KK pelapor berbeda dengan KK pemohon."]},
            code="NOT_SAME_FAMILY",
        )
    return values


def subject_of(service: ServiceDefinition, applicant: dict[str, Any],
               form: dict[str, Any]) -> Subject:
    """Whom the document is about; the person named when the form does not say."""
    try:
        return document_subject(service.output_document, applicant, form)
    except (UnknownOutput, ValueError, KeyError):
        return Subject(applicant["nik"], applicant["name"], applicant["nik"])
