"""Domain errors that cross service boundaries.

Every error carries a machine-readable ``code``, a citizen-facing message in Bahasa Indonesia and,
where it applies, per-field messages. Subclasses register themselves with nameko so an error raised
inside a service is re-raised as the same class in the gateway after an RPC call, which then maps it
to an HTTP status without guessing.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from nameko.exceptions import get_module_path, registry


class Deferred(Exception):  # noqa: N818 (not an error: a wait)
    """Raised by an event handler that cannot act *yet* for a reason that passes by itself (a
    throttle): the event comes back after a delay without spending one of its attempts
    (silasidakep.messaging), so a throttle delays and never dead-letters. Not a DomainError:
    nothing answers it to a client."""


class DomainError(Exception):
    http_status: ClassVar[int] = 400
    default_code: ClassVar[str] = "BAD_REQUEST"
    default_message: ClassVar[str] = "Permintaan tidak dapat diproses."

    def __init__(
        self,
        message: str | None = None,
        fields: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        self.code = code or self.default_code
        # nameko serialises ``args`` and rebuilds the error as ``cls(*args)``.
        super().__init__(self.message, self.fields, self.code)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The gateway can only rebuild classes it imports, so every error class lives here;
        # a service picks a class and a ``code``, it does not subclass.
        if cls.__module__ != __name__:
            raise TypeError(f"{cls.__name__}: define domain errors in {__name__}")
        registry[get_module_path(cls)] = cls

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


registry[get_module_path(DomainError)] = DomainError


class ValidationFailed(DomainError):
    http_status = 400
    default_code = "VALIDATION_ERROR"
    default_message = "Data yang dikirim tidak valid. Periksa kembali isian yang ditandai."


class Unauthorized(DomainError):
    http_status = 401
    default_code = "UNAUTHORIZED"
    default_message = "Akses ditolak. Token tidak valid atau sudah kedaluwarsa."


class Forbidden(DomainError):
    http_status = 403
    default_code = "FORBIDDEN"
    default_message = "Anda tidak memiliki hak untuk melakukan tindakan ini."


class NotFound(DomainError):
    http_status = 404
    default_code = "NOT_FOUND"
    default_message = "Data tidak ditemukan."


class Conflict(DomainError):
    http_status = 409
    default_code = "CONFLICT"
    default_message = "Tindakan ini tidak dapat dilakukan pada status permohonan saat ini."


class UnprocessableContent(DomainError):
    http_status = 422
    default_code = "UNPROCESSABLE"
    default_message = (
        "Kunci idempoten ini sudah dipakai untuk permintaan yang berbeda. Gunakan kunci baru."
    )


class PayloadTooLarge(DomainError):
    http_status = 413
    default_code = "FILE_TOO_LARGE"
    default_message = "Ukuran berkas melebihi batas."


class UnsupportedMediaType(DomainError):
    http_status = 415
    default_code = "UNSUPPORTED_FILE_TYPE"
    default_message = "Jenis berkas tidak didukung. Gunakan PDF, JPEG, atau PNG."


class TooManyAttempts(DomainError):
    http_status = 429
    default_code = "TOO_MANY_ATTEMPTS"
    default_message = "Terlalu banyak percobaan yang gagal. Silakan coba lagi nanti."


class ServiceUnavailable(DomainError):
    http_status = 503
    default_code = "SERVICE_UNAVAILABLE"
    default_message = "Layanan sedang mengalami gangguan. Silakan coba beberapa saat lagi."


# marshmallow's built-in messages, as a citizen should read them.
_MESSAGES = {
    "Missing data for required field.": "Wajib diisi.",
    "Field may not be null.": "Wajib diisi.",
    "Unknown field.": "Isian tidak dikenal.",
    "Not a valid email address.": "Alamat email tidak valid.",
    "Not a valid string.": "Harus berupa teks.",
    "Not a valid integer.": "Harus berupa bilangan bulat.",
    "Not a valid boolean.": "Pilih ya atau tidak.",
    "Not a valid date.": "Tanggal tidak valid (format TTTT-BB-HH).",
    "Not a valid mapping type.": "Harus berupa objek.",
    "Not a valid list.": "Harus berupa daftar.",
    "Invalid input type.": "Jenis data tidak valid.",
}
_PATTERNS = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "Panjang isian {0}–{1} karakter."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "Paling banyak {0} karakter."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "Paling sedikit {0} karakter."),
    (re.compile(r"^Must be one of: (.*)\.$"), "Pilih salah satu: {0}."),
)


def in_indonesian(messages: Any) -> Any:
    """Translate marshmallow's English defaults; our own messages are Indonesian already."""
    if isinstance(messages, dict):
        return {key: in_indonesian(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [in_indonesian(value) for value in messages]
    if isinstance(messages, str):
        if messages in _MESSAGES:
            return _MESSAGES[messages]
        for pattern, template in _PATTERNS:
            match = pattern.match(messages)
            if match:
                return template.format(*match.groups())
    return messages
