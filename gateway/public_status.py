"""The public status page's data: which parts of the system answer, and the current backlog.

Citizens' most common complaint about these portals is silence during outages, so the page says
plainly what is down. Results are cached briefly: the page must stay cheap under load.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import eventlet

from silasidakep.clock import now_utc

PROBE_TIMEOUT_SECONDS = 3.0
CACHE_SECONDS = float(os.environ.get("STATUS_CACHE_SECONDS", "15"))
COMPONENT_LABELS = {
    "gateway": "Situs dan API layanan",
    "intake": "Pengajuan permohonan",
    "verification": "Verifikasi oleh petugas",
    "printing": "Penerbitan dan tanda tangan elektronik",
    "notification": "Pemberitahuan (email)",
    "object_storage": "Penyimpanan berkas",
}

_cache: dict[str, Any] = {"at": 0.0, "body": None}


def _answers(call: Callable[[], Any]) -> bool:
    try:
        with eventlet.Timeout(PROBE_TIMEOUT_SECONDS):
            result = call()
    except (Exception, eventlet.Timeout):  # a probe reports; it never fails the page
        return False
    return not isinstance(result, dict) or bool(result.get("up"))


def probe(proxies: dict[str, Any], storage_ping: Callable[[], None]) -> dict[str, bool]:
    """Ask every service for its health at once; a silent service counts as down."""
    pool = eventlet.GreenPool()
    calls: dict[str, Callable[[], Any]] = {
        name: (lambda proxy=proxy: proxy.health_status()) for name, proxy in proxies.items()
    }
    calls["object_storage"] = storage_ping
    threads = {name: pool.spawn(_answers, call) for name, call in calls.items()}
    return {"gateway": True, **{name: thread.wait() for name, thread in threads.items()}}


def current(health: Callable[[], dict[str, bool]],
            backlog: Callable[[], list[dict[str, Any]]]) -> dict[str, Any]:
    now = time.monotonic()
    if _cache["body"] is not None and now - _cache["at"] < CACHE_SECONDS:
        return _cache["body"]
    up = health()
    try:
        services = backlog() if up.get("intake") else []
    except Exception:  # intake went away between the probe and this call
        services = []
    body = {
        "updated_at": now_utc().isoformat(),
        "components": [
            {"name": name, "label": COMPONENT_LABELS[name], "up": up.get(name, False)}
            for name in COMPONENT_LABELS
        ],
        "services": services,
    }
    _cache.update(at=now, body=body)
    return body
