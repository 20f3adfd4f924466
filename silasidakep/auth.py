"""Staff session tokens, checked inside every service that serves staff (not only at the gateway).

Verification issues the tokens (HS256 JWT with the staff member's roles); any service holding
``JWT_SECRET`` verifies them with ``authenticate`` and enforces roles with ``require``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import jwt

from silasidakep.config import load_settings
from silasidakep.errors import Forbidden, Unauthorized

ROLES = frozenset({"verifier", "supervisor", "signer", "kecamatan_operator", "front_office",
                   "admin", "auditor"})
ISSUER = "silasidakep"


@dataclass(frozen=True)
class StaffPrincipal:
    staff_id: uuid.UUID
    username: str
    roles: frozenset[str]
    # The account's token version when the token was issued ("ver"); verification compares it
    # with the account on every call, so disabling an account ends its tokens at once.
    token_version: int | None = None
    # The kecamatan a kecamatan_operator's account is bound to ("kec"); its desk acts there only.
    kecamatan_code: str | None = None
    # The service location a front_office account is bound to ("loc"): the one desk (MPP,
    # kecamatan or desa office) it files applications at.
    location_code: str | None = None

    def require(self, *roles: str) -> None:
        """Allow the action when the principal holds any one of ``roles``."""
        if not self.roles & set(roles):
            raise Forbidden(
                f"Tindakan ini memerlukan peran {' atau '.join(roles)}.", code="ROLE_REQUIRED"
            )

    def require_office(self, kecamatan_code: str | None, anywhere: tuple[str, ...] = ()) -> None:
        """Allow acting at an office of ``kecamatan_code``: roles in ``anywhere`` (Dinas-wide
        staff) everywhere, anyone else only in the kecamatan the account is bound to, so a
        kecamatan operator never sees or changes another kecamatan's desk."""
        if self.roles & set(anywhere):
            return
        if not self.kecamatan_code:
            raise Forbidden("Akun Anda belum ditetapkan ke kecamatan. Hubungi admin.",
                            code="NO_KECAMATAN")
        if kecamatan_code != self.kecamatan_code:
            raise Forbidden("Anda hanya dapat melayani kecamatan Anda sendiri.",
                            code="WRONG_KECAMATAN")


    def require_location(self, location_code: str | None) -> str:
        """The account's own location when ``location_code`` is it (or None: the account's);
        a desk elsewhere answers WRONG_LOCATION, an account bound to none NO_LOCATION."""
        if not self.location_code:
            raise Forbidden("Akun Anda belum ditetapkan ke lokasi layanan. Hubungi admin.",
                            code="NO_LOCATION")
        if location_code is not None and location_code.upper() != self.location_code:
            raise Forbidden("Anda hanya dapat melayani di lokasi layanan Anda sendiri.",
                            code="WRONG_LOCATION")
        return self.location_code


def authenticate(token: str | None, secret: str) -> StaffPrincipal:
    if not token:
        raise Unauthorized(code="MISSING_TOKEN")
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        raise Unauthorized(code="INVALID_TOKEN") from None
    version, kecamatan, location = claims.get("ver"), claims.get("kec"), claims.get("loc")
    return StaffPrincipal(
        uuid.UUID(claims["sub"]), claims["username"], frozenset(claims["roles"]),
        version if isinstance(version, int) else None,
        kecamatan if isinstance(kecamatan, str) else None,
        location if isinstance(location, str) else None,
    )


def authorize(token: str | None, *roles: str) -> StaffPrincipal:
    """The staff member behind a token, checked with this deployment's secret, holding one of
    ``roles``. No I/O: a service refuses a wrong role before it touches any data."""
    principal = authenticate(token, load_settings().jwt_secret)
    principal.require(*roles)
    return principal
