"""Garbage-collector settings for the long-lived hub process.

Requests allocate many short-lived containers (a 1,230-team `teamHealth` answer is tens of
thousands), so with CPython's default thresholds (700, 10, 10) a full collection ran every few
such requests and walked all ~290,000 tracked objects: 100–235 ms pauses that were the whole p95
of warm requests (docs/benchmarks-operations.md). Full collections come about 140× less often
than by default, and freezing what start-up built (modules, the schema, caches of plans) takes
those objects out of every full scan. Reference counting still frees everything that is not
cyclic; what is (each Neo4j driver session and result: about 30,000 such objects a second under
the write mix) waits for a young collection, whose pause grows with its threshold: at 50,000
each took about 25 ms, the whole p99 of the write mix at one client (48.6 ms; 19.5 ms in a
trial at 10,000), while 5,000 promoted so much that middle collections took 9 % of the CPU on
the issue page at 128 clients.
"""

from __future__ import annotations

import gc
from typing import Final

GC_THRESHOLDS: Final = (10_000, 20, 50)


def tune_collector() -> None:
    """Freeze the objects alive after start-up and raise the collection thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
