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
    email = fields.Email(required=True)
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


class CreateApplicationIn(StrictSchema):
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    applicant = fields.Nested(ApplicantIn, required=True)
    form = fields.Dict(required=True)
    # Cekatan: print at home (DOWNLOAD, the default) or collect at the kecamatan (KECAMATAN);
    # KTP-el and KIA cards are always collected at the kecamatan.
    delivery = fields.String(
        load_default="DOWNLOAD", validate=validate.OneOf(("DOWNLOAD", "KECAMATAN"))
    )


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
    email = fields.Email()
    phone = phone_field(load_default=fields.missing_)


class CancelIn(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


# --- in-person appointments and complaints (intake checks the rules; these check the shape) ---


class BookAppointmentIn(StrictSchema):
    step = fields.String(required=True, validate=validate.Length(min=1, max=40))
    slot_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class RescheduleAppointmentIn(StrictSchema):
    slot_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class LocationUpdateIn(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    kind = fields.String(validate=validate.Length(min=1, max=20))
    kecamatan_code = fields.String(allow_none=True, validate=validate.Length(max=13))
    address = fields.String(validate=validate.Length(min=1, max=300))
    steps = fields.List(fields.String(validate=validate.Length(max=40)),
                        validate=validate.Length(max=10))
    active = fields.Boolean()


class LocationIn(LocationUpdateIn):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=20))
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    steps = fields.List(fields.String(validate=validate.Length(max=40)), required=True,
                        validate=validate.Length(max=10))


# "from" is a Python keyword, hence from_dict.
SlotsIn = StrictSchema.from_dict(
    {
        "from": fields.String(required=True, validate=validate.Length(max=10)),
        "to": fields.String(required=True, validate=validate.Length(max=10)),
        "windows": fields.List(fields.String(validate=validate.Length(max=11)), required=True,
                               validate=validate.Length(min=1, max=24)),
        "capacity": fields.Integer(required=True, strict=True),
        "include_weekends": fields.Boolean(load_default=False),
        "include_holidays": fields.Boolean(load_default=False),
    },
    name="SlotsIn",
)


class SlotCapacityIn(StrictSchema):
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=500))


class AttendanceIn(StrictSchema):
    attended = fields.Boolean(required=True)


class ComplaintIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=20))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    application_tracking_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=16)
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    email = fields.Email(required=True)
    phone = phone_field()


class ComplaintAnswerIn(StrictSchema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class NotificationPreviewIn(StrictSchema):
    template = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,60}$"))
    channel = fields.String(
        required=True, validate=validate.OneOf(("EMAIL", "SMS", "WHATSAPP", "INBOX"))
    )


class SigningBatchIn(StrictSchema):
    document_numbers = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), required=True,
        validate=validate.Length(min=1, max=50),
    )


class RevokeIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


# --- staff accounts and queue filters (verification checks the rules) ----------------------


class ClaimFiltersIn(StrictSchema):
    service_code = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=40))
    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))


REASON_DECISIONS = ("REJECT", "REQUEST_REVISION", "APPROVE")


class ReasonCodeIn(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    decisions = fields.List(fields.String(validate=validate.OneOf(REASON_DECISIONS)),
                            required=True, validate=validate.Length(min=1, max=3))


class ReasonCodeUpdateIn(StrictSchema):
    """Any of text, decisions, active; ``active: false`` deactivates the code."""

    text = fields.String(validate=validate.Length(min=1, max=500))
    decisions = fields.List(fields.String(validate=validate.OneOf(REASON_DECISIONS)),
                            validate=validate.Length(min=1, max=3))
    active = fields.Boolean()


class ReassignIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))


class StaffAccountUpdateIn(StrictSchema):
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                        validate=validate.Length(min=1, max=10))
    active = fields.Boolean()
    password = fields.String(validate=validate.Length(min=1, max=200))
    # "" unbinds the account from its kecamatan (not allowed while it is a kecamatan_operator).
    kecamatan_code = fields.String(validate=validate.Length(max=13))


class StaffAccountIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=60))
    roles = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                        validate=validate.Length(min=1, max=10))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # Required with the kecamatan_operator role: the kecamatan whose desk the account works.
    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))


class PrintJobStepIn(StrictSchema):
    """Optional: the desk's kecamatan as the operator sees it; it must be the account's own
    kecamatan (and the print job's), else 403 WRONG_KECAMATAN."""

    kecamatan_code = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=13))


class BlankoIn(StrictSchema):
    card_type = fields.String(required=True, validate=validate.OneOf(("KTP_EL", "KIA")))
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=-100_000, max=100_000)
    )
    # RECEIVED: a delivery (quantity > 0); ADJUSTED: a stock-taking correction (±).
    kind = fields.String(load_default="RECEIVED", validate=validate.OneOf(("RECEIVED", "ADJUSTED")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
