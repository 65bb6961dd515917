"""The benchmark suite: hub vs the Neo4j GraphQL Library vs the raw-Cypher floor, one command.

    .venv/bin/python -m benchmarks.run --people 60000

Starts its own Neo4j (the project's launcher, APOC in its plugins dir, own port and data dir
under .data/bench), loads the demo data at the given scale (timed), starts the hub and the peer on
free ports, checks each contender answers each query, then drives every query at each client
count against each contender (interleaved, so a change in background load hits all three alike;
at 32 clients, where the targets are, each cell three times with the order rotated, reporting
the median), warms Neo4j's write paths with one unreported write cell per contender,
profiles the hub on query (a), stops everything it started and writes docs/benchmarks.md (and the
raw figures as benchmarks/results/benchmarks.json). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from benchmarks import auth, report, reshaped_latency
from benchmarks.queries import QUERIES, Query, floor_of, pick_inputs
from benchmarks.report import rotated
from benchmarks.servers import REPO_ROOT, Processes, Usage, build, free_port
from graph import migrations
from graph.driver import Graph, count_queries
from graph.seed.demo import counts, load_demo

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"  # raw figures; the report goes to --output (docs/)

# Belt and braces: graph.driver asks the server for no notifications; none are logged here either.
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

# The write mix's unreported warm-up cell: Neo4j compiles its write paths under this load.
WRITE_WARM_UP_CLIENTS = 32
PASSWORD = "sadarbe-bench-password"  # noqa: S105 - a throwaway local database on 127.0.0.1
CONTENDERS = ("hub", "peer", "floor")


def load_averages() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def prepare_data(uri: str, people: int, seed: int, loaded: dict[str, Any] | None) -> dict[str, Any]:
    """Load the demo data (timed) unless `loaded` describes this scale already in the database."""
    graph = Graph.connect(uri, "neo4j", PASSWORD, query_timeout_s=600)
    try:
        info: dict[str, Any]
        if loaded is not None and loaded.get("people") == people:
            info = {**loaded, "reused": True}
        else:
            await migrations.migrate(graph)
            load = {"before": load_averages()}
            summary = await load_demo(graph, people=people, seed=seed)
            load["after"] = load_averages()
            info = {"people": people, "seed": seed, "load_seconds": summary.seconds, "load_averages": load,
                    "reused": False}  # fmt: skip
        nodes, rels = await counts(graph)
        info["nodes"], info["relationships"] = nodes, rels
        info["inputs"] = await pick_inputs(graph)
        server = await graph.server_info()
        info["neo4j_version"] = f"{server['name']} {server['version']} {server['edition']}"
        info["apoc_version"] = (await graph.read("RETURN apoc.version() AS v"))[0]["v"]
        return info
    finally:
        await graph.close()


def check(
    url: str, document: str, args: dict[str, str], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """One request; the response's size, error and (hub) round trips, for the report."""
    import httpx

    for _ in range(3):  # the first request plans the Cypher (cold): retry past a timeout
        response = httpx.post(url, json={"query": document, "variables": args}, headers=headers, timeout=60)
        body = response.json()
        if response.status_code == 200 and not body.get("errors"):
            break
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "errors": body.get("errors"),
        "cypher_queries": (body.get("extensions") or {}).get("cypherQueries"),
        "data": body.get("data"),
    }


def run_cell(spec: dict[str, Any], server: Usage | None, neo4j: Usage) -> dict[str, Any]:
    """Run one worker; sample the server's and Neo4j's CPU exactly over its measured window."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "benchmarks.worker", f.name], stdout=subprocess.PIPE, cwd=REPO_ROOT, text=True
    )
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        if line != "MEASURING":
            raise RuntimeError(f"worker failed before measuring: {line!r}")
        s0, n0, t0 = (server.cpu_s() if server else 0.0), neo4j.cpu_s(), time.perf_counter()
        line = worker.stdout.readline().strip()
        elapsed = time.perf_counter() - t0
        s1, n1 = (server.cpu_s() if server else 0.0), neo4j.cpu_s()
        if line != "DONE":
            raise RuntimeError(f"worker failed while measuring: {line!r}")
        result: dict[str, Any] = json.loads(worker.stdout.readline())
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
        Path(f.name).unlink(missing_ok=True)
    result["neo4j_cpu_pct"] = 100 * (n1 - n0) / elapsed
    result["neo4j_rss_mb"] = neo4j.rss_mb()
    if server is not None:
        result["server_cpu_pct"] = 100 * (s1 - s0) / elapsed
        result["server_rss_mb"] = server.rss_mb()
        result["generator_cpu_pct"] = result["self_cpu_pct"]
    else:  # the floor: its clients and its Cypher run in the worker itself
        result["server_cpu_pct"] = result["self_cpu_pct"]
        result["server_rss_mb"] = result["self_rss_mb"]
        result["generator_cpu_pct"] = None
    return result


def versions() -> dict[str, str]:
    from importlib.metadata import version

    peer_pkg = json.loads((REPO_ROOT / "benchmarks/neo4j-graphql/package-lock.json").read_text())["packages"]
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr  # noqa: S607
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    return {
        "python": sys.version.split()[0],
        **{name: version(name) for name in ("strawberry-graphql", "uvicorn", "starlette", "neo4j", "neo4j-rust-ext")},
        "java": java.splitlines()[0] if java else "?",
        "node": node.strip(),
        **{name: peer_pkg[f"node_modules/{name}"]["version"]
           for name in ("@neo4j/graphql", "@apollo/server", "graphql", "neo4j-driver")},
    }  # fmt: skip


def machine() -> dict[str, Any]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": model,
        "cores": psutil.cpu_count(logical=True),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": " ".join(os.uname()[i] for i in (0, 2, 4)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", default="1,8,32,128", help="comma-separated client counts")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated query keys")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each measured window")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds measured per cell")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times each cell at --repeat-at is measured (the report gives the median)",
    )
    parser.add_argument(
        "--repeat-at", default="32", help="comma-separated client counts measured --rounds times"
    )
    parser.add_argument(
        "--floor-at",
        default="",
        help="comma-separated client counts the floor runs at (default: all; its target is at 32)",
    )
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="1g")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "bench")
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded at this scale")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--no-reshaped",
        dest="reshaped",
        action="store_false",
        help="skip the latency of reshaped documents (aliases, fragments, subsets) against the originals",
    )
    parser.add_argument(
        "--reshaped-rounds", type=int, default=150, help="requests per document in the reshaped latency"
    )
    parser.add_argument("--profile-requests", type=int, default=150)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--note", default="", help="a line for the report, e.g. the machine's other load")
    parser.add_argument("--stop-by", help="HH:MM local time: start no new cell after it, report what ran")
    args = parser.parse_args()
    stop_by = _clock_today(args.stop_by) if args.stop_by else None

    clients = [int(c) for c in args.clients.split(",")]
    keys = args.queries.split(",")
    contenders = args.contenders.split(",")
    repeat_at = {int(c) for c in args.repeat_at.split(",") if c}

    floor_at = {int(c) for c in args.floor_at.split(",") if c} or set(clients)

    def rounds_at(n: int) -> int:
        return max(1, args.rounds) if n in repeat_at else 1

    def running(names: list[str], n: int) -> list[str]:
        return [name for name in names if name != "floor" or n in floor_at]

    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_averages": {"start": load_averages()},
        "machine": machine(),
        "versions": versions(),
        "settings": {"people": args.people, "seed": args.seed, "clients": clients, "warmup_s": args.warmup,
                     "duration_s": args.duration, "heap": args.heap, "pagecache": args.pagecache,
                     "rounds": args.rounds, "repeat_at": sorted(repeat_at),
                     "reshaped_rounds": args.reshaped_rounds, "floor_at": sorted(floor_at)},
        "note": args.note,
        "cells": [],
        "warm_up_cells": [],
        "checks": {},
    }  # fmt: skip
    build()
    procs = Processes(args.data_dir / "logs")
    store, pristine, marker = (
        args.data_dir / "neo4j",
        args.data_dir / "pristine",
        args.data_dir / "loaded.json",
    )
    loaded = restore_pristine(store, pristine, marker) if args.reuse else None
    if loaded is None and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        bolt = free_port()
        uri = f"bolt://127.0.0.1:{bolt}"
        _log(f"starting Neo4j on {uri}")
        neo4j_proc = procs.neo4j(store, bolt, PASSWORD, args.heap, args.pagecache)
        neo4j = Usage(psutil.Process(neo4j_proc.pid))
        _log(f"loading the demo data, {args.people} people")
        data = asyncio.run(prepare_data(uri, args.people, args.seed, loaded))
        if not data["reused"]:
            _log("keeping a copy of the store as loaded, for --reuse")
            procs.stop(neo4j_proc)  # a consistent copy: Neo4j checkpoints as it stops
            shutil.copytree(store, pristine)
            marker.write_text(
                json.dumps({k: data[k] for k in ("people", "seed", "load_seconds", "load_averages")})
            )
            neo4j_proc = procs.neo4j(store, bolt, PASSWORD, args.heap, args.pagecache)
            neo4j = Usage(psutil.Process(neo4j_proc.pid))
        inputs = data.pop("inputs")
        results["data"] = data
        _log(
            f"data ready: load {data.get('load_seconds')} s, {sum(data['relationships'].values())} relationships"
        )

        servers: dict[str, Usage | None] = {"floor": None}
        hub_auth: dict[str, Any] | None = None
        urls: dict[str, str] = {}
        if "hub" in contenders:
            port = free_port()
            servers["hub"] = Usage(psutil.Process(procs.hub(port, uri, PASSWORD).pid))
            urls["hub"] = f"http://127.0.0.1:{port}/graphql"
            hub_auth = {"port": port, "data_dir": str(procs.log_dir)}  # the hub signs every caller in
        if "peer" in contenders:
            port = free_port()
            servers["peer"] = Usage(psutil.Process(procs.peer(port, uri, PASSWORD).pid))
            urls["peer"] = f"http://127.0.0.1:{port}/"
        _log("servers up; checking every query once")

        hub_data: dict[str, Any] = {}
        for key in [k for k in keys if k != "f"]:  # the write mix is checked by its own error count
            q = QUERIES[key]
            sample = inputs[q.inputs][0]
            for name, url in urls.items():
                document = q.hub if name == "hub" else q.peer
                if document is None:
                    continue
                headers = auth.bearer(hub_auth["port"], procs.log_dir) if name == "hub" and hub_auth else None
                c = check(url, document, sample, headers)
                if name == "hub":
                    hub_data[key] = c["data"]
                results["checks"][f"{key}/{name}"] = {k: v for k, v in c.items() if k != "data"} | {
                    "summary": report.summarise(key, name, c["data"])
                }
            body, trips = asyncio.run(_floor_once(uri, key, sample))
            floor_data = json.loads(body)["data"]
            hub_check = results["checks"].get(f"{key}/hub")
            results["checks"][f"{key}/floor"] = {
                "summary": report.summarise(key, "floor", floor_data),
                "cypher_queries": trips,
                "bytes": len(body),
                # The floor builds the hub's response by hand: it must be the very same data.
                "same_as_hub": hub_check is not None and floor_data == hub_data.get(key),
            }

        if args.reshaped and "hub" in urls and hub_auth is not None:
            _log("latency of reshaped documents against the originals, one client")
            headers = auth.bearer(hub_auth["port"], procs.log_dir)
            results["reshaped"] = {}
            for key in [k for k in keys if k != "f" and inputs.get(QUERIES[k].inputs)]:
                try:
                    results["reshaped"][key] = reshaped_latency.measure(
                        urls["hub"],
                        headers,
                        QUERIES[key].hub,
                        inputs[QUERIES[key].inputs][:20],
                        args.reshaped_rounds,
                    )
                except RuntimeError as exc:  # a variant answered with an error: reported, not fatal
                    results["reshaped"][key] = {"error": str(exc)[:500]}

        if "f" in keys and inputs.get("writes"):
            # One write mix through the floor, so Neo4j has planned the write queries before any cell.
            body, trips = asyncio.run(_floor_once(uri, "f", inputs["writes"][-1]))
            results["checks"]["f/floor"] = {"summary": "invite, accept, post, update", "cypher_queries": trips,
                                            "bytes": len(body)}  # fmt: skip

        if args.profile and "a" in keys and "hub" in contenders:
            _log("profiling the hub on query (a)")
            results["profile"] = profile(uri, inputs["teams"], args.profile_requests)

        # Client count outermost: cut short by --stop-by, a run still has every query at low counts.
        # The write mix runs last (it changes the data the reads see); each of its cells gets its own
        # slice of (team, free person) pairs, as an invitation cannot be repeated.
        reads = [k for k in keys if k != "f"]
        plan = [(n, k) for n in clients for k in reads] + ([(n, "f") for n in clients] if "f" in keys else [])
        write_cells = (sum(rounds_at(n) for n in clients) + 1) * len(  # + the warm-up
            answering(QUERIES["f"], contenders)
        )
        writes = write_slices(inputs.get("writes", []), write_cells)
        warmed_writes = False

        def measure(key: str, name: str, n: int, cell_inputs: list[Any]) -> dict[str, Any]:
            q = QUERIES[key]
            spec = cell_spec(
                key,
                cell_inputs,
                n,
                args.warmup,
                args.duration,
                uri,
                url=urls.get(name),
                document=q.hub if name == "hub" else q.peer,
                hub_auth=hub_auth if name == "hub" else None,
            )
            _log(f"({key}) {name} x{n}  load {load_averages()}")
            cell = run_cell(spec, servers[name], neo4j)
            _log(f"    {cell['throughput']:.1f} req/s  p50 {cell['p50_ms'] or 0:.1f} ms  "
                 f"p99 {cell['p99_ms'] or 0:.1f} ms  errors {cell['errors']}")  # fmt: skip
            if cell.get("inputs_ran_out"):
                _log("    the cell used up its inputs before the end: its throughput is a floor")
            return cell | {"query": key, "contender": name, "clients": n,
                           "load_average_1m": os.getloadavg()[0]}  # fmt: skip

        for n, key in plan:
            q = QUERIES[key]
            names = answering(q, contenders)
            if key == "f" and not warmed_writes and inputs.get("writes"):
                # Neo4j compiles its write paths under the first write load (the first write cell
                # after a start completed nothing): one unreported cell per contender first.
                warmed_writes = True
                for name in names:
                    results["warm_up_cells"].append(measure(key, name, WRITE_WARM_UP_CLIENTS, next(writes)))
            for round_ in range(rounds_at(n)):
                for name in rotated(running(names, n), round_):
                    if stop_by is not None and time.time() > stop_by:
                        results["cut_short"] = f"--stop-by reached before ({key}) {name} x{n}"
                        raise _StopBy
                    cell_inputs = next(writes) if key == "f" else inputs[q.inputs]
                    if not cell_inputs:
                        _log(f"({key}) {name} x{n}: no inputs in this dataset, skipped")
                        results.setdefault("skipped", []).append(
                            f"({key}) {name} x{n}: no inputs in this dataset"
                        )
                        continue
                    results["cells"].append(measure(key, name, n, cell_inputs) | {"round": round_})
    except _StopBy:
        _log(results["cut_short"])
    finally:
        _log("stopping everything")
        procs.stop_all()
        results["load_averages"]["end"] = load_averages()
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        raw = RESULTS_DIR / f"{args.output.stem}.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(results, indent=1, default=str))
        if results["cells"]:
            args.output.write_text(report.render(results, raw.relative_to(REPO_ROOT)))
            _log(f"wrote {args.output}")


def answering(q: Query, contenders: list[str]) -> list[str]:
    """The contenders that have the query: the peer lacks some."""
    return [name for name in contenders if not (name == "peer" and q.peer is None)]


def cell_spec(
    key: str,
    inputs: list[Any],
    clients: int,
    warmup_s: float,
    duration_s: float,
    neo4j_uri: str,
    *,
    url: str | None = None,
    document: str | None = None,
    hub_auth: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What benchmarks/worker.py runs for one cell: over HTTP when `url` is given, else the floor."""
    return {
        "mode": "http" if url else "floor",
        "query": key,
        "inputs": inputs,
        # (f) over HTTP: the hub's write mix (it signs its callers in) or the library's.
        "mix": ("hub" if hub_auth else "peer") if key == "f" and url else None,
        "clients": clients,
        "warmup_s": warmup_s,
        "duration_s": duration_s,
        "url": url,
        "document": document,
        "neo4j_uri": neo4j_uri,
        "neo4j_password": PASSWORD,
        "hub_auth": hub_auth,
    }


def restore_pristine(store: Path, pristine: Path, marker: Path) -> dict[str, Any] | None:
    """For --reuse: the store as the first load left it, and what that load was; None when there
    is no such copy (then the data is loaded afresh). Each run's write mix adds members to the very
    teams the reads page through, so a store reused as a run left it would make every run read
    bigger teams than the last."""
    if not (marker.exists() and pristine.is_dir()):
        _log("no copy of the store as loaded: loading the data afresh")
        return None
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(pristine, store)
    loaded: dict[str, Any] = json.loads(marker.read_text())
    return loaded


def write_slices(writes: list[Any], cells: int) -> Iterator[list[Any]]:
    """A fresh slice of (team, free person) pairs per write cell: an invitation cannot be repeated.
    The last pair is kept back for the check before the cells."""
    return iter(_slices(writes[:-1], cells))


def _slices(items: list[Any], count: int) -> list[list[Any]]:
    size = max(1, len(items) // max(1, count))
    return [items[i * size : (i + 1) * size] or items[:1] for i in range(count)]


class _StopBy(Exception):
    pass


def _clock_today(hhmm: str) -> float:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    now = time.localtime()
    return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, hours, minutes, 0, 0, 0, -1))


async def _floor_once(uri: str, key: str, args: dict[str, str]) -> tuple[bytes, int]:
    # The first run of a statement plans it in Neo4j: on a busy machine that outlasts the hub's
    # usual transaction timeout (the hub's own check retries; this one waits instead).
    graph = Graph.connect(uri, "neo4j", PASSWORD, query_timeout_s=120)
    try:
        floor = floor_of(key, [args])
        with count_queries() as counter:
            body = await floor(graph, args)
        return body, counter.queries
    finally:
        await graph.close()


def profile(uri: str, teams: list[dict[str, str]], requests: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "benchmarks.profile_hub", "--neo4j-uri", uri, "--password", PASSWORD,
         "--inputs", json.dumps(teams[:50]), "--requests", str(requests)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=240, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        return {"error": out.stderr[-2000:]}
    result: dict[str, Any] = json.loads(out.stdout)
    return result


if __name__ == "__main__":
    main()
