"""One measurement cell: N closed-loop clients against one contender, in a process of its own.

`python -m benchmarks.worker SPEC.json` where the spec names the mode:
- "http": POST GraphQL documents to a URL (the hub or the peer) over keep-alive connections, one
  per client (benchmarks/http_client.py); this process is the load generator, and its CPU is
  reported as the generator's.
- "floor": run the hub's own statements (benchmarks/queries.py `floor_of`) on the Python driver
  directly; the clients are coroutines in this process, so its CPU is floor work plus the (tiny)
  client loop.

Protocol on stdout: `MEASURING` when the warm-up ends, `DONE` when the measured window ends, then
one JSON line with the results. Each client sends its next request as soon as the previous
answer arrives; inputs rotate through the spec's list so no single row stays hot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import structlog

from benchmarks import auth
from benchmarks.http_client import Client
from benchmarks.queries import HUB_WRITE_MIX, PEER_WRITE_MIX
from graph.ids import new_id

Call = Callable[[dict[str, str]], Awaitable[bool]]
NewClient = Callable[[], Call]  # one closed-loop client's call (its own connection, if any)


async def _drive(
    new_client: NewClient,
    inputs: list[dict[str, str]],
    clients: int,
    warmup_s: float,
    duration_s: float,
    once: bool = False,
) -> dict[str, Any]:
    # Reads rotate through their inputs; a write input (an invitation to make) is used once, and a
    # client that finds none left stops, so a cell never measures refusals of repeated writes.
    next_input = (iter(inputs) if once else itertools.cycle(inputs)).__next__
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    measuring = False
    stop = False
    ran_out = False

    async def client() -> None:
        nonlocal errors, first_error, ran_out
        call = new_client()
        while not stop:
            try:
                args = next_input()
            except StopIteration:
                ran_out = True
                return
            started = time.perf_counter()
            try:
                ok = await call(args)
                problem = None if ok else "error in response"
            except Exception as exc:  # a failed request is counted, not fatal
                ok, problem = False, f"{type(exc).__name__}: {exc}"
            if measuring and not stop:
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
                    first_error = first_error or problem

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    await asyncio.sleep(warmup_s)
    measuring = True
    print("MEASURING", flush=True)
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(duration_s)
    stop = True
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print("DONE", flush=True)
    await asyncio.wait(tasks, timeout=30)
    latencies.sort()

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "completed": len(latencies),
        "errors": errors,
        "first_error": first_error,
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "self_cpu_pct": 100 * cpu / elapsed,
        "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "inputs_ran_out": ran_out,
    }


async def _http(spec: dict[str, Any]) -> dict[str, Any]:
    url, document = spec["url"], spec["document"]
    hub_auth = spec.get("hub_auth")  # the hub authorises every request: sign in as the bench admin
    client = Client(url, auth.bearer(hub_auth["port"], Path(hub_auth["data_dir"])) if hub_auth else {})
    # Each input's request, encoded once: the generator's CPU is taken from the servers'.
    requests = {id(args): client.encode({"query": document, "variables": args}) for args in spec["inputs"]}

    def reader() -> Call:
        session = client.session()

        async def call(args: dict[str, str]) -> bool:
            status, body = await session.send(requests[id(args)])
            return status == 200 and b'"errors"' not in body

        return call

    # Only the invited person may accept (f): their own token, signed before the cell starts, as
    # a client holds the token its identity provider issued; signing in the measured window took
    # the generator's CPU (an RSA signature per iteration) from the servers'.
    own_tokens = (
        {
            args["email"]: auth.bearer(hub_auth["port"], Path(hub_auth["data_dir"]), args["email"])
            for args in spec["inputs"]
            if args.get("email")
        }
        if hub_auth and spec.get("mix") == "hub"
        else {}
    )

    def idempotency_key() -> dict[str, str]:
        return {"Idempotency-Key": str(uuid.uuid4())} if spec.get("mix") == "hub" else {}

    def writer() -> Call:
        session = client.session()

        async def post(
            document: str, variables: dict[str, str], as_email: str | None = None
        ) -> dict[str, Any] | None:
            # The hub's mutations carry a fresh Idempotency-Key each, as the web app sends them
            # (frontend/src/api/client.ts): the hub records it with the write.
            headers = {**(own_tokens[as_email] if as_email else {}), **idempotency_key()}
            status, raw = await session.send(
                client.encode({"query": document, "variables": variables}, headers)
            )
            body = orjson.loads(raw)
            if status != 200 or body.get("errors"):
                raise ResponseError(status, body)
            data: dict[str, Any] = body["data"]
            return data

        async def hub_mix(args: dict[str, str]) -> bool:
            """(f) on the hub: invite, accept, post, update, each waiting for the one before."""
            invite, accept, post_doc, update = HUB_WRITE_MIX
            sent = await post(invite, args)
            await post(accept, {"invitationId": sent["inviteMember"]["id"]}, args.get("email"))
            await post(post_doc, {"teamId": args["teamId"], "body": "Benchmark post"})
            await post(update, {"teamId": args["teamId"], "mandate": f"Benchmark {args['personId']}"})
            return True

        async def peer_mix(args: dict[str, str]) -> bool:
            """(f) on the peer: the same four steps, with the ids and times the hub would make."""
            invite, accept, post_doc, update = PEER_WRITE_MIX
            team, issue, person = args["teamId"], args["issueId"], args["personId"]
            invitation, now = new_id("Invitation"), datetime.now(UTC)
            steps = (
                (invite, "invitation.sent", invitation, {"invitationId": invitation, "personId": person,
                                                         "expiresAt": (now + timedelta(days=14)).isoformat()}),
                (accept, "invitation.accepted", invitation, {"invitationId": invitation, "personId": person,
                                                             "now": now.isoformat(), "since": now.date().isoformat()}),
                (post_doc, "post.created", post_id := new_id("Post"), {"postId": post_id, "body": "Benchmark post"}),
                (update, "team.updated", team, {"mandate": f"Benchmark {person}", "now": now.isoformat()}),
            )  # fmt: skip
            for document, verb, target, variables in steps:
                activity = {
                    "activityId": new_id("Activity"),
                    "verb": verb,
                    "targetId": target,
                    "summary": verb,
                }
                await post(document, {"teamId": team, "issueId": issue, **activity, **variables})
            return True

        return hub_mix if spec["mix"] == "hub" else peer_mix

    return await _drive(
        writer if spec.get("mix") else reader,
        spec["inputs"],
        spec["clients"],
        spec["warmup_s"],
        spec["duration_s"],
        once=spec["query"] == "f",
    )


class ResponseError(Exception):
    """A write answered with errors: the first one's code and message go into the report."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        first = (body.get("errors") or [{}])[0]
        code = (first.get("extensions") or {}).get("code")
        super().__init__(f"HTTP {status} {code}: {first.get('message')}")


async def _floor(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.queries import floor_of
    from graph.driver import Graph

    # graph.driver asks the server for no notifications; should one come, it is not logged here.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    # graph/'s own warnings (a numbering that waited too long for a connection) go to stderr:
    # stdout carries this worker's protocol.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))

    graph = Graph.connect(spec["neo4j_uri"], "neo4j", spec["neo4j_password"], pool_size=50)
    floor = floor_of(spec["query"], spec["inputs"])
    try:

        async def call(args: dict[str, str]) -> bool:
            await floor(graph, args)
            return True

        return await _drive(
            lambda: call,
            spec["inputs"],
            spec["clients"],
            spec["warmup_s"],
            spec["duration_s"],
            once=spec["query"] == "f",
        )
    finally:
        await graph.close()


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    if not spec["inputs"]:
        raise SystemExit("no inputs for this cell")
    import uvloop  # the hub's uvicorn runs on uvloop too

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(_http(spec) if spec["mode"] == "http" else _floor(spec))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
