"""The gateway's JSON parsing: whatever a client sends ends in a 4xx, never a 500."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.http import parse_json
from gateway.schemas import StaffLoginIn
from silasidakep.errors import PayloadTooLarge, ValidationFailed


def request(raw: bytes) -> Request:
    return Request(EnvironBuilder(method="POST", data=raw,
                                  content_type="application/json").get_environ())


def refusal(raw: bytes, schema=None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        parse_json(request(raw), schema)
    return refused.value


@pytest.mark.parametrize("text", ["Ani\u0000", "\ud800", "x\udfffy"])
def test_text_the_database_cannot_store_is_refused_with_its_field(text: str) -> None:
    raw = json.dumps({"username": "petugas", "password": text}).encode()

    error = refusal(raw, StaffLoginIn())

    assert error.code == "INVALID_TEXT" and error.http_status == 400
    assert list(error.fields) == ["password"]


def test_nested_values_and_keys_are_checked_too() -> None:
    raw = json.dumps({"form": {"members": [{"name": "ok"}, {"name": "a\u0000"}]}}).encode()
    assert refusal(raw).fields == {"form.members.1.name": ["Isian berisi karakter yang tidak "
                                                          "diizinkan."]}
    assert refusal(json.dumps({"form": {"\u0000": 1}}).encode()).code == "INVALID_TEXT"


def test_deep_nesting_is_invalid_json_not_a_recursion_error() -> None:
    login = StaffLoginIn()  # a schema'd body has no size cap here: only the parser's limits
    assert refusal(b"[" * 100_000 + b"]" * 100_000, login).code == "INVALID_JSON"
    deep = b'{"username": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert refusal(deep, login).code == "INVALID_JSON"


def test_plain_text_passes_and_a_huge_unchecked_body_is_too_large() -> None:
    assert parse_json(request(json.dumps({"name": "Siti Aisyah \u00e9"}).encode())) == {
        "name": "Siti Aisyah \u00e9"}
    with pytest.raises(PayloadTooLarge):
        parse_json(request(json.dumps({"message": "x" * 70_000}).encode()))
