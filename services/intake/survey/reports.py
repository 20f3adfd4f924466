"""The IKM per service and period, and the free-text answers, for the Dinas.

Anonymous by construction: these queries read ``survey_responses`` alone (service, period and
scores; never ``application_id``, never a join to the application and its NIK), and the free
text is shown with its service and day only (docs/ikm.md)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from services.intake.access_log import record as audit
from services.intake.catalogue import load_catalogue
from services.intake.survey import ikm
from services.intake.survey.models import SurveyResponse
from silasidakep.audit_trail import Auditor
from silasidakep.clock import WIB, now_utc, today_wib
from silasidakep.errors import ValidationFailed

MAX_DAYS = 366
MAX_COMMENTS = 200
R = SurveyResponse


def period(start: str | None, end: str | None) -> tuple[date, date]:
    """``from``..``to`` (ISO dates, WIB, both included); by default this month so far."""
    try:
        last = date.fromisoformat(end) if end else today_wib(now_utc())
        first = date.fromisoformat(start) if start else last.replace(day=1)
    except (TypeError, ValueError):
        dates = ["Tanggal YYYY-MM-DD."]
        raise ValidationFailed(fields={"from": dates, "to": dates}, code="INVALID_PERIOD") from None
    if first > last or (last - first).days >= MAX_DAYS or first.year < 2000 or last.year > 2100:
        raise ValidationFailed(
            fields={"from": [f"Awal periode sebelum akhirnya, paling lama {MAX_DAYS} hari."]},
            code="INVALID_PERIOD",
        )
    return first, last


def _check_service(service_code: str | None) -> None:
    if service_code is not None and service_code not in load_catalogue():
        raise ValidationFailed(fields={"service_code": ["Kode layanan tidak dikenal."]},
                               code="UNKNOWN_SERVICE")


def _service_name(code: str) -> str:
    service = load_catalogue().get(code)
    return service.name if service else code


def _within(query: Select, first: date, last: date, service_code: str | None) -> Select:
    lo = datetime.combine(first, time.min, WIB)
    hi = datetime.combine(last + timedelta(days=1), time.min, WIB)
    query = query.where(R.answered_at >= lo, R.answered_at < hi)
    return query.where(R.service_code == service_code) if service_code else query


def _figures(spec: ikm.Definition, sums: dict[str, int], n: int) -> dict[str, Any]:
    result = ikm.compute(spec, sums, n)
    return {
        "responses": n,
        "elements": [{"code": c, "average": float(result.averages[c]),
                      "converted": float(result.converted[c])} for c in spec.codes] if n else [],
        "ikm": float(result.ikm) if result.ikm is not None else None,
        "grade": result.band.grade if result.band else None,
        "grade_label": result.band.label if result.band else None,
    }


def ikm_report(session: Session, first: date, last: date,
               service_code: str | None = None) -> dict[str, Any]:
    """Per service with answers in the period, and over all of them (the unit's IKM)."""
    _check_service(service_code)
    spec = ikm.definition()
    sums = [func.coalesce(func.sum(R.scores[c].as_integer()), 0).label(c) for c in spec.codes]
    # Answers to an older set of elements (another ikm.yaml version) cannot be mixed in.
    query = _within(select(R.service_code, func.count().label("n"), *sums), first, last,
                    service_code).where(R.scores.has_all(array(list(spec.codes))))
    rows = session.execute(query.group_by(R.service_code).order_by(R.service_code)).all()
    services = [{"service_code": row.service_code, "service_name": _service_name(row.service_code),
                 **_figures(spec, {c: getattr(row, c) for c in spec.codes}, row.n)}
                for row in rows]
    totals = {c: sum(getattr(row, c) for row in rows) for c in spec.codes}
    # The rows first: the console's section draws the first list it finds.
    return {
        "services": services,
        "overall": _figures(spec, totals, sum(row.n for row in rows)),
        "from": first.isoformat(), "to": last.isoformat(), "service_code": service_code,
        "regulation": spec.regulation, "conversion": float(spec.conversion),
        "elements": [{"code": e.code, "name": e.name, "weight": round(float(e.weight), 4)}
                     for e in spec.elements],
        "bands": [b.public() for b in spec.bands],
    }


def comments(session: Session, first: date, last: date, service_code: str | None,
             auditor: Auditor | None) -> dict[str, Any]:
    """The newest free-text answers of the period; reading them is audited."""
    _check_service(service_code)
    query = _within(select(R.service_code, R.answered_at, R.comment), first, last, service_code)
    rows = session.execute(
        query.where(R.comment.is_not(None)).order_by(R.answered_at.desc()).limit(MAX_COMMENTS)
    ).all()
    audit(session, auditor, "VIEW_SURVEY_COMMENTS",
          detail=f"{first}..{last} service={service_code or 'all'} n={len(rows)}")
    return {
        "from": first.isoformat(), "to": last.isoformat(), "service_code": service_code,
        "comments": [{"service_code": row.service_code,
                      "service_name": _service_name(row.service_code),
                      "answered_on": row.answered_at.astimezone(WIB).date().isoformat(),
                      "comment": row.comment} for row in rows],
    }
