"""Request bodies intake validates itself: the gateway passes the JSON through as it came, so
anything may arrive (not an object, unknown keys, wrong types, characters PostgreSQL refuses).
Every refusal is a ``ValidationFailed`` (400) with Indonesian messages per field."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from silasidakep.errors import ValidationFailed, in_indonesian
from silasidakep.text import REFUSED_TEXT_MESSAGE, storable

NOT_AN_OBJECT = "Badan permintaan harus berupa objek JSON."


class Text(fields.String):
    """A string PostgreSQL can store and compare (``silasidakep.text.storable``)."""

    default_error_messages = {"nul": REFUSED_TEXT_MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable(text):
            raise self.make_error("nul")
        return text


def _string_keys(messages: Any) -> Any:
    """marshmallow keys list items by index; the JSON the gateway answers has string keys."""
    if isinstance(messages, dict):
        return {str(key): _string_keys(value) for key, value in messages.items()}
    return messages


def load(schema: Schema, payload: Any, partial: bool = False) -> dict[str, Any]:
    """``schema.load(payload)``, or ValidationFailed: INVALID_JSON when ``payload`` is not an
    object (``None`` included), VALIDATION_ERROR with the fields' messages otherwise."""
    if not isinstance(payload, dict):
        raise ValidationFailed(NOT_AN_OBJECT, code="INVALID_JSON")
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(fields=_string_keys(in_indonesian(exc.messages))) from None
