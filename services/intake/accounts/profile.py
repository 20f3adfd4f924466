"""The account itself: found or opened by a proven contact, its profile and preferences."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.accounts.identifiers import EMAIL, PHONE, Identifier
from services.intake.models import AccountContact, CitizenAccount
from silasidakep.clock import now_utc
from silasidakep.errors import ValidationFailed
from silasidakep.masking import mask_nik
from silasidakep.text import storable

CHANNELS = ("WHATSAPP", "SMS", "EMAIL")
CHANNEL_CONTACT = {"WHATSAPP": PHONE, "SMS": PHONE, "EMAIL": EMAIL}


def by_contact(session: Session, identifier: Identifier) -> CitizenAccount | None:
    return session.scalars(
        select(CitizenAccount).join(AccountContact)
        .where(AccountContact.value == identifier.value)
    ).one_or_none()


def open_account(session: Session, name: str | None, preferred_channel: str) -> CitizenAccount:
    account = CitizenAccount(
        id=uuid.uuid4(), name=name, preferred_channel=preferred_channel, created_at=now_utc(),
    )
    session.add(account)
    session.flush()
    return account


def add_contact(session: Session, account: CitizenAccount, identifier: Identifier) -> None:
    """Record a proven contact, unless it is already this account's (or another's: a contact
    belongs to one account, the first to prove it)."""
    if session.scalars(
        select(AccountContact.id).where(AccountContact.value == identifier.value)
    ).first() is None:
        account.contacts.append(AccountContact(
            account_id=account.id, kind=identifier.kind, value=identifier.value,
            verified_at=now_utc(),
        ))


def for_contact(session: Session, identifier: Identifier, channel: str) -> CitizenAccount:
    """The account holding ``identifier``; opened on its first sign-in."""
    account = by_contact(session, identifier)
    if account is None:
        account = open_account(session, None, channel)
        add_contact(session, account, identifier)
    return account


def contact_of(account: CitizenAccount, kind: str) -> str | None:
    return next((c.value for c in account.contacts if c.kind == kind), None)


def recipient(account: CitizenAccount, fallback: dict[str, Any]) -> dict[str, Any]:
    """Whom notification reaches: the account's contacts and preferred channel (plus the
    in-app inbox), the application's contact where the account has none of a kind."""
    email = contact_of(account, EMAIL) or fallback.get("email")
    phone = contact_of(account, PHONE) or fallback.get("phone")
    return {**fallback, "email": email, "phone": phone,
            "channels": [account.preferred_channel, "INBOX"]}


def view(account: CitizenAccount) -> dict[str, Any]:
    return {
        "account_id": str(account.id),
        "name": account.name,
        "contacts": [{"kind": c.kind, "value": c.value, "verified": True}
                     for c in account.contacts],
        "preferred_channel": account.preferred_channel,
        "nik_masked": mask_nik(account.nik) if account.nik else None,
        "nik_verified": account.nik_verified_at is not None,
        "identities": [{"issuer": i.issuer, "since": i.created_at.isoformat()}
                       for i in account.identities],
    }


def update(account: CitizenAccount, changes: dict[str, Any]) -> None:
    unknown = set(changes) - {"name", "preferred_channel"}
    if unknown:
        raise ValidationFailed(fields={k: ["Kolom tidak dikenal."] for k in sorted(unknown)})
    if "name" in changes:
        name = changes["name"]
        if name is not None and (not isinstance(name, str) or not 1 <= len(name.strip()) <= 60
                                 or not storable(name)):
            raise ValidationFailed(fields={"name": ["Nama 1–60 karakter."]})
        account.name = name.strip() if name else None
    if "preferred_channel" in changes:
        channel = changes["preferred_channel"]
        if channel not in CHANNELS:
            raise ValidationFailed(
                fields={"preferred_channel": ["Pilih WHATSAPP, SMS atau EMAIL."]}
            )
        if contact_of(account, CHANNEL_CONTACT[channel]) is None:
            raise ValidationFailed(
                fields={"preferred_channel": ["Akun belum memiliki kontak untuk saluran ini."]},
                code="NO_CONTACT_FOR_CHANNEL",
            )
        account.preferred_channel = channel
