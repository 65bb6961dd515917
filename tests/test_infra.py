"""Deployment files: infra/compose.yaml and infra/k8s/ parse and hang together, hold no secret,
name only settings the hub knows, and the compose file's hub configuration really starts.

Docker and a cluster do not run here and kubeconform's schemas cannot be fetched, so the
manifests are checked structurally (the fields a wrong edit would break), and the compose
configuration is started as local processes: the hub with the compose hub service's environment,
the embedded Neo4j standing in for the `neo4j` service and a local redis-server for `redis`.
"""

import re
import shutil
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from graph.embedded import REPO_ROOT, EmbeddedNeo4j
from hub import cli
from hub.config import DEV_NEO4J_PASSWORD, DEV_SECRET_KEY, Settings
from tests.conftest import TEST_DATA_DIR, TEST_PASSWORD, Hub, free_port, start_hub

INFRA = REPO_ROOT / "infra"
K8S = INFRA / "k8s"
SECRET_NAMES = ("HUB_SECRET_KEY", "NEO4J_PASSWORD", "HUB_METRICS_TOKEN", "HUB_OIDC_CLIENT_SECRET")
# Read by other processes or by code on other branches, not by hub.config.Settings.
EXTERNAL_SETTINGS = {"REDIS_URL", "FORWARDED_ALLOW_IPS"}
KNOWN_SETTINGS = {f.alias for f in Settings.model_fields.values() if f.alias} | EXTERNAL_SETTINGS


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((INFRA / "compose.yaml").read_text())
    return data


def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def kind(name: str) -> list[dict[str, Any]]:
    return [d for d in manifests() if d["kind"] == name]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if name in env and (env[name] or op != ":-"):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


# --- compose -------------------------------------------------------------------------------


def test_compose_runs_the_official_neo4j_5_26_image_redis_and_the_hub() -> None:
    services = compose()["services"]
    assert set(services) == {"neo4j", "redis", "hub"}
    assert services["neo4j"]["image"] == "neo4j:5.26"
    assert services["redis"]["image"].startswith("redis:")
    assert services["hub"]["build"] == {"context": "..", "dockerfile": "infra/Dockerfile"}
    assert (INFRA / "Dockerfile").is_file()


def test_every_compose_service_has_a_healthcheck_and_the_hub_waits_for_healthy_ones() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["hub"]["depends_on"] == {
        "neo4j": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert "/readyz" in " ".join(services["hub"]["healthcheck"]["test"])


def test_compose_secrets_come_from_the_environment_and_are_required() -> None:
    hub_env = compose()["services"]["hub"]["environment"]
    for name in SECRET_NAMES:
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]*\}", hub_env[name]), name
    assert compose()["services"]["neo4j"]["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD:?")
    text = (INFRA / "compose.yaml").read_text()
    assert DEV_NEO4J_PASSWORD not in text and DEV_SECRET_KEY not in text


def test_compose_refuses_to_interpolate_without_secrets() -> None:
    with pytest.raises(KeyError, match="HUB_SECRET_KEY"):
        interpolate(compose()["services"]["hub"]["environment"]["HUB_SECRET_KEY"], {})


def test_compose_hub_runs_in_production_against_the_neo4j_service() -> None:
    hub_env = compose()["services"]["hub"]["environment"]
    assert hub_env["HUB_MODE"] == "production"
    assert hub_env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert hub_env["REDIS_URL"] == "redis://redis:6379/0"
    assert set(hub_env) <= KNOWN_SETTINGS, set(hub_env) - KNOWN_SETTINGS


# --- kubernetes ----------------------------------------------------------------------------


def test_every_manifest_has_api_version_kind_name_and_namespace() -> None:
    for doc in manifests():
        assert doc["apiVersion"] and doc["kind"], doc
        if doc["kind"] in ("Namespace", "Kustomization"):
            continue
        assert doc["metadata"]["name"], doc
        assert doc["metadata"]["namespace"] == "sadarbe", doc["metadata"]


def test_kustomization_lists_every_manifest() -> None:
    [kustomization] = kind("Kustomization")
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def hub_deployment() -> dict[str, Any]:
    [deployment] = [d for d in kind("Deployment") if d["metadata"]["name"] == "hub"]
    return deployment


def test_hub_deployment_runs_three_replicas_with_probes_and_limits() -> None:
    spec = hub_deployment()["spec"]
    assert spec["replicas"] == 3
    [container] = spec["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert ports == {"http": 8000}
    for key in ("requests", "limits"):
        assert set(container["resources"][key]) == {"cpu", "memory"}
    # The readiness probe outlasts the hub's own 1.5 s database check.
    assert container["readinessProbe"]["timeoutSeconds"] >= 2


def test_hub_selector_matches_its_pod_labels_and_the_service() -> None:
    deployment = hub_deployment()
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [service] = [s for s in kind("Service") if s["metadata"]["name"] == "hub"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_hub_secrets_come_from_a_secret_and_nothing_secret_is_in_the_configmap() -> None:
    [container] = hub_deployment()["spec"]["template"]["spec"]["containers"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert refs == {name: {"name": "hub-secrets", "key": name} for name in SECRET_NAMES}
    assert not kind("Secret"), "secrets are created from the environment, not committed"
    [config] = kind("ConfigMap")
    assert not set(config["data"]) & set(SECRET_NAMES)


def test_configmap_names_only_known_settings_and_points_at_neo4j_and_redis() -> None:
    [config] = kind("ConfigMap")
    data = config["data"]
    assert set(data) <= KNOWN_SETTINGS, set(data) - KNOWN_SETTINGS
    assert data["HUB_MODE"] == "production"
    assert data["NEO4J_URI"].startswith("neo4j://")
    assert data["REDIS_URL"].startswith("redis://redis.")
    assert data["FORWARDED_ALLOW_IPS"] != "*"
    Settings.model_validate(
        {**data, "HUB_SECRET_KEY": "x" * 40, "NEO4J_PASSWORD": "p", "HUB_OIDC_CLIENT_SECRET": "s"}
    ).check_production()


def test_redis_has_a_deployment_and_service_and_only_hub_pods_reach_it() -> None:
    assert [d["metadata"]["name"] for d in kind("Deployment")] == ["hub", "redis"]
    assert "redis" in [s["metadata"]["name"] for s in kind("Service")]
    [policy] = [p for p in kind("NetworkPolicy") if p["metadata"]["name"] == "redis-from-hub"]
    assert policy["spec"]["ingress"][0]["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "hub"}}}
    ]


def test_the_timed_jobs_run_every_minute_as_a_cronjob_one_run_at_a_time() -> None:
    [cronjob] = kind("CronJob")
    spec = cronjob["spec"]
    assert len(spec["schedule"].split()) == 5 and spec["schedule"].split()[2:] == ["*", "*", "*"]
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] >= 1 and job["activeDeadlineSeconds"] > 0
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    [container] = pod["containers"]
    assert container["command"] == ["hub", "jobs"]
    assert "jobs" in typer.main.get_group(cli.app).commands  # the command exists
    # The hub pods leave the jobs to it.
    [config] = kind("ConfigMap")
    assert config["data"]["HUB_JOBS_RUNNER"] == "false"


def test_the_cronjob_runs_the_hub_image_as_the_hub_does_with_what_production_requires() -> None:
    [cronjob] = kind("CronJob")
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    [hub] = hub_deployment()["spec"]["template"]["spec"]["containers"]
    assert container["image"] == hub["image"]
    assert container["envFrom"] == hub["envFrom"]
    assert pod["securityContext"] == hub_deployment()["spec"]["template"]["spec"]["securityContext"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert all(ref == {"name": "hub-secrets", "key": name} for name, ref in secrets.items())
    [config] = kind("ConfigMap")
    # The settings the job gets pass the production checks every hub command makes.
    Settings.model_validate({**config["data"], **{name: "x" * 40 for name in secrets}}).check_production()


def test_images_carry_the_package_version() -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    images = [c["image"] for d in kind("Deployment") + kind("CronJob") for c in containers(d)]
    hub_images = [i for i in images if i.startswith("sadarbe-hub:")]
    assert hub_images and set(hub_images) == {f"sadarbe-hub:{version}"}


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if "jobTemplate" in spec else spec["template"]
    result: list[dict[str, Any]] = template["spec"]["containers"]
    return result


# --- the image ------------------------------------------------------------------------------


def test_the_dockerfile_builds_the_web_app_then_installs_the_wheel_as_the_install_test_does() -> None:
    dockerfile = (INFRA / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", dockerfile, re.M)
    assert [name for _, name in stages] == ["web", "build", ""]
    assert stages[0][0].startswith("node:20") and stages[1][0].startswith("python:3.11")
    assert "RUN npm ci" in dockerfile and "RUN npm run build" in dockerfile
    assert "COPY --from=web /src/frontend/dist ./frontend/dist" in dockerfile
    assert "--require-hashes -r infra/uv-requirements.txt" in dockerfile
    assert re.search(r"^RUN .*infra/scripts/install-wheel\.sh /opt/hub", dockerfile, re.M)
    final = dockerfile[dockerfile.rindex("\nFROM ") :]
    assert "COPY --from=build /opt/hub /opt/hub" in final and "USER 10001" in final
    assert 'CMD ["hub", "serve", "--no-seed"]' in final


# --- README --------------------------------------------------------------------------------


def test_readme_documents_every_setting() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    production = readme[readme.index("## Production") :]
    missing = sorted(name for name in KNOWN_SETTINGS if f"`{name}`" not in production)
    assert not missing, missing


# --- the compose configuration, started as local processes ----------------------------------


def redis_ping(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16)


@pytest.fixture(scope="module")
def local_redis() -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing (make setup installs it)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis_ping(port) == b"+PONG\r\n":
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_the_compose_hub_configuration_starts_locally_and_is_ready(
    neo4j: EmbeddedNeo4j, local_redis: int, tmp_path: Path
) -> None:
    secrets = {
        "HUB_SECRET_KEY": "compose-like-secret-key-for-the-local-run-0123",
        "HUB_METRICS_TOKEN": "compose-like-metrics-token",
        "NEO4J_PASSWORD": TEST_PASSWORD,
        "HUB_PUBLIC_URL": "https://sadarbe.example.test",
        "HUB_OIDC_ISSUER": "https://idp.example.test/realms/vad",
        "HUB_OIDC_CLIENT_SECRET": "compose-like-oidc-client-secret",
        "HUB_SMTP_HOST": "smtp.example.test",
        "HUB_MAIL_FROM": "Sadarbe <sadarbe@example.test>",
    }
    env = {k: interpolate(str(v), secrets) for k, v in compose()["services"]["hub"]["environment"].items()}
    # The services' hostnames become the local stand-ins; processes here bind 127.0.0.1 only.
    env["NEO4J_URI"] = env["NEO4J_URI"].replace("bolt://neo4j:7687", neo4j.uri)
    env["REDIS_URL"] = env["REDIS_URL"].replace("redis://redis:6379", f"redis://127.0.0.1:{local_redis}")
    env["HUB_HOST"] = "127.0.0.1"
    env["HUB_DATA_DIR"] = str(TEST_DATA_DIR)
    port = free_port()
    process = start_hub(env, port, tmp_path / "hub.log")
    hub = Hub(f"http://127.0.0.1:{port}", process, env, email=None)
    try:
        ready = hub.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["neo4j"]["version"].startswith("5.26.")
        assert hub.post("{ __schema { types { name } } }")["errors"]  # production: no introspection
        metrics = hub.http.get("/metrics", headers={"authorization": "Bearer compose-like-metrics-token"})
        assert metrics.status_code == 200
        assert redis_ping(local_redis) == b"+PONG\r\n"
    finally:
        hub.http.close()
        process.terminate()
        process.wait(timeout=30)
