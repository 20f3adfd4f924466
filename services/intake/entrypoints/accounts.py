"""Citizen accounts: sign-in, profile, contacts, devices, their applications and family, and
guest links."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.intake import replays
from services.intake.accounts import (
    contacts,
    credentials,
    guest_links,
    mine,
    profile,
    signin,
)
from services.intake.accounts import sessions as devices
from services.intake.entrypoints.base import IntakeBase
from silasidakep.rpc import rpc


class AccountRpcs(IntakeBase):
    # --- citizen accounts ----------------------------------------------------------------------

    @rpc
    def request_sign_in_code(self, identifier: str, channel: str | None = None,
                             client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._write(
            lambda s: signin.request_code(s, outbox, identifier, channel, client)
        )

    @rpc
    def sign_in_with_code(self, identifier: str, code: str,
                          client: dict | None = None) -> dict[str, Any]:
        return self._write_or_refuse(lambda s: signin.with_code(s, identifier, code, client),
                                     keep=replays.without("token"),
                                     replay=replays.session_token)

    @rpc
    def sign_in_with_oidc(self, id_token: str, nonce: str, client: dict | None = None) -> dict:
        return self._write(lambda s: signin.with_oidc(s, id_token, nonce, client),
                           keep=replays.without("token"), replay=replays.session_token)

    @rpc
    def sign_out(self, credential: str) -> None:
        def end(s: Session, who: credentials.Principal) -> None:
            if who.session_id:
                devices.end(s, who.account.id, str(who.session_id))
        self._as_account(credential, end)

    @rpc
    def account(self, credential: str) -> dict[str, Any]:
        return self._as_account(credential, lambda s, who: profile.view(who.account),
                                once=False)

    @rpc
    def update_account(self, credential: str, changes: dict[str, Any]) -> dict[str, Any]:
        def change(s: Session, who: credentials.Principal) -> dict[str, Any]:
            profile.update(who.account, changes)
            return profile.view(who.account)
        return self._as_account(credential, change)

    @rpc
    def request_contact_code(self, credential: str, identifier: str, channel: str | None = None,
                             client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._as_account(credential, lambda s, who: contacts.request_code(
            s, outbox, who, identifier, channel, client
        ))

    @rpc
    def add_contact(self, credential: str, identifier: str, code: str) -> dict[str, Any]:
        return self._write_or_refuse(lambda s: contacts.confirm(
            s, credentials.principal(s, credential), identifier, code
        ))

    @rpc
    def account_sessions(self, credential: str) -> dict[str, Any]:
        return self._as_account(credential, lambda s, who: {
            "sessions": devices.listing(s, who.account.id, who.session_id)
        }, once=False)

    @rpc
    def end_account_session(self, credential: str, session_id: str) -> None:
        self._as_account(
            credential, lambda s, who: devices.end(s, who.account.id, session_id)
        )

    @rpc
    def end_all_account_sessions(self, credential: str) -> int:
        return self._as_account(
            credential, lambda s, who: devices.end_all(s, who.account.id)
        )

    @rpc
    def my_applications(self, credential: str) -> dict[str, Any]:
        return self._as_account(
            credential, lambda s, who: {"applications": mine.applications(s, who.account)},
            once=False,
        )

    @rpc
    def my_family(self, credential: str) -> dict[str, Any]:
        return self._as_account(
            credential, lambda s, who: {"members": mine.family(s, who.account)}, once=False
        )

    @rpc
    def request_attach_code(self, credential: str, tracking_code: str,
                            client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._as_account(credential, lambda s, who: guest_links.request_attach(
            s, outbox, who, tracking_code, client
        ))

    @rpc
    def attach_application(self, credential: str, tracking_code: str, code: str) -> dict:
        return self._write_or_refuse(lambda s: guest_links.attach(
            s, credentials.principal(s, credential), tracking_code, code
        ))

    @rpc
    def request_recovery_code(self, tracking_code: str, client: dict | None = None) -> dict:
        outbox = self.store.outbox
        return self._write(
            lambda s: guest_links.request_recovery(s, outbox, tracking_code, client)
        )

    @rpc
    def recover_access(self, tracking_code: str, code: str) -> dict[str, Any]:
        return self._write_or_refuse(
            lambda s: guest_links.recover(s, tracking_code, code),
            keep=replays.without("access_token"),
            replay=replays.application_token("application_id"),
        )
