"""Rendering the Kustomize overlays and validating the result against real schemas.

* Rendering: kubectl's built-in kustomize, the pinned binary that bin/ensure-k8s-tools installs
  in .tools/bin (or $KUBECTL).
* Built-in kinds: kubernetes-validate (the Kubernetes OpenAPI schemas as JSON Schema, strict mode:
  unknown fields are errors, as `kubectl apply`'s server-side field validation makes them).
* Custom resources: this project's schemas of the operators' resources in
  deploy/k8s/schemas/operators (written from each operator's API reference, see the README
  there), made strict: an object that lists its properties rejects any other. Kubernetes core
  types inside them (resources, affinity, ...) refer to kubernetes-validate's definitions.
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
OPERATOR_SCHEMAS = K8S / "schemas" / "operators"
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


# --- operator schemas --------------------------------------------------------------------------


def _strict(node: Any) -> Any:
    """Objects that list their properties reject any other (unless they say otherwise)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@functools.cache
def _kubernetes_definitions() -> Resource:
    """kubernetes-validate's definitions of the core types ($id .../api/_definitions.json)."""
    version = max(v for v in kubernetes_validate.utils.all_versions()
                  if kubernetes_validate.utils.major_minor(v) == KUBERNETES_VERSION)
    contents = kubernetes_validate.utils.schema_contents(
        f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", KUBERNETES_VERSION)
    return Resource.from_contents(contents)


@functools.cache
def operator_schemas() -> dict[tuple[str, str], tuple[Path, dict[str, Any]]]:
    """(apiVersion, kind) -> (schema file, strict JSON Schema of the whole resource)."""
    schemas: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for path in sorted(OPERATOR_SCHEMAS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            key = (entry["apiVersion"], entry["kind"])
            assert key not in schemas, f"{key} is described twice"
            assert entry.get("reference"), f"{path.name} {key}: say which API reference"
            schema = _strict(entry["schema"])
            schema["properties"]["apiVersion"] = {"const": entry["apiVersion"]}
            schema["properties"]["kind"] = {"const": entry["kind"]}
            schema["properties"]["metadata"] = {"type": "object"}  # checked as ObjectMeta below
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind",
                                         "metadata"})
            Draft202012Validator.check_schema(schema)
            schemas[key] = (path, schema)
    return schemas


# --- validation --------------------------------------------------------------------------------


class NoSchema(Exception):
    pass


def errors(doc: Doc) -> list[str]:
    """Every schema violation of one manifest; raises NoSchema when no schema is known."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    if key in operator_schemas():
        _, schema = operator_schemas()[key]
        registry = _kubernetes_definitions() @ Registry()
        validator = Draft202012Validator(schema, registry=registry)
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
    """An operator schema says only `metadata: object`; check it as the API server does."""
    probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc.get("metadata")}
    try:
        kubernetes_validate.validate(probe, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{where}: metadata.{'.'.join(map(str, exc.path))}: {exc.message}"]
    return []
