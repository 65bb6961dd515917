"""Hubs built from different source trees, side by side with the floor, on one Neo4j.

    git worktree add /tmp/before <commit>
    .venv/bin/python -m benchmarks.compare --trees before=/tmp/before,after=. --queries a,c --rounds 3 --floor

(f), the write mix, gives each cell its own slice of the (team, free person) pairs, as `run` does.

For a change to the hub: what moved, measured in one run on the database `benchmarks.run` loaded
(`--data-dir`, reused as is). Cells are interleaved (round by round, the order reversed every
other round) so a change in the machine's load hits every contender alike, and each cell reports
the CPU per request of the server, Neo4j and the load generator. Prints one line per cell.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import psutil

from benchmarks.queries import QUERIES
from benchmarks.run import PASSWORD, cell_spec, load_averages, prepare_data, run_cell, write_slices
from benchmarks.servers import REPO_ROOT, Processes, Usage, free_port


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trees", required=True, help="name=path,…: a hub per source tree")
    parser.add_argument("--queries", default="a,c")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--floor", action="store_true", help="the raw-Cypher floor in every round too")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "bench")
    args = parser.parse_args()

    trees = dict(t.split("=", 1) for t in args.trees.split(","))
    procs = Processes(args.data_dir / "logs")
    try:
        bolt = free_port()
        uri = f"bolt://127.0.0.1:{bolt}"
        neo4j = Usage(psutil.Process(procs.neo4j(args.data_dir / "neo4j", bolt, PASSWORD, "2g", "1g").pid))
        loaded = json.loads((args.data_dir / "loaded.json").read_text())
        inputs = asyncio.run(prepare_data(uri, loaded["people"], loaded["seed"], loaded))["inputs"]
        hubs: dict[str, tuple[int, Usage]] = {}
        for name, tree in trees.items():
            port = free_port()
            process = procs.hub(port, uri, PASSWORD, Path(tree).resolve(), f"hub-{name}")
            hubs[name] = (port, Usage(psutil.Process(process.pid)))
        names = [*hubs, *(["floor"] if args.floor else [])]
        writes = write_slices(inputs.get("writes", []), args.rounds * len(names))
        for r in range(args.rounds):
            for key in args.queries.split(","):
                for name in names if r % 2 == 0 else reversed(names):
                    hub_port = hubs[name][0] if name in hubs else None
                    spec = cell_spec(
                        key,
                        next(writes) if key == "f" else inputs[QUERIES[key].inputs],
                        args.clients,
                        args.warmup,
                        args.duration,
                        uri,
                        url=f"http://127.0.0.1:{hub_port}/graphql" if hub_port else None,
                        document=QUERIES[key].hub,
                        hub_auth={"port": hub_port, "data_dir": str(procs.log_dir)} if hub_port else None,
                    )
                    cell = run_cell(spec, hubs[name][1] if hub_port else None, neo4j)
                    rate = cell["throughput"]
                    if not cell["completed"]:
                        print(f"r{r} ({key}) {name:8s} nothing completed: {cell['first_error']}", flush=True)
                        continue
                    per = {
                        k: 10 * (cell[k] or 0) / rate
                        for k in ("server_cpu_pct", "neo4j_cpu_pct", "generator_cpu_pct")
                    }
                    print(
                        f"r{r} ({key}) {name:8s} {rate:6.1f}/s p50 {cell['p50_ms']:6.1f} p99 {cell['p99_ms']:6.1f} "
                        f"errors {cell['errors']}  CPU ms/req: server {per['server_cpu_pct']:.2f} "
                        f"neo4j {per['neo4j_cpu_pct']:.2f} generator {per['generator_cpu_pct']:.2f}  "
                        f"load {load_averages()}",
                        flush=True,
                    )
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()
