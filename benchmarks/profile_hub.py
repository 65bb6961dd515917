"""Profile the hub answering query (a) with pyinstrument, in-process (the ASGI app, no uvicorn).

    python -m benchmarks.profile_hub --neo4j-uri bolt://127.0.0.1:PORT --password P --inputs '[{"id": ...}]'

Sends `--requests` team-page requests, `--concurrency` at a time, through httpx's ASGI transport,
and prints JSON: requests/s in-process, the costliest functions by own time (waiting in the event
loop's selector is I/O wait, i.e. Neo4j) and pyinstrument's call tree, trimmed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import defaultdict
from typing import Any

import httpx
from pyinstrument import Profiler

from benchmarks import auth
from benchmarks.queries import HUB_TEAM_PAGE


def _package(path: str | None, inherited: str) -> str:
    """Where a frame's code lives: a library, the stdlib module, or the project's package."""
    if not path:
        return inherited  # built-ins and pyinstrument's [self] frames: the caller's package
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib " + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    for package in ("hub", "graph", "benchmarks"):
        if f"/{package}/" in path:
            return package
    return inherited


def _self_times(frame: Any, functions: dict[str, float], packages: dict[str, float], inherited: str) -> None:
    if frame is None:
        return
    package = _package(frame.file_path, inherited)
    where = frame.file_path_short or package
    functions[f"{frame.function} ({where}:{frame.line_no})"] += frame.total_self_time
    packages[package] += frame.total_self_time
    for child in frame.children:
        _self_times(child, functions, packages, package)


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.update(
        {"NEO4J_URI": args.neo4j_uri, "NEO4J_PASSWORD": args.password, "HUB_MODE": "development",
         "HUB_LOG_LEVEL": "warning", "HUB_ADMIN_EMAILS": auth.BENCH_ADMIN}
    )  # fmt: skip
    from hub.app import create_app
    from hub.auth import keys
    from hub.config import Settings

    settings = Settings()
    app = create_app(settings)
    # The hub authorises every request: the benchmark's administrator, as `hub token` signs it.
    token = keys.access_token(settings, email=auth.BENCH_ADMIN, subject=keys.dev_subject(auth.BENCH_ADMIN))
    inputs = json.loads(args.inputs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub", headers={"Authorization": f"Bearer {token}"}
        ) as client:

            async def one(i: int) -> None:
                response = await client.post(
                    "/graphql", json={"query": HUB_TEAM_PAGE, "variables": inputs[i % len(inputs)]}
                )
                if response.status_code != 200 or "errors" in response.json():
                    raise RuntimeError(response.text[:500])

            async def batch(start: int, count: int) -> None:
                sem = asyncio.Semaphore(args.concurrency)

                async def guarded(i: int) -> None:
                    async with sem:
                        await one(i)

                await asyncio.gather(*(guarded(start + i) for i in range(count)))

            await batch(0, 50)  # warm: parser/validation caches, driver pool, JIT-free Python
            profiler = Profiler(interval=0.001, async_mode="disabled")
            started = time.perf_counter()
            profiler.start()
            await batch(50, args.requests)
            profiler.stop()
            elapsed = time.perf_counter() - started
    totals: dict[str, float] = defaultdict(float)
    packages: dict[str, float] = defaultdict(float)
    session = profiler.last_session
    _self_times(session.root_frame() if session else None, totals, packages, "?")
    wall = sum(totals.values()) or 1.0
    top = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[: args.top]
    by_package = sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:15]
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 3),
        "requests_per_s_in_process": round(args.requests / elapsed, 1),
        "by_package": [
            {"package": k, "seconds": round(v, 4), "share": round(v / wall, 4)} for k, v in by_package
        ],
        "top_self_time": [
            {"function": k, "seconds": round(v, 4), "share": round(v / wall, 4)} for k, v in top
        ],
        "tree": "\n".join(tree.splitlines()[:120]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--neo4j-uri", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--inputs", required=True, help="JSON list of {id} team inputs")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_run(args))))


if __name__ == "__main__":
    main()
