"""The load generator: a thread pool, one keep-alive HTTP session per worker thread.

Requests and their timing come from bench/submissions.py (``timed``, ``thread_client``,
``run_citizen``); this module adds the single-request kinds, timed without decoding the answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from bench.submissions import ERROR_BODY_CHARS, Sample, thread_client, timed

T = TypeVar("T")
R = TypeVar("R")
DOC_TYPES = ("KK_LAMA", "BUKTI_PERUBAHAN")
NAIVE_HEADERS = {"Content-Type": "application/json"}

_local = threading.local()


@dataclass
class Draft:
    """An application the bench created: what later requests need to address it."""

    app_id: str
    token: str


def run_pool(clients: int, work: Callable[[T], R], items: Sequence[T]) -> tuple[list[R], float]:
    """Every item through ``work`` on ``clients`` threads; the results and the wall time."""
    pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="load")
    try:
        started = time.perf_counter()
        results = list(pool.map(work, items))
        return results, time.perf_counter() - started
    finally:  # on Ctrl-C, drop what has not started instead of sending it all first
        pool.shutdown(wait=True, cancel_futures=True)


def light(kind: str, call: Callable[[], requests.Response]) -> Sample:
    """One timed request whose body is read but not decoded (only failures keep a snippet)."""
    started = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as exc:
        elapsed = time.perf_counter() - started
        return Sample(kind, False, type(exc).__name__, elapsed, str(exc)[:ERROR_BODY_CHARS])
    elapsed = time.perf_counter() - started
    if not response.ok:
        return Sample(kind, False, str(response.status_code), elapsed,
                      response.text[:ERROR_BODY_CHARS])
    return Sample(kind, True, str(response.status_code), elapsed)


def naive_request(url: str, body: bytes) -> Sample:
    session = getattr(_local, "naive", None)
    if session is None:
        session = _local.naive = requests.Session()
    return light("naive", lambda: session.post(url, data=body, headers=NAIVE_HEADERS, timeout=30))


def create(base_url: str, payload: dict[str, Any]) -> tuple[Sample, Draft | None]:
    sample, body = timed("create", lambda: thread_client(base_url).create(payload))
    if not sample.ok or not body:
        return sample, None
    return sample, Draft(body["id"], body["access_token"])


def get(base_url: str, draft: Draft) -> Sample:
    return light("get", lambda: thread_client(base_url).get(draft.app_id, draft.token))


def upload(base_url: str, draft: Draft, doc_type: str, scan: bytes) -> Sample:
    client = thread_client(base_url)
    return light("upload", lambda: client.upload(draft.app_id, draft.token, doc_type, scan))


def submit(base_url: str, draft: Draft) -> Sample:
    return light("submit", lambda: thread_client(base_url).submit(draft.app_id, draft.token))


def prepare(base_url: str, payload: dict[str, Any], scan: bytes) -> tuple[list[Sample],
                                                                          Draft | None]:
    """A draft ready to submit: created, both documents uploaded (for the backlog)."""
    sample, draft = create(base_url, payload)
    samples = [sample]
    for doc_type in DOC_TYPES:
        if draft is None:
            break
        samples.append(upload(base_url, draft, doc_type, scan))
        if not samples[-1].ok:
            draft = None
    return samples, draft
