"""The processes under test: a Neo4j with APOC, the hub, the Neo4j GraphQL Library peer.

Each runs on 127.0.0.1 on its own port, logs to the benchmark's data directory, and is stopped
(SIGTERM, then SIGKILL after a grace period) by `Processes.stop_all`, which run.py calls in a
`finally`, so nothing outlives a benchmark run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from benchmarks import auth

REPO_ROOT = Path(__file__).resolve().parents[1]
LAUNCHER_JAR = REPO_ROOT / "infra" / "neo4j" / "target" / "sadarbe-neo4j-launcher.jar"
PLUGINS_POM = REPO_ROOT / "infra" / "neo4j" / "plugins" / "pom.xml"
PLUGINS_DIR = REPO_ROOT / "infra" / "neo4j" / "plugins" / "target" / "plugins"
LAUNCHER_POM = REPO_ROOT / "infra" / "neo4j" / "pom.xml"
PEER_DIR = REPO_ROOT / "benchmarks" / "neo4j-graphql"


class StartError(RuntimeError):
    pass


def free_port() -> int:
    """A free local port: the first that binds in BENCH_PORTS ("7780-7789,18200-18299") when set,
    so engineers sharing a machine can keep their runs in agreed ranges; else any the OS picks."""
    for span in filter(None, os.environ.get("BENCH_PORTS", "").split(",")):
        low, _, high = span.partition("-")
        for port in range(int(low), int(high or low) + 1):
            if port in _handed_out:
                continue
            with socket.socket() as s, contextlib.suppress(OSError):
                s.bind(("127.0.0.1", port))
                _handed_out.add(port)
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_handed_out: set[int] = set()  # a port handed out is not bound until its server starts


def build() -> None:
    """The launcher, the APOC plugins dir and the peer's node_modules, each only when missing."""
    if not LAUNCHER_JAR.exists():
        subprocess.run(["mvn", "-q", "-B", "-f", str(LAUNCHER_POM), "-DskipTests", "package"], check=True)  # noqa: S603, S607
    if not any(PLUGINS_DIR.glob("apoc-core-*.jar")):
        subprocess.run(["mvn", "-q", "-B", "-f", str(PLUGINS_POM), "package"], check=True)  # noqa: S603, S607
    if not (PEER_DIR / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)  # noqa: S607


@dataclass
class Processes:
    log_dir: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str], cwd: Path = REPO_ROOT
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argument lists
                args, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=cwd,
            )  # fmt: skip
        self.started.append((name, process))
        return process

    def _wait_for_line(
        self, name: str, process: subprocess.Popen[bytes], marker: str, timeout_s: float
    ) -> None:
        log = self.log_dir / f"{name}.log"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if marker in log.read_text(errors="replace"):
                return
            if process.poll() is not None:
                raise StartError(
                    f"{name} exited ({process.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.25)
        raise StartError(f"{name} not ready within {timeout_s:.0f} s (see {log})")

    def neo4j(
        self, data_dir: Path, port: int, password: str, heap: str, pagecache: str
    ) -> subprocess.Popen[bytes]:
        """The project's embedded launcher with APOC core (for the peer), as a Neo4j server has it: on
        the classpath, so Neo4j finds APOC's extension factory (its ApocConfig component), and in
        the plugins dir, so the procedures are registered. `-cp` instead of `-jar`, so the opens
        from the jar's manifest are repeated here."""
        classpath = f"{LAUNCHER_JAR}:{PLUGINS_DIR}/*"
        opens = [
            f"--add-opens=java.base/{p}=ALL-UNNAMED"
            for p in ("java.nio", "sun.nio.ch", "java.io", "java.lang")
        ]
        process = self._spawn(
            "neo4j",
            ["java", f"-Xmx{heap}", f"-Xms{heap}", "-XX:+UseG1GC", *opens, "-cp", classpath,
             "lv.sadarbe.neo4j.Launcher",
             "--data-dir", str(data_dir), "--bolt-address", f"127.0.0.1:{port}",
             "--pagecache", pagecache, "--plugins-dir", str(PLUGINS_DIR)],
            {"NEO4J_PASSWORD": password},
        )  # fmt: skip
        self._wait_for_line("neo4j", process, "READY bolt://", 300)
        return process

    def hub(
        self, port: int, neo4j_uri: str, password: str, tree: Path = REPO_ROOT, name: str = "hub"
    ) -> subprocess.Popen[bytes]:
        """The hub as shipped (`hub serve`: one uvicorn worker, uvloop + httptools), development mode
        so `extensions.cypherQueries` reports round trips; access log off (HUB_LOG_LEVEL=warning).
        `tree`: the source tree it runs from (benchmarks/compare.py runs an older one beside it)."""
        process = self._spawn(
            name,
            [sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port)],
            {"NEO4J_URI": neo4j_uri, "NEO4J_PASSWORD": password, "HUB_MODE": "development",
             "HUB_LOG_LEVEL": "warning", "PYTHONPATH": str(tree), **auth.hub_env(self.log_dir)},
            cwd=tree,
        )  # fmt: skip
        _wait_http(f"http://127.0.0.1:{port}/healthz", process, self.log_dir / f"{name}.log", 120)
        return process

    def peer(self, port: int, neo4j_uri: str, password: str) -> subprocess.Popen[bytes]:
        process = self._spawn(
            "peer",
            ["node", "server.js"],
            {"NEO4J_URI": neo4j_uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": password,
             "PEER_PORT": str(port), "NODE_ENV": "production"},
            cwd=PEER_DIR,
        )  # fmt: skip
        self._wait_for_line("peer", process, "READY http", 180)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop one started process; Neo4j is given time to checkpoint (it does on SIGTERM)."""
        for name, started in list(self.started):
            if started is process:
                self.started.remove((name, started))
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=60 if name == "neo4j" else 15)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=10)

    def stop_all(self) -> None:
        """Stop in reverse order of start: servers first, Neo4j last."""
        for _, process in reversed(list(self.started)):
            self.stop(process)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartError(f"{url} server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise StartError(f"{url} not ready within {timeout_s:.0f} s (see {log})")


@dataclass
class Usage:
    """CPU seconds (user + system, with children) and resident memory of one process tree."""

    process: psutil.Process

    def cpu_s(self) -> float:
        total = 0.0
        for p in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total / 2**20
