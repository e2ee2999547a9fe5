"""deploy/ validates against the real schemas, offline (issue 7 point 5).

- the Kubernetes manifests against the Kubernetes OpenAPI schemas kubernetes-validate ships,
  strict (unknown fields rejected);
- the KEDA ScaledObject against deploy/k8s/schemas/keda-scaledobject.json (KEDA's CRD is not
  among them);
- the compose file against the compose specification check-jsonschema ships.

Each validator is also shown a broken file, so a validator that accepts anything fails here.
"""

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
K8S = DEPLOY / "k8s"
KEDA_SCHEMA = K8S / "schemas" / "keda-scaledobject.json"
# A release kubernetes-validate ships schemas for (>= 1.33 ships 1.33): the oldest Kubernetes
# the manifests promise to work on. Every newer release keeps these apps/v1, batch/v1, v1 kinds.
KUBERNETES_VERSION = "1.33"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, document)
        for path in sorted(K8S.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document
    ]


def _is_keda(document: dict[str, Any]) -> bool:
    return str(document["apiVersion"]).startswith("keda.sh/")


KUBERNETES_DOCUMENTS = [(f, d) for f, d in _documents() if not _is_keda(d)]
KEDA_DOCUMENTS = [d for _, d in _documents() if _is_keda(d)]


def _k8s_validate(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@cache
def _keda_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(KEDA_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


def _keda_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{error.json_path}: {error.message}" for error in _keda_validator().iter_errors(document)
    ]


# Kubernetes ---------------------------------------------------------------------------------


def test_kubernetes_validate_ships_the_chosen_version() -> None:
    versions = {v.rsplit(".", 1)[0] for v in kubernetes_validate.utils.all_versions()}
    assert KUBERNETES_VERSION in versions


def test_the_manifests_hold_what_the_readme_lists() -> None:
    kinds = sorted(d["kind"] for _, d in KUBERNETES_DOCUMENTS)
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "Job", "Secret", "Service"]
    assert [d["kind"] for d in KEDA_DOCUMENTS] == ["ScaledObject"]


@pytest.mark.parametrize(
    "document",
    [d for _, d in KUBERNETES_DOCUMENTS],
    ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in KUBERNETES_DOCUMENTS],
)
def test_manifest_matches_the_kubernetes_schema(document: dict[str, Any]) -> None:
    # Raises ValidationError (with the path) on a bad field, SchemaNotFoundError on an
    # unknown kind or apiVersion: neither is swallowed.
    _k8s_validate(document)


def _kubernetes(kind: str, name: str) -> dict[str, Any]:
    [document] = [
        d for _, d in KUBERNETES_DOCUMENTS if (d["kind"], d["metadata"]["name"]) == (kind, name)
    ]
    return copy.deepcopy(document)


def _misspell_probe(d: dict[str, Any]) -> None:
    container = d["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")


def _quote_replicas(d: dict[str, Any]) -> None:
    d["spec"]["replicas"] = "2"


def _container_port_as_a_name(d: dict[str, Any]) -> None:
    d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"


def _job_without_containers(d: dict[str, Any]) -> None:
    del d["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize(
    ("kind", "name", "breakage"),
    [
        ("Deployment", "clearance-api", _misspell_probe),
        ("Deployment", "clearance-worker", _quote_replicas),
        ("Deployment", "clearance-worker", _container_port_as_a_name),
        ("Job", "clearance-migrate", _job_without_containers),
    ],
)
def test_a_broken_manifest_fails_the_kubernetes_schema(
    kind: str, name: str, breakage: Callable[[dict[str, Any]], None]
) -> None:
    document = _kubernetes(kind, name)
    breakage(document)
    with pytest.raises(kubernetes_validate.ValidationError):
        _k8s_validate(document)


# KEDA ---------------------------------------------------------------------------------------


def test_the_scaled_object_matches_the_keda_schema() -> None:
    [scaled] = KEDA_DOCUMENTS
    assert _keda_errors(scaled) == []
    spec = scaled["spec"]
    # KEDA's admission webhook refuses min > max; JSON Schema cannot say it.
    assert spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 100)


def test_the_scaled_object_targets_a_deployment_in_the_manifests() -> None:
    [scaled] = KEDA_DOCUMENTS
    target = scaled["spec"]["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert target.get("apiVersion", "apps/v1") == "apps/v1"
    deployments = {
        d["metadata"]["name"] for _, d in KUBERNETES_DOCUMENTS if d["kind"] == "Deployment"
    }
    assert target["name"] in deployments


def _scaled_object() -> dict[str, Any]:
    [scaled] = KEDA_DOCUMENTS
    return copy.deepcopy(scaled)


def _trigger(d: dict[str, Any]) -> dict[str, Any]:
    trigger: dict[str, Any] = d["spec"]["triggers"][0]
    return trigger


def _no_target_name(d: dict[str, Any]) -> None:
    del d["spec"]["scaleTargetRef"]["name"]


def _no_target(d: dict[str, Any]) -> None:
    del d["spec"]["scaleTargetRef"]


def _trigger_without_type(d: dict[str, Any]) -> None:
    del _trigger(d)["type"]


def _no_triggers(d: dict[str, Any]) -> None:
    d["spec"]["triggers"] = []


def _unquoted_list_length(d: dict[str, Any]) -> None:
    _trigger(d)["metadata"]["listLength"] = 50  # metadata is map[string]string


def _redis_without_list_name(d: dict[str, Any]) -> None:
    del _trigger(d)["metadata"]["listName"]


def _redis_without_address(d: dict[str, Any]) -> None:
    del _trigger(d)["metadata"]["address"]


def _redis_host_without_port(d: dict[str, Any]) -> None:
    metadata = _trigger(d)["metadata"]
    metadata["host"] = metadata.pop("address").split(":")[0]


def _negative_replicas(d: dict[str, Any]) -> None:
    d["spec"]["minReplicaCount"] = -1


def _quoted_polling_interval(d: dict[str, Any]) -> None:
    d["spec"]["pollingInterval"] = "15"


def _misspelt_field(d: dict[str, Any]) -> None:
    d["spec"]["maxReplicas"] = d["spec"].pop("maxReplicaCount")


def _wrong_api_version(d: dict[str, Any]) -> None:
    d["apiVersion"] = "keda.k8s.io/v1alpha1"  # KEDA 1.x


@pytest.mark.parametrize(
    ("breakage", "where"),
    [
        (_no_target_name, "$.spec.scaleTargetRef"),
        (_no_target, "$.spec"),
        (_trigger_without_type, "$.spec.triggers[0]"),
        (_no_triggers, "$.spec.triggers"),
        (_unquoted_list_length, "$.spec.triggers[0].metadata.listLength"),
        (_redis_without_list_name, "$.spec.triggers[0].metadata"),
        (_redis_without_address, "$.spec.triggers[0].metadata"),
        (_redis_host_without_port, "$.spec.triggers[0].metadata"),
        (_negative_replicas, "$.spec.minReplicaCount"),
        (_quoted_polling_interval, "$.spec.pollingInterval"),
        (_misspelt_field, "$.spec"),
        (_wrong_api_version, "$.apiVersion"),
    ],
)
def test_a_broken_scaled_object_fails_the_keda_schema(
    breakage: Callable[[dict[str, Any]], None], where: str
) -> None:
    scaled = _scaled_object()
    breakage(scaled)
    errors = _keda_errors(scaled)
    assert errors
    assert {error.split(": ", 1)[0] for error in errors} == {where}, errors


def test_the_keda_schema_accepts_a_redis_host_and_port_and_other_scalers() -> None:
    scaled = _scaled_object()
    metadata = _trigger(scaled)["metadata"]
    metadata.pop("address")
    metadata |= {"host": "clearance-redis", "port": "6379"}
    scaled["spec"]["triggers"].append(
        {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}}
    )
    assert _keda_errors(scaled) == []


# Compose ------------------------------------------------------------------------------------


def _check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA.exists(), "pip install check-jsonschema (a dev dependency)"
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    done = _check_compose(DEPLOY / "compose.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_compose_file_fails_the_compose_specification(tmp_path: Path) -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "compose.yaml"
    # A misspelt key in a service, which Compose would refuse.
    broken.write_text(text.replace("    stop_grace_period:", "    stop_grace_perod:", 1))
    assert broken.read_text(encoding="utf-8") != text
    done = _check_compose(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stop_grace_perod" in done.stdout + done.stderr
