"""Subscription load benchmark: concurrent subscribers one hub process holds, sustained event
rate, delivery latency from commit to client (p50/p99), memory per idle connection; the same
load against a reference server built on the npm graphql-ws package (in-memory pub/sub).

    # a hub (one process, development mode) over a Neo4j, and the reference server:
    HUB_ADMIN_EMAILS=bench-admin@sadarbe.test .venv/bin/hub serve --no-seed --port 8011 &
    (cd benchmarks/reference-graphql-ws && npm ci && node server.mjs 4011) &
    export HUB_TOKEN=$(HUB_ADMIN_EMAILS=bench-admin@sadarbe.test .venv/bin/hub token \\
        --user bench-admin@sadarbe.test --port 8011)
    .venv/bin/python benchmarks/subscriptions.py --hub http://127.0.0.1:8011 --hub-pid PID \\
        --reference http://127.0.0.1:4011 --reference-pid PID --subscribers 1000,5000,10000

The hub authorises every operation: its subscribers send the token in `connection_init` and its
publisher sends it as a bearer token (`--hub-token`, or HUB_TOKEN in the environment).

Every subscriber is a real graphql-transport-ws connection (websockets' sans-I/O client) with one
`institutionActivity` subscription on the same institution. Latency is the client's receive time
minus the event's `at` (the hub: the Activity's transaction time in Neo4j, so it includes the
commit; the reference: the publish time). The generator's own CPU time is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

QUERY = """subscription($id: ID!) { institutionActivity(institutionId: $id) {
  cursor activity { seq verb summary targetId at } } }"""


IDLE_WINDOW_S = 10.0


@dataclass
class Run:
    target: str
    subscribers: int
    connected: int = 0
    connect_s: float = 0.0
    rss_before_mb: float = 0.0  # the server's RSS when the script started (start it fresh)
    rss_idle_mb: float = 0.0
    events: int = 0
    publish_s: float = 0.0
    delivered: int = 0
    expected: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    by_event: dict[str, list[float]] = field(default_factory=dict)  # the event's `at`: its latencies
    closed_early: int = 0
    idle_cpu_s: float = 0.0  # server CPU over IDLE_WINDOW_S with every connection idle
    refused: int = 0  # connection_init not acknowledged, or the subscribe answered with `error`
    generator_cpu_s: float = 0.0
    server_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None

        return {
            "target": self.target,
            "subscribers": self.subscribers,
            "connected": self.connected,
            "connect_s": round(self.connect_s, 1),
            # RSS growth over the fresh process: a smaller run's freed memory is reused by a
            # larger one, so growth since the run began would understate it.
            "idle_kb_per_connection": round(
                (self.rss_idle_mb - self.rss_before_mb) * 1024 / max(self.connected, 1), 1
            ),
            "rss_fresh_mb": round(self.rss_before_mb, 1),
            "rss_idle_mb": round(self.rss_idle_mb, 1),
            "events": self.events,
            "deliveries_per_s": round(self.delivered / self.publish_s, 0) if self.publish_s else None,
            "delivered": self.delivered,
            "expected": self.expected,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1], 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
            # Per event, first and last delivery: the first is commit to the first socket (the
            # hub's path through publish, visibility check and execution), the spread the fan-out.
            "first_last_ms": [[round(min(v)), round(max(v))] for v in self.by_event.values()],
            "closed_early": self.closed_early,
            "refused": self.refused,
            "idle_cpu_ms_per_s": round(self.idle_cpu_s * 1000 / IDLE_WINDOW_S, 1),
            "generator_cpu_s": round(self.generator_cpu_s, 1),
            "server_cpu_s": round(self.server_cpu_s, 3),
            # The process's CPU over the timed events (their writes included) per delivery.
            "server_cpu_ms_per_delivery": round(self.server_cpu_s * 1000 / self.delivered, 4)
            if self.delivered
            else None,
        }


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Subscriber(asyncio.Protocol):
    """One graphql-transport-ws connection with one subscription, driven by websockets' sans-I/O
    protocol (the same framing and handshake code as its asyncio client) from a bare asyncio
    Protocol: no task, queue or reader coroutine per connection, so receiving 10,000 frames costs
    the generator a small fraction of what it costs the server and the generator is not the
    bottleneck of the latency it measures (its CPU is reported next to the server's)."""

    def __init__(
        self, url: str, token: str | None, institution_id: str, run: Run, stop: asyncio.Event
    ) -> None:
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")])
        self.token, self.institution_id, self.run, self.stop = token, institution_id, run, stop
        self.ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ws.send_request(self.ws.connect())
        self._flush()

    def _flush(self) -> None:
        if self.transport is not None and (data := self.ws.data_to_send()):
            self.transport.write(b"".join(data))

    def _send(self, message: dict[str, Any]) -> None:
        self.ws.send_text(json.dumps(message).encode())
        self._flush()

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._settle(False)
                    continue
                init = {"token": self.token} if self.token else {}
                self._send({"type": "connection_init", "payload": init})
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._text(bytes(event.data).decode(), received)
        self._flush()  # pongs and close frames the protocol answers on its own

    def _text(self, text: str, received: float) -> None:
        # Kept cheap: both servers send compact JSON, so the event's time is found without
        # decoding the whole message.
        if '"type":"next"' in text:
            start = text.index('"at":"') + 6
            at = text[start : text.index('"', start)]
            latency = (received - datetime.fromisoformat(at).timestamp()) * 1000
            self.run.latencies_ms.append(latency)
            self.run.by_event.setdefault(at, []).append(latency)
            self.run.delivered += 1
        elif '"type":"connection_ack"' in text:
            variables = {"id": self.institution_id}
            self._send({"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": variables}})
            self.run.connected += 1
            self._settle(True)
        elif '"type":"error"' in text or not self.ready.done():  # the subscribe, or connection_init, refused
            self.run.refused += 1
            self._settle(False)

    def _settle(self, ok: bool) -> None:
        if not self.ready.done():
            self.ready.set_result(ok)

    def connection_lost(self, exc: Exception | None) -> None:
        self._settle(False)
        if not self.stop.is_set():
            self.run.closed_early += 1

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def hub_publish(http: httpx.AsyncClient, institution_id: str, n: int) -> None:
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!, $n: String!) { updateInstitution(id: $id, patch: {nameEn: $n}) { id } }",
            "variables": {"id": institution_id, "n": f"name {n}"},
        },
    )
    response.raise_for_status()


async def reference_publish(http: httpx.AsyncClient, institution_id: str, n: int) -> None:
    (await http.post("/publish", json={"institutionId": institution_id})).raise_for_status()


async def measure(
    target: str,
    base: str,
    pid: int | None,
    n: int,
    events: int,
    rate: float,
    connect_concurrency: int,
    token: str | None = None,
    drain_s: float = 60.0,
    rss_fresh_mb: float = 0.0,
) -> Run:
    run = Run(target, n, rss_before_mb=rss_fresh_mb)
    ws_url = base.replace("http://", "ws://") + "/graphql"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as http:
        if target.startswith("hub"):
            created = await http.post(
                "/graphql",
                json={
                    "query": "mutation($c: String!) { createInstitution(input: {code: $c, nameLv: $c, nameEn: $c, kind: AGENCY}) { id } }",
                    "variables": {"c": f"BENCH{time.time_ns() % 10**9}"},
                },
            )
            institution_id = created.json()["data"]["createInstitution"]["id"]
            publish = hub_publish
        else:
            institution_id = f"inst_bench_{n}"
            publish = reference_publish

        stop = asyncio.Event()
        gate = asyncio.Semaphore(connect_concurrency)
        subscribers: list[Subscriber] = []
        host, port = base.removeprefix("http://").split(":")
        loop = asyncio.get_running_loop()
        started = time.monotonic()

        async def open_one() -> None:
            async with gate:
                sub = Subscriber(ws_url, token, institution_id, run, stop)
                subscribers.append(sub)
                try:
                    await loop.create_connection(lambda: sub, host, int(port))
                    await asyncio.wait_for(sub.ready, timeout=120)
                except (OSError, TimeoutError):
                    run.closed_early += 1

        await asyncio.gather(*(open_one() for _ in range(n)))
        run.connect_s = time.monotonic() - started
        await asyncio.sleep(3)  # let subscriptions register and memory settle
        run.rss_idle_mb = rss_mb(pid)
        # The server's CPU while every connection is idle: keep-alive pings and nothing else.
        idle0 = cpu_s(pid)
        await asyncio.sleep(IDLE_WINDOW_S)
        run.idle_cpu_s = cpu_s(pid) - idle0

        # One untimed event first, delivered to everyone: a fresh server's first event pays its
        # one-time costs (first execution of the resolver path, first write on every socket),
        # which is start-up, not the steady state measured here.
        await publish(http, institution_id, -1)
        for _ in range(100):
            if run.delivered >= run.connected:
                break
            await asyncio.sleep(0.1)
        run.delivered, run.latencies_ms, run.by_event = 0, [], {}

        cpu0, scpu0 = own_cpu_s(), cpu_s(pid)
        expected_connected = run.connected
        started = time.monotonic()
        for i in range(events):
            t0 = time.monotonic()
            await publish(http, institution_id, i)
            run.events += 1
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - t0)))
        # wait for deliveries to drain (bounded)
        run.expected = events * expected_connected
        drain_until = time.monotonic() + drain_s  # wait (bounded) for deliveries to drain
        for _ in range(int(drain_s / 0.2)):
            if run.delivered >= run.expected or time.monotonic() > drain_until:
                break
            await asyncio.sleep(0.2)
        run.publish_s = time.monotonic() - started
        run.generator_cpu_s = own_cpu_s() - cpu0
        run.server_cpu_s = cpu_s(pid) - scpu0
        stop.set()
        for sub in subscribers:
            sub.close()
        await asyncio.sleep(2)
    return run


def machine() -> dict[str, Any]:
    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_kb = next(int(line.split()[1]) for line in f if line.startswith("MemTotal"))
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_avg_at_start": os.getloadavg(),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hub", help="the hub's base URL")
    parser.add_argument("--hub-pid", type=int)
    parser.add_argument("--hub-token", default=os.environ.get("HUB_TOKEN"), help="`hub token` output")
    parser.add_argument("--baseline", help="another hub to compare in the same run, e.g. the previous commit")
    parser.add_argument("--baseline-pid", type=int)
    parser.add_argument("--baseline-label", default="hub-baseline")
    parser.add_argument(
        "--baseline-token", default=os.environ.get("BASELINE_TOKEN"), help="its own `hub token` output"
    )
    parser.add_argument("--reference", help="the reference graphql-ws server's base URL")
    parser.add_argument("--reference-pid", type=int)
    parser.add_argument("--subscribers", default="1000,5000,10000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--rate", type=float, default=2.0, help="events per second published")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument(
        "--drain-s", type=float, default=60.0, help="how long to wait for deliveries after the last publish"
    )
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one descriptor per connection

    results: dict[str, Any] = {"machine": machine(), "nofile": hard, "args": vars(args), "runs": []}
    fresh = {pid: rss_mb(pid) for pid in (args.hub_pid, args.baseline_pid, args.reference_pid) if pid}
    for n in (int(x) for x in args.subscribers.split(",")):
        for target, base, pid in (
            ("hub", args.hub, args.hub_pid),
            (args.baseline_label, args.baseline, args.baseline_pid),
            ("reference", args.reference, args.reference_pid),
        ):
            if not base:
                continue
            token = {"hub": args.hub_token, args.baseline_label: args.baseline_token or args.hub_token}.get(
                target
            )
            run = await measure(
                target,
                base,
                pid,
                n,
                args.events,
                args.rate,
                args.connect_concurrency,
                token,
                args.drain_s,
                fresh.get(pid, 0.0) if pid else 0.0,
            )
            summary = run.summary()
            results["runs"].append(summary)
            print(json.dumps(summary), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))  # noqa: ASYNC240 - once, at the end


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
