"""deploy/ holds what it says: compose, Kubernetes and Grafana files that parse and fit together.

No Docker or cluster here: these are structural checks, plus one that every metric the rules
and the dashboard query is one the service really exports.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from clearance import metrics
from clearance.queues import SCREENING_QUEUE

DEPLOY = Path(__file__).parents[2] / "deploy"
K8S = DEPLOY / "k8s"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "clearance.json"
# Read at scrape time by the domains' collectors (review/metrics.py, notifications/metrics.py,
# metrics/router.py) rather than declared in the module.
# tests/metrics checks that a real scrape holds each of them.
LIVE_GAUGES = {
    "clearance_queue_depth",
    "clearance_review_items",
    "clearance_review_overdue_items",
    "clearance_review_oldest_waiting_seconds",
    "clearance_notifications_undelivered",
}
# The target gauges the settings export (issue 7 point 3), once wired.
TARGET_GAUGE = "clearance_target_seconds"


def _k8s_documents() -> list[dict[str, Any]]:
    return [
        document
        for path in sorted(K8S.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document
    ]


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in _k8s_documents() if d["kind"] == kind]


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return containers


def test_every_yaml_file_parses() -> None:
    paths = [*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")]
    assert len(paths) >= 10
    for path in paths:
        assert list(yaml.safe_load_all(path.read_text(encoding="utf-8"))), path


def test_compose_runs_the_whole_stack_with_health_checks() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "api", "worker", "prometheus"}
    assert "grafana" in services
    long_running = set(services) - {"migrate"}
    assert {name for name in long_running if "healthcheck" not in services[name]} == set()
    assert (
        services["redis"]["command"][services["redis"]["command"].index("--maxmemory-policy") + 1]
        == "noeviction"
    )
    mounts = " ".join(services["prometheus"]["volumes"])
    assert "./prometheus:/etc/prometheus" in mounts
    for needed in ("./grafana/provisioning", "./grafana/dashboards"):
        assert needed in " ".join(services["grafana"]["volumes"])


def test_every_deployment_has_probes_and_resource_requests() -> None:
    deployments = _of_kind("Deployment")
    assert {d["metadata"]["name"] for d in deployments} == {"clearance-api", "clearance-worker"}
    for deployment in deployments:
        for container in _containers(deployment):
            assert {"livenessProbe", "readinessProbe"} <= set(container), container["name"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]


def test_api_probes_are_healthz_and_readyz_and_its_service_selects_it() -> None:
    [api] = [d for d in _of_kind("Deployment") if d["metadata"]["name"] == "clearance-api"]
    [container] = _containers(api)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    [service] = _of_kind("Service")
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert api["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_keda_scales_the_worker_on_the_rq_queue_list() -> None:
    [scaled] = _of_kind("ScaledObject")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "clearance-worker"
    assert scaled["spec"]["minReplicaCount"] >= 1  # the sweeper and the scheduler live there
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == f"rq:queue:{SCREENING_QUEUE}"


def test_migration_job_runs_clearance_migrate_with_the_same_settings() -> None:
    [job] = _of_kind("Job")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["clearance", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert container["resources"]["requests"]


def test_every_env_source_exists_and_images_agree() -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in _k8s_documents()}
    workloads = [*_of_kind("Deployment"), *_of_kind("Job")]
    images = {c["image"] for w in workloads for c in _containers(w)}
    assert len(images) == 1
    for workload in workloads:
        for container in _containers(workload):
            for source in container["envFrom"]:
                [(ref, target)] = source.items()
                kind = "ConfigMap" if ref == "configMapRef" else "Secret"
                assert (kind, target["name"]) in names


def _exported() -> set[str]:
    names = set(LIVE_GAUGES)
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names |= {
                    family.name,
                    *(f"{family.name}{s}" for s in ("_total", "_bucket", "_count", "_sum")),
                }
    return names


def _queried_metrics(expression: str, recorded: set[str]) -> set[str]:
    found = set(
        re.findall(r"\b(clearance_[a-z_]+|[a-z_]+:clearance_[a-z_]+:[a-z0-9_]+)\b", expression)
    )
    return {name for name in found if name not in recorded}


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "rules.yml").read_text(encoding="utf-8"))
    return [rule for group in groups["groups"] for rule in group["rules"]]


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


@pytest.mark.parametrize("source", ["rules", "dashboard"])
def test_rules_and_dashboard_query_only_metrics_the_service_exports(source: str) -> None:
    rules = _rules()
    recorded = {rule["record"] for rule in rules if "record" in rule}
    expressions = (
        [rule["expr"] for rule in rules] if source == "rules" else _dashboard_expressions()
    )
    queried = set().union(*(_queried_metrics(e, recorded) for e in expressions))
    assert queried, source
    unknown = queried - _exported() - {TARGET_GAUGE}
    assert unknown == set()


def test_dashboard_shows_release_time_against_target_queues_and_review() -> None:
    joined = " ".join(_dashboard_expressions())
    for needed in (
        "channel:clearance_arrival_to_release_seconds:p50_1h",
        TARGET_GAUGE,
        "clearance_queue_depth",
        "clearance_review_items",
        "clearance_jobs_total",
    ):
        assert needed in joined
