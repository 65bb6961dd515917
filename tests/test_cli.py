"""The `hub` command line, run as a real process against the test Neo4j."""

import os
import subprocess
import sys
from pathlib import Path

from graph.driver import Graph
from tests.conftest import TEST_DATA_DIR, TEST_PASSWORD, free_port

DATA = Path(__file__).parent / "data"


def hub_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


async def test_import_of_a_bad_file_reports_each_row_and_writes_nothing(
    hub_env: dict[str, str], graph: Graph
) -> None:
    result = hub_cli(hub_env, "import", str(DATA / "institutions_bad.csv"), "--kind", "institutions")

    assert result.returncode == 1
    assert "institutions_bad.csv:" in result.stderr
    assert "nothing was imported" in result.stderr
    rows = await graph.read("MATCH (n:Institution) RETURN count(n) AS n")
    assert rows[0]["n"] == 0


async def test_import_of_a_good_file_reports_counts(hub_env: dict[str, str], graph: Graph) -> None:
    result = hub_cli(hub_env, "import", str(DATA / "institutions_good.csv"), "--kind", "institutions")

    assert result.returncode == 0, result.stderr
    rows = await graph.read("MATCH (n:Institution) RETURN count(n) AS n")
    assert f"imported {rows[0]['n']} institutions" in result.stderr


def test_unknown_import_kind_is_refused(hub_env: dict[str, str]) -> None:
    result = hub_cli(hub_env, "import", str(DATA / "institutions_good.csv"), "--kind", "teams")
    assert result.returncode == 2
    assert "--kind must be institutions or people" in result.stderr


async def test_seed_twice_gives_the_same_counts(hub_env: dict[str, str], graph: Graph) -> None:
    counts = []
    for _ in range(2):
        result = hub_cli(hub_env, "seed", "--demo", "--people", "200")
        assert result.returncode == 0, result.stderr
        rows = await graph.read("MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n")
        counts.append(rows[0]["n"])
    assert counts[0] == counts[1] > 200


def test_schema_check_passes_on_the_committed_schema(hub_env: dict[str, str]) -> None:
    result = hub_cli(hub_env, "schema", "--check")
    assert result.returncode == 0, result.stderr


def test_production_mode_with_development_secrets_refuses_to_start(hub_env: dict[str, str]) -> None:
    result = hub_cli({**hub_env, "HUB_MODE": "production"}, "serve", "--no-seed")
    assert result.returncode == 2
    assert "refusing to start in production mode" in result.stderr


def test_db_start_status_stop_manage_an_embedded_neo4j() -> None:
    port = free_port()
    env = {
        "HUB_DATA_DIR": str(TEST_DATA_DIR / f"cli-{port}"),
        "HUB_NEO4J_BOLT_PORT": str(port),
        "NEO4J_PASSWORD": TEST_PASSWORD,
        "HUB_NEO4J_HEAP": "512m",
        "HUB_NEO4J_PAGECACHE": "64m",
    }
    os.environ.pop("NEO4J_URI", None)
    try:
        started = hub_cli(env, "db", "start")
        assert started.returncode == 0, started.stderr
        running = hub_cli(env, "db", "status")
        assert running.returncode == 0
        assert "running, pid" in running.stderr
        again = hub_cli(env, "db", "start")
        assert "already running" in again.stderr
    finally:
        stopped = hub_cli(env, "db", "stop")
    assert "stopped" in stopped.stderr
    after = hub_cli(env, "db", "status")
    assert after.returncode == 3
    assert "stopped" in after.stderr
