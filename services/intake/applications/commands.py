"""What a citizen does with an application: create, edit, attach documents, submit, cancel, and
open the issued document with the download PIN."""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from services.intake import forms
from services.intake.accounts import credentials
from services.intake.applications import contact_change, filing
from services.intake.applications.presence import request_issuance
from services.intake.applications.record import (
    change_status,
    current_documents,
    definition_of,
    hash_token,
    last_revision,
    load_for_citizen,
    lock_for_citizen,
    new_tracking_code,
    pin_digest,
)
from services.intake.applications.snapshot import submitted_event
from services.intake.applications.views import view_of
from services.intake.appointments.booking import cancel_for_application
from services.intake.catalogue import ServiceDefinition, get_service, holidays
from services.intake.domain import channels, workdays
from services.intake.domain.status import CANCELLABLE, DOWNLOADABLE, Status, require_editable
from services.intake.domain.subject import Subject
from services.intake.models import Application, Document, StatusChange
from services.intake.outputs import lifecycle, plan, reissue
from services.intake.survey import invitations
from silasidakep import oidc
from silasidakep.clock import now_utc, today_wib
from silasidakep.db import Outbox
from silasidakep.errors import (
    Conflict,
    Forbidden,
    TooManyAttempts,
    ValidationFailed,
    in_indonesian,
)

DELIVERIES = ("DOWNLOAD", "KECAMATAN")
PROVEN_NOTE = ("Cetak ulang tanpa perubahan data untuk identitas yang sudah terverifikasi: "
               "tidak memerlukan pemeriksaan petugas.")
PIN_MAX_FAILURES = 5
PIN_LOCKOUT = timedelta(minutes=15)


# --- validation ---------------------------------------------------------------------------------


def validate_applicant(applicant: dict[str, Any]) -> list[dict[str, str]]:
    """Raise ValidationFailed on a hard-rule breach; return soft warnings for the verifier."""
    found = forms.check_applicant(applicant)
    if found.errors:
        raise ValidationFailed(fields=found.errors)
    return found.warnings


def validate_form(service: ServiceDefinition, form: dict[str, Any]) -> tuple[dict, list[dict]]:
    try:
        loaded = service.load_form(form)
    except ValidationError as exc:
        raise ValidationFailed(fields={"form": in_indonesian(exc.messages)}) from None
    found = forms.check_form(service, loaded, today_wib(now_utc()))
    if found.errors:
        raise ValidationFailed(fields=found.errors)
    return loaded, found.warnings


def delivery_for(service: ServiceDefinition, requested: str | None,
                 card: bool | None = None) -> str:
    """The citizen's choice (default DOWNLOAD); cards (the catalogue's ``outputs``, or the
    document a correction or reprint replaces: ``card``) always go to the kecamatan."""
    delivery = requested or "DOWNLOAD"
    if delivery not in DELIVERIES:
        raise ValidationFailed(
            fields={"delivery": ["Pilih DOWNLOAD atau KECAMATAN."]}, code="INVALID_DELIVERY"
        )
    return "KECAMATAN" if (service.output_card if card is None else card) else delivery


def _subject(session: Session, service: ServiceDefinition, applicant: dict[str, Any],
             form: dict[str, Any]) -> tuple[Subject, bool | None]:
    """Whom the application is about, and for a correction or reprint (checked here: the
    applicant's own, ACTIVE document) whether the document it replaces is a card."""
    if not service.reissue:
        return filing.subject_of(service, applicant, form), None
    source = reissue.validate(session, service, applicant, form)
    holder = source.output.subject
    return Subject(holder.get("nik") or applicant["nik"], holder.get("name") or applicant["name"],
                   holder.get("nik") or applicant["nik"]), source.row.card


# --- the draft ----------------------------------------------------------------------------------


def create_application(session: Session, outbox: Outbox, payload: dict[str, Any],
                       credential: str | None = None, *, counter: tuple[str, str] | None = None,
                       ) -> dict:
    """A draft. With an account's ``credential`` the account is recorded as the filer (a guest
    token sent along by an older client is no account: ignored). ``counter``: (channel,
    location code) of a front office filing for a walk-in (applications/assisted.py); without
    it the channel is the citizen's own (domain/channels.py), checked before anything else."""
    channel, location = counter or (
        channels.for_citizen(oidc.looks_like_jwt(credential), payload.get("channel")), None)
    account = (credentials.principal(session, credential).account
               if credentials.is_account_credential(credential) else None)
    service = get_service(payload["service_code"])
    applicant = payload["applicant"]
    filing.require_contact(applicant.get("email"), applicant.get("phone"))
    warnings = validate_applicant(applicant)
    reporter = filing.check_reporter(service, applicant, payload.get("reporter"))
    form, form_warnings = validate_form(service, payload.get("form") or {})
    subject, card = _subject(session, service, applicant, form)
    token = secrets.token_urlsafe(32)
    at = now_utc()
    delivery = delivery_for(service, payload.get("delivery"), card)
    app = Application(
        id=uuid.uuid4(), tracking_code=new_tracking_code(), service_code=service.code,
        catalogue_version=service.catalogue_version, service_definition=service.public(),
        status=Status.DRAFT, round=0,
        nik=applicant["nik"], name=applicant["name"], kk_number=applicant["kk_number"],
        kecamatan_code=applicant["kecamatan_code"], email=applicant.get("email"),
        phone=applicant.get("phone"), notify_channels=applicant.get("channels"),
        form=form, warnings=warnings + form_warnings,
        access_token_hash=hash_token(token), created_at=at, updated_at=at, pin_failures=0,
        presence_done={}, delivery=delivery, print_seq=0,
        account_id=account.id if account else None, reporter=reporter,
        subject_nik=subject.nik, subject_name=subject.name[:60],
        channel=channel, filed_at_location=location,
    )
    session.add(app)
    session.add(
        StatusChange(application_id=app.id, seq=1, status=Status.DRAFT, at=at, round=0)
    )
    return {
        "id": str(app.id),
        "tracking_code": app.tracking_code,
        "status": app.status,
        "access_token": token,
    }


def update_application(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    changes: dict[str, Any], client: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Replace the form at once while the citizen may still edit; a new email or phone waits
    for its one-time code (contact_change: the PIN must not be redirected silently)."""
    app = lock_for_citizen(session, application_id, token)
    require_editable(app.status)
    contact_change.request(session, outbox, app, changes, client)
    if "form" in changes:
        form, form_warnings = validate_form(definition_of(app), changes["form"])
        applicant_warnings = [w for w in app.warnings if w["field"].startswith("applicant.")]
        app.form, app.warnings = form, applicant_warnings + form_warnings
        person = {"nik": app.nik, "name": app.name, "kk_number": app.kk_number}
        subject, card = _subject(session, definition_of(app), person, form)
        app.subject_nik, app.subject_name = subject.nik, subject.name[:60]
        if card:
            app.delivery = "KECAMATAN"
    app.updated_at = now_utc()
    return view_of(app)


def check_upload(
    session: Session, application_id: str, token: str | None, doc_type: str
) -> Application:
    """The application if ``token`` may upload a ``doc_type`` scan to it now. The gateway asks
    before it reads the file; attach_document asks again and is the authority."""
    return require_uploadable(load_for_citizen(session, application_id, token), doc_type)


def require_uploadable(app: Application, doc_type: str) -> Application:
    """``app`` if a ``doc_type`` scan may be attached to it now (whoever uploads it)."""
    require_editable(app.status)
    if doc_type not in definition_of(app).document_types:
        raise ValidationFailed(
            fields={"doc_type": [f"Jenis dokumen {doc_type} tidak diminta untuk layanan ini."]},
            code="UNKNOWN_DOCUMENT_TYPE",
        )
    return app


def attach_document(
    session: Session, application_id: str, token: str | None, upload: dict[str, Any]
) -> dict:
    return attach_to(session, load_for_citizen(session, application_id, token), upload)


def attach_to(session: Session, app: Application, upload: dict[str, Any]) -> dict:
    """Record ``upload`` (already stored by the gateway) as the current scan of its type."""
    doc_type = upload["doc_type"]
    require_uploadable(app, doc_type)
    if not upload["object_key"].startswith(f"applications/{app.id}/{doc_type}/"):
        raise Forbidden("Lokasi berkas tidak sesuai dengan permohonan.", code="INVALID_OBJECT_KEY")
    for earlier in app.documents:
        if earlier.doc_type == doc_type:
            earlier.current = False
    document = Document(
        id=uuid.uuid4(), application_id=app.id, doc_type=doc_type,
        object_key=upload["object_key"], content_type=upload["content_type"],
        size=upload["size"], sha256=upload["sha256"], uploaded_at=now_utc(), current=True,
    )
    session.add(document)
    app.updated_at = document.uploaded_at
    return {"doc_type": doc_type, "size": document.size, "sha256": document.sha256}


# --- submission and cancellation ----------------------------------------------------------------


def _check_documents_complete(app: Application, service: ServiceDefinition) -> None:
    present = {d.doc_type for d in current_documents(app)}
    missing = sorted(service.documents_required_for(app.form) - present)
    if missing:
        raise Conflict(
            "Dokumen wajib belum diunggah: " + ", ".join(missing) + ".",
            fields={"documents": {m: ["Dokumen wajib belum diunggah."] for m in missing}},
            code="MISSING_DOCUMENTS",
        )
    revision = last_revision(app)
    if revision is None:
        return
    # Documents the verifier asked to fix must be uploaded again after the request.
    replaced = {d.doc_type for d in current_documents(app) if d.uploaded_at > revision.at}
    stale = sorted(set(revision.fix_documents) - replaced)
    if stale:
        raise Conflict(
            "Unggah ulang dokumen yang diminta petugas: " + ", ".join(stale) + ".",
            fields={"documents": {d: ["Dokumen ini harus diunggah ulang."] for d in stale}},
            code="REVISION_DOCUMENTS_NOT_REPLACED",
        )


def submit(session: Session, outbox: Outbox, application_id: str, token: str | None) -> dict:
    return submit_locked(session, outbox, lock_for_citizen(session, application_id, token))


def submit_locked(session: Session, outbox: Outbox, app: Application) -> dict:
    """Submit ``app`` (row-locked by the caller) for verification."""
    require_editable(app.status)
    service = definition_of(app)
    _check_documents_complete(app, service)
    if service.reissue:
        # The document may have been revoked or superseded since the draft was written.
        reissue.validate(session, service, plan.applicant_of(app), app.form or {})
    at = now_utc()
    app.round += 1
    app.submitted_at = at
    app.deadline_at = workdays.deadline(at, service.target_working_days, holidays())
    change_status(session, outbox, app, Status.SUBMITTED, at)
    if reissue.skips_verification(session, service, app):
        # A reprint of unchanged data for a proven identity: approved without a verifier.
        change_status(session, outbox, app, Status.APPROVED, at, note=PROVEN_NOTE)
        request_issuance(session, outbox, app, at)
    else:
        outbox.add(session, "application.submitted", submitted_event(app))
    return {"status": app.status, "tracking_code": app.tracking_code}


def cancel(
    session: Session, outbox: Outbox, application_id: str, token: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    app = lock_for_citizen(session, application_id, token)
    if app.status not in CANCELLABLE:
        raise Conflict(
            "Permohonan tidak dapat dibatalkan karena dokumen sudah diproses untuk ditandatangani"
            " atau permohonan sudah selesai.",
            code="NOT_CANCELLABLE",
        )
    at = now_utc()
    change_status(session, outbox, app, Status.CANCELLED, at, note=reason)
    outbox.add(
        session, "application.cancelled",
        {"application_id": app.id, "round": app.round, "cancelled_at": at},
    )
    # A cancelled application gives its booked slots back to other citizens.
    cancel_for_application(session, outbox, app.id, at)
    return {"status": app.status, "tracking_code": app.tracking_code}


# --- the issued document ------------------------------------------------------------------------


def open_document(session: Session, application_id: str, token: str | None, pin: str,
                  outbox: Outbox | None = None, document_number: str | None = None) -> dict:
    """Check the PIN and return where the signed PDF of ``document_number`` is (None: the
    principal document). One PIN opens all the application's documents, and failed attempts
    are counted and locked out per application; the caller commits even when this raises
    TooManyAttempts or Forbidden. A revoked document is refused (409 DOCUMENT_REVOKED), a
    superseded one still opens (the citizen's history). With ``outbox`` the first download of
    a document to print at home ends the application: the citizen is invited to the IKM
    survey (once per application)."""
    app = lock_for_citizen(session, application_id, token)
    if app.status not in DOWNLOADABLE or not app.pin_hash:
        raise Conflict("Dokumen belum terbit.", code="DOCUMENT_NOT_ISSUED")
    at = now_utc()
    if app.pin_locked_until and app.pin_locked_until > at:
        raise TooManyAttempts(code="PIN_LOCKED")
    if not hmac.compare_digest(app.pin_hash, pin_digest(app.id, pin or "")):
        app.pin_failures += 1
        if app.pin_failures >= PIN_MAX_FAILURES:
            app.pin_failures = 0
            app.pin_locked_until = at + PIN_LOCKOUT
        raise Forbidden("PIN salah.", code="INVALID_PIN")
    app.pin_failures = 0
    # Which document only after the PIN: without it nobody learns which numbers exist.
    row = lifecycle.document_to_open(lifecycle.outputs_of(session, app.id), document_number)
    if outbox is not None:
        invitations.invite(session, outbox, app, invitations.DOWNLOADED, at)
    return {"object_key": row.object_key, "document_number": row.document_number,
            "document_type": row.document_type, "status": row.status,
            "superseded_by": row.superseded_by}
