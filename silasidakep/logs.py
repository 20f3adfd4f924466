"""Log redaction: no PIN, token or full NIK/KK number ever reaches a log line.

Attached to every service's log handler (see each ``config.yaml``), so it also covers lines we
do not write ourselves, such as the web server's access log, which prints query strings."""

from __future__ import annotations

import logging
import re

from silasidakep.masking import mask_nik

# ``code``: an OpenID authorization code in the callback's access-log line (``\b`` keeps
# service_code= and tracking_code= readable).
_PIN_OR_TOKEN = re.compile(r"(?i)\b(pin|token|access_token|password|code)=([^&\s\"']+)")
_BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+")
# 16 digits not inside a longer number: a NIK or a KK number.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")


def redact(text: str) -> str:
    text = _PIN_OR_TOKEN.sub(lambda m: f"{m.group(1)}=[redacted]", text)
    text = _BEARER.sub("Bearer [redacted]", text)
    return _IDENTITY_NUMBER.sub(lambda m: mask_nik(m.group(0)), text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
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
