"""Schemathesis over every operation of the OpenAPI spec, against a system of its own.

Each operation gets a bounded number of generated requests, sent with the credential its
``security`` names (a real citizen's access token, a staff token holding every role, an
integrator key), and fails on any 5xx or any answer the spec does not describe: an undocumented
status, content type, header or body shape. Random staff actions (revocations, reason codes,
account changes) cannot disturb other tests here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.citizen import CitizenClient, new_person
from tests.support.forms import application_payload
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "gateway" / "openapi.yaml"
ARTIFACTS = ROOT / "test-artifacts" / "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ALL_ROLES = ("admin", "supervisor", "verifier", "signer", "auditor", "kecamatan_operator")


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[dict]:
    with running_system(ARTIFACTS) as system:
        yield {"system": system, "credentials": _credentials(system)}


def _credentials(system: System) -> dict[str, str]:
    password = system.add_staff("fuzz.staff", *ALL_ROLES, kecamatan="32.11.06")
    citizen = CitizenClient.connect(system.gateway)
    created = citizen.create(application_payload("KK_PERUBAHAN", new_person(4242)))
    created.raise_for_status()
    return {"staff": system.staff_token("fuzz.staff", password),
            "citizen": created.json()["access_token"]}


# The spec is a file in the repository: one test per operation, each against the running system.
schema = schemathesis.openapi.from_path(SPEC)


def _headers_for(case, credentials: dict[str, str]) -> dict[str, str]:
    """The credential the operation's ``security`` asks for first (none for public ones)."""
    schemes = [name for requirement in (case.operation.definition.raw.get("security") or [])
               for name in requirement]
    if not schemes:
        return {}
    token = credentials["staff"] if schemes[0] == "staffToken" else credentials["citizen"]
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_outside_its_spec(case, fuzzed: dict) -> None:
    case.call_and_validate(base_url=fuzzed["system"].gateway, checks=CHECKS, timeout=30,
                           headers=_headers_for(case, fuzzed["credentials"]))
