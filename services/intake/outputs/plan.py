"""What an approved application issues (issue 16): its outputs, resolved from the catalogue and
the family rules (``services.intake.domain.family``), or by ``reissue.plan`` for a correction or
reprint; recorded as ``ApplicationOutput`` rows (PLANNED) in the transaction that asks printing
to issue them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.applications.record import definition_of
from services.intake.catalogue import (
    FAMILY_UPDATE,
    OutputSpec,
    ServiceDefinition,
    document_label,
)
from services.intake.domain import family
from services.intake.domain.subject import Subject, UnknownOutput, document_subject
from services.intake.models import Application
from services.intake.outputs.models import PLANNED, ApplicationOutput


@dataclass(frozen=True)
class PlannedOutput:
    """One document to issue. ``form``/``applicant`` are None when the document renders from the
    application's own; ``subject`` is {key, name, nik}."""

    key: str
    document: str
    card: bool
    kind: str = "ORIGINAL"
    replaces: str | None = None
    subject: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] | None = None
    applicant: dict[str, Any] | None = None

    def event(self) -> dict[str, Any]:
        """The ``outputs`` entry of application.issuance_requested v3."""
        return {
            "key": self.key, "document": self.document, "card": self.card,
            "subject": dict(self.subject), "kind": self.kind, "replaces": self.replaces,
            "form": self.form, "applicant": self.applicant,
        }


# --- resolving ----------------------------------------------------------------------------------


def applicant_of(app: Application) -> dict[str, Any]:
    """The application's applicant block, as the events carry it."""
    return {
        "nik": app.nik, "name": app.name, "kk_number": app.kk_number,
        "kecamatan_code": app.kecamatan_code, "email": app.email, "phone": app.phone,
    }


def applicant_subject(app: Application) -> dict[str, Any]:
    return {"key": app.nik, "name": app.name, "nik": app.nik}


def subject_hash(subject_key: str) -> str:
    """As printing's register keys supersession (services/printing/register.py)."""
    return hashlib.sha256(subject_key.encode()).hexdigest()


def _subject(document: str, applicant: dict[str, Any], form: dict[str, Any] | None
             ) -> dict[str, Any]:
    try:
        return document_subject(document, applicant, form)._asdict()
    except (UnknownOutput, ValueError, KeyError):
        return Subject(applicant["nik"], applicant["name"], applicant["nik"])._asdict()


def _family_head(members: list[dict[str, Any]], applicant: dict[str, Any]) -> dict[str, Any]:
    head = family.head_of(members)
    return head if head and head.get("name") else {"nik": applicant["nik"],
                                                    "name": applicant["name"]}


def _head_applicant(applicant: dict[str, Any], kk_form: dict[str, Any]) -> dict[str, Any]:
    """The applicant block a family document renders with: the KK number of the form and its
    head (KK.yaml and KIA.yaml read applicant.kk_number and the head's name)."""
    head = _family_head(kk_form["members"], applicant)
    return {**applicant, "kk_number": kk_form.get("kk_number") or applicant["kk_number"],
            "nik": head.get("nik") or applicant["nik"], "name": head["name"]}


def _updated_kk(service: ServiceDefinition, spec: OutputSpec, applicant: dict[str, Any],
                form: dict[str, Any]) -> PlannedOutput:
    kk_form = family.updated_kk_form(service.code, form)
    head = _family_head(kk_form["members"], applicant)
    key = kk_form.get("kk_number") or applicant["kk_number"]
    return PlannedOutput(
        key=spec.key, document=spec.document, card=spec.card,
        subject={"key": key, "name": head["name"], "nik": head.get("nik")},
        form=kk_form, applicant=_head_applicant(applicant, kk_form),
    )


def _kia_of_birth(service: ServiceDefinition, spec: OutputSpec, applicant: dict[str, Any],
                  form: dict[str, Any]) -> PlannedOutput:
    """The newborn's KIA (the "3 in 1" service), from the birth form and the updated family."""
    kia_form = {
        "child_nik": form.get("child_nik"), "child_name": form.get("child_name"),
        "child_sex": form.get("child_sex"), "child_birth_place": form.get("birth_place"),
        "child_birth_date": form.get("birth_date"),
        # The akta's number exists once the akta (issued first) has one; printing may fill it.
        "birth_certificate_number": None,
        "father_name": form.get("father_name"), "mother_name": form.get("mother_name"),
        **{field: form.get(field) for field in family.ADDRESS_FIELDS},
    }
    kk_form = family.updated_kk_form(service.code, form)
    return PlannedOutput(
        key=spec.key, document=spec.document, card=spec.card,
        subject=_subject(spec.document, applicant, kia_form), form=kia_form,
        applicant=_head_applicant(applicant, kk_form),
    )


KTP_FIELDS = ("birth_place", "birth_date", "sex", "religion", "marital_status", "occupation",
              *family.ADDRESS_FIELDS)


def _ktp_of_biodata(service: ServiceDefinition, spec: OutputSpec, applicant: dict[str, Any],
                    form: dict[str, Any]) -> PlannedOutput:
    """The KTP-el reprinted with a biodata change: the person whose data changed holds it."""
    name = form["new_value"] if form.get("element") == "NAMA" else form.get("subject_name")
    holder = {**applicant, "nik": form.get("subject_nik"), "name": name}
    return PlannedOutput(
        key=spec.key, document=spec.document, card=spec.card,
        subject={"key": holder["nik"], "name": name, "nik": holder["nik"]},
        form={field: form.get(field) for field in KTP_FIELDS}, applicant=holder,
    )


# A secondary output rendered from something else than the application's form.
DERIVED: dict[tuple[str, str], Callable[..., PlannedOutput]] = {
    ("AKTA_LAHIR", "KIA"): _kia_of_birth,
    ("BIODATA", "KTP_EL"): _ktp_of_biodata,
}


def planned_for(service: ServiceDefinition, applicant: dict[str, Any],
                form: dict[str, Any]) -> list[PlannedOutput]:
    """The outputs of an ordinary (not reissue) service for this applicant and form."""
    planned: list[PlannedOutput] = []
    for position, spec in enumerate(service.outputs_for(form)):
        derive = DERIVED.get((service.code, spec.document))
        if spec.content == FAMILY_UPDATE:
            planned.append(_updated_kk(service, spec, applicant, form))
        elif position > 0 and derive is not None:
            planned.append(derive(service, spec, applicant, form))
        else:
            planned.append(PlannedOutput(
                key=spec.key, document=spec.document, card=spec.card,
                subject=_subject(spec.document, applicant, form),
            ))
    return planned


def plan_outputs(session: Session, app: Application) -> list[PlannedOutput]:
    """Every document ``app`` issues, in order (the first is the principal one)."""
    service = definition_of(app)
    if service.reissue:
        from services.intake.outputs import reissue  # corrections and reprints

        return reissue.plan(session, app)
    return planned_for(service, applicant_of(app), app.form or {})


# --- recording ----------------------------------------------------------------------------------


def record_planned(session: Session, app: Application, planned: list[PlannedOutput],
                   at: datetime) -> list[ApplicationOutput]:
    """One PLANNED ``ApplicationOutput`` row per output, in the caller's transaction. Idempotent:
    a row already there for an output key is kept (refreshed while still PLANNED)."""
    existing = {
        row.output_key: row for row in session.scalars(
            select(ApplicationOutput).where(ApplicationOutput.application_id == app.id))
    }
    rows = []
    for position, output in enumerate(planned):
        row = existing.get(output.key)
        if row is None:
            row = ApplicationOutput(id=uuid.uuid4(), application_id=app.id, output_key=output.key,
                                    planned_at=at, state=PLANNED, print_seq=0)
            session.add(row)
        elif row.state != PLANNED:
            rows.append(row)
            continue
        row.position = position
        row.document_type = output.document
        row.card = output.card
        row.kind = output.kind
        row.replaces = output.replaces
        row.subject_key_hash = subject_hash(output.subject["key"])
        row.content = output.form
        rows.append(row)
    session.flush()
    return rows


# --- what the verifier sees ---------------------------------------------------------------------


def preview(session: Session, app: Application) -> list[dict[str, Any]]:
    """``outputs`` of application.submitted: every output of the service (an optional one with
    whether the citizen asked for it), and for the updated KK the family before and after."""
    service = definition_of(app)
    if service.reissue:
        from services.intake.outputs import reissue

        return reissue.preview(session, app)
    form = app.form or {}
    planned = {p.key: p for p in planned_for(service, applicant_of(app), form)}
    shown = []
    for spec in service.outputs:
        output = planned.get(spec.key)
        entry: dict[str, Any] = {
            "key": spec.key, "document": spec.document, "label": document_label(spec.document),
            "card": spec.card, "optional": spec.optional, "requested": output is not None,
            "kind": output.kind if output else "ORIGINAL",
            "replaces": output.replaces if output else None,
        }
        if spec.content == FAMILY_UPDATE and output is not None:
            entry["family"] = {"current": family.members_of(form),
                               "updated": output.form["members"]}
        shown.append(entry)
    return shown
