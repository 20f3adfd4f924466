"""Ending staff tokens in the services that do not own staff accounts.

Verification owns the accounts. Whenever an account's access changes (disabled or enabled, roles,
kecamatan or password changed) it raises the account's token version and publishes
``staff.access_changed``. Intake, printing and notification keep the newest version per account
in their own ``staff_access`` table and refuse tokens issued before it, so a disabled account is
shut out everywhere within one event delivery instead of when its token expires (8 hours).

Versions only grow, so an older event arriving late never undoes a newer one, and applying an
event twice changes nothing: no processed-event record is needed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.orm import Session

from silasidakep.auth import StaffPrincipal
from silasidakep.errors import Unauthorized

TABLE_NAME = "staff_access"


def add_table(metadata: MetaData) -> Table:
    """The newest known access state per staff account, in one service's schema."""
    return Table(
        TABLE_NAME,
        metadata,
        Column("staff_id", UUID(as_uuid=True), primary_key=True),
        Column("token_version", Integer, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
    )


def record(session: Session, table: Table, data: dict[str, Any]) -> None:
    """Apply a ``staff.access_changed`` event unless a newer version is already known."""
    row = insert(table).values(
        staff_id=data["staff_id"], token_version=data["token_version"],
        active=data["active"], changed_at=data["changed_at"],
    )
    session.execute(row.on_conflict_do_update(
        index_elements=[table.c.staff_id],
        set_={"token_version": row.excluded.token_version, "active": row.excluded.active,
              "changed_at": row.excluded.changed_at},
        where=table.c.token_version < row.excluded.token_version,
    ))


def check(session: Session, table: Table, principal: StaffPrincipal) -> None:
    """Refuse a token issued before the account's newest known access change, or at the version
    that disabled it. A token newer than anything known was issued after a change this service
    has not heard of yet, to an active account (verification issues no others): it counts."""
    known = session.execute(
        select(table.c.token_version, table.c.active).where(table.c.staff_id == principal.staff_id)
    ).first()
    if principal.token_version is None or known is not None and (
        principal.token_version < known.token_version
        or (principal.token_version == known.token_version and not known.active)
    ):
        raise Unauthorized("Sesi tidak berlaku lagi. Silakan masuk kembali.",
                           code="SESSION_REVOKED")


def access_changed_event(
    staff_id: uuid.UUID, token_version: int, active: bool, at: datetime
) -> dict[str, Any]:
    return {"staff_id": staff_id, "token_version": token_version, "active": active,
            "changed_at": at}
