"""The OpenAPI document is valid and describes exactly the routes the gateway serves."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from gateway.service import GatewayService

SPEC = Path(__file__).resolve().parents[2] / "gateway" / "openapi.yaml"


def gateway_routes() -> set[tuple[str, str]]:
    routes = set()
    for _, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)
                for verb in entrypoint.method.split(","):
                    routes.add((verb.strip().lower(), path))
    return routes


def test_spec_is_valid_openapi() -> None:
    validate(yaml.safe_load(SPEC.read_text()))


def test_spec_and_gateway_routes_match() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    documented = {(verb, path) for path, ops in spec["paths"].items() for verb in ops}
    assert documented == gateway_routes()
