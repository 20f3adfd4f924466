"""Writes deploy/k8s/base/prometheusrule.yaml from the Prometheus rule file.

deploy/monitoring/prometheus/rules/silasidakep.rules.yml is the one source of the alert rules
(docker-compose's Prometheus and tests/ops load it directly); the PrometheusRule carries the same
groups. tests/deploy/test_manifests.py fails when the two differ, so after editing the rules run:

    .venv/bin/python deploy/k8s/tools/generate_prometheusrule.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "monitoring" / "prometheus" / "rules" / "silasidakep.rules.yml"
OUTPUT = ROOT / "deploy" / "k8s" / "base" / "prometheusrule.yaml"

HEADER = """\
# GENERATED from deploy/monitoring/prometheus/rules/silasidakep.rules.yml by
# deploy/k8s/tools/generate_prometheusrule.py; do not edit by hand (a test compares the two).
"""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def prometheus_rule() -> dict[str, Any]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "silasidakep",
            "labels": {"app.kubernetes.io/part-of": "silasidakep"},
        },
        "spec": {"groups": rules["groups"]},
    }


def render() -> str:
    body = yaml.dump(prometheus_rule(), Dumper=_Dumper, sort_keys=False, width=100,
                     allow_unicode=True)
    return HEADER + body


def main() -> int:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
