"""The issuance workflow: every document of an approved application becomes a signed PDF
exactly once.

Called by the service's ``application.issuance_requested`` consumer; plain code over a
sessionmaker, the outbox and the issuer, so it is tested without a broker. An application
issues its outputs (``outputs``) in order, each exactly as a single document is issued (see
``register`` for the three steps and why a redelivered event or a crash between them is safe).
A redelivered event, or one that comes back after the process died between two outputs, finds
the outputs already issued (or parked for the signer) and goes on with the next.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import sessionmaker

from services.printing import outputs as output_plan
from services.printing import production, register
from services.printing.kecamatan import print_jobs, suket
from services.printing.states import DocumentState, OutputKind
from silasidakep import metrics
from silasidakep.db import Outbox

log = logging.getLogger(__name__)

# Runs CPU-bound work; the service passes eventlet's ``tpool.execute`` (a native thread keeps
# the hub and AMQP heartbeats alive), tests run it inline.
Runner = Callable[..., Any]
CrashPoint = Callable[[str], None]  # PRINTING_CRASH_AFTER (development and tests only)


def _inline(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def issue(
    sessions: sessionmaker, outbox: Outbox, issuer: production.Issuer,
    application_id: uuid.UUID, snapshot: dict[str, Any], *,
    outputs: list[dict[str, Any]] | None = None,
    run: Runner = _inline, crash_point: CrashPoint = lambda step: None,
) -> bool:
    """Issue (or, with manual signing, park for the signer) every output of one approved
    application, in order (``outputs`` of the v3 event; None: the snapshot's one output).
    True when this call issued at least one; False for a redelivery or a lost race."""
    issued = False
    for position, output in enumerate(output_plan.outputs_of(snapshot, outputs), start=1):
        if _issue_output(sessions, outbox, issuer, application_id, snapshot, output,
                         run=run, crash_point=crash_point):
            issued = True
            crash_point(f"output:{position}")
    return issued


def _issue_output(
    sessions: sessionmaker, outbox: Outbox, issuer: production.Issuer,
    application_id: uuid.UUID, snapshot: dict[str, Any], output: dict[str, Any], *,
    run: Runner, crash_point: CrashPoint,
) -> bool:
    composed = output_plan.output_snapshot(snapshot, output)
    key = output["key"]
    with sessions() as session, session.begin():
        document = register.allocate(
            session, application_id, composed, output["document"], key,
            output.get("kind") or OutputKind.ORIGINAL, output.get("replaces"),
        )
        session.flush()
        composed = output_plan.with_earlier_numbers(session, application_id, composed)
        # Collected where the application's applicant is, whoever the document is about.
        print_jobs.plan_job(session, application_id, composed, document,
                            snapshot["applicant"]["kecamatan_code"])
        number, state, check_code = (
            document.document_number, document.state, document.check_code,
        )
    if state != DocumentState.RENDERING:  # ISSUED, or waiting for the signer: redelivered
        return False
    # Signing must be called from the hub: PdfSigner moves it off-hub itself, taking turns.
    pdf = run(production.render, issuer, number, composed, check_code)
    crash_point("rendered")
    if issuer.signing_mode == "manual":
        _park_for_signer(sessions, outbox, issuer, application_id, key, number, pdf)
        return False
    signed = production.sign_pdf(issuer, pdf)
    object_key, sha256 = production.store_attempt(issuer, number, signed)
    crash_point("stored")
    with sessions() as session, session.begin():
        won = register.finalise(session, outbox, application_id, object_key, sha256,
                                issuer.signer_name, output_key=key)
        shared = won is not None and won.attempts > 1
    if won is None:
        issuer.objects.delete(issuer.bucket, object_key)
        return False
    metrics.DOCUMENTS_ISSUED.labels(document_type=output["document"]).inc()
    if shared:  # other attempts may have died after storing their copies
        _discard_dead_attempts(issuer, number, object_key)
    return True


def _park_for_signer(
    sessions: sessionmaker, outbox: Outbox, issuer: production.Issuer,
    application_id: uuid.UUID, output_key: str, number: str, pdf: bytes,
) -> None:
    draft_key = production.store_draft(issuer, number, pdf)
    with sessions() as session, session.begin():
        parked = register.await_signature(session, outbox, application_id, draft_key,
                                          output_key=output_key)
    if not parked:
        issuer.objects.delete(issuer.bucket, draft_key)
        return
    try:  # drafts of attempts that died before parking theirs
        for orphan in production.discard_other_drafts(issuer, number, draft_key):
            log.info("deleted %s, left by an attempt that did not park", orphan)
    except Exception:
        log.exception("could not clean up earlier drafts of %s", number)


def _discard_dead_attempts(issuer: production.Issuer, number: str, issued_key: str) -> None:
    """Copies stored by attempts that died before finalising; the document is issued, so a
    failure here is only logged."""
    try:
        for orphan in production.discard_other_attempts(issuer, number, issued_key):
            log.info("deleted %s, left by an attempt that did not finalise", orphan)
    except Exception:
        log.exception("could not clean up earlier attempts of %s", number)


def issue_waiting_sukets(
    sessions: sessionmaker, issuer: production.Issuer, run: Runner = _inline
) -> None:
    """Issue the temporary certificate of every card job that waits for blanko without one (a
    failure is logged; the next call, or the desk opening it, tries again)."""
    with sessions() as session:
        waiting = suket.jobs_needing_suket(session)
    for job_id in waiting:
        try:
            suket.issue_suket(sessions, issuer, job_id, run)
        except Exception:
            log.exception("issuing the suket of print job %s failed", job_id)
