"""Intake's scrape-time metrics: what the Dinas reports, counted from intake's own tables.

Counted on each scrape with a few grouped queries over ``intake.applications`` (columns
``status``/``service_code`` are indexed; a regency's yearly volume is a few ten thousand rows).
Labels are bounded: ``service_code`` (the catalogue), ``status`` (the state machine),
``kecamatan_code`` (the 26 kecamatan of Sumedang, else ``other``), ``channel``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import and_, case, func, select

from services.intake.applications import IN_SERVICE_HANDS
from services.intake.models import Application
from silasidakep import metrics

# Every application in this system was made online; counter (walk-in) registrations live in
# the Dinas' counter system and are not recorded here (see docs/runbook.md, "online share").
ONLINE = "online"


def collect(sessions: Any) -> Iterable[Any]:
    now = datetime.now(UTC)
    by_status = GaugeMetricFamily(
        "silasidakep_applications", "Applications by current status.",
        labels=["service_code", "status"],
    )
    submitted = CounterMetricFamily(
        "silasidakep_applications_submitted",
        "Applications ever submitted, by service, kecamatan and channel.",
        labels=["service_code", "kecamatan_code", "channel"],
    )
    breaches = GaugeMetricFamily(
        "silasidakep_service_time_breaches",
        "Applications past their service-time target that the Dinas still has to act on.",
        labels=["service_code", "kecamatan_code"],
    )
    completed = CounterMetricFamily(
        "silasidakep_applications_completed",
        "Issued applications, by whether they were issued within the service-time target.",
        labels=["service_code", "kecamatan_code", "within_target"],
    )
    late = and_(
        Application.deadline_at < now, Application.status.in_([str(s) for s in IN_SERVICE_HANDS])
    )
    with sessions() as session:
        for code, status, n in session.execute(
            select(Application.service_code, Application.status, func.count())
            .group_by(Application.service_code, Application.status)
        ):
            by_status.add_metric([code, str(status)], n)
        folded: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for code, kecamatan, n_submitted, n_late, n_in_time, n_overdue in session.execute(
            select(
                Application.service_code,
                Application.kecamatan_code,
                func.count(Application.submitted_at),
                func.count(case((late, 1))),
                func.count(case((and_(Application.status == "ISSUED",
                                      Application.issued_at <= Application.deadline_at), 1))),
                func.count(case((and_(Application.status == "ISSUED",
                                      Application.issued_at > Application.deadline_at), 1))),
            ).group_by(Application.service_code, Application.kecamatan_code)
        ):
            total = folded[(code, metrics.kecamatan_label(kecamatan))]
            for i, value in enumerate((n_submitted, n_late, n_in_time, n_overdue)):
                total[i] += value
    for (code, kecamatan), (n_submitted, n_late, n_in_time, n_overdue) in sorted(folded.items()):
        submitted.add_metric([code, kecamatan, ONLINE], n_submitted)
        breaches.add_metric([code, kecamatan], n_late)
        completed.add_metric([code, kecamatan, "true"], n_in_time)
        completed.add_metric([code, kecamatan, "false"], n_overdue)
    return [by_status, submitted, breaches, completed]


class IntakeMetrics(DependencyProvider):
    """Registers the scrape-time collector over the service's ``Store``."""

    def setup(self) -> None:
        container = self.container

        def callback() -> Iterable[Any]:
            store = next(d for d in container.dependencies if hasattr(d, "sessions"))
            return collect(store.sessions)

        metrics.register_collector(
            "intake_applications", metrics.CallbackCollector("intake_applications", callback)
        )
