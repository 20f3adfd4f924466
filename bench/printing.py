"""Benchmark: render and PAdES-sign N documents of each output type, in process.

No services, broker or storage: the same code printing runs per job (template -> reportlab PDF
-> pyHanko signature), with the development CA (created in a temporary directory, or taken from
--pki-dir). Documents are made one after another in one thread, so the rates are per core.
Prints, per type, documents per second per core for render, sign and both (from CPU time),
and p50/p95 wall milliseconds. See bench/README.md.

Exit code 0 when every signed document validates, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from services.printing import production, serials  # noqa: E402
from services.printing.documents.devca import ensure_dev_pki  # noqa: E402
from services.printing.documents.numbering import document_number  # noqa: E402
from services.printing.documents.pades import PdfSigner, validate_signed_pdf  # noqa: E402
from tests.unit.printing.samples import (  # noqa: E402
    PUBLIC_BASE_URL,
    SIGNER_NAME,
    SIGNER_TITLE,
    SNAPSHOTS,
)


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)  # seconds, one per document
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def per_core(self) -> float:
        return len(self.cpu) / sum(self.cpu) if sum(self.cpu) else math.inf

    def pct_ms(self, q: float) -> float:
        ordered = sorted(self.wall)
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(n: int, pki_dir: Path, types: list[str]) -> int:
    files = ensure_dev_pki(pki_dir)
    issuer = production.Issuer(
        signer=PdfSigner(files.key_file, files.cert_file, files.ca_file),
        signer_name=SIGNER_NAME, signer_title=SIGNER_TITLE, public_base_url=PUBLIC_BASE_URL,
        objects=None,  # type: ignore[arg-type]  # nothing is stored
        bucket="unused",
    )
    # Warm-up: fonts, templates, pyHanko imports.
    warm = SNAPSHOTS["KK"](1)
    production.sign_pdf(issuer, production.render(issuer, "WARMUP", warm))

    rows, failures, sizes = [], 0, {}
    totals = {step: Timings() for step in ("render", "sign", "both")}
    for doc_type in types:
        steps = {step: Timings() for step in ("render", "sign", "both")}
        for i in range(n):
            snapshot = SNAPSHOTS[doc_type](1000 + i)
            number = document_number(doc_type, serials.REGENCY_CODE, datetime.now(), i + 1)
            pdf, r_wall, r_cpu = timed(production.render, issuer, number, snapshot)
            signed, s_wall, s_cpu = timed(production.sign_pdf, issuer, pdf)
            steps["render"].add(r_wall, r_cpu)
            steps["sign"].add(s_wall, s_cpu)
            steps["both"].add(r_wall + s_wall, r_cpu + s_cpu)
            if i == 0:
                failures += not validate_signed_pdf(signed, files.ca_file).ok
                sizes[doc_type] = len(signed)
        for step, timings in steps.items():
            totals[step].wall += timings.wall
            totals[step].cpu += timings.cpu
        rows.append((doc_type, steps))
    rows.append(("all", totals))

    print(f"printing bench: n={n} per type, {len(types)} types, Python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print("docs/s/core from CPU time of one thread; p50/p95 are wall ms per document")
    header = ("type", "render/s", "sign/s", "both/s", "render p50", "render p95",
              "sign p50", "sign p95", "both p50", "both p95", "KB")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for doc_type, steps in rows:
        cells = [doc_type] + [f"{steps[s].per_core():.1f}" for s in ("render", "sign", "both")]
        for s in ("render", "sign", "both"):
            cells += [f"{steps[s].pct_ms(0.50):.0f}", f"{steps[s].pct_ms(0.95):.0f}"]
        cells.append(f"{sizes[doc_type] / 1024:.0f}" if doc_type in sizes else "")
        print("| " + " | ".join(cells) + " |")
    print("RESULT: OK" if failures == 0 else f"RESULT: FAILED ({failures} invalid signatures)")
    return 0 if failures == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="documents per type (default 20)")
    parser.add_argument("--pki-dir", type=Path, help="dev PKI directory (default: a temp dir)")
    parser.add_argument("--type", action="append", choices=sorted(SNAPSHOTS), dest="types",
                        help="only this output type (repeatable; default: all)")
    args = parser.parse_args(argv)
    types = args.types or list(SNAPSHOTS)
    if args.pki_dir:
        return run(args.n, args.pki_dir, types)
    with tempfile.TemporaryDirectory() as tmp:
        return run(args.n, Path(tmp), types)


if __name__ == "__main__":
    sys.exit(main())
