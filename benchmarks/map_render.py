"""Issue-map drawing benchmark: the built web app in Debian's headless Chromium with ~5,000 nodes.

The app is served by hub/web.py (no database); the browser's /graphql requests are answered from a
synthetic map generated here (institutions, issues and teams), so only layout, drawing and panning
are measured. Reports the app's own draw time (graph creation to first frame), the time from
navigation to drawn, and the frame rate while panning continuously for three seconds.

    .venv/bin/python benchmarks/map_render.py [--issues 2500] [--institutions 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import threading
import time
from typing import Any

import uvicorn
from playwright.sync_api import Route, sync_playwright
from starlette.applications import Starlette
from starlette.routing import Mount

from hub.web import DIST_DIR, WebApp

PAGE = 100


def synthetic(issues: int, institutions: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible synthetic map, not a secret
    insts = [
        {"id": f"inst-{i}", "code": f"I{i:03d}", "nameLv": f"Iestāde {i}", "nameEn": f"Institution {i}"}
        for i in range(institutions)
    ]
    rows = []
    for n in range(issues):
        affected = rng.sample(insts, rng.randint(1, 4))
        rows.append(
            {
                "id": f"issue-{n}",
                "title": f"Jautājums {n}",
                "status": rng.choice(["PROPOSED", "ACTIVE", "ON_HOLD", "RESOLVED"]),
                "affected": [
                    {"stake": "LEAD" if k == 0 else "INVOLVED", "institution": inst}
                    for k, inst in enumerate(affected)
                ],
                "teams": [{"id": f"team-{n}", "name": f"Komanda {n}", "members": []}] if n % 50 else [],
            }
        )
    return rows


def answer(rows: list[dict[str, Any]]) -> Any:
    def handle(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        name = body.get("operationName")
        if name == "MapIssues":
            start = int(body["variables"].get("after") or 0)
            chunk = rows[start : start + PAGE]
            more = start + PAGE < len(rows)
            data: dict[str, Any] = {
                "issues": {"pageInfo": {"hasNextPage": more, "endCursor": str(start + PAGE)}, "nodes": chunk}
            }
        elif name == "Lookups":
            data = {"institutions": {"nodes": []}, "skills": {"nodes": []}, "planDirections": []}
        else:
            data = {"activities": {"nodes": []}}
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"data": data}))

    return handle


def serve() -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=[Mount("/", app=WebApp())]), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


PAN_FPS = """async () => {
  const cy = window.__sadarbeMap.cy;
  let frames = 0; const start = performance.now();
  await new Promise((done) => {
    const step = (now) => {
      cy.panBy({x: 4, y: 2}); frames++;
      if (now - start < 3000) requestAnimationFrame(step); else done();
    };
    requestAnimationFrame(step);
  });
  return frames / ((performance.now() - start) / 1000);
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=2500)
    parser.add_argument("--institutions", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert (DIST_DIR / "index.html").is_file(), "build the web app first (make web)"
    rows = synthetic(args.issues, args.institutions)
    base, server = serve()
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(args.runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/graphql", answer(rows))
            started = time.perf_counter()
            page.goto(f"{base}/map")
            page.wait_for_function("window.__sadarbeMap !== undefined", timeout=120_000)
            loaded = time.perf_counter() - started
            stats = page.evaluate(
                "({ms: window.__sadarbeMap.drawMs, nodes: window.__sadarbeMap.nodes, "
                "edges: window.__sadarbeMap.cy.edges().length})"
            )
            fps = page.evaluate(PAN_FPS)
            results.append((stats, loaded, fps))
            page.close()
        browser.close()
    server.should_exit = True
    nodes, edges = results[0][0]["nodes"], results[0][0]["edges"]
    draw = statistics.median(r[0]["ms"] for r in results)
    loaded = statistics.median(r[1] for r in results)
    fps = statistics.median(r[2] for r in results)
    print(f"nodes={nodes} edges={edges} runs={args.runs}")
    print(f"draw (graph created to first frame), median: {draw:.0f} ms")
    print(f"navigation to drawn (incl. {args.issues // PAGE} GraphQL pages), median: {loaded * 1000:.0f} ms")
    print(f"pan frame rate over 3 s, median: {fps:.1f} fps")


if __name__ == "__main__":
    main()
