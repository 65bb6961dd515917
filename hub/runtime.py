"""Garbage-collector settings for the long-lived hub process.

Requests allocate many short-lived containers (a large `teamHealth` answer is tens of
thousands), so with CPython's default thresholds (700, 10, 10) a full collection ran every few
such requests and walked every tracked object: its pauses were the tail latency of warm requests
(docs/benchmarks-operations.md). Full collections come far less often than by default, and
freezing what start-up built (modules, the schema, caches of plans) takes those objects out of
every full scan. Reference counting still frees everything that is not cyclic; what is (each
Neo4j driver session and result) waits for a young collection, whose pause grows with its
threshold: a higher one made the pauses the write mix's p99, a lower one promoted so much that
middle collections cost more CPU than they saved (docs/benchmarks.md, the note on the
young-generation threshold).
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
