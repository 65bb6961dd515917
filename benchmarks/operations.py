"""Latency of the mapping, insight, network and search operations over real HTTP.

Loads the demo data (graph/seed/demo.py, or the synthetic stand-in in benchmarks/synthetic.py
while the demo generator is not in main) into a Neo4j on its own port and data directory, starts
a real hub process, and measures p50/p95/p99 per operation; writes docs/benchmarks-operations.md.

    .venv/bin/python -m benchmarks.operations [--people 10000] [--port 7731] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from benchmarks import auth
from graph import migrations
from graph.driver import Graph
from graph.embedded import REPO_ROOT, EmbeddedNeo4j

PASSWORD = "sadarbe-bench-password"  # noqa: S105 - a throwaway local database
REPORT = REPO_ROOT / "docs" / "benchmarks-operations.md"

Variables = Callable[[random.Random], dict[str, Any]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(graph: Graph, people: int) -> tuple[str, dict[str, Any]]:
    await migrations.migrate(graph)
    try:
        from graph.seed import demo  # type: ignore[attr-defined]
    except ImportError:
        from benchmarks.synthetic import load_synthetic

        return "synthetic (benchmarks/synthetic.py)", await load_synthetic(graph, people=people, seed=1)
    summary = await demo.load_demo(graph, people=people, seed=1)
    return "demo (graph/seed/demo.py)", dict(summary) if isinstance(summary, dict) else {
        "summary": str(summary)
    }


async def _samples(graph: Graph) -> dict[str, list[Any]]:
    """Real ids and words to vary the requests with (read once, before timing)."""

    async def ids(query: Any) -> list[Any]:
        return [r["v"] for r in await graph.read(query)]

    return {
        "directions": await ids("MATCH (d:PlanDirection) RETURN d.id AS v"),
        "institutions": await ids("MATCH (i:Institution)<-[:AFFECTS]-() RETURN DISTINCT i.id AS v"),
        "members": await ids("MATCH (p:Person)-[:MEMBER_OF]->() RETURN DISTINCT p.id AS v LIMIT 3000"),
        "names": await ids("MATCH (p:Person) RETURN p.name AS v LIMIT 500"),
        "titles": await ids("MATCH (i:HorizontalIssue) RETURN i.title AS v LIMIT 500"),
        "info": await graph.read(
            "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition"
        ),
        "counts": await graph.read(
            "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
            "RETURN nodes, rels"
        ),
    }


def _prefix(text: str, rnd: random.Random) -> str:
    """What a person has typed so far: whole words, then part of the next one."""
    words = text.split()
    k = rnd.randint(1, len(words))
    last = words[k - 1]
    return " ".join([*words[: k - 1], last[: rnd.randint(min(2, len(last)), len(last))]])


# Operations: name → (query, variables, cached). Every operation is computed by its one
# statement (no result is cached between requests), so warm is all there is; `cached` would
# measure an operation a second time after a write (createSkill before each timed request).
Operation = tuple[str, Variables, bool]
WRITE = "mutation ($n: String!) { createSkill(input: {name: $n}) { id } }"


def _operations(s: dict[str, list[Any]]) -> dict[str, Operation]:
    one = random.Random.choice
    return {
        "issueMap (one direction, with people)": (
            "query ($d: ID) { issueMap(filter: {directionId: $d, includePeople: true}) "
            "{ truncated nodes { id kind label weight status } edges { id source target kind stake role } } }",
            lambda r: {"d": one(r, s["directions"])},
            False,
        ),
        "issueMap (active issues, no people)": (
            "{ issueMap(filter: {status: ACTIVE}) { nodes { id kind label weight } edges { id source target kind } } }",
            lambda r: {},
            False,
        ),
        "issueMap (one institution)": (
            "query ($i: ID) { issueMap(filter: {institutionId: $i, includePeople: true}) "
            "{ nodes { id kind label weight } edges { id source target kind } } }",
            lambda r: {"i": one(r, s["institutions"])},
            False,
        ),
        "hotspots": (
            "{ hotspots(limit: 20) { code activeIssues activeMemberships score institution { nameLv } } }",
            lambda r: {},
            False,
        ),
        "overload": (
            "{ overload(maxTeams: 3) { personId name allocation teamCount teams { teamId allocation } } }",
            lambda r: {},
            False,
        ),
        "teamHealth": (
            "{ teamHealth(inactiveDays: 30) { teamId name problems lastActivityAt unansweredInvitations } }",
            lambda r: {},
            False,
        ),
        "directionMatrix": (
            "{ directionMatrix { number title cells { code activeIssues activeTeams } } }",
            lambda r: {},
            False,
        ),
        "collaborationNetwork": (
            "{ collaborationNetwork { nodes { id label weight } edges { source target weight } } }",
            lambda r: {},
            False,
        ),
        "collaborationNetwork (one direction, minWeight 2)": (
            "query ($d: ID) { collaborationNetwork(directionId: $d, minWeight: 2) "
            "{ nodes { id label weight } edges { source target weight } } }",
            lambda r: {"d": one(r, s["directions"])},
            False,
        ),
        "introductionPath": (
            "query ($a: ID!, $b: ID!) { introductionPath(fromPersonId: $a, toPersonId: $b) "
            "{ hops steps { kind viaLabel from { name } to { name } } } }",
            lambda r: dict(zip(("a", "b"), r.sample(s["members"], 2), strict=True)),
            False,
        ),
        "search (type-ahead)": (
            "query ($t: String!) { search(text: $t, first: 10) { kind id title subtitle score } }",
            lambda r: {"t": _prefix(one(r, s["names"] + s["titles"]), r)},
            False,
        ),
    }


def _start_hub(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"hub did not start: {log.read_text()}")


Stats = dict[str, float]


WARM_UP = 20


def _measure(client: httpx.Client, operation: Operation, requests: int, *, after_write: bool) -> Stats:
    """`requests` timed requests after WARM_UP untimed ones made the same way (with a write before
    each when `after_write`), so both phases warm what they measure: query plans, the JIT of
    Neo4j's runtime, page cache, connection pool. (Warming the after-a-write phase from the cache
    left the first operation's computation to run cold in its timed requests.)"""
    query, variables, _ = operation
    rnd = random.Random(7)  # noqa: S311 - reproducible arguments, not security
    times = []
    for i in range(WARM_UP + requests):
        body = {"query": query, "variables": variables(rnd)}
        if after_write:
            written = client.post(
                "/graphql", json={"query": WRITE, "variables": {"n": f"bench {uuid.uuid4()}"}}
            )
            if written.status_code != 200 or written.json().get("errors"):
                raise RuntimeError(f"{WRITE}: {written.text[:500]}")
        start = time.perf_counter()
        response = client.post("/graphql", json=body)
        if i >= WARM_UP:
            times.append((time.perf_counter() - start) * 1000)
        result = response.json()
        if response.status_code != 200 or result.get("errors"):
            raise RuntimeError(f"{query}: {result}")
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": max(times)}


def _machine() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)  # noqa: S607
    java_version = java.stderr.splitlines()
    return {
        "CPU": cpu,
        "Cores (logical)": str(os.cpu_count()),
        "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Java": java_version[0] if java_version else "?",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=7731, help="Bolt port of the benchmark Neo4j")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per operation")
    parser.add_argument("--keep", action="store_true", help="reuse a loaded data directory")
    args = parser.parse_args()

    load = os.getloadavg()  # before anything of ours runs
    data_dir = REPO_ROOT / ".data" / f"bench-{args.port}"
    neo4j = EmbeddedNeo4j(
        data_dir=data_dir / "neo4j", port=args.port, password=PASSWORD, heap="2g", pagecache="1g"
    )
    neo4j.stop()
    if not args.keep:
        shutil.rmtree(neo4j.data_dir, ignore_errors=True)
    server = neo4j.start()
    hub = None
    try:

        async def prepare() -> tuple[str, dict[str, Any], dict[str, list[Any]]]:
            graph = Graph.connect(neo4j.uri, "neo4j", PASSWORD, query_timeout_s=120)
            try:
                if args.keep and (await graph.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"]:
                    source, summary = "kept data directory", {}
                else:
                    started = time.perf_counter()
                    source, summary = await _load(graph, args.people)
                    print(f"loaded {source} in {time.perf_counter() - started:.0f} s: {summary}")
                return source, summary, await _samples(graph)
            finally:
                await graph.close()

        source, summary, samples = asyncio.run(prepare())
        port = _free_port()
        # Development mode: its built-in identity provider signs the benchmark administrator's token
        # (production verifies against a real issuer and signs nothing).
        # The per-caller rate limit off the path (one client sends ~20 requests a second): this
        # measures latency, and tests/test_limits.py specifies the limit.
        env = {"NEO4J_URI": neo4j.uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": PASSWORD,
               "HUB_MODE": "development", "HUB_LOG_LEVEL": "warning", "HUB_RATE_LIMIT_POINTS": "100000000",
               **auth.hub_env(data_dir)}  # fmt: skip
        hub = _start_hub(env, port, data_dir / "hub.log")
        results = {}
        headers = auth.bearer(port, data_dir)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=headers) as client:
            for name, operation in _operations(samples).items():
                warm = _measure(client, operation, args.requests, after_write=False)
                cold = _measure(client, operation, args.requests, after_write=True) if operation[2] else None
                results[name] = (warm, cold)
                print(
                    f"{name:55} warm p50 {warm['p50']:7.1f}  p95 {warm['p95']:7.1f}  p99 {warm['p99']:7.1f} ms"
                )
                if cold:
                    print(
                        f"{'':55} cold p50 {cold['p50']:7.1f}  p95 {cold['p95']:7.1f}  p99 {cold['p99']:7.1f} ms"
                    )
        _report(args, source, summary, samples, results, load)
    finally:
        if hub is not None:
            hub.terminate()
            hub.wait(timeout=30)
        server.terminate()
        server.wait(timeout=60)


def _report(args: argparse.Namespace, source: str, summary: dict[str, Any], samples: dict[str, Any],
            results: dict[str, tuple[Stats, Stats | None]], load: tuple[float, float, float]) -> None:  # fmt: skip
    machine = _machine()
    info, counts = samples["info"][0], samples["counts"][0]
    lines = [
        "# Benchmark: mapping, insight, network and search operations",
        "",
        f"Measured {date.today().isoformat()} with `.venv/bin/python -m benchmarks.operations "
        f"--people {args.people} --requests {args.requests}`: a real hub process (development mode, "
        "so its built-in identity provider signs the benchmark's administrator token) over real HTTP, one client, sequential "
        f"requests, {WARM_UP} warm-up requests then {args.requests} timed ones per operation and phase, varied "
        "arguments (random directions, institutions, pairs of team members, type-ahead prefixes "
        "of real names and titles). Viewer: the benchmark's administrator, signed in with a bearer "
        "token (benchmarks/auth.py), who sees every team. Every operation computes every answer in "
        "its one statement (nothing is cached between requests), so warm is all there is. "
        "Load average (1 min) before the run: "
        f"{load[0]:.1f}, after: {os.getloadavg()[0]:.1f}, on {os.cpu_count()} cores.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in machine.items()),
        f"- Neo4j: {info['version']} {info['edition']} (embedded launcher, heap 2g, page cache 1g, "
        "same machine as the hub)",
        "",
        "## Data",
        "",
        f"- Source: {source}, {args.people} people, seed 1",
        f"- {counts['nodes']} nodes, {counts['rels']} relationships",
        *(f"- {k}: {v}" for k, v in summary.items()),
        "",
        "## Latency (ms, client-side, including HTTP and JSON)",
        "",
        "| Operation | warm p50 | warm p95 | warm p99 | after a write p50 | after a write p95 "
        "| after a write p99 | p95 < 100 ms |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
        *(_row(name, warm, cold) for name, (warm, cold) in results.items()),
        "",
    ]
    REPORT.write_text("\n".join(lines) + _findings())
    print(f"wrote {REPORT}")


def _row(name: str, warm: Stats, cold: Stats | None) -> str:
    after = f"{cold['p50']:.1f} | {cold['p95']:.1f} | {cold['p99']:.1f}" if cold else "— | — | —"
    met = warm["p95"] < 100 and (cold is None or cold["p95"] < 100)
    return f"| {name} | {warm['p50']:.1f} | {warm['p95']:.1f} | {warm['p99']:.1f} | {after} | {'yes' if met else '**no**'} |"


FINDINGS = "\n## Findings"


def _findings() -> str:
    """The hand-written findings section of the report being replaced, kept for the author to
    update: a rerun replaces the measurements, never the analysis."""
    old = REPORT.read_text() if REPORT.exists() else ""
    at = old.find(FINDINGS)
    return old[at:] if at >= 0 else ""


if __name__ == "__main__":
    main()
