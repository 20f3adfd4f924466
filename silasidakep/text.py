"""What text PostgreSQL can hold: the one rule the gateway and the services check input by."""

from __future__ import annotations

REFUSED_TEXT_MESSAGE = "Isian berisi karakter yang tidak diizinkan."


def storable(text: str) -> bool:
    """PostgreSQL can store and compare ``text``: no NUL, no lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
