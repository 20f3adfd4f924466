from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.journeys import new_verifier
from tests.support.system import System, running_system

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def system() -> Iterator[System]:
    with running_system(ARTIFACTS) as system:
        yield system


@pytest.fixture(scope="session")
def verifier(system: System) -> str:
    password = system.add_staff("verifikator.satu", "verifier")
    return system.staff_token("verifikator.satu", password)


@pytest.fixture
def own_verifier(system: System) -> str:
    """A verifier of this test's own: the shared one may still hold claims other tests left
    (a repeated claim answers the held one first), and some tests look at the CLAIM entry."""
    return new_verifier(system)


@pytest.fixture(scope="session")
def admin(system: System) -> str:
    """Manages service locations and appointment slots."""
    password = system.add_staff("admin.satu", "admin")
    return system.staff_token("admin.satu", password)


@pytest.fixture(scope="session")
def supervisor(system: System) -> str:
    """Answers complaints; may also record attendance at the counter."""
    password = system.add_staff("supervisor.satu", "supervisor")
    return system.staff_token("supervisor.satu", password)


@pytest.fixture
def citizen(system: System) -> CitizenClient:
    return CitizenClient.connect(system.gateway)


@pytest.fixture
def draft(citizen: CitizenClient) -> dict:
    """A new guest application (KK_PERUBAHAN) of a fresh synthetic person."""
    response = citizen.create(application_payload(new_person()))
    assert response.status_code == 201, response.text
    return response.json()
