"""One pacer, read batch and admission per event loop, gone with the loop."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from fakellm.server.admission import admission
from fakellm.server.arrival import read_batch
from fakellm.server.pacer import pacer
from fakellm.server.per_loop import LoopBound, PerLoop

KINDS = {"pacer": pacer, "read batch": read_batch, "admission": admission}


@pytest.mark.parametrize("per_loop", KINDS.values(), ids=KINDS.keys())
def test_each_loop_has_its_own_and_lets_it_go_with_the_loop(per_loop: PerLoop[LoopBound]) -> None:
    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]
    try:
        made = [per_loop(loop) for loop in loops]
        assert [per_loop(loop) for loop in loops] == made  # the same one each time
        assert made[0] is not made[1]
        assert [m.loop for m in made] == loops
        kept = [weakref.ref(m) for m in made] + [weakref.ref(loop) for loop in loops]
    finally:
        for loop in loops:
            loop.close()
    del loops, made, loop
    gc.collect()
    assert [ref() for ref in kept] == [None] * 4  # neither object keeps its loop alive, nor the loop it
