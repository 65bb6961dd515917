"""Latency of reshaped documents against the original: the same page asked for with fields left
out, reordered, aliased, in fragments and under @include/@skip (benchmarks/reshape.py) must cost
about what the original costs (target: within 1.2× of its median), as the planner compiles any
shape to one statement. One client, requests interleaved round-robin over the original and its
variants (so background load hits them alike), each input in turn."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from typing import Any

import orjson

from benchmarks import reshape
from benchmarks.http_client import Client

VARIANTS = 4


def variants_of(document: str) -> list[str]:
    from hub.api.planning import graphql_schema
    from hub.api.schema import schema

    return reshape.variants(document, graphql_schema(schema), VARIANTS, seed=len(document))


async def _measure(
    url: str, headers: dict[str, str], documents: list[str], inputs: list[dict[str, Any]], rounds: int
) -> tuple[list[list[float]], list[int | None]]:
    """Each document's latencies (ms), and its Cypher round trips on its last request (the hub
    reports them in `extensions.cypherQueries` in development mode)."""
    client = Client(url, headers)
    session = client.session()
    times: list[list[float]] = [[] for _ in documents]
    trips: list[int | None] = [None for _ in documents]
    cycle = itertools.cycle(inputs)
    for round_ in range(rounds + 10):  # the first ten rounds warm the plans and the connection
        args = {**reshape.FLAGS, **next(cycle)}
        for i, document in enumerate(documents):
            request = client.encode({"query": document, "variables": args})
            started = time.perf_counter()
            status, body = await session.send(request)
            elapsed = time.perf_counter() - started
            if status != 200 or b'"errors"' in body:
                raise RuntimeError(f"variant {i} failed: {body[:300]!r}")
            if round_ >= 10:
                times[i].append(elapsed * 1000)
    for i, document in enumerate(documents):  # after the timing: parsing takes no measured time
        request = client.encode({"query": document, "variables": {**reshape.FLAGS, **inputs[0]}})
        _, body = await session.send(request)
        trips[i] = (orjson.loads(body).get("extensions") or {}).get("cypherQueries")
    return times, trips


def measure(
    url: str, headers: dict[str, str], document: str, inputs: list[dict[str, Any]], rounds: int = 150
) -> dict[str, Any]:
    """Median and p95 latency (ms) of the original and of each variant, and each variant's ratio."""
    documents = [document, *variants_of(document)]
    times, trips = asyncio.run(_measure(url, headers, documents, inputs, rounds))
    medians = [statistics.median(t) for t in times]
    p95 = [sorted(t)[int(0.95 * len(t))] for t in times]
    return {
        "original_p50_ms": medians[0],
        "original_p95_ms": p95[0],
        "original_round_trips": trips[0],
        "variants": [
            {"p50_ms": m, "p95_ms": p, "ratio": m / medians[0], "round_trips": n}
            for m, p, n in zip(medians[1:], p95[1:], trips[1:], strict=True)
        ],
        "worst_ratio": max(m / medians[0] for m in medians[1:]),
    }
