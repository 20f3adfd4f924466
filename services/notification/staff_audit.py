"""Staff reads in notification that reach the audit chain: the message log, template
previews, webhook deliveries. Those reads run outside a transaction of their own (the
message listing lives in ``dispatch``), so the entry is written in one right after the read
succeeds; a read that failed opened nothing and is not recorded."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import sessionmaker

from silasidakep.audit_trail import Auditor


def record_read(sessions: sessionmaker, auditor: Auditor, action: str, *,
                application_id: uuid.UUID | str | None = None,
                detail: str | None = None) -> None:
    with sessions() as session, session.begin():
        auditor.record(session, action, application_id=application_id, detail=detail)
