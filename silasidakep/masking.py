"""Masking of personal identifiers for notifications, logs and public status pages.

UU PDP and UU Adminduk require that NIK/KK numbers and contact data are not exposed in
notifications or logs. Each function reveals a fixed, small part of the value and masks the
rest; input that does not look like the expected identifier is masked completely rather than
guessed at, so a typo never leaks more than a well-formed value would.
"""

import re

MASK = "*"

# Separators citizens type inside numbers ("3211 0601 ...", "0812-3456-7890").
_SEPARATORS = re.compile(r"[\s.\-()/]")


def _strip_separators(value: str) -> str:
    return _SEPARATORS.sub("", value)


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def mask_nik(value: str) -> str:
    """Mask a NIK or KK number like the national checker: `3211**********01`.

    Keeps the first 4 digits (province and regency, not personal) and the last 2.
    """
    digits = _strip_separators(value)
    if len(digits) != 16 or not _is_ascii_digits(digits):
        return MASK * len(value)
    return digits[:4] + MASK * 10 + digits[-2:]


# KK numbers have the same shape and the same masking convention.
mask_kk_number = mask_nik

# 16 digits not inside a longer number: a NIK or a KK number, even one staff typed into a note.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{16}(?!\d)")


def mask_identity_numbers(text: str) -> str:
    """``text`` with every NIK- or KK-shaped number in it masked (free text: notes, logs)."""
    return _IDENTITY_NUMBER.sub(lambda m: mask_nik(m.group(0)), text)


def mask_email(value: str) -> str:
    """Mask the local part of an address: `budi.santoso@example.org` -> `bu***@example.org`.

    The number of stars is fixed so the length of the local part is not revealed.
    """
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain:
        return MASK * 3
    # Short local parts would be revealed almost entirely; keep at most half of them.
    shown = min(2, len(local) // 2)
    return local[:shown] + MASK * 3 + "@" + domain


def mask_phone(value: str) -> str:
    """Mask a phone number: `081234567890` -> `0812****7890`, `+6281234567890` -> `+6281*****7890`.

    Keeps the operator prefix and the last 4 digits, and always masks at least 4 digits;
    anything shorter than 8 digits is masked completely.
    """
    compact = _strip_separators(value)
    plus = "+" if compact.startswith("+") else ""
    digits = compact.removeprefix("+")
    if not _is_ascii_digits(digits) or len(digits) < 8:
        return MASK * len(compact)
    head = min(4, len(digits) - 8)
    return plus + digits[:head] + MASK * (len(digits) - head - 4) + digits[-4:]
