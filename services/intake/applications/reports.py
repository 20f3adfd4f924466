"""Counts over all applications: the public service status, the supervisors' pipeline board and
the service-time breaches of their digest. No personal data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from services.intake.catalogue import load_catalogue
from services.intake.domain.status import IN_SERVICE_HANDS, STATUS_TEXT, Status
from services.intake.models import Application
from silasidakep.clock import now_utc

# --- public service status ----------------------------------------------------------------------

WAITING = (Status.SUBMITTED,)
IN_PROGRESS = (
    Status.IN_VERIFICATION, Status.AWAITING_BIOMETRICS, Status.APPROVED,
    Status.AWAITING_SIGNATURE,
)
RECENT = timedelta(days=30)


def backlog(session: Session) -> list[dict[str, Any]]:
    """Per service: applications waiting and in progress, and the median hours from submission
    to approval over the last 30 days (what a citizen can expect to wait)."""
    counts: dict[tuple[str, str], int] = dict(
        ((code, status), n)
        for code, status, n in session.execute(
            select(Application.service_code, Application.status, func.count())
            .where(Application.status.in_([*WAITING, *IN_PROGRESS]))
            .group_by(Application.service_code, Application.status)
        )
    )
    hours = func.extract("epoch", Application.approved_at - Application.submitted_at) / 3600
    medians = dict(
        session.execute(
            select(Application.service_code, func.percentile_cont(0.5).within_group(hours))
            .where(Application.approved_at > now_utc() - RECENT)
            .group_by(Application.service_code)
        ).all()
    )
    return [
        {
            "code": code,
            "name": service.name,
            "waiting": sum(counts.get((code, s), 0) for s in WAITING),
            "in_progress": sum(counts.get((code, s), 0) for s in IN_PROGRESS),
            "expected_wait_hours": (
                round(float(medians[code]), 1) if medians.get(code) is not None else None
            ),
            "target_working_days": service.target_working_days,
        }
        for code, service in load_catalogue().items()
    ]


# --- the pipeline after the verification queue (for the supervisors' backlog board) ---------

# Open statuses a supervisor follows, in lifecycle order; the queue's own stages (waiting,
# claimed) come from verification, which holds the claims.
PIPELINE = (
    Status.SUBMITTED, Status.IN_VERIFICATION, Status.REVISION_REQUESTED,
    Status.AWAITING_BIOMETRICS, Status.APPROVED, Status.AWAITING_SIGNATURE,
    Status.QUEUED_AT_KECAMATAN, Status.AWAITING_BLANKO, Status.PRINTED,
)


def pipeline(session: Session) -> list[dict[str, Any]]:
    """Open applications per status, service and kecamatan, with how many are past their
    service deadline while the Dinas has the next move (the ``breaches`` rule)."""
    at = now_utc()
    late = and_(Application.deadline_at < at, Application.status.in_(IN_SERVICE_HANDS))
    rows = session.execute(
        select(Application.status, Application.service_code, Application.kecamatan_code,
               func.count(), func.count(case((late, 1))))
        .where(Application.status.in_(PIPELINE))
        .group_by(Application.status, Application.service_code, Application.kecamatan_code)
    ).all()
    return [
        {"status": str(status), "label": STATUS_TEXT[Status(status)][0],
         "service_code": code, "kecamatan_code": kecamatan, "count": n, "breached": n_late}
        for status, code, kecamatan, n, n_late in rows
    ]


# --- service-time breaches (for the supervisors' digest) -------------------------------------


def breaches(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """Applications past their service deadline that the Dinas still has to act on.

    No personal data: tracking code, service, status and how late, for staff."""
    at = now_utc()
    rows = session.scalars(
        select(Application)
        .where(Application.deadline_at < at, Application.status.in_(IN_SERVICE_HANDS))
        .order_by(Application.deadline_at)
        .limit(limit)
    ).all()
    return [
        {
            "application_id": str(app.id), "tracking_code": app.tracking_code,
            "service_code": app.service_code, "status": app.status,
            "deadline_at": app.deadline_at.isoformat(),
            "hours_late": round((at - app.deadline_at).total_seconds() / 3600, 1),
        }
        for app in rows
    ]
