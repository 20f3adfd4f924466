"""deploy/k8s: every overlay renders with kustomize and every manifest validates against the
Kubernetes schema or our operator schema of its kind; plus what the schemas cannot say (probes,
autoscaling on real queues, exposure, disruption budgets, secrets).

Needs the pinned kubectl from bin/ensure-k8s-tools (no cluster).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from silasidakep.contracts import SUBSCRIPTIONS
from silasidakep.db import PoolSize
from silasidakep.queue_metrics import known_queues
from tests.deploy import k8s
from tests.deploy.k8s import OVERLAYS, ROOT, Doc, of_kind, render, rendered

APPS = ("intake", "intake-events", "verification", "printing", "notification", "gateway")
# Deployment -> the service whose queues it consumes (intake's two sides split intake's).
CONSUMERS = {
    "intake": "intake", "intake-events": "intake", "verification": "verification",
    "printing": "printing", "notification": "notification",
}
# Secrets production expects to exist (created by hand or by the operators), never committed.
PRODUCTION_SECRETS = {
    "silasidakep-secrets", "minio-root", "silasidakep-signing", "silasidakep-tls",
    "rabbitmq-default-user", "postgres-app",
}
OPERATOR_SECRETS = {"rabbitmq-default-user", "postgres-app"}
# Development values that must never reach production (overlays/local, docker-compose.yml).
DEV_VALUES = (
    "development-only", "silasidakep-dev", "silasidakep-dev-secret", "guest:guest",
    "SILASIDAKEP_ENV: development",
)


def workloads(docs: list[Doc] | tuple[Doc, ...]) -> Iterator[Doc]:
    yield from (d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "Job"))


def pod_spec(workload: Doc) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector:
        return True
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        value, op = labels.get(expr["key"]), expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and value is None:
            return False
        if op == "DoesNotExist" and value is not None:
            return False
    return True


# --- rendering and schema validation ------------------------------------------------------------


CLUSTER_SCOPED = frozenset({"Namespace", "PriorityClass"})


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_into_one_namespace(overlay: str) -> None:
    docs = render(overlay)
    assert docs
    for doc in docs:
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"].get("namespace") == "silasidakep", doc["metadata"]["name"]
        else:
            assert "namespace" not in doc["metadata"], doc["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_manifest_is_valid_against_its_schema(overlay: str) -> None:
    problems: list[str] = []
    without_schema: set[tuple[str, str]] = set()
    for doc in render(overlay):
        try:
            problems.extend(k8s.errors(doc))
        except k8s.NoSchema:
            without_schema.add((doc["apiVersion"], doc["kind"]))
    assert not problems, "\n".join(problems)
    assert not without_schema, f"no schema for {sorted(without_schema)}"


def test_operator_schemas_cover_exactly_the_custom_kinds_used() -> None:
    used = {(d["apiVersion"], d["kind"]) for o in OVERLAYS for d in render(o)}
    groups = {key: key[0].split("/")[0] if "/" in key[0] else "" for key in used}
    custom = {key for key, group in groups.items()
              if "." in group and not group.endswith(".k8s.io")}
    assert custom == set(k8s.operator_schemas())  # none missing, none stale
    readme = (k8s.OPERATOR_SCHEMAS.parent / "README.md").read_text(encoding="utf-8")
    for path in sorted(k8s.OPERATOR_SCHEMAS.glob("*.yaml")):
        assert path.name in readme, f"{path.name} is not described in schemas/README.md"


def _rejected(doc: Doc) -> list[str]:
    try:
        found = k8s.errors(doc)
    except k8s.NoSchema as exc:  # an apiVersion/kind the cluster would not know either
        found = [f"no schema for {exc}"]
    assert found, "the validator accepted a broken manifest"
    return found


def _first(overlay: str, kind: str, name: str | None = None) -> Doc:
    docs = [d for d in rendered(overlay) if d["kind"] == kind]
    if name:
        docs = [d for d in docs if d["metadata"]["name"] == name]
    assert docs, (kind, name)
    return docs[0]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["spec"].__setitem__("minReplicaCout", d["spec"].pop(
            "minReplicaCount")), id="spec.minReplicaCout"),
        pytest.param(lambda d: d["spec"]["triggers"][0].__setitem__(
            "authenticationRefs", d["spec"]["triggers"][0].pop("authenticationRef")),
            id="triggers[0].authenticationRefs"),
        pytest.param(lambda d: d["spec"]["scaleTargetRef"].__setitem__("nmae", "x"),
                     id="scaleTargetRef.nmae"),
        pytest.param(lambda d: d.__setitem__("specs", d.pop("spec")), id="specs"),
        pytest.param(lambda d: d["spec"].__setitem__("maxReplicaCount", "eight"),
                     id="maxReplicaCount-not-integer"),
        pytest.param(lambda d: d["spec"]["triggers"][0]["metadata"].__setitem__("value", 20),
                     id="trigger-metadata-value-not-string"),
        pytest.param(lambda d: d.__setitem__("apiVersion", "keda.sh/v1"), id="apiVersion"),
        pytest.param(lambda d: d["metadata"].__setitem__("lables", {}), id="metadata.lables"),
    ],
)
def test_the_validator_rejects_a_misspelt_or_mistyped_scaledobject(mutate: Any) -> None:
    so = _first("production", "ScaledObject", "printing")
    assert not k8s.errors(so)
    mutate(so)
    _rejected(so)


@pytest.mark.parametrize(
    ("kind", "name", "mutate"),
    [
        ("Deployment", "gateway",
         lambda d: d["spec"]["template"]["spec"]["containers"][0].__setitem__(
             "readinesProbe", {})),
        ("Deployment", "printing", lambda d: d["spec"].__setitem__("replicas", "two")),
        ("HorizontalPodAutoscaler", "gateway", lambda d: d["spec"].__setitem__("minReplica", 1)),
        ("NetworkPolicy", "default-deny-all",
         lambda d: d["spec"].__setitem__("policyType", ["Ingress"])),
        ("TriggerAuthentication", "rabbitmq-management",
         lambda d: d["spec"]["secretTargetRef"][0].__setitem__("secret", "x")),
        ("PrometheusRule", "silasidakep",
         lambda d: d["spec"]["groups"][0]["rules"][0].__setitem__("for", "ten minutes")),
        ("ServiceMonitor", "silasidakep",
         lambda d: d["spec"]["endpoints"][0].__setitem__("intervall", "15s")),
        ("RabbitmqCluster", "rabbitmq",
         lambda d: d["spec"]["rabbitmq"].__setitem__("additionalConfg", "x = y")),
        ("RabbitmqCluster", "rabbitmq", lambda d: d["spec"].__setitem__("replicas", -1)),
        ("RabbitmqCluster", "rabbitmq",  # a core type inside: resources.limit (not limits)
         lambda d: d["spec"]["resources"].__setitem__("limit", {"cpu": "1"})),
        ("Cluster", "postgres", lambda d: d["spec"].__setitem__("instance", 3)),
        ("Cluster", "postgres", lambda d: d["spec"].__setitem__("instances", 0)),
        ("Cluster", "postgres",
         lambda d: d["spec"].__setitem__("primaryUpdateStrategy", "automatic")),
        ("Cluster", "postgres",
         lambda d: d["spec"]["postgresql"]["parameters"].__setitem__("max_connections", 500)),
        ("Cluster", "postgres",
         lambda d: d["spec"]["bootstrap"]["initdb"].__setitem__("ownr", "x")),
        ("Cluster", "postgres", lambda d: d["spec"]["storage"].__setitem__("size", "20 GB")),
    ],
)
def test_the_validator_rejects_broken_copies_of_other_kinds(kind: str, name: str,
                                                            mutate: Any) -> None:
    doc = _first("production", kind, name)
    assert not k8s.errors(doc)
    mutate(doc)
    _rejected(doc)


# --- workloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_probes_resources_and_runs_as_non_root(overlay: str) -> None:
    for workload in workloads(render(overlay)):
        name, pod = workload["metadata"]["name"], pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in pod["containers"]:
            if workload["kind"] != "Job":
                assert container.get("readinessProbe"), name
                assert container.get("livenessProbe"), name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_app_probes_mean_something_and_shutdown_finishes_in_flight_work(overlay: str) -> None:
    deployments = of_kind(render(overlay), "Deployment")
    for name in APPS:
        pod = pod_spec(deployments[name])
        container = pod["containers"][0]
        # readiness: /health checks the broker and the database (or object storage).
        assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
        # liveness must not depend on them: a TCP connect to the same port.
        assert container["livenessProbe"] == {**container["livenessProbe"],
                                              "tcpSocket": {"port": "http"}}
        assert "httpGet" not in container["livenessProbe"]
        assert container["startupProbe"]["tcpSocket"] == {"port": "http"}
        pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pre_stop[0] == "sleep"
        assert pod["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + 20, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert "replicas" not in deployments[name]["spec"], f"{name}: the autoscaler owns replicas"
        strategy = deployments[name]["spec"]["strategy"]["rollingUpdate"]
        assert strategy["maxUnavailable"] == 0, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_apps_get_their_connection_settings_from_secrets_not_literals(overlay: str) -> None:
    deployments = of_kind(render(overlay), "Deployment")
    for name in APPS:
        container = pod_spec(deployments[name])["containers"][0]
        env = env_of(container)
        assert env["AMQP_URI"]["value"].startswith(
            "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@rabbitmq:5672/")
        for variable in ("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"):
            ref = env[variable]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "rabbitmq-default-user"
        for variable in ("S3_ACCESS_KEY", "S3_SECRET_KEY"):
            assert env[variable]["valueFrom"]["secretKeyRef"]["name"].startswith("minio-root")
        if name == "gateway":
            assert "DATABASE_URL" not in env, "the gateway never talks to PostgreSQL"
        else:
            assert "@postgres-rw:5432/silasidakep" in env["DATABASE_URL"]["value"]
            assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "postgres-app"
        sources = [s.get("secretRef", s.get("configMapRef"))["name"]
                   for s in container["envFrom"]]
        assert sources[0] == "silasidakep-config"
        assert sources[1].startswith("silasidakep-secrets")


def test_the_migration_job_runs_the_project_cli_against_the_primary() -> None:
    for overlay in OVERLAYS:
        job = of_kind(render(overlay), "Job")["migrate"]
        container = pod_spec(job)["containers"][0]
        assert container["command"] == [
            "python", "-m", "cli", "--database-url", "$(DATABASE_URL)", "migrate"
        ]
        assert "@postgres-rw:5432/silasidakep" in env_of(container)["DATABASE_URL"]["value"]
        assert pod_spec(job)["restartPolicy"] == "Never"
        assert job["spec"]["ttlSecondsAfterFinished"] > 0


# --- autoscaling -------------------------------------------------------------------------------


def _queues_of(deployment: str) -> set[str]:
    service = CONSUMERS[deployment]
    events = {s.queue for s in SUBSCRIPTIONS if s.consumer == service}
    if deployment == "intake":  # the request side
        return {"rpc-intake"}
    if deployment == "intake-events":
        return events
    return events | {f"rpc-{service}"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_consumer_scales_with_keda_on_its_real_queues(overlay: str) -> None:
    docs = render(overlay)
    scaled = of_kind(docs, "ScaledObject")
    auths = of_kind(docs, "TriggerAuthentication")
    registry = known_queues()
    assert set(scaled) == set(CONSUMERS)
    for consumer in CONSUMERS:
        so = scaled[consumer]
        assert so["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": consumer}
        assert 1 <= so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"]
        queues = set()
        for trigger in so["spec"]["triggers"]:
            meta = trigger["metadata"]
            assert trigger["type"] == "rabbitmq"
            # protocol http: KEDA reads the management API and counts ready + unacked messages.
            assert meta["protocol"] == "http"
            assert meta["mode"] == "QueueLength"
            assert int(meta["value"]) > 0
            assert meta["host"].startswith("http://rabbitmq.silasidakep.svc")
            assert meta["host"].endswith(":15672/")
            assert "@" not in meta["host"], "credentials belong in the TriggerAuthentication"
            queue = meta["queueName"]
            assert queue in registry, f"{queue} is not a queue of silasidakep"
            work_queue, stage, kind = registry[queue]
            assert (work_queue, stage) == (queue, CONSUMERS[consumer]) and kind in ("work", "rpc")
            assert trigger["authenticationRef"]["name"] in auths
            queues.add(queue)
        assert queues == _queues_of(consumer), consumer
    refs = auths["rabbitmq-management"]["spec"]["secretTargetRef"]
    assert {(r["parameter"], r["name"], r["key"]) for r in refs} == {
        ("username", "rabbitmq-default-user", "username"),
        ("password", "rabbitmq-default-user", "password"),
    }


def test_keda_yaml_is_generated_from_the_current_queue_registry() -> None:
    generator = _generator(ROOT / "deploy" / "k8s" / "tools" / "generate_keda.py")
    assert Path(generator.OUTPUT).read_text(encoding="utf-8") == generator.render(), (
        "deploy/k8s/base/keda.yaml is stale (a subscription changed?): run "
        ".venv/bin/python deploy/k8s/tools/generate_keda.py"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_scales_with_an_hpa_and_nothing_else_does(overlay: str) -> None:
    hpas = of_kind(render(overlay), "HorizontalPodAutoscaler")
    assert set(hpas) == {"gateway"}
    hpa = hpas["gateway"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_production_runs_at_least_two_of_everything_and_postgres_can_take_the_connections() -> None:
    docs = render("production")
    scaled = of_kind(docs, "ScaledObject")
    assert all(so["spec"]["minReplicaCount"] >= 2 for so in scaled.values())
    assert of_kind(docs, "HorizontalPodAutoscaler")["gateway"]["spec"]["minReplicas"] >= 2
    most = sum(so["spec"]["maxReplicaCount"] for so in scaled.values()) + 1  # + migration Job
    cluster = of_kind(docs, "Cluster")["postgres"]
    max_connections = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    # The sizing rule of docs/deploy.md, with the pool the rendered ConfigMap sets.
    pool = PoolSize.from_env(of_kind(docs, "ConfigMap")["silasidakep-config"]["data"])
    assert most * (pool.size + pool.overflow) + 20 <= max_connections  # 20: the operator


# --- exposure, disruption, network -------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_exposed(overlay: str) -> None:
    docs = render(overlay)
    ingresses = of_kind(docs, "Ingress")
    assert set(ingresses) == {"gateway"}
    backends = {
        path["backend"]["service"]["name"]
        for rule in ingresses["gateway"]["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    for service in of_kind(docs, "Service").values():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_and_statefulset_has_exactly_one_pdb(overlay: str) -> None:
    docs = render(overlay)
    pdbs = list(of_kind(docs, "PodDisruptionBudget").values())
    targets = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    assert targets
    for target in targets:
        labels = target["spec"]["template"]["metadata"]["labels"]
        matching = [p for p in pdbs if selects(p["spec"]["selector"], labels)]
        assert len(matching) == 1, target["metadata"]["name"]
        assert matching[0]["spec"].get("maxUnavailable") == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_admit_outside_traffic_only_to_the_gateway(
    overlay: str,
) -> None:
    docs = render(overlay)
    policies = of_kind(docs, "NetworkPolicy")
    deny = policies["default-deny-all"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    gateway_labels = pod_spec(of_kind(docs, "Deployment")["gateway"]) and \
        of_kind(docs, "Deployment")["gateway"]["spec"]["template"]["metadata"]["labels"]
    for name, policy in policies.items():
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                ns = peer.get("namespaceSelector", {}).get("matchLabels", {})
                if ns.get("kubernetes.io/metadata.name") == "ingress-nginx":
                    assert selects(policy["spec"]["podSelector"], gateway_labels), name
                    assert policy["spec"]["podSelector"] == {
                        "matchLabels": {"app.kubernetes.io/name": "gateway"}}
                assert "ipBlock" not in peer, f"{name}: no ingress from outside the cluster"
    # Every app pod is covered by an egress policy that reaches the broker.
    deployments = of_kind(docs, "Deployment")
    for app in APPS:
        labels = deployments[app]["spec"]["template"]["metadata"]["labels"]
        egress = [p for p in policies.values()
                  if "Egress" in p["spec"]["policyTypes"] and p["spec"]["podSelector"]
                  and selects(p["spec"]["podSelector"], labels)]
        peers = [peer for p in egress for rule in p["spec"].get("egress", [])
                 for peer in rule.get("to", [])]
        assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}}} in peers


# --- infrastructure ----------------------------------------------------------------------------


def test_production_infrastructure_is_replicated() -> None:
    docs = render("production")
    rabbit = of_kind(docs, "RabbitmqCluster")["rabbitmq"]["spec"]
    assert rabbit["replicas"] == 3
    assert "default_queue_type = quorum" in rabbit["rabbitmq"]["additionalConfig"]
    assert of_kind(docs, "Cluster")["postgres"]["spec"]["instances"] == 3
    minio = of_kind(docs, "StatefulSet")["minio"]
    assert minio["spec"]["replicas"] == 4
    servers = pod_spec(minio)["containers"][0]["args"][1]
    assert servers == "http://minio-{0...3}.minio-hl.silasidakep.svc.cluster.local/data"
    assert minio["spec"]["serviceName"] == "minio-hl"
    assert of_kind(docs, "Service")["minio-hl"]["spec"]["clusterIP"] == "None"


def test_infrastructure_crs_carry_the_fields_the_apps_rely_on() -> None:
    """The values the services depend on in the RabbitmqCluster and the CloudNativePG Cluster
    (the schemas check the shape, this the content)."""
    for overlay in OVERLAYS:
        docs = render(overlay)
        rabbit = of_kind(docs, "RabbitmqCluster")["rabbitmq"]
        assert rabbit["spec"]["image"].startswith("rabbitmq:3.13.")
        assert rabbit["spec"]["image"].endswith("-management")  # KEDA and the gateway use it
        cluster = of_kind(docs, "Cluster")["postgres"]
        assert cluster["spec"]["bootstrap"] == {
            "initdb": {"database": "silasidakep", "owner": "silasidakep"}}
        assert set(cluster["spec"]["affinity"]) == {"enablePodAntiAffinity", "topologyKey"}
        assert cluster["spec"]["monitoring"] == {"enablePodMonitor": True}


# --- secrets -----------------------------------------------------------------------------------


def _referenced_secrets(docs: list[Doc] | tuple[Doc, ...]) -> set[str]:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("secretKeyRef", "secretRef"):
                if key in node:
                    names.add(node[key]["name"])
            if "secret" in node and isinstance(node["secret"], dict) \
                    and "secretName" in node["secret"]:
                names.add(node["secret"]["secretName"])
            if "secretName" in node and "hosts" in node:
                names.add(node["secretName"])
            for ref in node.get("secretTargetRef", []) if isinstance(
                    node.get("secretTargetRef"), list) else []:
                names.add(ref["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(docs))
    return names


def test_production_contains_no_secret_and_no_development_value() -> None:
    docs = render("production")
    assert not of_kind(docs, "Secret"), "production Secrets are created outside the repository"
    text = yaml.safe_dump_all(list(docs))
    for value in DEV_VALUES:
        assert value not in text, value
    assert of_kind(docs, "ConfigMap")["silasidakep-config"]["data"]["SILASIDAKEP_ENV"] == \
        "production"
    assert _referenced_secrets(docs) == PRODUCTION_SECRETS


def test_production_images_are_pinned_and_printing_has_the_signing_key() -> None:
    docs = render("production")
    for workload in workloads(docs):
        for container in pod_spec(workload)["containers"]:
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image
    printing = pod_spec(of_kind(docs, "Deployment")["printing"])
    env = env_of(printing["containers"][0])
    mount = "/var/run/secrets/silasidakep/signing"
    assert {env[v]["value"].rsplit("/", 1)[0] for v in
            ("SIGNING_KEY_FILE", "SIGNING_CERT_FILE", "SIGNING_CA_FILE")} == {mount}
    assert env["SIGNING_MODE"]["value"] == "manual"
    volumes = {v["name"]: v for v in printing["volumes"]}
    assert volumes["signing"]["secret"]["secretName"] == "silasidakep-signing"


def test_local_generates_its_development_secrets_and_nothing_else() -> None:
    docs = render("local")
    generated = {re.sub(r"-[a-z0-9]{10}$", "", n) for n in of_kind(docs, "Secret")}
    assert generated == {"silasidakep-secrets", "minio-root"}
    referenced = {re.sub(r"-[a-z0-9]{10}$", "", n) for n in _referenced_secrets(docs)}
    assert referenced - generated == OPERATOR_SECRETS
    assert of_kind(docs, "ConfigMap")["silasidakep-config"]["data"]["SILASIDAKEP_ENV"] == \
        "development"


# --- monitoring --------------------------------------------------------------------------------

RULES_FILE = ROOT / "deploy" / "monitoring" / "prometheus" / "rules" / "silasidakep.rules.yml"
GENERATOR = ROOT / "deploy" / "k8s" / "tools" / "generate_prometheusrule.py"


def _generator(path: Path = GENERATOR) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_prometheusrule_carries_exactly_the_rules_of_the_rule_file() -> None:
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    for overlay in OVERLAYS:
        rule = of_kind(render(overlay), "PrometheusRule")["silasidakep"]
        assert rule["spec"] == {"groups": rules["groups"]}
    generated = _generator()
    committed = Path(generated.OUTPUT).read_text(encoding="utf-8")
    assert committed == generated.render(), (
        "deploy/k8s/base/prometheusrule.yaml is stale: run "
        ".venv/bin/python deploy/k8s/tools/generate_prometheusrule.py"
    )


def test_the_drift_check_notices_a_changed_rule(tmp_path: Path, monkeypatch: Any) -> None:
    generated = _generator()
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    changed = copy.deepcopy(rules)
    changed["groups"][0]["rules"][0]["for"] = "1h"
    edited = tmp_path / "rules.yml"
    edited.write_text(yaml.safe_dump(changed), encoding="utf-8")
    monkeypatch.setattr(generated, "RULES", edited)
    assert generated.render() != Path(generated.OUTPUT).read_text(encoding="utf-8")


def test_the_service_monitor_gives_the_labels_the_alerts_use() -> None:
    docs = render("production")
    monitor = of_kind(docs, "ServiceMonitor")["silasidakep"]["spec"]
    services = [s for s in of_kind(docs, "Service").values()
                if selects(monitor["selector"], s["metadata"]["labels"])]
    assert {s["metadata"]["name"] for s in services} == set(APPS)
    # job="silasidakep" as in the rules' up{job="silasidakep"}; `service` is the Service name.
    assert {s["metadata"]["labels"][monitor["jobLabel"]] for s in services} == {"silasidakep"}
    assert 'up{job="silasidakep"}' in RULES_FILE.read_text(encoding="utf-8")
    assert monitor["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "15s", "scrapeTimeout": "10s"}]
    assert all("metrics" in {p["name"] for p in s["spec"]["ports"]} for s in services)
