"""marshmallow schemas for every JSON body the gateway accepts."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ApplicantIn(StrictSchema):
    nik = fields.String(required=True, validate=validate.Length(max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kk_number = fields.String(required=True, validate=validate.Length(max=32))
    kecamatan_code = fields.String(required=True, validate=validate.Length(max=13))
    email = fields.Email(required=True)
    phone = fields.String(
        load_default=None, allow_none=True,
        validate=validate.Regexp(r"^(\+62|0)8\d{7,12}$", error="Nomor ponsel tidak valid."),
    )


class CreateApplicationIn(StrictSchema):
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    applicant = fields.Nested(ApplicantIn, required=True)
    form = fields.Dict(required=True)


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
    phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^(\+62|0)8\d{7,12}$", error="Nomor ponsel tidak valid."),
    )


class CancelIn(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
