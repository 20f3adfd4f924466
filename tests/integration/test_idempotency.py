"""Kept RPC results on a real PostgreSQL: a repeated request answers the first result, a failed
run keeps nothing, a reused key with other arguments is refused, concurrent repeats act once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from services.intake.models import metadata as intake_metadata
from silasidakep import idempotency
from silasidakep.clock import now_utc
from silasidakep.errors import Conflict, UnprocessableContent, ValidationFailed

RESULTS = intake_metadata.tables["intake.rpc_results"]


def _call(request_id: str | None, fingerprint: str = "f" * 64) -> idempotency.Call:
    return idempotency.Call(request_id, "create_thing", fingerprint)


def _count(sessions: sessionmaker, request_id: str) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(RESULTS).where(RESULTS.c.request_id == request_id)
        )


def _run(sessions: sessionmaker, call: idempotency.Call, action, **options):
    with sessions() as session, session.begin():
        return idempotency.run_once(session, RESULTS, call, action, **options)


def test_a_repeat_answers_the_first_result_without_acting(intake_sessions) -> None:
    runs: list[int] = []
    request_id = uuid.uuid4().hex

    def act(session) -> dict:
        runs.append(1)
        return {"id": str(uuid.uuid4()), "at": now_utc()}

    first = _run(intake_sessions, _call(request_id), act)
    second = _run(intake_sessions, _call(request_id), act)
    assert len(runs) == 1
    assert second == first  # as the RPC reply carries it: the datetime stays a datetime


def test_without_a_request_id_every_call_acts(intake_sessions) -> None:
    runs: list[int] = []
    for _ in range(2):
        _run(intake_sessions, _call(None), lambda s: runs.append(1))
    assert len(runs) == 2


def test_a_failed_run_keeps_nothing_and_a_repeat_acts(intake_sessions) -> None:
    request_id = uuid.uuid4().hex

    def refuse(session):
        raise Conflict(code="NOT_NOW")

    with pytest.raises(Conflict):
        _run(intake_sessions, _call(request_id), refuse)
    assert _count(intake_sessions, request_id) == 0
    assert _run(intake_sessions, _call(request_id), lambda s: {"ok": True}) == {"ok": True}


def test_a_key_reused_with_other_arguments_is_refused(intake_sessions) -> None:
    request_id = uuid.uuid4().hex
    _run(intake_sessions, _call(request_id, "a" * 64), lambda s: {"ok": 1})
    with pytest.raises(UnprocessableContent) as refused:
        _run(intake_sessions, _call(request_id, "b" * 64), lambda s: {"ok": 2})
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert refused.value.http_status == 422


def test_a_secret_is_not_kept_and_the_replay_mints_a_new_one(intake_sessions) -> None:
    request_id = uuid.uuid4().hex
    first = _run(intake_sessions, _call(request_id), lambda s: {"id": "x", "token": "secret1"},
                 keep=lambda r: {"id": r["id"]})
    with intake_sessions() as session:
        kept = session.scalar(select(RESULTS.c.result).where(RESULTS.c.request_id == request_id))
    assert kept == {"id": "x"}
    again = _run(intake_sessions, _call(request_id), lambda s: {"id": "y", "token": "z"},
                 keep=lambda r: {"id": r["id"]},
                 replay=lambda s, kept: {**kept, "token": "secret2"})
    assert first["token"] == "secret1" and again == {"id": "x", "token": "secret2"}


def test_forget_drops_the_claim(intake_sessions) -> None:
    request_id = uuid.uuid4().hex
    _run(intake_sessions, _call(request_id), lambda s: "refused",
         keep=lambda r: idempotency.FORGET)
    assert _count(intake_sessions, request_id) == 0


def test_concurrent_repeats_act_once(intake_sessions) -> None:
    request_id = uuid.uuid4().hex
    runs: list[int] = []
    answers: list[object] = []
    barrier = threading.Barrier(4)

    def act(session) -> dict:
        runs.append(1)
        session.execute(text("SELECT pg_sleep(0.2)"))  # hold the claim while others wait
        return {"n": len(runs)}

    def worker() -> None:
        barrier.wait()
        answers.append(_run(intake_sessions, _call(request_id), act))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1
    assert answers == [{"n": 1}] * 4


def test_prune_forgets_results_older_than_a_day(intake_sessions) -> None:
    old, new = uuid.uuid4().hex, uuid.uuid4().hex
    _run(intake_sessions, _call(old), lambda s: 1)
    _run(intake_sessions, _call(new), lambda s: 2)
    with intake_sessions() as session, session.begin():
        session.execute(RESULTS.update().where(RESULTS.c.request_id == old)
                        .values(created_at=now_utc() - timedelta(hours=25)))
        assert idempotency.prune(session, RESULTS) >= 1
    assert _count(intake_sessions, old) == 0 and _count(intake_sessions, new) == 1


@pytest.mark.parametrize("key", ["", "a b", "x" * 101, "kunci\u00e9"])
def test_a_malformed_idempotency_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        idempotency.request_id_for_key("create_application", key)
    assert refused.value.code == "INVALID_IDEMPOTENCY_KEY"


def test_keys_are_scoped_by_route() -> None:
    key = str(uuid.uuid4())
    assert (idempotency.request_id_for_key("create_application", key)
            != idempotency.request_id_for_key("file_complaint", key))
    assert idempotency.request_id_for_key("create_application", None) is None
