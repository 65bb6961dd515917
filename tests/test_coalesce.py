"""SingleFlight (hub/coalesce.py): equal concurrent reads shared, only with callers that asked
before the read started, few reads at once, failures and cancellations kept to their own callers."""

from __future__ import annotations

import asyncio

import pytest

from hub.coalesce import SingleFlight


class Reads:
    """A read that counts its calls and how many ran at once, and finishes when released."""

    def __init__(self) -> None:
        self.calls, self.running, self.most = 0, 0, 0
        self.release = asyncio.Event()

    def of(self, value: str):  # type: ignore[no-untyped-def]
        async def read() -> str:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            try:
                await self.release.wait()
                return value
            finally:
                self.running -= 1

        return read


async def test_concurrent_callers_of_one_key_share_one_read() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=4)
    reads = Reads()
    callers = [asyncio.ensure_future(flight.get("ann", reads.of("Ann"))) for _ in range(20)]
    await asyncio.sleep(0.01)
    reads.release.set()

    assert await asyncio.gather(*callers) == ["Ann"] * 20
    assert reads.calls == 1


async def test_a_caller_arriving_while_its_keys_read_runs_gets_the_next_read_shared_with_later_ones() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=4)
    first = Reads()
    early = asyncio.ensure_future(flight.get("ann", first.of("before")))
    while first.running == 0:  # the first read has started
        await asyncio.sleep(0)
    first_running_when_next_began: list[int] = []

    async def after() -> str:
        first_running_when_next_began.append(first.running)
        return "after"

    late = [asyncio.ensure_future(flight.get("ann", after)) for _ in range(5)]
    first.release.set()

    assert await asyncio.gather(early, *late) == ["before"] + ["after"] * 5
    # One more read for the five, begun once the first had ended (one read of a key at a time).
    assert (first.calls, first_running_when_next_began) == (1, [0])


async def test_different_keys_are_read_separately() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=4)
    reads = Reads()
    reads.release.set()

    assert await asyncio.gather(flight.get("ann", reads.of("Ann")), flight.get("bob", reads.of("Bob"))) == [
        "Ann",
        "Bob",
    ]
    assert reads.calls == 2


async def test_a_caller_after_the_read_finished_reads_again() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=4)
    reads = Reads()
    reads.release.set()
    await flight.get("ann", reads.of("Ann"))

    await flight.get("ann", reads.of("Ann"))

    assert reads.calls == 2


async def test_no_more_reads_than_the_limit_run_at_once_and_the_rest_wait_their_turn() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=2)
    reads = Reads()
    callers = [asyncio.ensure_future(flight.get(n, reads.of(n))) for n in "abcde"]
    await asyncio.sleep(0.01)
    assert reads.running == 2
    reads.release.set()

    assert await asyncio.gather(*callers) == list("abcde")
    assert (reads.calls, reads.most) == (5, 2)


async def test_a_caller_going_away_does_not_cancel_the_others_read() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=2)
    reads = Reads()
    leaving = asyncio.ensure_future(flight.get("ann", reads.of("Ann")))
    staying = asyncio.ensure_future(flight.get("ann", reads.of("Ann")))
    await asyncio.sleep(0.01)
    leaving.cancel()
    reads.release.set()

    assert await staying == "Ann"
    assert leaving.cancelled()


async def test_a_failed_read_fails_its_callers_and_is_not_remembered() -> None:
    flight: SingleFlight[str] = SingleFlight(limit=2)

    async def broken() -> str:
        raise ConnectionError("neo4j went away")

    with pytest.raises(ConnectionError, match="neo4j went away"):
        await flight.get("ann", broken)
    reads = Reads()
    reads.release.set()
    assert await flight.get("ann", reads.of("Ann")) == "Ann"
