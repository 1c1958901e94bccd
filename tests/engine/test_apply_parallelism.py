"""-parallelism=N bounds the provider calls in flight during apply, whatever
the number of threads the applier keeps to record finished changes."""

from __future__ import annotations

import pytest

from govctl.plugins.testing import InMemoryProvider

from .support import objects


@pytest.mark.parametrize("parallelism", [1, 3])
def test_parallelism_bounds_the_calls_in_flight(ws, parallelism):
    ws.write(objects(12))
    # every create waits on the wire long enough for the others to pile up
    InMemoryProvider.inject(call="create", delay=0.05)
    code, out, err = ws.apply(f"-parallelism={parallelism}")
    assert code == 0, out + err
    assert len(ws.world.list("mem_object")) == 12
    peak = InMemoryProvider.peak_concurrency()
    assert peak <= parallelism
    if parallelism > 1:
        assert peak > 1      # independent creates did overlap


def test_peak_concurrency_counts_calls_on_the_wire_at_once():
    InMemoryProvider.reset()
    assert InMemoryProvider.peak_concurrency() == 0
    provider = InMemoryProvider(latency_ms=1)
    provider.apply("mem_object", None, {"name": "a", "value": None, "tags": None,
                                        "secret": None, "id": None, "arn": None})
    assert InMemoryProvider.peak_concurrency() == 1
