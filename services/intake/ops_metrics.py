"""Intake's metrics: stage latencies observed on each status change, and what the Dinas
reports, counted from intake's own tables at scrape time.

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

from services.intake.domain.status import DECIDED, IN_SERVICE_HANDS, Status
from services.intake.models import Application
from silasidakep import metrics


def channel_label(channel: str | None) -> str:
    """The label ``channel`` of the submitted counter: the application's channel in lower case
    (online, super_app, loket_mpp, kecamatan, desa; the CHECK on applications.channel bounds
    it). The Dinas's online share is online + super_app over all (docs/runbook.md)."""
    return (channel or "ONLINE").lower()

# Stages (label ``stage`` of ``silasidakep_stage_duration_seconds``) intake measures, each where
# its later timestamp becomes known; ``issued_to_notified`` is measured by the event handlers.
STAGES = (
    "submitted_to_claimed",  # citizen submitted -> a verifier claimed it
    "claimed_to_decided",  # claimed -> approve / revision / reject
    "approved_to_signed",  # approved (nothing left in person) -> document signed by printing
    "signed_to_issued",  # signed -> intake recorded ISSUED and issued the download PIN
    "end_to_end",  # first submission -> signed document
)


def observe_transition(app: Application, target: Status, at: datetime) -> None:
    """Count the transition and observe the stage it ends, from the application's own status
    history; called right after the new status was appended to ``app.history``."""
    metrics.APPLICATION_TRANSITIONS.labels(service_code=app.service_code, status=target).inc()
    history = [(Status(change.status), change.at) for change in app.history]

    def last(status: Status) -> datetime | None:
        found = [at_ for st, at_ in history[:-1] if st == status]
        return found[-1] if found else None

    code = app.service_code
    if target == Status.IN_VERIFICATION:
        metrics.observe_stage("submitted_to_claimed", code, last(Status.SUBMITTED), at)
    elif target in DECIDED:
        metrics.observe_stage("claimed_to_decided", code, last(Status.IN_VERIFICATION), at)
    elif target == Status.ISSUED:
        metrics.observe_stage("approved_to_signed", code, last(Status.APPROVED), at)
        metrics.observe_stage("signed_to_issued", code, at, datetime.now(UTC))
        submitted = [at_ for st, at_ in history if st == Status.SUBMITTED]
        metrics.observe_stage("end_to_end", code, submitted[0] if submitted else None, at)


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
        by_channel: dict[tuple[str, ...], int] = defaultdict(int)
        for code, kecamatan, channel, n_submitted, n_late, n_in_time, n_overdue in session.execute(
            select(
                Application.service_code,
                Application.kecamatan_code,
                Application.channel,
                func.count(Application.submitted_at),
                func.count(case((late, 1))),
                func.count(case((and_(Application.status == "ISSUED",
                                      Application.issued_at <= Application.deadline_at), 1))),
                func.count(case((and_(Application.status == "ISSUED",
                                      Application.issued_at > Application.deadline_at), 1))),
            ).group_by(Application.service_code, Application.kecamatan_code, Application.channel)
        ):
            by_channel[(code, metrics.kecamatan_label(kecamatan), channel_label(channel))] += (
                n_submitted
            )
            total = folded[(code, metrics.kecamatan_label(kecamatan))]
            for i, value in enumerate((n_submitted, n_late, n_in_time, n_overdue)):
                total[i] += value
    for labels, n_submitted in sorted(by_channel.items()):
        submitted.add_metric(list(labels), n_submitted)
    for (code, kecamatan), (_, n_late, n_in_time, n_overdue) in sorted(folded.items()):
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
