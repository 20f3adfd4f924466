from __future__ import annotations

import pytest
from nameko.events import EventHandler
from nameko.exceptions import ConfigurationError
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler

from services.intake.service import IntakeService
from silasidakep.containers import OneSideContainer

CONFIG = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/"}
KINDS = (Rpc, EventHandler, Timer, HttpRequestHandler)


def _container(serves: str | None) -> OneSideContainer:
    return OneSideContainer(IntakeService, {**CONFIG, "SERVES": serves})


def _kinds(serves: str | None) -> set[type]:
    return {kind for e in _container(serves).entrypoints for kind in KINDS if isinstance(e, kind)}


def _names(serves: str) -> set[tuple[str, str]]:
    return {(type(e).__name__, e.method_name) for e in _container(serves).entrypoints
            if not isinstance(e, HttpRequestHandler)}


def test_everything_by_default() -> None:
    assert _kinds(None) == _kinds("everything") == set(KINDS)


def test_the_request_side_answers_rpcs_and_follows_no_event() -> None:
    assert _kinds("requests") == {Rpc, HttpRequestHandler}


def test_the_event_side_follows_events_and_timers_and_answers_no_rpc() -> None:
    assert _kinds("events") == {EventHandler, Timer, HttpRequestHandler}


def test_the_two_sides_split_the_entrypoints_between_them() -> None:
    assert _names("requests") | _names("events") == _names("everything")
    assert _names("requests") & _names("events") == set()


def test_an_unknown_side_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        _container("request")
