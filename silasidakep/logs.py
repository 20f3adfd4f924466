"""Log redaction: no PIN, token or full NIK/KK number ever reaches a log line.

Attached to every service's log handler (see each ``config.yaml``), so it also covers lines we
do not write ourselves, such as the web server's access log, which prints query strings."""

from __future__ import annotations

import logging
import re

from silasidakep.errors import Deferred, DomainError
from silasidakep.masking import mask_identity_numbers

# ``code``: an OpenID authorization code in the callback's access-log line (``\b`` keeps
# service_code= and tracking_code= readable).
_PIN_OR_TOKEN = re.compile(r"(?i)\b(pin|token|access_token|password|code)=([^&\s\"']+)")
_BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+")
# The IKM survey link carries its token in the path (/survei/<token>, /api/v1/survey/<token>).
_SURVEY_PATH = re.compile(r"(/surve[iy]/)[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    text = _PIN_OR_TOKEN.sub(lambda m: f"{m.group(1)}=[redacted]", text)
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _SURVEY_PATH.sub(r"\1[redacted]", text)
    return mask_identity_numbers(text)


def refused(exc_info: object) -> DomainError | None:
    """The 4xx DomainError a log record's traceback is about, if that is what it is."""
    if not isinstance(exc_info, tuple) or len(exc_info) != 3:
        return None
    exc = exc_info[1]
    return exc if isinstance(exc, DomainError) and exc.http_status < 500 else None


def _one_line(record: logging.LogRecord, level: int, prefix: str) -> None:
    """Rewrite the record as a single line at ``level``, without its traceback."""
    record.msg = f"{prefix}: {record.getMessage()}"
    record.levelno, record.levelname = level, logging.getLevelName(level)
    record.args, record.exc_info, record.exc_text = None, None, None


class RedactSecrets(logging.Filter):
    """Also quiets what is not an incident: nameko logs every exception an entrypoint raises as
    an error with its traceback, but a request refused with a 4xx is a client's mistake (one
    warning line naming the code) and a deferred event is a throttle at work (one info line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if isinstance(record.exc_info, tuple) else None
        refusal = refused(record.exc_info)
        if record.levelno >= logging.WARNING and isinstance(exc, Deferred):
            _one_line(record, logging.INFO, f"deferred ({exc})")
        elif record.levelno >= logging.WARNING and refusal is not None:
            _one_line(record, logging.WARNING,
                      f"refused ({refusal.http_status} {refusal.code})")
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Tracebacks can quote values too: format them now, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
