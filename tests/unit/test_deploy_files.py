"""Deployment files: docker-compose.yml against the Compose Specification, and the k8s base.

The compose schema is vendored at deploy/schemas/compose-spec.json (see the README there); no
Docker engine is needed. The k8s checks here are structural and read the base's files directly;
tests/deploy renders every overlay with kustomize and validates it against the schemas.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import ValidationError, validators

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"
K8S_BASE = ROOT / "deploy" / "k8s" / "base"
CONFIG_MODULE = ROOT / "silasidakep" / "config.py"

# service -> (config file, "module:Class", HTTP address variable, port)
APP_SERVICES: dict[str, tuple[str, str, str, int]] = {
    "intake": (
        "services/intake/config.yaml",
        "services.intake.service:IntakeService",
        "INTAKE_HTTP_ADDRESS",
        8001,
    ),
    # Intake's events side (INTAKE_SERVES=events): the same service class and config.
    "intake-events": (
        "services/intake/config.yaml",
        "services.intake.service:IntakeService",
        "INTAKE_HTTP_ADDRESS",
        8006,
    ),
    "verification": (
        "services/verification/config.yaml",
        "services.verification.service:VerificationService",
        "VERIFICATION_HTTP_ADDRESS",
        8002,
    ),
    "printing": (
        "services/printing/config.yaml",
        "services.printing.service:PrintingService",
        "PRINTING_HTTP_ADDRESS",
        8003,
    ),
    "notification": (
        "services/notification/config.yaml",
        "services.notification.service:NotificationService",
        "NOTIFICATION_HTTP_ADDRESS",
        8004,
    ),
    "gateway": ("gateway/config.yaml", "gateway.service:GatewayService", "GATEWAY_ADDRESS", 8000),
}
INFRA_SERVICES = ("rabbitmq", "postgres", "minio", "mailpit")
# service -> container ports it may publish to the host
PUBLISHED = {
    "gateway": {8000}, "mailpit": {8025}, "minio": {9001}, "prometheus": {9090}, "grafana": {3000}
}
MONITORING_SERVICES = ("prometheus", "grafana")
# The 12-factor contract of silasidakep/config.py that every app container must receive.
CONTRACT_ENV = (
    "AMQP_URI",
    "DATABASE_URL",
    "S3_ENDPOINT",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "SMTP_HOST",
    "SMTP_PORT",
    "MAIL_FROM",
    "PUBLIC_BASE_URL",
)
SECRET_ENV = (
    "AMQP_URI", "DATABASE_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "JWT_SECRET", "PIN_HMAC_KEY",
    "CODE_HMAC_KEY",
)


# --- helpers ------------------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validator_class_for(schema: dict[str, Any]) -> Any:
    """The jsonschema class of the draft that `$schema` declares.

    The vendored file spells draft 2019-09 as "http://json-schema.org/draft/2019-09/schema#",
    which jsonschema only knows as "https://json-schema.org/draft/2019-09/schema"; without this,
    validator_for would quietly fall back to the latest draft.
    """
    declared = schema["$schema"]
    for uri in (declared, declared.rstrip("#"), declared.replace("http:", "https:", 1).rstrip("#")):
        cls = validators.validator_for({"$schema": uri}, default=None)
        if cls is not None:
            return cls
    raise AssertionError(f"no jsonschema validator for $schema {declared!r}")


def compose_validator() -> Any:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_class_for(schema)
    cls.check_schema(schema)
    # No format checker: Compose's "duration" ("10s") is not an ISO 8601 duration.
    return cls(schema)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def command_target(command: list[str]) -> tuple[str, str]:
    """(config file, module:Class) from a `silasidakep.nameko_cli run` command."""
    assert command[:4] == ["python", "-m", "silasidakep.nameko_cli", "run"], command
    config = command[command.index("--config") + 1]
    targets = [arg for arg in command[4:] if ":" in arg and not arg.startswith("-")]
    assert len(targets) == 1, command
    return config, targets[0]


def published_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:  # "[host_ip:]host:container[/proto]"
            ports.add(int(str(entry).split("/")[0].split(":")[-1]))
    return ports


def contract_names_read_by_config() -> set[str]:
    """Names that silasidakep/config.py reads through env.get(...) or secret(env, ...)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(CONFIG_MODULE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and node.args:
            arg = node.args[0]
        elif isinstance(func, ast.Name) and func.id == "secret" and len(node.args) > 1:
            arg = node.args[1]
        else:
            continue
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
    return names


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in sorted(K8S_BASE.glob("*.yaml")) + sorted(K8S_BASE.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            docs.extend((path, doc) for doc in yaml.safe_load_all(handle) if doc is not None)
    return docs


# --- docker-compose.yml -------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    validator = compose_validator()
    assert validator.schema["title"] == "Compose Specification"
    validator.validate(load_compose())


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"services": {"x": {"image": 1, "restart": "sometimes-maybe"}}}, id="image-1"),
        pytest.param({"unknown-top-level-key": {}}, id="unknown-top-level-key"),
        pytest.param({"services": {"x": {"imagee": "busybox"}}}, id="misspelt-service-key"),
        pytest.param(
            {"services": {"x": {"depends_on": {"y": {"condition": "service_happy"}}}}},
            id="bad-depends-on-condition",
        ),
    ],
)
def test_the_validator_rejects_a_broken_copy(broken: dict[str, Any]) -> None:
    document = copy.deepcopy(load_compose())
    for key, value in broken.items():
        if key == "services":
            document["services"].update(value)
        else:
            document[key] = value
    with pytest.raises(ValidationError):
        compose_validator().validate(document)


def test_compose_has_the_expected_services_and_shares_settings_through_an_anchor() -> None:
    compose = load_compose()
    assert set(compose["services"]) == {
        *APP_SERVICES, *INFRA_SERVICES, *MONITORING_SERVICES, "migrate"
    }
    assert "x-app" in compose
    assert COMPOSE_FILE.read_text(encoding="utf-8").count("<<: *app\n") >= len(APP_SERVICES)


@pytest.mark.filterwarnings(r"ignore:\s*Eventlet is deprecated")
@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_command_names_an_existing_service_class(name: str) -> None:
    config_file, target, _, _ = APP_SERVICES[name]
    service = load_compose()["services"][name]
    assert service["build"]["dockerfile"] == "Dockerfile"
    assert command_target(service["command"]) == (config_file, target)
    assert (ROOT / config_file).is_file()
    module_name, class_name = target.split(":")
    module = importlib.import_module(module_name)
    assert isinstance(getattr(module, class_name), type)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_has_a_health_check_on_its_own_port(name: str) -> None:
    _, _, address_variable, port = APP_SERVICES[name]
    service = load_compose()["services"][name]
    assert environment(service)[address_variable] == f"0.0.0.0:{port}"
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD" and "curl" not in test and "wget" not in test
    assert f"http://127.0.0.1:{port}/health" in " ".join(test)
    assert not service["healthcheck"].get("disable", False)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_gets_the_whole_settings_contract(name: str) -> None:
    env = environment(load_compose()["services"][name])
    missing = [variable for variable in CONTRACT_ENV if not env.get(variable)]
    assert not missing, f"{name} lacks {missing}"
    assert env["SILASIDAKEP_ENV"] == "development"
    assert env["JWT_SECRET"] and env["PIN_HMAC_KEY"] and env["DEV_PKI_DIR"] == "/pki"
    assert env["AMQP_URI"] == "amqp://guest:guest@rabbitmq:5672/"
    assert env["S3_ENDPOINT"] == "http://minio:9000"
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("mailpit", "1025")
    assert env["DATABASE_URL"].startswith("postgresql+psycopg2://postgres:")
    assert env["DATABASE_URL"].endswith("@postgres:5432/silasidakep")


def test_the_contract_list_matches_what_config_py_reads() -> None:
    read = contract_names_read_by_config()
    assert set(CONTRACT_ENV) <= read, set(CONTRACT_ENV) - read


def test_compose_credentials_agree_between_infrastructure_and_apps() -> None:
    services = load_compose()["services"]
    env = environment(services["gateway"])
    minio = environment(services["minio"])
    assert (minio["MINIO_ROOT_USER"], minio["MINIO_ROOT_PASSWORD"]) == (
        env["S3_ACCESS_KEY"],
        env["S3_SECRET_KEY"],
    )
    password = environment(services["postgres"])["POSTGRES_PASSWORD"]
    assert f"postgres:{password}@postgres" in env["DATABASE_URL"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_service_waits_for_infrastructure_and_migrations(name: str) -> None:
    depends_on = load_compose()["services"][name]["depends_on"]
    for infra in INFRA_SERVICES:
        assert depends_on[infra]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_is_a_one_shot_job_writing_the_shared_pki_volume() -> None:
    compose = load_compose()
    migrate = compose["services"]["migrate"]
    script = " ".join(migrate["command"])
    assert "python -m cli migrate" in script
    assert "python -m cli dev-ca /pki" in script
    assert migrate["restart"] == "no"
    assert "pki:/pki" in migrate["volumes"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pki" in compose["volumes"]
    assert any(str(v).startswith("pki:/pki") for v in compose["services"]["printing"]["volumes"])


def test_only_gateway_mailpit_and_minio_console_publish_ports() -> None:
    for name, service in load_compose()["services"].items():
        assert published_ports(service) == PUBLISHED.get(name, set()), name


def test_infrastructure_images_are_pinned_and_health_checked() -> None:
    services = load_compose()["services"]
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["postgres"]["image"] == "postgres:16"
    assert services["minio"]["image"].startswith("minio/minio:RELEASE.")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:v")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for name in INFRA_SERVICES:
        assert services[name]["healthcheck"]["test"], name


def test_dockerfile_is_multi_stage_pinned_and_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in dockerfile.splitlines()]
    assert "ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm" in lines
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    assert "RUN pip install --no-cache-dir -r requirements.lock && pip check" in lines
    assert "RUN pip install --no-cache-dir --no-deps ." in lines
    assert "WORKDIR /app" in lines
    assert [line for line in lines if line.startswith("USER ")][-1] == "USER 10001:10001"
    runtime_pins = (ROOT / "requirements.lock").read_text(encoding="utf-8").split()
    for dev_only in ("pytest==", "moto==", "honcho==", "ruff=="):
        assert not any(pin.startswith(dev_only) for pin in runtime_pins), dev_only
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", "var", "test-artifacts", ".git", "**/__pycache__"):
        assert entry in ignored, entry


# --- deploy/k8s/base ----------------------------------------------------------------------------


def test_every_k8s_document_parses_and_names_itself() -> None:
    docs = k8s_documents()
    assert docs
    for path, doc in docs:
        assert isinstance(doc, dict), path
        assert doc.get("apiVersion") and doc.get("kind"), path
        assert doc.get("metadata", {}).get("name"), path


def test_kustomization_lists_every_resource_file() -> None:
    kustomization = yaml.safe_load((K8S_BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == "silasidakep"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    present = {p.name for p in K8S_BASE.iterdir() if p.suffix in (".yaml", ".yml")}
    assert set(listed) == present - {"kustomization.yaml", "kustomization.yml"}


def test_k8s_base_has_namespace_configmap_and_a_deployment_and_service_per_app() -> None:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for _, doc in k8s_documents():
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert set(by_kind["Namespace"]) == {"silasidakep"}
    assert set(by_kind["Deployment"]) == set(APP_SERVICES)
    # The app Services plus MinIO's (its StatefulSet is the only other workload in the base).
    assert set(by_kind["Service"]) == set(APP_SERVICES) | {"minio", "minio-hl"}
    assert set(by_kind["StatefulSet"]) == {"minio"}
    config = by_kind["ConfigMap"]["silasidakep-config"]["data"]
    assert not set(SECRET_ENV) & set(config), "credentials belong in a Secret"
    for name, (_, _, _, port) in APP_SERVICES.items():
        deployment, service = by_kind["Deployment"][name], by_kind["Service"][name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert service["spec"]["selector"].items() <= labels.items()
        # The HTTP port and the one Prometheus scrapes (the gateway's is internal).
        assert [p["port"] for p in service["spec"]["ports"]] == [port, 9108]


def test_every_deployment_has_probes_resources_and_runs_as_non_root() -> None:
    compose = load_compose()["services"]
    deployments = [doc for _, doc in k8s_documents() if doc["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name
        for container in pod["containers"]:
            # Readiness: /health (broker, database, object storage). Liveness: a TCP connect,
            # so that an outage of a dependency does not restart every pod (see deploy/k8s).
            assert container["readinessProbe"]["httpGet"]["path"] == "/health", name
            assert container["livenessProbe"]["tcpSocket"]["port"] == "http", name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["command"] == compose[name]["command"], name
            _, _, address_variable, port = APP_SERVICES[name]
            env = {item["name"]: item.get("value") for item in container.get("env", [])}
            assert env[address_variable] == f"0.0.0.0:{port}", name
            metrics = [9108] if name == "gateway" else []  # the gateway's internal metrics port
            assert [p["containerPort"] for p in container["ports"]] == [port, *metrics], name


def test_the_connection_pool_is_a_setting() -> None:
    from silasidakep.db import PoolSize

    assert PoolSize.from_env({}) == PoolSize(10, 10)
    assert PoolSize.from_env({"DB_POOL_SIZE": "4"}) == PoolSize(4, 4)
    assert PoolSize.from_env({"DB_POOL_SIZE": "4", "DB_MAX_OVERFLOW": "0"}) == PoolSize(4, 0)
    for bad in ({"DB_POOL_SIZE": "0"}, {"DB_POOL_SIZE": "many"}):
        with pytest.raises(RuntimeError):
            PoolSize.from_env(bad)
