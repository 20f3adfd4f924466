"""Assisted intake at the counter: a front-office account files for a walk-in citizen at its own
service location (domain logic in ``applications/assisted.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.intake import replays
from services.intake.applications import assisted
from services.intake.entrypoints.base import IntakeBase
from silasidakep.audit_trail import Auditor
from silasidakep.rpc import rpc

FRONT_OFFICE = ("front_office",)


class FrontOfficeRpcs(IntakeBase):
    def _desk(self, token: str, client: dict | None) -> Auditor:
        """The front-office principal (role checked before any data) as its auditor."""
        principal = self.store.staff(token, *FRONT_OFFICE)
        return Auditor(self.store.outbox, principal, (client or {}).get("ip"))

    def _at_desk(self, token: str, client: dict | None,
                 action: Callable[[Session, Auditor], Any], **once: Any) -> Any:
        auditor = self._desk(token, client)
        return self._write(lambda s: action(s, auditor), **once)

    @rpc
    def front_office_desk(self, token: str) -> dict[str, Any]:
        """The account's location and the channel its applications get."""
        return self._at_desk(token, None, assisted.desk_view, once=False)

    @rpc
    def front_office_create(self, token: str, payload: dict[str, Any],
                            client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._at_desk(
            token, client, lambda s, a: assisted.create(s, outbox, a, payload),
            keep=replays.without("access_token"), replay=replays.application_token(),
        )

    @rpc
    def front_office_check_upload(self, token: str, application_id: str,
                                  doc_type: str) -> dict[str, Any]:
        """Raise unless the desk may upload ``doc_type`` now (asked before the file is read)."""
        return self._at_desk(token, None, lambda s, a: assisted.check_upload(
            s, a, application_id, doc_type), once=False)

    @rpc
    def front_office_attach_document(self, token: str, application_id: str, upload: dict,
                                     client: dict | None = None) -> dict[str, Any]:
        return self._at_desk(token, client,
                             lambda s, a: assisted.attach(s, a, application_id, upload))

    @rpc
    def front_office_submit(self, token: str, application_id: str,
                            client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._at_desk(token, client,
                             lambda s, a: assisted.submit(s, outbox, a, application_id))

    @rpc
    def front_office_book(self, token: str, application_id: str, step: str, slot_id: int,
                          client: dict | None = None) -> dict[str, Any]:
        outbox = self.store.outbox
        return self._at_desk(token, client, lambda s, a: assisted.book(
            s, outbox, a, application_id, step, slot_id))

    @rpc
    def front_office_application(self, token: str, application_id: str,
                                 client: dict | None = None) -> dict[str, Any]:
        # A read, but audited: the entry commits with it (nothing to keep for a repeat).
        return self._at_desk(token, client, lambda s, a: assisted.view(s, a, application_id),
                             once=False)

    @rpc
    def front_office_receipt(self, token: str, application_id: str,
                             access_token: str | None = None,
                             client: dict | None = None) -> dict[str, Any]:
        return self._at_desk(token, client, lambda s, a: assisted.receipt(
            s, a, application_id, access_token), once=False)
