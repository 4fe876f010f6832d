"""`deploy/`: the compose file and the Kubernetes manifests parse, and agree with each other and with
fakellm (ports, the health route, the Redis URL, selectors); `docker compose config` and `kubectl
kustomize` check them too where those tools work."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakellm.cli import build_parser, config_from_args

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBE = DEPLOY / "kubernetes"
HEALTH = "/_fakellm/health"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path in sorted(KUBE.glob("*.yaml")):
        for doc in documents(path):
            if doc["kind"] != "Kustomization":
                found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


def serve_config(command: list[str]) -> Any:
    """The ServerConfig a container command gives (the command line must be one fakellm accepts)."""
    assert command[:2] == ["fakellm", "serve"]
    return config_from_args(build_parser().parse_args(command[1:]))


def test_compose_runs_replicas_sharing_redis_behind_a_balancer() -> None:
    compose = documents(DEPLOY / "docker-compose.yml")[0]
    services = compose["services"]
    assert set(services) == {"redis", "fakellm", "lb"}
    fakellm = services["fakellm"]
    config = serve_config(fakellm["command"])
    assert config.state == "redis://redis:6379/0"
    assert config.host == "0.0.0.0"
    assert fakellm["deploy"]["replicas"] >= 2
    assert HEALTH in " ".join(fakellm["healthcheck"]["test"])
    assert f":{config.port}{HEALTH}" in " ".join(fakellm["healthcheck"]["test"])
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert f"server fakellm:{config.port};" in nginx
    assert "proxy_buffering off;" in nginx  # streams keep their timing through the balancer
    mount = services["lb"]["volumes"][0].split(":")[0]
    assert (DEPLOY / mount).resolve() == DEPLOY / "nginx.conf"


def test_kubernetes_deployment_service_hpa_and_redis_fit_together() -> None:
    found = manifests()
    assert set(found) == {
        ("Deployment", "fakellm"),
        ("Service", "fakellm"),
        ("HorizontalPodAutoscaler", "fakellm"),
        ("Deployment", "fakellm-redis"),
        ("Service", "fakellm-redis"),
    }
    for name in ("fakellm", "fakellm-redis"):
        deployment, service = found[("Deployment", name)], found[("Service", name)]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert service["spec"]["selector"].items() <= labels.items()
        ports = {p["containerPort"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    container = found[("Deployment", "fakellm")]["spec"]["template"]["spec"]["containers"][0]
    config = serve_config(container["command"])
    redis_port = found[("Service", "fakellm-redis")]["spec"]["ports"][0]["port"]
    assert config.state == f"redis://fakellm-redis:{redis_port}/0"
    assert container["readinessProbe"]["httpGet"] == {"path": HEALTH, "port": config.port}
    assert container["ports"][0]["containerPort"] == config.port
    assert "httpGet" not in container["livenessProbe"]  # a Redis outage must not restart every replica
    assert container["resources"]["requests"]["cpu"]  # the HPA scales on CPU against the request
    hpa = found[("HorizontalPodAutoscaler", "fakellm")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fakellm"}
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = documents(KUBE / "kustomization.yaml")[0]
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml"}


def _runs(command: list[str]) -> bool:
    if shutil.which(command[0]) is None:
        return False
    probe = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _runs(["docker", "compose"]), reason="docker compose is not installed")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_builds_the_manifests() -> None:
    result = subprocess.run(["kubectl", "kustomize", str(KUBE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout)]
    assert sorted(kinds) == ["Deployment", "Deployment", "HorizontalPodAutoscaler", "Service", "Service"]
