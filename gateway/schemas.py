"""marshmallow schemas for every JSON body the gateway accepts."""

from __future__ import annotations

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from silasidakep.contracts import NOTIFY_CHANNELS


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def phone_field(**options: object) -> fields.String:
    """An Indonesian mobile number (08… or +628…), optional."""
    return fields.String(
        **{"load_default": None, **options}, allow_none=True,
        validate=validate.Regexp(r"^(\+62|0)8\d{7,12}$", error="Nomor ponsel tidak valid."),
    )


class ApplicantIn(StrictSchema):
    nik = fields.String(required=True, validate=validate.Length(max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kk_number = fields.String(required=True, validate=validate.Length(max=32))
    kecamatan_code = fields.String(required=True, validate=validate.Length(max=13))
    # The contact of whoever files: at least one of email and phone (intake: CONTACT_REQUIRED).
    email = fields.Email(load_default=None, allow_none=True)
    phone = phone_field()
    # Where to send status notifications; omitted: email and the in-app inbox.
    channels = fields.List(
        fields.String(validate=validate.OneOf(NOTIFY_CHANNELS)),
        validate=validate.Length(min=1, max=len(NOTIFY_CHANNELS)),
    )

    @validates_schema
    def _phone_for_sms(self, data: dict, **_: object) -> None:
        if {"SMS", "WHATSAPP"} & set(data.get("channels") or ()) and not data.get("phone"):
            raise ValidationError(
                "SMS dan WhatsApp memerlukan nomor ponsel.", field_name="channels"
            )

    @post_load
    def _unique_channels(self, data: dict, **_: object) -> dict:
        if "channels" in data:
            data["channels"] = list(dict.fromkeys(data["channels"]))
        return data


class ReporterIn(StrictSchema):
    """The pelapor filing for a relative; intake checks the NIK, KK and relationship."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    nik = fields.String(required=True, validate=validate.Length(max=32))
    kk_number = fields.String(required=True, validate=validate.Length(max=32))
    relationship = fields.String(required=True, validate=validate.Length(max=20))


class CreateApplicationIn(StrictSchema):
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    applicant = fields.Nested(ApplicantIn, required=True)
    reporter = fields.Nested(ReporterIn, load_default=None, allow_none=True)
    form = fields.Dict(required=True)
    # Cekatan: print at home (DOWNLOAD, the default) or collect at the kecamatan (KECAMATAN);
    # KTP-el and KIA cards are always collected at the kecamatan. Intake checks the value
    # (400 INVALID_DELIVERY).
    delivery = fields.String(load_default="DOWNLOAD")
    # How the request came in: intake derives it (ONLINE, or SUPER_APP with the super-app's
    # token) and refuses any other (403 CHANNEL_NOT_ALLOWED: counters file as staff).
    channel = fields.String(validate=validate.Length(max=20))


class FrontOfficeApplicationIn(CreateApplicationIn):
    """A counter's filing: the online body (no channel: the desk's location decides it) and
    the desk it is filed at, which must be the account's own (403 WRONG_LOCATION)."""

    class Meta(StrictSchema.Meta):
        exclude = ("channel",)

    location_code = fields.String(validate=validate.Length(max=20))


class StaffLoginIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DecisionIn(StrictSchema):
    decision = fields.String(
        required=True, validate=validate.OneOf(("APPROVE", "REJECT", "REQUEST_REVISION"))
    )
    reason_code = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    # With REQUEST_REVISION: what the citizen must fix ("form.<field>", "applicant.<field>").
    fix_fields = fields.List(
        fields.String(validate=validate.Length(max=80)), load_default=list,
        validate=validate.Length(max=50),
    )
    fix_documents = fields.List(
        fields.String(validate=validate.Length(max=40)), load_default=list,
        validate=validate.Length(max=30),
    )


class UpdateApplicationIn(StrictSchema):
    """A citizen's edit while the application is a draft or has a revision requested."""

    form = fields.Dict()
    email = fields.Email(allow_none=True)
    phone = phone_field(load_default=fields.missing_)


class CancelIn(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class DownloadIn(StrictSchema):
    # Only the shape: intake checks the PIN itself and counts wrong ones.
    pin = fields.String(required=True, validate=validate.Length(min=1, max=12))


class ContactCodeIn(StrictSchema):
    # The code sent to the new contact; intake checks it and counts wrong ones.
    code = fields.String(required=True, validate=validate.Length(min=1, max=12))


# --- in-person appointments and complaints (intake checks the rules; these check the shape) ---
# Locations, slots and complaints have no schema here: the gateway passes the JSON object and
# intake, which owns those rules, validates it (services/intake/inputs.py), so they cannot drift.


class BookAppointmentIn(StrictSchema):
    step = fields.String(required=True, validate=validate.Length(min=1, max=40))
    slot_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class RescheduleAppointmentIn(StrictSchema):
    slot_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class SlotCapacityIn(StrictSchema):
    # A whole number 0-500 is intake's rule (it also refuses true/false): passed on as sent.
    capacity = fields.Raw(required=True)


class AttendanceIn(StrictSchema):
    attended = fields.Boolean(required=True)


class ComplaintAnswerIn(StrictSchema):
    # Intake refuses an empty (or blank) answer; the length bound is the same as intake's.
    answer = fields.String(required=True, validate=validate.Length(max=4000))


class NotificationPreviewIn(StrictSchema):
    template = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,60}$"))
    channel = fields.String(
        required=True, validate=validate.OneOf(("EMAIL", "SMS", "WHATSAPP", "INBOX"))
    )


# --- the signer's desk and the kecamatan desk (printing checks the rules) -----------------


class SigningBatchIn(StrictSchema):
    # Printing skips blank numbers and refuses an empty batch (EMPTY_BATCH); the bounds are
    # printing's own (50 documents, 40 characters), kept here so no huge list is sent on.
    document_numbers = fields.List(
        fields.String(validate=validate.Length(max=40)), required=True,
        validate=validate.Length(max=50),
    )


class RevokeIn(StrictSchema):
    # Printing refuses a blank reason (REASON_REQUIRED); it would cut a longer one, so the
    # bound stays here.
    reason = fields.String(required=True, validate=validate.Length(max=1000))


# --- staff accounts and queue filters (verification checks the rules) ----------------------


class ClaimFiltersIn(StrictSchema):
    service_code = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=40))
    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))


# Reason codes: verification checks the code's pattern (INVALID_REASON_CODE), the text's
# length (INVALID_REASON_TEXT) and the decisions (INVALID_REASON_DECISIONS); only bounds here.
def reason_decisions(**options: object) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=40)),
                       validate=validate.Length(max=3), **options)


class ReasonCodeIn(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(max=60))
    text = fields.String(required=True, validate=validate.Length(max=500))
    decisions = reason_decisions(required=True)


class ReasonCodeUpdateIn(StrictSchema):
    """Any of text, decisions, active; ``active: false`` deactivates the code."""

    text = fields.String(validate=validate.Length(max=500))
    decisions = reason_decisions()
    active = fields.Boolean()


class ReassignIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))


# Accounts: verification checks the username (INVALID_USERNAME), the roles (INVALID_ROLES),
# the password's length (WEAK_PASSWORD) and the kecamatan; only bounds here.
def staff_roles(**options: object) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=40)),
                       validate=validate.Length(max=10), **options)


class StaffAccountUpdateIn(StrictSchema):
    roles = staff_roles()
    active = fields.Boolean()
    password = fields.String(validate=validate.Length(max=200))
    # "" unbinds the account from its kecamatan (not allowed while it is a kecamatan_operator).
    kecamatan_code = fields.String(validate=validate.Length(max=13))
    # "" unbinds the account from its service location (not while it is a front_office).
    location_code = fields.String(validate=validate.Length(max=20))


class StaffAccountIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(max=60))
    roles = staff_roles(required=True)
    password = fields.String(required=True, validate=validate.Length(max=200))
    # Required with the kecamatan_operator role: the kecamatan whose desk the account works.
    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))
    # Required with the front_office role: the service location whose counter it works.
    location_code = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=20))


class PrintJobStepIn(StrictSchema):
    """Optional: the desk's kecamatan as the operator sees it; it must be the account's own
    kecamatan (and the print job's), else 403 WRONG_KECAMATAN."""

    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))


class BlankoIn(StrictSchema):
    """Printing checks the card type (UNKNOWN_CARD_TYPE), the kind (UNKNOWN_MOVEMENT) and the
    quantity (INVALID_QUANTITY: not 0, at most ±100 000, positive when RECEIVED)."""

    card_type = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True)
    # RECEIVED: a delivery (quantity > 0); ADJUSTED: a stock-taking correction (±).
    kind = fields.String(load_default="RECEIVED")
    # Printing would cut a longer note, so the bound stays here.
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


# --- citizen accounts (intake checks the values; only the shape and sizes here) -------------


class CodeRequestIn(StrictSchema):
    identifier = fields.String(required=True, validate=validate.Length(min=1, max=254))
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(("WHATSAPP", "SMS")))


class SignInIn(StrictSchema):
    identifier = fields.String(required=True, validate=validate.Length(min=1, max=254))
    code = fields.String(required=True, validate=validate.Length(min=1, max=12))
    # cookie: the pages (HttpOnly cookie + CSRF token); token: API clients (bearer token).
    mode = fields.String(load_default="token", validate=validate.OneOf(("cookie", "token")))


class ContactIn(StrictSchema):
    identifier = fields.String(required=True, validate=validate.Length(min=1, max=254))
    code = fields.String(required=True, validate=validate.Length(min=1, max=12))


class AccountUpdateIn(StrictSchema):
    name = fields.String(allow_none=True, validate=validate.Length(max=60))
    preferred_channel = fields.String(validate=validate.OneOf(("WHATSAPP", "SMS", "EMAIL")))


class TrackingCodeIn(StrictSchema):
    tracking_code = fields.String(required=True, validate=validate.Length(min=1, max=16))


class AttachIn(TrackingCodeIn):
    code = fields.String(required=True, validate=validate.Length(min=1, max=12))
