"""Garbage-collector settings for the long-lived hub process.

Requests allocate many short-lived containers (a 1,230-team `teamHealth` answer is tens of
thousands), so with CPython's default thresholds (700, 10, 10) a full collection ran every few
such requests and walked all ~290,000 tracked objects: 100–235 ms pauses that were the whole p95
of warm requests (docs/benchmarks-operations.md). Young collections every 50,000 allocations
keep the same young-garbage sweep at a fraction of the runs, full collections come about 70×
less often, and freezing what start-up built (modules, the schema, caches of plans) takes those
objects out of every full scan. Reference counting still frees everything that is not cyclic.
"""

from __future__ import annotations

import gc
from typing import Final

GC_THRESHOLDS: Final = (50_000, 20, 10)


def tune_collector() -> None:
    """Freeze the objects alive after start-up and raise the collection thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
