"""Accounts of the super-app's users: linked by the OpenID issuer's ``sub``; a phone number or
email the issuer says it verified links to (or becomes a contact of) the same account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.intake.accounts import identifiers, profile
from services.intake.models import AccountIdentity, CitizenAccount
from silasidakep.clock import now_utc
from silasidakep.errors import ValidationFailed


def verified_contacts(claims: dict[str, Any]) -> list[identifiers.Identifier]:
    found = []
    for claim, flag in (("phone_number", "phone_number_verified"), ("email", "email_verified")):
        if claims.get(flag) is True and claims.get(claim):
            try:
                found.append(identifiers.parse(claims[claim]))
            except ValidationFailed:
                continue  # a form this system does not use (a foreign number): not linked
    return found


def account_for(session: Session, issuer: str, claims: dict[str, Any]) -> CitizenAccount:
    """The account of the issuer's user ``claims["sub"]``, linked on first sight."""
    subject = str(claims["sub"])
    account = session.scalars(
        select(CitizenAccount).join(AccountIdentity)
        .where(AccountIdentity.issuer == issuer, AccountIdentity.subject == subject)
    ).one_or_none()
    if account is not None:
        return account
    contacts = verified_contacts(claims)
    account = next(
        (a for a in (profile.by_contact(session, c) for c in contacts) if a is not None), None
    )
    if account is None:
        channel = contacts[0].channel() if contacts else "EMAIL"
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        account = profile.open_account(session, (name or "")[:60] or None, channel)
    for contact in contacts:
        profile.add_contact(session, account, contact)
    try:
        with session.begin_nested():
            account.identities.append(AccountIdentity(
                account_id=account.id, issuer=issuer, subject=subject, created_at=now_utc(),
            ))
    except IntegrityError:
        # Two first calls at once: the other one linked it.
        session.expire_all()
        return account_for(session, issuer, claims)
    return account
