from __future__ import annotations

import logging
import sys

from silasidakep.errors import Deferred, NotFound, ServiceUnavailable
from silasidakep.logs import RedactSecrets, redact
from silasidakep.messaging import defer_level


def test_pins_tokens_and_identity_numbers_are_redacted() -> None:
    line = ('"GET /api/v1/applications/x/document?pin=123456&token=abc HTTP/1.1" '
            "Authorization: Bearer eyJhbGciOi.payload.sig nik 3211064107900001")
    cleaned = redact(line)
    assert "123456" not in cleaned and "abc" not in cleaned and "eyJhbGciOi" not in cleaned
    assert "3211064107900001" not in cleaned and "3211**********01" in cleaned
    assert redact("order 12345678901234567 stays") == "order 12345678901234567 stays"


def test_the_filter_rewrites_records_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "nik=%s", ("3211064107900001",),
                               None)
    try:
        raise ValueError("bad value 3211064107900001")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactSecrets().filter(record)
    assert "3211064107900001" not in record.getMessage()
    assert "3211064107900001" not in record.exc_text


def _record_of(exc: BaseException, level: int = logging.ERROR) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        return logging.LogRecord("nameko.containers", level, __file__, 1,
                                 "error handling worker %s: %s", ("ctx", exc), sys.exc_info())


def test_a_refused_request_is_a_warning_without_a_traceback() -> None:
    record = _record_of(NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND"))
    assert RedactSecrets().filter(record)
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.exc_info is None and record.exc_text is None
    assert record.getMessage().startswith("refused (404 APPLICATION_NOT_FOUND): error handling")


def test_a_real_failure_keeps_its_level_and_traceback() -> None:
    record = _record_of(RuntimeError("database went away"))
    assert RedactSecrets().filter(record)
    assert record.levelno == logging.ERROR and record.exc_text
    unavailable = _record_of(ServiceUnavailable())
    assert RedactSecrets().filter(unavailable) and unavailable.levelno == logging.ERROR


def test_a_deferred_event_is_one_info_line() -> None:
    record = _record_of(Deferred("held back by the per-recipient limit: ['EMAIL']"))
    assert RedactSecrets().filter(record)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert record.getMessage().startswith("deferred (held back")


def test_a_deferred_event_waits_at_the_longest_short_delay() -> None:
    assert defer_level((1_000, 5_000, 30_000, 120_000)) == 2
    assert defer_level((200, 500, 1_000)) == 2
    assert defer_level((60_000,)) == 0
