"""Outbox relay lag and event delivery lag from the services' Prometheus ``/metrics``.

Each process exposes its own histograms (silasidakep/metrics.py); a phase's figures are the
bucket counts after minus before, summed over label sets, with p50/p95 interpolated inside the
bucket as PromQL's ``histogram_quantile`` does.
"""

from __future__ import annotations

import math
from collections import defaultdict

import requests
from prometheus_client.parser import text_string_to_metric_families

HISTOGRAMS = {
    "silasidakep_outbox_relay_lag_seconds": "outbox relay lag",
    "silasidakep_event_delivery_lag_seconds": "event delivery lag",
}

# (process, histogram) -> upper bound -> cumulative count
Buckets = dict[tuple[str, str], dict[float, float]]


def scrape(urls: dict[str, str]) -> Buckets:
    """The lag histograms of every process; a process that does not answer is left out."""
    buckets: Buckets = defaultdict(lambda: defaultdict(float))
    for process, url in urls.items():
        try:
            text = requests.get(url, timeout=10).text
        except requests.RequestException:
            continue
        for family in text_string_to_metric_families(text):
            if family.name not in HISTOGRAMS:
                continue
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    buckets[(process, family.name)][float(sample.labels["le"])] += sample.value
    return buckets


def delta(before: Buckets, after: Buckets) -> Buckets:
    return {key: {le: count - before.get(key, {}).get(le, 0.0) for le, count in hist.items()}
            for key, hist in after.items()}


def quantile(hist: dict[float, float], q: float) -> float | None:
    """histogram_quantile over cumulative buckets; None without observations."""
    bounds = sorted(hist)
    total = hist[bounds[-1]] if bounds else 0.0
    if total <= 0:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for upper in bounds:
        count = hist[upper]
        if count >= rank:
            if math.isinf(upper):
                return lower
            return lower + (upper - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = upper, count
    return lower


def lines(changes: Buckets) -> list[str]:
    """One line per histogram and process that saw observations in the phase."""
    out = []
    for (process, name), hist in sorted(changes.items(), key=lambda item: item[0][::-1]):
        count = hist.get(math.inf, 0.0)
        if count <= 0:
            continue
        p50, p95 = quantile(hist, 0.5), quantile(hist, 0.95)
        out.append(f"  {HISTOGRAMS[name]:<19} {process:<13} n={count:<7.0f} "
                   f"p50 {_ms(p50)}  p95 {_ms(p95)}")
    return out or ["  (no lag observations in this phase)"]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"
