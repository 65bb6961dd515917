"""The hub process's garbage-collector settings (hub/runtime.py)."""

import gc
from collections.abc import Iterator

import pytest

from hub.runtime import GC_THRESHOLDS, tune_collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_tuning_raises_the_thresholds_and_freezes_what_start_up_built() -> None:
    gc.unfreeze()
    built_at_start_up = [[n] for n in range(1000)]  # containers: tracked by the collector

    tune_collector()

    assert gc.get_threshold() == GC_THRESHOLDS
    scanned = gc.get_objects()  # every generation the collector walks; frozen objects are not in it
    assert not any(o is built_at_start_up for o in scanned)
    assert gc.get_freeze_count() >= len(built_at_start_up)
