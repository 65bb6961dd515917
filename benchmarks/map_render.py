"""Issue-map drawing benchmark: the built web app in Debian's headless Chromium with ~5,000 nodes.

The app is served by hub/web.py (no database); the page's GraphQL requests, over HTTP to the same
server, are answered by operation name from a synthetic `issueMap` in the hub's shape
(institutions, plan directions, issues, teams), so only the app's start, reading the answer,
layout, drawing and panning are measured; an operation the benchmark does not know fails the run
with its name. Reports the page's phases (navigation start to the issueMap request, the request
with transfer and JSON parsing, reading it, layout, creating the canvas with the first full draw,
the first frame), the time from navigation to drawn, the frame rate while panning continuously for
three seconds, and the cost of one full picture at the fitted view.

    .venv/bin/python benchmarks/map_render.py [--issues 2500] [--institutions 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import threading
import time
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from hub.web import DIST_DIR, WebApp

DIRECTIONS = 12


def synthetic(issues: int, institutions: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """An `issueMap` answer in the hub's shape (graph/mapping.py): issues affecting 1–4 institutions
    each, under one of a dozen plan directions, and a team on 49 of every 50 issues."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible synthetic map, not a secret
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def node(id_: str, kind: str, label: str, **extra: Any) -> None:
        nodes.append(
            {"id": id_, "kind": kind, "label": label, "weight": 0, "code": None, "status": None} | extra
        )

    def edge(kind: str, source: str, target: str, stake: str | None = None) -> None:
        edges.append(
            {
                "id": f"{kind}:{source}->{target}",
                "kind": kind,
                "source": source,
                "target": target,
                "stake": stake,
            }
        )

    insts = [f"inst-{i}" for i in range(institutions)]
    for i, inst in enumerate(insts):
        node(inst, "INSTITUTION", f"Iestāde {i}", code=f"I{i:03d}")
    for d in range(DIRECTIONS):
        node(f"dir-{d}", "DIRECTION", f"Virziens {d}", number=d + 1)
    for n in range(issues):
        issue = f"issue-{n}"
        node(
            issue, "ISSUE", f"Jautājums {n}", status=rng.choice(["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"])
        )
        for k, inst in enumerate(rng.sample(insts, rng.randint(1, 4))):
            edge("AFFECTS", issue, inst, "LEAD" if k == 0 else "INVOLVED")
        edge("UNDER_DIRECTION", issue, f"dir-{n % DIRECTIONS}")
        if n % 50:
            node(f"team-{n}", "TEAM", f"Komanda {n}", status="ACTIVE")
            edge("ADDRESSES", f"team-{n}", issue)
    return {"nodes": nodes, "edges": edges}


class Answers:
    """The page's GraphQL requests answered by operation name over HTTP, as the hub would (bodies
    encoded once: the hub's own query and encoding time is not what this measures). An operation
    not known here is answered with an error and recorded, so the run fails naming it."""

    def __init__(self, issue_map: dict[str, list[dict[str, Any]]]) -> None:
        lookups = {"institutions": {"nodes": []}, "skills": {"nodes": []}, "planDirections": []}
        canned = {"IssueMapForView": {"issueMap": issue_map}, "Lookups": lookups, "Me": {"me": None}}
        self.bodies = {name: json.dumps({"data": data}).encode() for name, data in canned.items()}
        self.unknown: list[str] = []

    async def http(self, request: Request) -> Response:
        name = str((await request.json()).get("operationName"))
        if name not in self.bodies:
            self.unknown.append(name)
            error = {"data": None, "errors": [{"message": f"benchmark: unknown operation {name}"}]}
            return Response(json.dumps(error), media_type="application/json")
        return Response(self.bodies[name], media_type="application/json")


async def refuse(websocket: WebSocket) -> None:
    """No live updates here: close as the hub does for nobody signed in (4403), so the page stops asking."""
    await websocket.close(code=4403)


def serve(answers: Answers) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(
                routes=[
                    Route("/graphql", answers.http, methods=["POST"]),
                    WebSocketRoute("/graphql", refuse),
                    Mount("/", app=WebApp()),
                ]
            ),
            port=port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


PAN_FPS = """async () => {
  const map = window.__sadarbeMap;
  // The full picture at the fitted view, drawn five times (the frame shown whenever the view is still).
  const full = [0, 1, 2, 3, 4].map(() => map.drawFull()).sort((a, b) => a - b)[2];
  const before = map.drawing();
  let frames = 0; const start = performance.now();
  await new Promise((done) => {
    const step = (now) => {
      // Back and forth, a second each way, so the picture stays in view.
      const way = Math.floor((now - start) / 1000) % 2 ? -1 : 1;
      map.panBy(4 * way, 2 * way); frames++;
      if (now - start < 3000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  const fps = frames / ((performance.now() - start) / 1000);
  const moving = map.drawing();
  return {fps, drawMs: (moving.ms - before.ms) / Math.max(moving.frames - before.frames, 1), fullMs: full};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=2500)
    parser.add_argument("--institutions", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert (DIST_DIR / "index.html").is_file(), "build the web app first (make web)"
    answers = Answers(synthetic(args.issues, args.institutions))
    base, server = serve(answers)
    results = []
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for run in range(args.runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023 - read within this run
            started = time.perf_counter()
            page.goto(f"{base}/map")
            try:
                page.wait_for_function("window.__sadarbeMap !== undefined", timeout=120_000)
            except Exception:
                raise SystemExit(
                    f"the map never drew; unknown operations {answers.unknown}, page errors {errors}"
                ) from None
            loaded = time.perf_counter() - started
            stats = page.evaluate("({...window.__sadarbeMap.stats()})")
            pan = page.evaluate(PAN_FPS)
            results.append((stats, loaded, pan["fps"], pan["drawMs"], pan["fullMs"]))
            print(
                f"run {run + 1}: {json.dumps(stats)} loaded={loaded * 1000:.0f} ms "
                f"pan={pan['fps']:.1f} fps, {pan['drawMs']:.1f} ms per moved frame, "
                f"{pan['fullMs']:.1f} ms per full picture",
                flush=True,
            )
            page.close()
        browser.close()
    server.should_exit = True
    nodes, edges = results[0][0]["nodes"], results[0][0]["edges"]
    draw = statistics.median(r[0]["drawMs"] for r in results)
    loaded = statistics.median(r[1] for r in results)
    fps = statistics.median(r[2] for r in results)
    print(f"nodes={nodes} edges={edges} runs={args.runs}")
    for phase in results[0][0]["phases"]:
        print(f"  {phase}, median: {statistics.median(r[0]['phases'][phase] for r in results):.0f} ms")
    print(f"draw (data in hand to first frame), median: {draw:.0f} ms")
    print(f"navigation to drawn (incl. one issueMap request), median: {loaded * 1000:.0f} ms")
    print(f"pan frame rate over 3 s, median: {fps:.1f} fps")
    moved_ms = statistics.median(r[3] for r in results)
    full_ms = statistics.median(r[4] for r in results)
    print(f"drawing one frame while panning (the last full frame, moved), median: {moved_ms:.1f} ms")
    print(f"drawing the full picture at the fitted view, median: {full_ms:.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
