"""The benchmark's load generator: a write cell sends each of its inputs once."""

import asyncio

from benchmarks.worker import Call, NewClient, _drive


def _recording(sent: list[str]) -> NewClient:
    def new_client() -> Call:
        async def call(args: dict[str, str]) -> bool:
            sent.append(args["id"])
            await asyncio.sleep(0.001)
            return True

        return call

    return new_client


async def test_a_write_cell_sends_each_input_once_and_says_it_ran_out() -> None:
    sent: list[str] = []
    inputs = [{"id": str(i)} for i in range(5)]
    result = await _drive(_recording(sent), inputs, clients=2, warmup_s=0.0, duration_s=0.1, once=True)
    assert sorted(sent) == ["0", "1", "2", "3", "4"]
    assert result["inputs_ran_out"] is True


async def test_a_read_cell_rotates_through_its_inputs() -> None:
    sent: list[str] = []
    inputs = [{"id": str(i)} for i in range(2)]
    result = await _drive(_recording(sent), inputs, clients=1, warmup_s=0.0, duration_s=0.05)
    assert len(sent) > 2 and set(sent) == {"0", "1"}
    assert result["inputs_ran_out"] is False
