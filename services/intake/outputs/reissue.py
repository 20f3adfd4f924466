"""Correction (PEMBETULAN) and reprint (CETAK_ULANG) of a document this system issued
(docs/document-lifecycle.md, "Correction and reprint").

The request names the document by its number. What the new document renders from is what the
old one rendered from (found again from the application that issued it, through every earlier
correction), with the corrections applied; it issues the old document's type, for the same
subject, with ``replaces`` = the old number, so printing supersedes the old one.

``validate`` runs when the draft is written and again at submission (a document may be revoked
or superseded in between); ``plan`` and ``preview`` assume a validated form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from marshmallow import RAISE, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import forms
from services.intake.applications.record import definition_of
from services.intake.catalogue import (
    FormSchema,
    ServiceDefinition,
    correctable_fields,
    document_label,
    field_for,
)
from services.intake.domain.channels import COUNTER_CHANNELS
from services.intake.models import Application, CitizenAccount
from services.intake.outputs.models import (
    CORRECTION,
    ISSUED,
    REPRINT,
    REVOKED,
    SUPERSEDED,
    ApplicationOutput,
)
from services.intake.outputs.plan import PlannedOutput, applicant_of, planned_for
from silasidakep.clock import now_utc, today_wib
from silasidakep.contracts import FIELDS_FROM_EARLIER_OUTPUT
from silasidakep.errors import Conflict, Forbidden, NotFound, ValidationFailed, in_indonesian

NUMBER_PATH = "form.document_number"


@dataclass(frozen=True)
class Source:
    """The document a correction or reprint replaces and what it rendered from."""

    row: ApplicationOutput
    app: Application  # the application that issued it
    output: PlannedOutput  # with its ``form`` and ``applicant`` always given


# --- finding the document -----------------------------------------------------------------------


def _row(session: Session, number: str) -> ApplicationOutput:
    row = session.scalars(
        select(ApplicationOutput).where(ApplicationOutput.document_number == number)
    ).one_or_none()
    if row is None or row.state != ISSUED:
        raise NotFound("Dokumen dengan nomor ini tidak ditemukan di Silasidakep.",
                       fields={NUMBER_PATH: ["Nomor dokumen tidak dikenal."]},
                       code="DOCUMENT_UNKNOWN")
    return row


def _with_earlier_numbers(session: Session, row: ApplicationOutput,
                          form: dict[str, Any]) -> dict[str, Any]:
    """A field printing filled from an earlier output of the same application (the KIA's akta
    number) is filled here: the new document is issued by another application."""
    filled = dict(form)
    for (document, field), source in FIELDS_FROM_EARLIER_OUTPUT.items():
        if row.document_type != document or filled.get(field):
            continue
        filled[field] = session.scalars(
            select(ApplicationOutput.document_number)
            .where(ApplicationOutput.application_id == row.application_id,
                   ApplicationOutput.document_type == source)
        ).first()
    return filled


def _rendered(session: Session, row: ApplicationOutput) -> Source:
    """What ``row``'s document rendered from, with form and applicant made explicit."""
    app = session.get(Application, row.application_id)
    service = definition_of(app)
    if service.reissue:
        # A corrected or reprinted document: what its own request planned.
        output = _reissued(session, service, app.form or {})
        return Source(row, app, output)
    output = next((p for p in planned_for(service, applicant_of(app), app.form or {})
                   if p.key == row.output_key), None)
    if output is None:  # an output the catalogue no longer derives: the stored content
        output = PlannedOutput(key=row.output_key, document=row.document_type, card=row.card,
                               subject={"key": app.subject_nik or app.nik,
                                        "name": app.subject_name or app.name,
                                        "nik": app.subject_nik or app.nik},
                               form=row.content)
    form = output.form if output.form is not None else dict(app.form or {})
    output = replace(output, form=_with_earlier_numbers(session, row, form),
                     applicant=output.applicant or applicant_of(app))
    return Source(row, app, output)


def source_of(session: Session, number: str) -> Source:
    return _rendered(session, _row(session, number))


def _owners(source: Source) -> set[str]:
    """Who may ask: the applicant of the issuing application, the document's subject (holder),
    and every member of the family the document shows."""
    members = (source.output.form or {}).get("members") or []
    niks = {source.app.nik, source.app.subject_nik, source.output.subject.get("nik"),
            *(m.get("nik") for m in members)}
    return {n for n in niks if n}


# --- checking the request -----------------------------------------------------------------------


def _check_usable(source: Source, applicant_nik: str) -> None:
    if applicant_nik not in _owners(source):
        raise Forbidden("Dokumen ini bukan milik pemohon: hanya pemegang dokumen, anggota keluarga "
                        "pada dokumen, atau pemohon aslinya yang dapat mengajukan.",
                        fields={NUMBER_PATH: ["Dokumen ini bukan milik pemohon."]},
                        code="DOCUMENT_NOT_YOURS")
    if source.row.status == REVOKED:
        raise Conflict("Dokumen ini sudah dicabut dan tidak dapat dibetulkan atau dicetak ulang. "
                       "Ajukan permohonan baru.",
                       fields={NUMBER_PATH: ["Dokumen sudah dicabut."]}, code="DOCUMENT_REVOKED")
    if source.row.status == SUPERSEDED:
        newer = source.row.superseded_by
        raise Conflict(f"Dokumen ini sudah diganti oleh dokumen {newer}. Gunakan nomor dokumen "
                       "yang terbaru.", fields={NUMBER_PATH: [f"Sudah diganti oleh {newer}."]},
                       code="DOCUMENT_SUPERSEDED")


def _loaded_value(service: ServiceDefinition, spec: dict[str, Any], value: Any) -> Any:
    schema = FormSchema.from_dict({spec["name"]: field_for(spec, service.vocabularies)},
                                  name="CorrectionValue")(unknown=RAISE)
    return schema.dump(schema.load({spec["name"]: value}))[spec["name"]]


def _flat(messages: Any) -> list[str]:
    """marshmallow's messages of one (possibly nested) field as a flat list."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def _corrected(service: ServiceDefinition, source: Source, corrections: list[dict[str, Any]],
               today: date) -> tuple[dict[str, Any], dict[str, list[str]], str | None]:
    """The document's content with ``corrections`` applied, the errors by path, and the code
    of the first error (FIELD_NOT_ON_DOCUMENT, NO_CHANGE or INVALID_VALUE)."""
    specs = {spec["name"]: {**spec, "required": True}
             for spec in correctable_fields(source.row.document_type)}
    content = dict(source.output.form or {})
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    for index, item in enumerate(corrections):
        path = f"form.corrections.{index}"
        spec = specs.get(item["field"])
        if spec is None:
            errors[f"{path}.field"] = [
                f"{document_label(source.row.document_type)} tidak memuat data ini."]
            codes.append("FIELD_NOT_ON_DOCUMENT")
            continue
        try:
            value = _loaded_value(service, spec, item["value"])
        except ValidationError as exc:
            errors[f"{path}.value"] = _flat(in_indonesian(exc.messages)) or ["Nilai tidak valid."]
            codes.append("INVALID_VALUE")
            continue
        if value == content.get(spec["name"]):
            errors[f"{path}.value"] = ["Data baru sama dengan data pada dokumen."]
            codes.append("NO_CHANGE")
            continue
        content[spec["name"]] = value
        found = forms.check_one(spec, content, today)
        if found.errors:
            errors[f"{path}.value"] = [m for ms in found.errors.values() for m in ms]
            codes.append("INVALID_VALUE")
    return content, errors, (codes[0] if codes else None)


def validate(session: Session, service: ServiceDefinition, applicant: dict[str, Any],
             form: dict[str, Any]) -> Source:
    """Refuse a correction or reprint the applicant may not ask for (4xx, nothing written);
    the document it replaces when it may."""
    source = source_of(session, form["document_number"])
    _check_usable(source, applicant["nik"])
    if service.reissue == CORRECTION:
        _, errors, code = _corrected(service, source, form.get("corrections") or [],
                                     today_wib(now_utc()))
        if errors:
            raise ValidationFailed(fields=errors, code=code)
    return source


# --- planning -----------------------------------------------------------------------------------


def _reissued(session: Session, service: ServiceDefinition, form: dict[str, Any]
              ) -> PlannedOutput:
    source = source_of(session, form["document_number"])
    content = dict(source.output.form or {})
    kind = REPRINT
    if service.reissue == CORRECTION:
        kind = CORRECTION
        content, _, _ = _corrected(service, source, form.get("corrections") or [],
                                   today_wib(now_utc()))
    return replace(source.output, kind=kind, replaces=source.row.document_number, form=content)


def plan(session: Session, app: Application) -> list[PlannedOutput]:
    """One output: the old document's type, for its subject, with the new content."""
    return [_reissued(session, definition_of(app), app.form or {})]


def preview(session: Session, app: Application) -> list[dict[str, Any]]:
    """What the verifier sees: the document replaced and, for a correction, each change."""
    service = definition_of(app)
    form = app.form or {}
    source = source_of(session, form["document_number"])
    output = _reissued(session, service, form)
    entry: dict[str, Any] = {
        "key": output.key, "document": output.document,
        "label": document_label(output.document), "card": output.card, "optional": False,
        "requested": True, "kind": output.kind, "replaces": output.replaces,
        "subject": dict(output.subject),
    }
    if output.kind == CORRECTION:
        labels = {s["name"]: s["label"] for s in correctable_fields(output.document)}
        old = source.output.form or {}
        entry["changes"] = [
            {"field": item["field"], "label": labels.get(item["field"], item["field"]),
             "old": old.get(item["field"]), "new": output.form.get(item["field"])}
            for item in form.get("corrections") or []
        ]
        if any(item["field"] == "members" for item in form.get("corrections") or []):
            entry["family"] = {"current": old.get("members") or [],
                               "updated": output.form.get("members") or []}
    return [entry]


def is_card(session: Session, form: dict[str, Any]) -> bool:
    """Whether the document to reissue is a blanko card (always collected at the kecamatan)."""
    return _row(session, form["document_number"]).card


# --- the verifier's step ------------------------------------------------------------------------


def skips_verification(session: Session, service: ServiceDefinition, app: Application) -> bool:
    """``verification: when_unproven`` (a reprint of unchanged data): no verifier when the
    applicant's identity is already proven — filed at a counter where staff saw the KTP-el, or
    by a citizen account whose verified NIK is the applicant's."""
    if service.verification != "when_unproven":
        return False
    if app.channel in COUNTER_CHANNELS:
        return True
    account = session.get(CitizenAccount, app.account_id) if app.account_id else None
    return bool(account and account.nik_verified_at and account.nik == app.nik)
