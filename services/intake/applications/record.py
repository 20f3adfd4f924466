"""One application's row: loading and locking it, its access token, download PIN and tracking
code, whom to notify, and the status change with its ``application.status_changed`` event."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import ops_metrics
from services.intake.accounts import credentials, profile
from services.intake.applications.labels import fix_labels
from services.intake.catalogue import ServiceDefinition, get_service
from services.intake.domain.status import MAY_HOLD_DOCUMENTS, Status, require_transition
from services.intake.models import (
    Application,
    CitizenAccount,
    Document,
    StatusChange,
)
from services.intake.outputs.models import ApplicationOutput
from silasidakep.config import load_settings
from silasidakep.contracts import DEFAULT_NOTIFY_CHANNELS
from silasidakep.db import Outbox
from silasidakep.errors import Forbidden, NotFound
from silasidakep.masking import mask_identity_numbers, mask_nik

# A verifier's approval (KTP-el applications go on to biometrics first).
APPROVALS = frozenset({Status.APPROVED, Status.AWAITING_BIOMETRICS})
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain fast hash cannot be reversed.
    return hashlib.sha256(token.encode()).hexdigest()


def pin_digest(application_id: uuid.UUID, pin: str) -> str:
    """A download PIN has only 10^6 values: no hash, however slow, survives an offline search by
    someone holding the database. A key the database does not hold does (PIN_HMAC_KEY), and
    online guessing is capped by the lockout."""
    key = load_settings().pin_hmac_key.encode()
    return hmac.new(key, f"{application_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def new_tracking_code() -> str:
    return "SLS-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def definition_of(app: Application) -> ServiceDefinition:
    """The catalogue entry the application was created under (older rows: the current one)."""
    if app.service_definition:
        return ServiceDefinition.from_public(app.service_definition)
    return get_service(app.service_code)


# --- access -------------------------------------------------------------------------------------


def get(session: Session, application_id: str | uuid.UUID, lock: bool) -> Application:
    try:
        key = uuid.UUID(str(application_id))
    except ValueError:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND") from None
    query = select(Application).where(Application.id == key)
    if lock:
        # populate_existing: the row may already be in the session from an unlocked read.
        query = query.with_for_update().execution_options(populate_existing=True)
    app = session.scalars(query).one_or_none()
    if app is None:
        raise NotFound("Permohonan tidak ditemukan.", code="APPLICATION_NOT_FOUND")
    return app


def follows(app: Application, account: CitizenAccount) -> str | None:
    """APPLICANT when the account filed the application, SUBJECT when it is about the account's
    verified NIK (filed by someone else), else None."""
    if app.account_id == account.id:
        return "APPLICANT"
    if account.nik and account.nik_verified_at and account.nik in (app.nik, app.subject_nik):
        return "SUBJECT"
    return None


def load_for_citizen(session: Session, application_id: str, token: str | None,
                     acting: bool = False) -> Application:
    """The application if ``token`` opens it: its guest access token, or a signed-in account
    that filed it (or, to read it, whose verified NIK it is about). ``acting``: the caller
    changes it, which only the filer (or the guest token) may."""
    app = get(session, application_id, lock=False)
    if credentials.is_account_credential(token):
        role = follows(app, credentials.principal(session, token).account)
        if role == "APPLICANT" or (role == "SUBJECT" and not acting):
            return app
    elif token and hmac.compare_digest(app.access_token_hash, hash_token(token)):
        return app
    raise Forbidden("Token akses tidak berlaku untuk permohonan ini.", code="INVALID_TOKEN")


def lock_for_citizen(session: Session, application_id: str, token: str | None) -> Application:
    """The citizen's application, row-locked (the token is checked before the lock is taken)."""
    app = load_for_citizen(session, application_id, token, acting=True)
    return get(session, app.id, lock=True)


# --- what it holds ------------------------------------------------------------------------------


def current_documents(app: Application) -> list[Document]:
    return [d for d in app.documents if d.current]


def principal_number(session: Session, app: Application) -> str | None:
    """The number of the application's principal document (output position 0), once it has
    one (its other documents are in ``ApplicationOutput`` rows too)."""
    return session.scalar(
        select(ApplicationOutput.document_number)
        .where(ApplicationOutput.application_id == app.id,
               ApplicationOutput.state == "ISSUED")
        .order_by(ApplicationOutput.position).limit(1)
    )


def last_revision(app: Application) -> StatusChange | None:
    if app.status != Status.REVISION_REQUESTED:
        return None
    return next((h for h in reversed(app.history) if h.status == Status.REVISION_REQUESTED), None)


def pending_presence(app: Application) -> list[str]:
    """In-person steps still to do before the document can be issued."""
    done = app.presence_done or {}
    return [step for step in definition_of(app).steps_before_issuance if step not in done]


def recipient(app: Application) -> dict[str, Any]:
    """Notifications go to whoever filed: the account's contacts and preferred channel, or the
    contact given on a guest application."""
    reporter = app.reporter or {}
    contact = {
        "name": reporter.get("name") or app.name,
        "email": app.email,
        "phone": app.phone,
        "nik_masked": mask_nik(app.subject_nik or app.nik),
        "channels": list(app.notify_channels or default_channels(app)),
    }
    return profile.recipient(app.account, contact) if app.account else contact


def default_channels(app: Application) -> tuple[str, ...]:
    if app.email:
        return DEFAULT_NOTIFY_CHANNELS
    return ("WHATSAPP", "INBOX")


def followers(session: Session, app: Application) -> list[dict[str, Any]]:
    """The accounts following the application, with their outside sign-ins (for webhooks)."""
    accounts: list[tuple[CitizenAccount, str]] = []
    if app.account:
        accounts.append((app.account, "APPLICANT"))
    niks = {app.nik, app.subject_nik} - {None}
    accounts += [(a, "SUBJECT") for a in session.scalars(
        select(CitizenAccount).where(CitizenAccount.nik.in_(niks),
                                     CitizenAccount.nik_verified_at.is_not(None))
    ) if a.id != app.account_id]
    return [{
        "account_id": account.id, "role": role,
        "identities": [{"issuer": i.issuer, "subject": i.subject} for i in account.identities],
    } for account, role in accounts]


# --- status changes -----------------------------------------------------------------------------


def change_status(
    session: Session,
    outbox: Outbox,
    app: Application,
    target: Status,
    at: datetime,
    reason_code: str | None = None,
    reason_text: str | None = None,
    note: str | None = None,
    fix_fields: list[str] | None = None,
    fix_documents: list[str] | None = None,
) -> None:
    previous = app.status
    require_transition(previous, target)
    app.status = target
    app.updated_at = at
    seq = len(app.history) + 1
    app.history.append(
        StatusChange(
            application_id=app.id, seq=seq, status=target, at=at, round=app.round,
            reason_code=reason_code, reason_text=reason_text, note=note,
            fix_fields=fix_fields or [], fix_documents=fix_documents or [],
        )
    )
    service = definition_of(app)
    outbox.add(
        session,
        "application.status_changed",
        {
            "application_id": app.id,
            "tracking_code": app.tracking_code,
            "service_code": app.service_code,
            "service_name": service.name,
            "status": target.value,
            "previous_status": previous,
            "changed_at": at,
            "reason_code": reason_code,
            # Free text staff typed may quote a NIK; the event promises masked ones only.
            "reason_text": mask_identity_numbers(reason_text) if reason_text else reason_text,
            "note": mask_identity_numbers(note) if note else note,
            "fix_fields": fix_fields or [],
            "fix_documents": fix_documents or [],
            "fix_labels": fix_labels(service, fix_fields or [], fix_documents or []),
            "expected_completion_at": app.deadline_at,
            "document_number": (principal_number(session, app)
                                if previous in MAY_HOLD_DOCUMENTS else None),
            "recipient": recipient(app),
            "accounts": followers(session, app),
        },
    )
    if target in APPROVALS:
        verify_filer_nik(app, at)
    ops_metrics.observe_transition(app, target, at)


def verify_filer_nik(app: Application, at: datetime) -> None:
    """A verifier approved what the account filed for itself (its KTP/KK checked): the account's
    NIK is now known, so applications about that NIK filed by relatives reach it too."""
    account = app.account
    if account and not app.reporter and account.nik_verified_at is None:
        account.nik, account.nik_verified_at = app.nik, at
