"""What a citizen signs in with: a phone number (normalised to +62…) or an email address."""

from __future__ import annotations

import re
from typing import NamedTuple

from silasidakep.errors import ValidationFailed
from silasidakep.masking import mask_email, mask_phone

PHONE = "PHONE"
EMAIL = "EMAIL"

# Indonesian mobile numbers: 08…, 628… or +628…, 9 to 13 digits after the 0.
_PHONE = re.compile(r"(?:\+?62|0)(8\d{7,12})\Z")
# Deliberately plain: the code sent to it is the real check.
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\Z")


class Identifier(NamedTuple):
    kind: str  # PHONE or EMAIL
    value: str  # normalised

    @property
    def masked(self) -> str:
        return mask_phone(self.value) if self.kind == PHONE else mask_email(self.value)

    def channel(self, requested: str | None = None) -> str:
        """The channel a code goes out on: email for an address, WhatsApp (or SMS on request)
        for a phone number."""
        if self.kind == EMAIL:
            return "EMAIL"
        return "SMS" if requested == "SMS" else "WHATSAPP"


def parse(raw: object) -> Identifier:
    text = raw.strip() if isinstance(raw, str) else ""
    compact = re.sub(r"[\s().-]", "", text)
    phone = _PHONE.fullmatch(compact)
    if phone:
        return Identifier(PHONE, "+62" + phone.group(1))
    if len(text) <= 254 and _EMAIL.fullmatch(text):
        return Identifier(EMAIL, text.lower())
    raise ValidationFailed(
        fields={"identifier": ["Masukkan nomor ponsel (08…) atau alamat email yang valid."]},
        code="INVALID_IDENTIFIER",
    )
