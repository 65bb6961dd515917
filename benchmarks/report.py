"""docs/benchmarks.md from one run's raw figures (benchmarks/results/benchmarks.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.queries import QUERIES

NAMES = {
    "hub": "hub",
    "peer": "Neo4j GraphQL Library",
    "floor": "raw-Cypher floor",
}


def _first(items: Any) -> Any:
    return items[0] if isinstance(items, list) and items else None


def summarise(key: str, contender: str, data: dict[str, Any] | None) -> str:
    """The response's shape in counts, to show the contenders return the same rows."""
    if not data:
        return "no data"
    try:
        if key == "a":
            if contender == "peer":
                t = _first(data["projectTeams"]) or {}
                issue = _first(t.get("issue")) or {}
                return (f"{len(t['membersConnection']['edges'])} members, "
                        f"{len(issue.get('affectedConnection', {}).get('edges', []))} affected, "
                        f"{len(t['activities'])}/{t['activitiesConnection']['totalCount']} activities")  # fmt: skip
            t = data["team"]
            return (f"{len(t['members'])} members, {len(t['issue']['affected'])} affected, "
                    f"{len(data['activities']['nodes'])}/{data['activities']['totalCount']} activities")  # fmt: skip
        if key == "b":
            page = data["peopleConnection" if contender == "peer" else "people"]
            rows = page["edges"] if contender == "peer" else page["nodes"]
            return f"{len(rows)} of {page['totalCount']} people"
        if key == "c":
            if contender == "peer":
                i = _first(data["horizontalIssues"]) or {}
                return (f"{len(i['affectedConnection']['edges'])} affected, {len(i['teams'])} teams, "
                        f"{len(i['activities'])}/{i['activitiesConnection']['totalCount']} activities")  # fmt: skip
            i = data["issue"]
            return (f"{len(i['affected'])} affected, {len(i['teams'])} teams, "
                    f"{len(data['activities']['nodes'])}/{data['activities']['totalCount']} activities")  # fmt: skip
        if key == "e":
            m = data["issueMap"]
            return f"{len(m['nodes'])} nodes, {len(m['edges'])} edges"
        if key == "d":
            rows = data["suggestMembers"]
            gaps = sum(1 for r in rows if r["institutionGap"])
            return f"{len(rows)} suggestions, {gaps} filling an institution gap"
    except (KeyError, TypeError) as exc:
        return f"unexpected shape ({exc})"
    return _shape(data)


def _shape(data: Any) -> str:
    """Any response in counts: the length of every list in it, by path (the first item of a list
    of lists stands for the rest), so two contenders' answers can be set side by side."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(inner, f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            found.append(f"{path} {len(value)}")
            if value:
                walk(value[0], f"{path}[0]")

    walk(data, "")
    return ", ".join(found) or "no lists"


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def rotated(names: list[str], round_: int) -> list[str]:
    """The contenders in the order of one round: each round starts one further along, so the
    machine's drift (Neo4j compiling, checkpointing) does not always fall on the same one."""
    k = round_ % len(names) if names else 0
    return names[k:] + names[:k]


def _rounds(results: dict[str, Any], key: str, contender: str, clients: int) -> list[dict[str, Any]]:
    """Every measured round of one cell, by throughput."""
    found = [
        c
        for c in results["cells"]
        if c["query"] == key and c["contender"] == contender and c["clients"] == clients
    ]
    return sorted(found, key=lambda c: c["throughput"] or 0.0)


def _cell(results: dict[str, Any], key: str, contender: str, clients: int) -> dict[str, Any] | None:
    """The cell as reported: its median round by throughput (the lower of the two middle ones)."""
    found = _rounds(results, key, contender, clients)
    return found[(len(found) - 1) // 2] if found else None


def _throughput(results: dict[str, Any], key: str, contender: str, clients: int) -> str:
    """The median's throughput, and the range over the rounds when there were several."""
    found = _rounds(results, key, contender, clients)
    median = _cell(results, key, contender, clients)
    if median is None:
        return "–"
    if len(found) == 1:
        return _f(median["throughput"])
    return f"{_f(median['throughput'])} ({_f(found[0]['throughput'])}–{_f(found[-1]['throughput'])})"


def render(results: dict[str, Any], raw: Path) -> str:
    s, m, v, d = results["settings"], results["machine"], results["versions"], results.get("data", {})
    clients: list[int] = s["clients"]
    keys = [k for k in QUERIES if any(c["query"] == k for c in results["cells"])]
    contenders = [n for n in NAMES if any(c["contender"] == n for c in results["cells"])]
    out: list[str] = []
    w = out.append
    w("# Benchmarks: the hub, the Neo4j GraphQL Library and the raw-Cypher floor\n")
    w("Generated by `.venv/bin/python -m benchmarks.run` (see README, *Benchmarks*); raw figures in "
      f"`{raw}`. Not part of `make test`.\n")  # fmt: skip
    w(f"Run {results['started']} – {results['finished']}.\n")
    if results.get("cut_short"):
        w(f"**Incomplete run: {results['cut_short']}; the cells not run show as –.**\n")
    for skipped in results.get("skipped", []):
        w(f"Skipped: {skipped}.\n")
    if results.get("note"):
        w(f"**{results['note']}**\n")
    la = results["load_averages"]
    w(f"Load averages (1, 5, 15 min) before the run: **{la['start']}**; after: **{la.get('end', '?')}**. "
      "Each cell's 1-minute load average is in the resource table. The machine has "
      f"{m['cores']} cores; a load average above that means other processes competed for the CPU.\n")  # fmt: skip

    w("## Run settings\n")
    w(f"{s['people']:,} people; client counts {', '.join(map(str, clients))}; warm-up {s['warmup_s']:g} s and "
      f"{s['duration_s']:g} s measured per cell; {s['rounds']} round(s) per cell at "
      f"{', '.join(map(str, s.get('repeat_at', []))) or 'no'} clients, one elsewhere; the floor at "
      f"{', '.join(map(str, s.get('floor_at', clients)))} clients; reshaped latency "
      f"{s.get('reshaped_rounds', 150)} requests per document.\n")  # fmt: skip

    w("## Machine and versions\n")
    w(f"- CPU: {m['cpu']}, {m['cores']} logical cores; RAM {m['ram_gb']} GB; {m['os']}")
    w(f"- Neo4j: {d.get('neo4j_version', '?')} embedded (infra/neo4j launcher), heap {s['heap']}, "
      f"page cache {s['pagecache']}; APOC {d.get('apoc_version', '?')} (infra/neo4j/plugins); {v['java']}")  # fmt: skip
    w(f"- Hub: Python {v['python']}, strawberry-graphql {v['strawberry-graphql']}, starlette {v['starlette']}, "
      f"uvicorn {v['uvicorn']} (one worker, uvloop, httptools), neo4j driver {v['neo4j']} with "
      f"neo4j-rust-ext {v['neo4j-rust-ext']}")  # fmt: skip
    w(f"- Peer: Node {v['node']}, @neo4j/graphql {v['@neo4j/graphql']}, @apollo/server {v['@apollo/server']} "
      f"(standalone, NODE_ENV=production), graphql {v['graphql']}, neo4j-driver {v['neo4j-driver']}")  # fmt: skip
    w(f"- Load generator: Python, keep-alive HTTP/1.1 parsed by httptools (benchmarks/http_client.py), closed loop, one process per cell; warm-up {s['warmup_s']:.0f} s, "
      f"measured {s['duration_s']:.0f} s per cell\n")  # fmt: skip

    w("## Dataset\n")
    nodes, rels = d.get("nodes", {}), d.get("relationships", {})
    load = d.get("load_averages", {})
    w(f"The demo generator (`graph.seed.demo.load_demo`) at **{s['people']:,} people**, seed {s['seed']}: "
      + ", ".join(f"{n:,} {k}" for k, n in nodes.items())
      + f"; **{sum(rels.values()):,} relationships** ("
      + ", ".join(f"{k} {n:,}" for k, n in rels.items()) + ").\n")  # fmt: skip
    if d.get("reused"):
        w(f"Load time: the store as first loaded, restored from its copy (`--reuse`; that load took "
          f"{d.get('load_seconds')} s), so no earlier run's writes are in it.\n")  # fmt: skip
    else:
        w(f"**Load time: {d.get('load_seconds')} s** (migrations done; load averages before / after the load: "
          f"{load.get('before', '?')} / {load.get('after', '?')}).\n")  # fmt: skip

    w("## What each contender answers\n")
    w("One request per query per contender before measuring, on the same input; the counts show they "
      "return the same rows (the hub's `extensions.cypherQueries` counts its Cypher round trips).\n")  # fmt: skip
    w("| query | contender | response | round trips | bytes | errors |")
    w("|---|---|---|---|---|---|")
    for key in keys:
        for name in contenders:
            c = results["checks"].get(f"{key}/{name}")
            if c is None:
                continue
            trips = c.get("cypher_queries") or ("1 (generated)" if name == "peer" else "?")
            summary = c["summary"]
            if "same_as_hub" in c:
                summary += (
                    "; data identical to the hub's" if c["same_as_hub"] else "; data DIFFERS from the hub's"
                )
            w(f"| ({key}) | {NAMES[name]} | {summary} | {trips} | {c.get('bytes', '–')} | "
              f"{'yes: ' + str(c['errors'])[:120] if c.get('errors') else 'none'} |")  # fmt: skip
    w("")

    w(targets_table(results, keys, clients))

    for key in keys:
        w(f"## ({key}) {QUERIES[key].title}\n")
        head = (
            "| clients | "
            + " | ".join(f"{NAMES[n]} req/s | p50 ms | p95 ms | p99 ms" for n in contenders)
            + " |"
        )
        w(head)
        w("|---|" + "---|---|---|---|" * len(contenders))
        for n in clients:
            row = [str(n)]
            for name in contenders:
                c = _cell(results, key, name, n)
                row += (
                    [
                        _throughput(results, key, name, n),
                        _f(c["p50_ms"]),
                        _f(c.get("p95_ms")),
                        _f(c["p99_ms"]),
                    ]
                    if c
                    else ["–"] * 4
                )
            w("| " + " | ".join(row) + " |")
        w("")
        verdicts = _verdicts(results, key, clients)
        if verdicts:
            w("Targets: " + "; ".join(verdicts) + ".\n")

    reshaped = results.get("reshaped")
    if reshaped:
        w("## Reshaped documents\n")
        w("Latency at one client of each query's document and four reshaped variants of it (fields left "
          "out, reordered, aliased, in named and inline fragments, under @include/@skip; "
          "benchmarks/reshape.py), requests interleaved; target: every variant's median within 1.2× of "
          "the original's.\n")  # fmt: skip
        w("| query | round trips: original; variants | original p50 / p95 ms | variants p50 / p95 ms | "
          "worst variant / original (p50) | target |")  # fmt: skip
        w("|---|---|---|---|---|---|")
        for key, r in reshaped.items():
            if "error" in r:
                w(f"| ({key}) | – | – | – | – | **failed**: {r['error'][:200]} |")
                continue
            variants = ", ".join(f"{_f(v['p50_ms'], 2)} / {_f(v.get('p95_ms'), 2)}" for v in r["variants"])
            trips = ", ".join(str(v.get("round_trips", "?")) for v in r["variants"])
            w(f"| ({key}) | {r.get('original_round_trips', '?')}; {trips} | {_f(r['original_p50_ms'], 2)} / "
              f"{_f(r.get('original_p95_ms'), 2)} | {variants} | {r['worst_ratio']:.2f}× | "
              f"**{'met' if _reshaped_met(r) else 'not met'}** |")  # fmt: skip
        w("")

    w("## CPU and memory\n")
    w("CPU in percent of one core over the measured window (the machine has "
      f"{m['cores']} cores, so 100 % is half of it). The floor's clients run inside its own process, so its "
      "CPU includes the client loop; for the hub and the peer the generator is a separate process.\n")  # fmt: skip
    w(
        "| query | clients | contender | server CPU % | server CPU ms/req | server RSS MB | Neo4j CPU % | Neo4j CPU ms/req | Neo4j RSS MB | generator CPU % | errors | load avg 1m |"
    )
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in keys:
        for n in clients:
            for name in contenders:
                c = _cell(results, key, name, n)
                if c is None:
                    continue
                w(f"| ({key}) | {n} | {NAMES[name]} | {_f(c['server_cpu_pct'], 0)} | {_f(_per_request(c, 'server_cpu_pct'))} | "
                  f"{_f(c['server_rss_mb'], 0)} | {_f(c['neo4j_cpu_pct'], 0)} | {_f(_per_request(c, 'neo4j_cpu_pct'))} | "
                  f"{_f(c['neo4j_rss_mb'], 0)} | {_f(c['generator_cpu_pct'], 0)} | "
                  f"{c['errors']}{' (' + str(c['first_error'])[:60] + ')' if c['errors'] else ''}"
                  f"{' (inputs used up before the end)' if c.get('inputs_ran_out') else ''} | "
                  f"{_f(c['load_average_1m'], 2)} |")  # fmt: skip
    w("")

    w("## Cost per request at 32 clients\n")
    w("What docs/scaling.md builds on: CPU milliseconds each process spends per answered request.\n")
    w(cost_table(results) + "\n")

    p = results.get("profile")
    if p:
        w("## Profile: the hub on query (a)\n")
        if "error" in p:
            w(f"Profiling failed: `{p['error'][-500:]}`\n")
        else:
            w(f"pyinstrument, in-process (the Starlette app through httpx's ASGI transport, no uvicorn), "
              f"{p['requests']} team pages {p['concurrency']} at a time: {p['requests_per_s_in_process']} req/s. "
              "Own time per function (time in the event loop's selector is waiting for Neo4j):\n")  # fmt: skip
            w("| where (package) | own s | share |")
            w("|---|---|---|")
            for t in p.get("by_package", []):
                w(f"| {t['package']} | {t['seconds']:.3f} | {100 * t['share']:.1f} % |")
            w("\nThe costliest functions:\n")
            w("| function | own s | share |")
            w("|---|---|---|")
            for t in p["top_self_time"]:
                w(f"| `{t['function']}` | {t['seconds']:.3f} | {100 * t['share']:.1f} % |")
            w(
                "\n<details><summary>call tree (trimmed)</summary>\n\n```\n"
                + p["tree"]
                + "\n```\n</details>\n"
            )
    w(STATIC_NOTES)
    return "\n".join(out) + "\n"


def _reshaped_met(r: dict[str, Any]) -> bool:
    """Every variant within 1.2x of the original's median, in as many round trips."""
    same_trips = all(v.get("round_trips") == r.get("original_round_trips") for v in r["variants"])
    return r["worst_ratio"] <= 1.2 and same_trips


def _peer_met(hub: dict[str, Any] | None, peer: dict[str, Any] | None) -> tuple[str, bool | None]:
    """hub/peer throughput and whether the target holds (>= 1.5x, p99 no worse)."""
    if not (hub and peer and peer["throughput"] and hub["p99_ms"] and peer["p99_ms"]):
        return "–", None
    ratio = hub["throughput"] / peer["throughput"]
    return f"{ratio:.2f}×", ratio >= 1.5 and hub["p99_ms"] <= peer["p99_ms"]


def _mark(text: str, met: bool | None) -> str:
    return text if met is None else f"{text} {'✓' if met else '✗'}"


def targets_table(results: dict[str, Any], keys: list[str], clients: list[int]) -> str:
    """Every target of the run, per query: round trips, hub/peer throughput (≥ 1.5× with p99 no
    worse: ✓/✗), the hub's throughput gap to the floor at 32 clients (≤ 30 %), the reshaped
    variants (same round trips, within 1.2×)."""
    reshaped = results.get("reshaped") or {}
    rows = [
        "## Targets at a glance\n",
        "Round trips: the hub's Cypher statements for the query (`extensions.cypherQueries`). hub/peer: "
        "throughput ratio, ✓ when ≥ 1.5× with the hub's p99 no worse than the library's. Floor gap: how "
        "much more the floor answers than the hub at 32 clients (target ≤ 30 %). Reshaped: the worst "
        "variant's median latency over the original's, ✓ when ≤ 1.2× in the same round trips.\n",
        "| query | round trips | " + " | ".join(f"hub/peer ×{n}" for n in clients)
        + " | floor gap ×32 | reshaped |",
        "|---|---|" + "---|" * len(clients) + "---|---|",
    ]  # fmt: skip
    for key in [k for k in keys if k != "f"] + [k for k in keys if k == "f"]:
        check = results["checks"].get(f"{key}/hub") or {}
        cells = [
            _mark(*_peer_met(_cell(results, key, "hub", n), _cell(results, key, "peer", n))) for n in clients
        ]
        hub, floor = _cell(results, key, "hub", 32), _cell(results, key, "floor", 32)
        gap = "–"  # a cell that completed nothing (on either side) gives no ratio
        if hub and floor and hub["throughput"] and floor["throughput"]:
            overhead = floor["throughput"] / hub["throughput"] - 1
            gap = _mark(f"{100 * overhead:.0f} %", overhead <= 0.30)
        r = reshaped.get(key)
        shaped = (
            "failed"
            if r and "error" in r
            else _mark(f"{r['worst_ratio']:.2f}×", _reshaped_met(r))
            if r
            else "–"
        )
        trips = check.get("cypher_queries") or "–"
        rows.append(f"| ({key}) | {trips} | " + " | ".join(cells) + f" | {gap} | {shaped} |")
    return "\n".join(rows) + "\n"


def cost_table(results: dict[str, Any], clients: int = 32) -> str:
    """CPU ms per request at `clients`, per query and contender, with Neo4j's share alongside."""
    rows = ["| query | contender | server CPU ms/req | Neo4j CPU ms/req | req/s | server RSS MB |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for key in QUERIES:
        for name in NAMES:
            c = _cell(results, key, name, clients)
            if c is None:
                continue
            rows.append(f"| ({key}) | {NAMES[name]} | {_f(_per_request(c, 'server_cpu_pct'))} | "
                        f"{_f(_per_request(c, 'neo4j_cpu_pct'))} | {_f(c['throughput'])} | {_f(c['server_rss_mb'], 0)} |")  # fmt: skip
    return "\n".join(rows)


def _per_request(cell: dict[str, Any], column: str) -> float | None:
    """CPU milliseconds per answered request: what scaling arithmetic needs (docs/scaling.md)."""
    if not cell["throughput"] or cell.get(column) is None:
        return None
    return float(cell[column]) * 10 / cell["throughput"]


def _verdicts(results: dict[str, Any], key: str, clients: list[int]) -> list[str]:
    out = []
    for n in clients:
        hub, peer = _cell(results, key, "hub", n), _cell(results, key, "peer", n)
        if hub and peer and peer["throughput"] and hub["p99_ms"] and peer["p99_ms"]:
            ratio = hub["throughput"] / peer["throughput"]
            ok = ratio >= 1.5 and hub["p99_ms"] <= peer["p99_ms"]
            out.append(f"x{n}: hub/peer throughput {ratio:.2f}× (target ≥ 1.5×), p99 {hub['p99_ms']:.0f} vs "
                       f"{peer['p99_ms']:.0f} ms — **{'met' if ok else 'not met'}**")  # fmt: skip
    hub, floor = _cell(results, key, "hub", 32), _cell(results, key, "floor", 32)
    if hub and floor and hub["throughput"] and floor["throughput"]:
        overhead = floor["throughput"] / hub["throughput"] - 1
        out.append(f"x32: hub overhead over the floor {100 * overhead:.0f} % in throughput (target ≤ 30 %) — "
                   f"**{'met' if overhead <= 0.30 else 'not met'}**")  # fmt: skip
    return out


STATIC_NOTES = """## How to read this

- **Same Neo4j, same data, same run.** All three contenders read one Neo4j loaded once; the cells are
  interleaved (for each query and client count: hub, peer, floor), so changes in background load
  hit all three alike. At the client counts `--repeat-at` names, each cell is measured `--rounds`
  times (both under *Run settings*), each round starting with the next contender; the tables give
  the median round (its throughput, latencies, CPU) with the range of the rounds' throughput in
  brackets, and the verdicts use the medians. Before the first write cell, one unreported write cell per contender
  at 32 clients lets Neo4j compile its write paths; `warm_up_cells` in the JSON. On a 2-core
  machine Neo4j, the server under test and the load generator share the CPU: throughput is that
  of the whole box, and the CPU columns say who used it.
- **The hub** answers every query and mutation through its one planner (docs/planner.md): the
  validated document compiles to one Cypher statement whose result is the response; there is no
  page-shaped path. It runs as `make run` configures it, in development mode (its built-in identity
  provider signs the benchmark's callers, and each response reports its round trips), with what
  production turns on that costs time: each of the write mix's mutations carries a fresh
  `Idempotency-Key`, as the web app sends them (the hub records the key with the write; reads
  carry none, as in the app); tracing and Redis off. Each request's caller comes from the hub's
  caller cache after the first and is read again inside the operation's statement.
- **The floor** runs the very statement the hub's planner compiles each document to, through the
  Python driver, with its parameters made before the cell (benchmarks/queries.py `floor_of`),
  finishes the values Python finishes (cursors, the map) and serialises the JSON: the hub's cost
  minus GraphQL, Strawberry, authentication and HTTP. For (f) it calls the graph/ write functions
  with the mutations' result selections appended, as the hub does.
- **The web app's documents** (Team, Issue, TeamWork, Person, People, MyDashboard) are taken from
  `frontend/src` as the app sends them (with `__typename` everywhere, as urql adds it;
  benchmarks/web_documents.py). The library's equivalents (`PEER_WEB_*`) read the same data; for
  TeamWork's coverage, which has no generated equivalent, it reads what coverage is made of (each
  affected institution and its people on the team) and the client would work out what is missing.
  People filters on one skill, the team and issue pages use the largest teams and any issues.
- **Equivalence.** The peer's type definitions (`benchmarks/neo4j-graphql/type-defs.graphql`) use the
  hub's labels, properties and relationship types, with `@relationshipProperties` for MEMBER_OF
  (role, allocation, since), HAS_SKILL (level) and AFFECTS (stake). The hub applies the team
  visibility rule in every read that reaches a team (and the activity and invitation rules); its
  caller is the benchmark's administrator, so the rules pass every row, but Neo4j still evaluates
  them. The peer has no authorization rules. One-to-one relationships (a person's institution, a
  team's issue) are lists in the peer. Orders differ slightly (the hub sorts members lead first,
  the peer by name). The peer answers each request with one generated Cypher query.
- **(d) `suggestMembers`** has no counterpart in the Neo4j GraphQL Library (it is a ranking query;
  the library would need it as a `@cypher` field, i.e. the same Cypher), so it runs hub vs floor.
- **(e) `issueMap`** (one direction's issues, institutions, teams as nodes and edges) likewise runs
  hub vs floor only.
- **(f) the write mix** is one client iteration of four mutations, each waiting for the previous
  (invite a person with no invitation yet to an open team at 5 %, they accept, a post to the team,
  the team's mandate updated); req/s there counts iterations, so ×4 for mutations. Every cell gets
  fresh (team, person) pairs. It runs after all reads (it adds memberships and activity). The
  library runs the same four steps with its generated mutations (`PEER_WRITE_MIX` in
  benchmarks/queries.py): each request makes the hub's graph change and, in a second root field,
  the Activity with the hub's IN_SCOPE feeds. It does less than the hub: it checks no rule (lead,
  invitee, member, capacity, an existing membership or pending invitation, the caller still as
  remembered; the hub checks them in the one statement that makes its write and returns its
  answer), runs each root field as its own transaction, is given the team's issue id instead of
  reading it, and leaves its activities unnumbered (the library cannot take the hub's counter lock).
- **Reshaped documents**: the latency table compares each document with four reshaped variants
  at one client; the planner compiles every shape to one statement, so they should cost alike.
- The harness takes a new query by adding it to `benchmarks/queries.py`.
"""
