"""A throttle delays, never drops: with one email a recipient per 3 seconds, every status
email of a quick approval still arrives (before, the held-back ones spent their three retries
in 1.7 s and were dead-lettered)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from silasidakep.contracts import find_subscription
from silasidakep.messaging import dead_queue_name
from tests.support.infra import queue_depth
from tests.support.journeys import apply, approve, wait_for_status
from tests.support.system import System, running_system

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e-throttle"
# "sedang diverifikasi" is told in the inbox only (dispatch.INBOX_ONLY_TEMPLATES).
SUBJECTS = ("telah diajukan", "disetujui", "telah terbit")


@pytest.fixture(scope="module")
def throttled_system() -> Iterator[System]:
    with running_system(ARTIFACTS, {
        "NOTIFY_THROTTLE_PER_MINUTE": "1", "NOTIFY_THROTTLE_WINDOW_SECONDS": "3",
    }) as system:
        yield system


def test_every_held_back_email_arrives_and_nothing_is_dead_lettered(
    throttled_system: System,
) -> None:
    system = throttled_system
    verifier = system.staff_token("verif.throttle", system.add_staff("verif.throttle", "verifier"))
    citizen, app, payload = apply(system, "KK_PERUBAHAN", seed=6101)
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    email = payload["applicant"]["email"]
    for subject in SUBJECTS:  # one a 3 s window, so the last comes ~7 s after the first
        system.mailbox.wait_for(email, subject, timeout=60)
    queue = find_subscription("application.status_changed", "notification",
                              "on_status_changed").queue
    assert queue_depth(system.vhost, dead_queue_name(queue)) == 0
    metrics = requests.get(system.processes["notification"].metrics_url, timeout=10).text
    deferred = [line for line in metrics.splitlines() if 'outcome="deferred"' in line
                and "application.status_changed" in line and not line.startswith("#")]
    assert deferred and float(deferred[0].split()[-1]) >= 1
