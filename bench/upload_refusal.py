"""What a refused upload costs the gateway: a small PNG that decodes to ~59 megapixels, sent
with a bogus access token by N clients at once.

Before issue 13 the gateway decoded the image before checking the token (0.6 s and +224 MB
RSS for one); now intake is asked first and the body is never read. Prints the answers, the
time per request and the gateway's resident memory before and after.

    .venv/bin/python -m bench.upload_refusal [--clients 20]   (RabbitMQ and PostgreSQL up)
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

from tests.support.citizen import CitizenClient, application_payload, new_person
from tests.support.system import running_system

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "bench-upload-refusal"


def bomb_png() -> bytes:
    """7,700 x 7,700 pixels of one colour: tiny on the wire, ~59 MP (~178 MB RGB) decoded."""
    out = io.BytesIO()
    Image.new("RGB", (7700, 7700), (250, 250, 250)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    png = bomb_png()
    with running_system(ARTIFACTS) as system:
        citizen = CitizenClient.connect(system.gateway)
        draft = citizen.create(application_payload(new_person(7)))
        draft.raise_for_status()
        url = f"{system.gateway}/api/v1/applications/{draft.json()['id']}/documents/KK_LAMA"
        pid = system.processes["gateway"].process.pid
        before = rss_mb(pid)

        def send(_: int) -> tuple[int, float]:
            started = time.perf_counter()
            answer = requests.put(url, data=png, timeout=120, headers={
                "Authorization": "Bearer bogus-token", "Content-Type": "image/png"})
            return answer.status_code, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(send, range(args.clients)))
        wall = time.perf_counter() - started
        after = rss_mb(pid)
    times = sorted(t for _, t in results)
    print(f"PNG on the wire: {len(png) / 1024:.0f} KB, 7700x7700 = 59.3 MP")
    print(f"{args.clients} concurrent uploads with a bogus token: answers "
          f"{dict(Counter(code for code, _ in results))}, wall {wall:.2f} s")
    print(f"per request: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms")
    print(f"gateway RSS: {before:.0f} MB before, {after:.0f} MB after")


if __name__ == "__main__":
    main()
