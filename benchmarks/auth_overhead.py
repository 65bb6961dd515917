"""What signing every request in costs the hub's CPU: verifying one RS256 bearer token (the
JWKS cached, as in steady state) and signing one (the dev provider, `hub token`), in process.

    .venv/bin/python -m benchmarks.auth_overhead [--tokens 2000]

Each request with a token also costs one Neo4j round trip to find the person its sign-in is bound to
(graph/identity.py `viewer_for_sign_in`), measured by the HTTP benchmarks, not here. Results go to
docs/benchmarks-auth.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from hub.auth import keys
from hub.auth.tokens import verifier_for
from hub.config import Settings

OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks-auth.md"


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


async def run(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(HUB_MODE="development", HUB_DATA_DIR=data_dir)
        verifier = verifier_for(settings)
        signing, verifying = [], []
        tokens = []
        for i in range(n):
            started = time.perf_counter()
            tokens.append(keys.access_token(settings, email=f"p{i}@t.lv", subject=f"p{i}"))
            signing.append((time.perf_counter() - started) * 1000)
        await verifier.verify(tokens[0])  # fetch the JWKS once, as a running hub has
        for token in tokens:
            started = time.perf_counter()
            await verifier.verify(token)
            verifying.append((time.perf_counter() - started) * 1000)
    return {
        "verify_p50_ms": statistics.median(verifying),
        "verify_p99_ms": pct(verifying, 0.99),
        "sign_p50_ms": statistics.median(signing),
        "sign_p99_ms": pct(signing, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    load = os.getloadavg()
    result = asyncio.run(run(args.tokens))
    lines = [
        "# Benchmark: the cost of signing requests in",
        "",
        f"Measured {date.today().isoformat()} with `.venv/bin/python -m benchmarks.auth_overhead "
        f"--tokens {args.tokens}` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average before the run "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (a shared machine: treat as upper bounds).",
        "",
        "| step | p50 | p99 |",
        "|---|---|---|",
        f"| verify an RS256 bearer token (JWKS cached) | {result['verify_p50_ms']:.3f} ms "
        f"| {result['verify_p99_ms']:.3f} ms |",
        f"| sign a token (dev provider, `hub token`) | {result['sign_p50_ms']:.3f} ms "
        f"| {result['sign_p99_ms']:.3f} ms |",
        "",
        "Every request with a bearer token or session also makes one Neo4j round trip to match the",
        "person by email (and read their granted roles), so role changes take effect on the next request.",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
