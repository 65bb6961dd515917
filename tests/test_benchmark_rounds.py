"""The benchmark's repeated cells: how a round's order is chosen and which round is reported."""

from benchmarks.report import _cell, _throughput, rotated


def _results(*throughputs: float) -> dict[str, object]:
    cells = [
        {"query": "f", "contender": "hub", "clients": 32, "throughput": t, "round": r}
        for r, t in enumerate(throughputs)
    ]
    return {"cells": cells}


def test_each_round_starts_with_the_next_contender() -> None:
    names = ["hub", "peer", "floor"]
    assert [rotated(names, r) for r in range(4)] == [
        ["hub", "peer", "floor"],
        ["peer", "floor", "hub"],
        ["floor", "hub", "peer"],
        ["hub", "peer", "floor"],
    ]


def test_a_repeated_cell_is_reported_by_its_median_round() -> None:
    cell = _cell(_results(16.0, 8.0, 10.5), "f", "hub", 32)
    assert cell is not None and cell["round"] == 2


def test_with_an_even_number_of_rounds_the_lower_middle_round_is_reported() -> None:
    cell = _cell(_results(16.0, 8.0, 10.5, 12.0), "f", "hub", 32)
    assert cell is not None and cell["throughput"] == 10.5


def test_the_throughput_shown_carries_the_rounds_range() -> None:
    assert _throughput(_results(16.0, 8.0, 10.5), "f", "hub", 32) == "10.5 (8.0–16.0)"
    assert _throughput(_results(9.31), "f", "hub", 32) == "9.3"


def test_a_cell_never_measured_is_shown_as_a_dash() -> None:
    assert _cell(_results(), "f", "hub", 32) is None
    assert _throughput(_results(), "f", "hub", 32) == "–"
