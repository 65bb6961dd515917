"""The benchmark report's verdicts: what counts as a target met."""

from typing import Any

from benchmarks.report import _reshaped_met, _shape, targets_table


def _reshaped(worst: float, original_trips: int, *variant_trips: int) -> dict[str, Any]:
    return {
        "original_round_trips": original_trips,
        "worst_ratio": worst,
        "variants": [{"p50_ms": 1.0, "round_trips": n} for n in variant_trips],
    }


def _cell(key: str, contender: str, clients: int, throughput: float, p99: float) -> dict[str, Any]:
    return {"query": key, "contender": contender, "clients": clients, "throughput": throughput, "p99_ms": p99}


def test_reshaped_variants_within_the_ratio_in_the_same_round_trips_meet_the_target() -> None:
    assert _reshaped_met(_reshaped(1.19, 1, 1, 1, 1, 1))


def test_a_reshaped_variant_slower_than_the_ratio_misses_the_target() -> None:
    assert not _reshaped_met(_reshaped(1.21, 1, 1, 1, 1, 1))


def test_a_reshaped_variant_with_more_round_trips_misses_the_target_however_fast() -> None:
    assert not _reshaped_met(_reshaped(1.0, 1, 1, 2, 1, 1))


def test_a_response_is_summarised_by_the_length_of_each_list_in_it() -> None:
    data = {"team": {"id": "t1", "members": [{"person": {"skills": [1, 2]}}, {}], "issue": {"affected": []}}}
    assert _shape(data) == "team.members 2, team.members[0].person.skills 2, team.issue.affected 0"


def test_the_targets_table_marks_each_ratio_met_or_not() -> None:
    results = {
        "checks": {"a/hub": {"cypher_queries": 1}},
        "cells": [
            _cell("a", "hub", 1, 300.0, 10.0),
            _cell("a", "peer", 1, 100.0, 20.0),  # 3x, p99 better: met
            _cell("a", "hub", 32, 300.0, 90.0),
            _cell("a", "peer", 32, 100.0, 80.0),  # 3x but p99 worse: not met
            _cell("a", "floor", 32, 400.0, 50.0),  # the floor 33 % ahead: not met
        ],
        "reshaped": {"a": _reshaped(1.1, 1, 1, 1, 1, 1)},
    }
    row = targets_table(results, ["a"], [1, 32]).splitlines()[-1]
    assert row == "| (a) | 1 | 3.00× ✓ | 3.00× ✗ | 33 % ✗ | 1.10× ✓ |"
