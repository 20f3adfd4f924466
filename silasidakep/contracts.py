"""Event contracts: the one place every service imports to publish or consume an event.

Each event type has one producer, a schema version and a marshmallow schema for its ``data``.
``SUBSCRIPTIONS`` lists every consumer queue. Publishers declare those queues before publishing so
an event is never dropped because its consumer has not started yet, and a test checks that each
subscription is consumed by a handler and each handler is registered here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class EventSchema(Schema):
    class Meta:
        # Tolerant reader: a consumer ignores fields added by a newer producer.
        unknown = EXCLUDE


class ApplicantSchema(EventSchema):
    nik = fields.String(required=True)
    name = fields.String(required=True)
    kk_number = fields.String(required=True)
    kecamatan_code = fields.String(required=True)
    email = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class ReporterSchema(EventSchema):
    """The pelapor filing for a relative (the applicant above is then the document's holder)."""

    name = fields.String(required=True)
    nik = fields.String(required=True)
    kk_number = fields.String(required=True)
    relationship = fields.String(required=True)


NOTIFY_CHANNELS = ("EMAIL", "SMS", "WHATSAPP", "INBOX")
DEFAULT_NOTIFY_CHANNELS = ("EMAIL", "INBOX")


class RecipientSchema(EventSchema):
    """What notification needs to reach a citizen; identity numbers arrive masked."""

    name = fields.String(required=True)
    # At least one of email and phone is on every application; a channel without its address
    # is skipped by notification.
    email = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    nik_masked = fields.String(load_default=None, allow_none=True)
    # The citizen's choice of notification channels; events from before the choice existed
    # load with the default.
    channels = fields.List(
        fields.String(validate=validate.OneOf(NOTIFY_CHANNELS)),
        load_default=lambda: list(DEFAULT_NOTIFY_CHANNELS),
    )


class DocumentRefSchema(EventSchema):
    doc_type = fields.String(required=True)
    object_key = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class OutputSchema(EventSchema):
    """The document a service issues, as the catalogue declares it."""

    document = fields.String(required=True)  # KK, KTP_EL, AKTA_LAHIR, ...
    card = fields.Boolean(required=True)  # printed on a blanko card (KTP-el, KIA), not on paper


class SubjectSchema(EventSchema):
    """Whom the document is about, resolved by intake from the form it owns.

    ``key`` identifies what a re-issue replaces (a KK's key is its KK number); ``name`` and the
    ``nik`` (None for a newborn or a couple) are shown, the NIK masked, on the public
    verification page.
    """

    key = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(required=True)
    nik = fields.String(load_default=None, allow_none=True)


class ApplicationSnapshotSchema(EventSchema):
    tracking_code = fields.String(required=True)
    service_code = fields.String(required=True)
    output_document = fields.String(required=True)
    applicant = fields.Nested(ApplicantSchema, required=True)
    reporter = fields.Nested(ReporterSchema, load_default=None, allow_none=True)
    form = fields.Dict(required=True)
    # Cekatan: DOWNLOAD (print at home) or KECAMATAN (print queue of the applicant's kecamatan).
    delivery = fields.String(
        load_default="DOWNLOAD", validate=validate.OneOf(("DOWNLOAD", "KECAMATAN"))
    )
    # Since application.issuance_requested v2: what printing needs from the catalogue travels
    # here, so printing never reads intake's files.
    output = fields.Nested(OutputSchema, load_default=None, allow_none=True)
    subject = fields.Nested(SubjectSchema, load_default=None, allow_none=True)
    # How it came in (ONLINE, SUPER_APP, or a counter: LOKET_MPP, KECAMATAN, DESA) and the
    # counter's location: the verifier sees that a desk scanned the documents.
    channel = fields.String(load_default="ONLINE")
    filed_at_location = fields.String(load_default=None, allow_none=True)


class IssuanceSnapshotSchema(ApplicationSnapshotSchema):
    """The approved snapshot printing renders from: output and subject are required."""

    output = fields.Nested(OutputSchema, required=True)
    subject = fields.Nested(SubjectSchema, required=True)


OUTPUT_KINDS = ("ORIGINAL", "CORRECTION", "REPRINT")
# (document, form field) -> the document type of an earlier output whose number fills it when
# the output's form leaves it empty: printing fills it within one issuance (the KIA of a
# "3 in 1" birth prints the akta's number), intake when a correction or reprint of the KIA is
# issued by another application.
FIELDS_FROM_EARLIER_OUTPUT: dict[tuple[str, str], str] = {
    ("KIA", "birth_certificate_number"): "AKTA_LAHIR",
}


class IssuanceOutputSchema(EventSchema):
    """One document an approved application issues (issue 16: a birth gives the akta, the
    updated KK and, on request, the KIA). Printing renders it from the application's snapshot
    with ``document``/``card``/``subject`` in place of the snapshot's ``output``/``subject`` and
    ``form``/``applicant`` in place of the snapshot's when given (the updated KK's family; a
    correction's or reprint's content, which is the original document's)."""

    # Unique within the application (the document type, unless a service issues two of one).
    key = fields.String(required=True, validate=validate.Length(min=1, max=40))
    document = fields.String(required=True)  # KK, KTP_EL, AKTA_LAHIR, ...
    card = fields.Boolean(required=True)
    subject = fields.Nested(SubjectSchema, required=True)
    kind = fields.String(load_default="ORIGINAL", validate=validate.OneOf(OUTPUT_KINDS))
    # The document number a correction or reprint replaces (superseded when this one issues).
    replaces = fields.String(load_default=None, allow_none=True)
    form = fields.Dict(load_default=None, allow_none=True)
    applicant = fields.Nested(ApplicantSchema, load_default=None, allow_none=True)


class ApplicationSubmitted(EventSchema):
    application_id = fields.UUID(required=True)
    round = fields.Integer(required=True, validate=validate.Range(min=1))
    submitted_at = fields.DateTime(required=True)
    deadline_at = fields.DateTime(required=True)
    application = fields.Nested(ApplicationSnapshotSchema, required=True)
    documents = fields.List(fields.Nested(DocumentRefSchema), required=True)
    warnings = fields.List(fields.Dict(), load_default=list)
    # What a verifier may ask to fix: the service's document types and form fields with labels.
    requirements = fields.Dict(load_default=None, allow_none=True)
    # What approval will issue (issue 16), for the verifier: each output's key, document, label,
    # card, kind, replaces, and for an updated KK ``family`` = {"current": [...members],
    # "updated": [...members]} (old and new side by side); a correction's ``changes`` =
    # [{"field", "label", "old", "new"}].
    outputs = fields.List(fields.Dict(), load_default=list)


class ApplicationStatusChanged(EventSchema):
    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    status = fields.String(required=True)
    previous_status = fields.String(required=True, allow_none=True)
    changed_at = fields.DateTime(required=True)
    reason_code = fields.String(load_default=None, allow_none=True)
    reason_text = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    document_number = fields.String(load_default=None, allow_none=True)
    # With REVISION_REQUESTED: what the citizen has to fix (form field paths, document types).
    fix_fields = fields.List(fields.String(), load_default=list)
    fix_documents = fields.List(fields.String(), load_default=list)
    fix_labels = fields.List(fields.String(), load_default=list)  # the same, in words
    expected_completion_at = fields.DateTime(load_default=None, allow_none=True)
    recipient = fields.Nested(RecipientSchema, required=True)
    # The citizen accounts that follow the application (the applicant's, and the subject's once
    # its NIK is verified), with their sign-ins at outside OpenID issuers: webhooks reach the
    # integrator (the super-app) whose users these are.
    accounts = fields.List(fields.Nested(lambda: FollowerSchema()), load_default=list)


class IdentitySchema(EventSchema):
    issuer = fields.String(required=True)
    subject = fields.String(required=True)


ACCOUNT_ROLES = ("APPLICANT", "SUBJECT")


class FollowerSchema(EventSchema):
    account_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ACCOUNT_ROLES))
    identities = fields.List(fields.Nested(IdentitySchema), load_default=list)


CODE_PURPOSES = ("SIGN_IN", "ATTACH", "RECOVER", "CONTACT", "APPLICATION_CONTACT")


class OneTimeCodeRequested(EventSchema):
    """A citizen's one-time code (sign-in, attaching or recovering a guest application, a new
    contact). Carries a secret like the PIN: routed to notification only, sent on exactly the
    one channel in ``recipient.channels``, never shown in the inbox."""

    purpose = fields.String(required=True, validate=validate.OneOf(CODE_PURPOSES))
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}\Z"))
    expires_at = fields.DateTime(required=True)
    # ATTACH, RECOVER, APPLICATION_CONTACT (a new email or phone for the application)
    tracking_code = fields.String(load_default=None, allow_none=True)
    recipient = fields.Nested(RecipientSchema, required=True)


CONTACT_FIELDS = ("email", "phone")


class ApplicationContactChanged(EventSchema):
    """The citizen confirmed (with a code sent to the new contact) a new email or phone on the
    application: the OLD contact in ``recipient`` is told, so a redirected download PIN does not
    go unnoticed. ``value_masked`` is None when the contact was removed."""

    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    field = fields.String(required=True, validate=validate.OneOf(CONTACT_FIELDS))
    value_masked = fields.String(load_default=None, allow_none=True)
    changed_at = fields.DateTime(required=True)
    recipient = fields.Nested(RecipientSchema, required=True)


class ApplicationCancelled(EventSchema):
    application_id = fields.UUID(required=True)
    round = fields.Integer(required=True)
    cancelled_at = fields.DateTime(required=True)


class IssuanceRequested(EventSchema):
    """Approved, and every in-person precondition (biometric recording) is met: print it."""

    application_id = fields.UUID(required=True)
    round = fields.Integer(required=True)
    requested_at = fields.DateTime(required=True)
    application = fields.Nested(IssuanceSnapshotSchema, required=True)
    # Since v3: every document to issue, in order (the first is the snapshot's own output). A
    # v2 event has none: printing issues the snapshot's one output.
    outputs = fields.List(fields.Nested(IssuanceOutputSchema), load_default=None,
                          allow_none=True)


class LocationSchema(EventSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)


class AppointmentEvent(EventSchema):
    """appointment.booked / .rescheduled / .cancelled / .reminder_due share one shape."""

    appointment_id = fields.UUID(required=True)
    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    step = fields.String(required=True)
    step_label = fields.String(required=True)
    location = fields.Nested(LocationSchema, required=True)
    slot_date = fields.Date(required=True)
    start_time = fields.Time(required=True)
    end_time = fields.Time(required=True)
    recipient = fields.Nested(RecipientSchema, required=True)


class ComplaintEvent(EventSchema):
    """complaint.filed / complaint.answered."""

    complaint_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("COMPLAINT", "FEEDBACK")))
    category = fields.String(required=True)
    application_tracking_code = fields.String(load_default=None, allow_none=True)
    status = fields.String(required=True)
    answer = fields.String(load_default=None, allow_none=True)
    at = fields.DateTime(required=True)
    recipient = fields.Nested(RecipientSchema, required=True)


class DownloadPinIssued(EventSchema):
    """Carries a secret: routed to notification only, and outbox rows are deleted once published."""

    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    document_number = fields.String(required=True)  # the first document
    # Every document the one PIN opens (issue 16), the first included.
    document_numbers = fields.List(fields.String(), load_default=list)
    pin = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    recipient = fields.Nested(RecipientSchema, required=True)


class SurveyInvited(EventSchema):
    """The application has ended: the citizen is invited, once, to the IKM survey. The token
    opens that survey only (stored as a hash); like the PIN it travels to notification alone."""

    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    survey_token = fields.String(required=True, validate=validate.Length(min=20, max=100))
    invited_at = fields.DateTime(required=True)
    recipient = fields.Nested(RecipientSchema, required=True)


class VerificationClaimed(EventSchema):
    application_id = fields.UUID(required=True)
    round = fields.Integer(required=True)
    claimed_at = fields.DateTime(required=True)


DECISIONS = ("APPROVE", "REJECT", "REQUEST_REVISION")


class VerificationDecided(EventSchema):
    application_id = fields.UUID(required=True)
    round = fields.Integer(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason_code = fields.String(load_default=None, allow_none=True)
    reason_text = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    # With REQUEST_REVISION: form field paths and document types the citizen must fix.
    fix_fields = fields.List(fields.String(), load_default=list)
    fix_documents = fields.List(fields.String(), load_default=list)
    decided_at = fields.DateTime(required=True)
    # No longer sent (issue 14): intake, which owns the application, gives printing its
    # snapshot in application.issuance_requested, so full NIKs do not travel here too. Still
    # accepted from an older producer.
    application = fields.Nested(ApplicationSnapshotSchema, load_default=None, allow_none=True)


class DocumentIssued(EventSchema):
    application_id = fields.UUID(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    object_key = fields.String(required=True)
    sha256 = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    # Issue 16: which output of the application (None from an older producer: its only one),
    # how it came about, and the earlier documents it superseded (their QR pages now say so).
    output_key = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default="ORIGINAL", validate=validate.OneOf(OUTPUT_KINDS))
    replaces = fields.String(load_default=None, allow_none=True)
    superseded = fields.List(fields.String(), load_default=list)


class DocumentAwaitingSignature(EventSchema):
    """SIGNING_MODE=manual: the unsigned draft is stored and waits for the signer."""

    application_id = fields.UUID(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    drafted_at = fields.DateTime(required=True)
    output_key = fields.String(load_default=None, allow_none=True)


class DocumentRevoked(EventSchema):
    """A signer or supervisor revoked an issued document (with a reason). Printing has already
    cancelled its kecamatan print job, if any, in the same transaction."""

    application_id = fields.UUID(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    output_key = fields.String(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    revoked_at = fields.DateTime(required=True)
    revoked_by_role = fields.String(required=True)  # signer, supervisor (never a name)
    print_job_cancelled = fields.Boolean(load_default=False)


class ApplicationDocumentRevoked(EventSchema):
    """Intake tells the citizen, on their channels, that a document of theirs was revoked."""

    application_id = fields.UUID(required=True)
    tracking_code = fields.String(required=True)
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    document_label = fields.String(required=True)
    reason = fields.String(required=True)
    revoked_at = fields.DateTime(required=True)
    recipient = fields.Nested(RecipientSchema, required=True)


PRINT_JOB_STATES = ("QUEUED_AT_KECAMATAN", "AWAITING_BLANKO", "PRINTED", "COLLECTED",
                    "CANCELLED")


class PrintJobChanged(EventSchema):
    """A kecamatan print job moved (Cekatan); ``seq`` counts the job's changes from 1."""

    application_id = fields.UUID(required=True)
    job_id = fields.UUID(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=1))
    state = fields.String(required=True, validate=validate.OneOf(PRINT_JOB_STATES))
    kecamatan_code = fields.String(required=True)
    document_type = fields.String(required=True)
    at = fields.DateTime(required=True)
    # Issue 16: an application may have several jobs (one per output to print); None from an
    # older producer (its only job).
    document_number = fields.String(load_default=None, allow_none=True)


class StaffAccessChanged(EventSchema):
    """A staff account's tokens below ``token_version`` no longer count (disabled, roles,
    kecamatan or password changed); ``active`` false shuts the account out altogether."""

    staff_id = fields.UUID(required=True)
    token_version = fields.Integer(required=True, validate=validate.Range(min=0))
    active = fields.Boolean(required=True)
    changed_at = fields.DateTime(required=True)


class AuditRecorded(EventSchema):
    """One staff action or staff read of personal data (or a system action on personal data,
    such as a retention deletion: no staff then) in the producing service, for verification's
    hash chain and for the citizen's own access log (entries naming an application). One schema,
    one event type per producer (``<producer>.audit_recorded``): each type has one producer."""

    at = fields.DateTime(required=True)
    action = fields.String(required=True, validate=validate.Length(min=1, max=40))
    staff_id = fields.UUID(load_default=None, allow_none=True)
    username = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=60))
    roles = fields.List(fields.String(), load_default=list)
    # The office the staff member acted from (a kecamatan code), when the account has one.
    office = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    application_id = fields.UUID(load_default=None, allow_none=True)
    # Never personal data: a document number, a job id, a count.
    detail = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))
    client_ip = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=64))


AUDIT_PRODUCERS = ("intake", "verification", "printing", "notification")


def audit_event_type(producer: str) -> str:
    return f"{producer}.audit_recorded"


@dataclass(frozen=True)
class EventContract:
    event_type: str
    producer: str
    version: int
    schema: type[EventSchema]


EVENTS: dict[str, EventContract] = {
    c.event_type: c
    for c in (
        EventContract("application.submitted", "intake", 1, ApplicationSubmitted),
        EventContract("application.status_changed", "intake", 1, ApplicationStatusChanged),
        EventContract("application.download_pin_issued", "intake", 1, DownloadPinIssued),
        EventContract("citizen.code_requested", "intake", 1, OneTimeCodeRequested),
        EventContract("application.cancelled", "intake", 1, ApplicationCancelled),
        EventContract("application.contact_changed", "intake", 1, ApplicationContactChanged),
        EventContract("application.issuance_requested", "intake", 3, IssuanceRequested),
        EventContract(
            "application.document_revoked", "intake", 1, ApplicationDocumentRevoked
        ),
        EventContract("appointment.booked", "intake", 1, AppointmentEvent),
        EventContract("appointment.rescheduled", "intake", 1, AppointmentEvent),
        EventContract("appointment.cancelled", "intake", 1, AppointmentEvent),
        EventContract("appointment.reminder_due", "intake", 1, AppointmentEvent),
        EventContract("complaint.filed", "intake", 1, ComplaintEvent),
        EventContract("complaint.answered", "intake", 1, ComplaintEvent),
        EventContract("survey.invited", "intake", 1, SurveyInvited),
        EventContract("verification.claimed", "verification", 1, VerificationClaimed),
        EventContract("verification.decided", "verification", 1, VerificationDecided),
        EventContract("staff.access_changed", "verification", 1, StaffAccessChanged),
        EventContract("document.issued", "printing", 1, DocumentIssued),
        EventContract(
            "document.awaiting_signature", "printing", 1, DocumentAwaitingSignature
        ),
        EventContract("print_job.changed", "printing", 1, PrintJobChanged),
        EventContract("document.revoked", "printing", 1, DocumentRevoked),
        *(EventContract(audit_event_type(p), p, 1, AuditRecorded) for p in AUDIT_PRODUCERS),
    )
}


# Where an event may carry a NIK or KK number in full (fnmatch patterns over dotted data paths,
# list items as ``*``): only to the consumers that need it (verification checks it, printing
# prints it). Everywhere else a NIK travels masked; tests/zz_privacy checks every published
# event against this table.
IDENTITY_PATHS: dict[str, tuple[str, ...]] = {
    "application.submitted": (
        "application.applicant.nik", "application.applicant.kk_number",
        "application.reporter.nik", "application.reporter.kk_number",
        "application.form.*", "application.subject.*", "outputs.*",
    ),
    "application.issuance_requested": (
        "application.applicant.nik", "application.applicant.kk_number",
        "application.reporter.nik", "application.reporter.kk_number",
        "application.form.*", "application.subject.nik", "application.subject.key",
        "outputs.*.form.*", "outputs.*.subject.nik", "outputs.*.subject.key",
        "outputs.*.applicant.nik", "outputs.*.applicant.kk_number",
    ),
}


@dataclass(frozen=True)
class Subscription:
    event_type: str
    consumer: str
    handler: str

    @property
    def producer(self) -> str:
        return EVENTS[self.event_type].producer

    @property
    def queue(self) -> str:
        # nameko's own naming for service-pool event handlers.
        return f"evt-{self.producer}-{self.event_type}--{self.consumer}.{self.handler}"


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("application.submitted", "verification", "on_application_submitted"),
    Subscription("verification.claimed", "intake", "on_verification_claimed"),
    Subscription("verification.decided", "intake", "on_verification_decided"),
    Subscription("application.cancelled", "verification", "on_application_cancelled"),
    Subscription("application.issuance_requested", "printing", "on_issuance_requested"),
    Subscription("document.issued", "intake", "on_document_issued"),
    Subscription(
        "document.awaiting_signature", "intake", "on_document_awaiting_signature"
    ),
    Subscription("print_job.changed", "intake", "on_print_job_changed"),
    Subscription("document.revoked", "intake", "on_document_revoked"),
    Subscription("application.document_revoked", "notification", "on_document_revoked"),
    Subscription("application.status_changed", "notification", "on_status_changed"),
    Subscription("application.download_pin_issued", "notification", "on_download_pin_issued"),
    Subscription("citizen.code_requested", "notification", "on_code_requested"),
    Subscription("application.contact_changed", "notification", "on_contact_changed"),
    # Webhooks to integrators (the super-app): a separate queue, so a slow subscriber never
    # holds up the citizen's own messages.
    Subscription("application.status_changed", "notification", "on_status_changed_webhooks"),
    Subscription("appointment.booked", "notification", "on_appointment_booked"),
    Subscription("appointment.rescheduled", "notification", "on_appointment_rescheduled"),
    Subscription("appointment.cancelled", "notification", "on_appointment_cancelled"),
    Subscription("appointment.reminder_due", "notification", "on_appointment_reminder_due"),
    Subscription("complaint.filed", "notification", "on_complaint_filed"),
    Subscription("complaint.answered", "notification", "on_complaint_answered"),
    Subscription("survey.invited", "notification", "on_survey_invited"),
    # Services that serve staff without owning their accounts refuse ended tokens.
    Subscription("staff.access_changed", "intake", "on_staff_access_changed"),
    Subscription("staff.access_changed", "printing", "on_staff_access_changed"),
    Subscription("staff.access_changed", "notification", "on_staff_access_changed"),
    # The audit chain (verification) takes every other service's entries; intake keeps the
    # ones naming an application for the citizen's access log (its own it writes locally).
    *(Subscription(audit_event_type(p), "verification", "on_audit_recorded")
      for p in AUDIT_PRODUCERS if p != "verification"),
    *(Subscription(audit_event_type(p), "intake", "on_audit_recorded")
      for p in AUDIT_PRODUCERS if p != "intake"),
)


def subscriptions_for(event_type: str) -> list[Subscription]:
    return [s for s in SUBSCRIPTIONS if s.event_type == event_type]


def find_subscription(event_type: str, consumer: str, handler: str) -> Subscription:
    for s in SUBSCRIPTIONS:
        if (s.event_type, s.consumer, s.handler) == (event_type, consumer, handler):
            return s
    raise LookupError(f"{consumer}.{handler} is not subscribed to {event_type} in contracts")


class ContractViolation(ValueError):
    pass


@cache
def _schema(event_type: str) -> EventSchema:
    """One schema instance per contract: marshmallow schemas keep no state between calls, and
    building one (a deep copy of every declared field) cost more than the dump it serves."""
    return EVENTS[event_type].schema()


def build_envelope(event_type: str, producer: str, data: dict[str, Any]) -> dict[str, Any]:
    """Serialise and validate ``data`` against its contract, wrapped in the standard envelope."""
    contract = EVENTS[event_type]
    if contract.producer != producer:
        raise ContractViolation(f"{producer} may not publish {event_type}")
    schema = _schema(event_type)
    payload = schema.dump(data)
    errors = schema.validate(payload)
    if errors:
        raise ContractViolation(f"{event_type}: {errors}")
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": contract.version,
        "producer": producer,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": payload,
    }


def parse_envelope(envelope: dict[str, Any], expected_type: str) -> tuple[uuid.UUID, dict]:
    """Return the event id and the loaded ``data``; raise ContractViolation on a bad message."""
    try:
        event_id = uuid.UUID(str(envelope["event_id"]))
        if envelope["event_type"] != expected_type:
            raise ContractViolation(f"expected {expected_type}, got {envelope['event_type']}")
        data = _schema(expected_type).load(envelope["data"])
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise ContractViolation(str(exc)) from exc
    return event_id, data
