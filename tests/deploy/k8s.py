"""Rendering the Kustomize overlays and validating the result against real schemas.

* Rendering: kubectl's built-in kustomize, the pinned binary that bin/ensure-k8s-tools installs
  in .tools/bin (or $KUBECTL).
* Built-in kinds: kubernetes-validate (the Kubernetes OpenAPI schemas as JSON Schema, strict mode:
  unknown fields are errors, as `kubectl apply`'s server-side field validation makes them).
* Custom resources: the openAPIV3Schema of the operators' CRDs vendored in deploy/k8s/schemas/crds
  (see the README there), turned into strict JSON Schema the way kubeconform's openapi2jsonschema
  does: objects that list their properties reject others unless the schema says
  x-kubernetes-preserve-unknown-fields.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
CRD_DIR = K8S / "schemas" / "crds"
KUBERNETES_VERSION = "1.33"

Doc = dict[str, Any]


def kubectl() -> str:
    path = os.environ.get("KUBECTL") or str(ROOT / ".tools" / "bin" / "kubectl")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run bin/ensure-k8s-tools (installs the pinned kubectl)")
    return path


@functools.cache
def render(overlay: str) -> tuple[Doc, ...]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def rendered(overlay: str) -> list[Doc]:
    """A fresh copy of the rendered documents, safe to modify."""
    return copy.deepcopy(list(render(overlay)))


def of_kind(docs: list[Doc] | tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


# --- CRD schemas -------------------------------------------------------------------------------


def _go_pattern(pattern: str) -> str:
    """A CRD `pattern` is a Go (RE2) regular expression; Python wants `^(?i)x` as `(?i)^x`."""
    flags = re.match(r"\^(\(\?[a-zA-Z]+\))", pattern)
    if flags:
        pattern = flags.group(1) + "^" + pattern[flags.end():]
    re.compile(pattern)  # anything else Python cannot read fails here, not silently
    return pattern


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if isinstance(out.get("pattern"), str):
        out["pattern"] = _go_pattern(out["pattern"])
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if out.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("x-kubernetes-embedded-resource") and "properties" in out:
        for field in ("apiVersion", "kind"):
            out["properties"].setdefault(field, {"type": "string"})
        out["properties"].setdefault("metadata", {"type": "object"})
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_schemas() -> dict[tuple[str, str], tuple[Path, dict[str, Any]]]:
    """(apiVersion, kind) -> (CRD file, strict JSON Schema), for every served version."""
    schemas: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd:
                continue
            assert crd["apiVersion"] == "apiextensions.k8s.io/v1", path
            assert crd["kind"] == "CustomResourceDefinition", path
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served", True):
                    continue
                api_version = f"{group}/{version['name']}"
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schema["properties"]["apiVersion"] = {"const": api_version}
                schema["properties"]["kind"] = {"const": kind}
                schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
                Draft202012Validator.check_schema(schema)
                schemas[(api_version, kind)] = (path, schema)
    return schemas


# --- validation --------------------------------------------------------------------------------


class NoSchema(Exception):
    pass


def errors(doc: Doc) -> list[str]:
    """Every schema violation of one manifest; raises NoSchema when no schema is known."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    if key in crd_schemas():
        _, schema = crd_schemas()[key]
        validator = Draft202012Validator(schema)
        found = [
            f"{where}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(doc)
        ]
        return found + _metadata_errors(doc, where)
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:
        raise NoSchema(where) from exc
    except kubernetes_validate.ValidationError as exc:
        return [f"{where}: {'.'.join(map(str, exc.path)) or '<root>'}: {exc.message}"]
    return []


def _metadata_errors(doc: Doc, where: str) -> list[str]:
    """A CRD schema says only `metadata: object`; check it as the API server does (ObjectMeta)."""
    probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc.get("metadata")}
    try:
        kubernetes_validate.validate(probe, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{where}: metadata.{'.'.join(map(str, exc.path))}: {exc.message}"]
    return []
