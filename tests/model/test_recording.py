"""The recording's sparse event parts keep exactly the nonzero entries of each step's pushes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from powershift.model.recording import EventParts


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_dense_gives_back_every_step_as_added(seed: int, density: float) -> None:
    """Whatever the share of zeros (none, some, all) and whichever events act (given as their rows only), the
    dense array is the steps stacked as they were added, bit for bit, and the entries are exactly the nonzero
    ones."""
    rng = np.random.default_rng(seed)
    steps, events, worlds, pairs = 4, 3, 5, 6
    added = rng.standard_normal((steps, events, worlds, pairs)) * (rng.random((steps, events, worlds, pairs)) < density)
    acting = rng.random((steps, events)) < 0.7
    added *= acting[:, :, None, None]  # an event that does not act pushes nothing
    parts = EventParts((steps, worlds, pairs, events))
    for step in range(steps):
        rows = np.flatnonzero(acting[step])
        parts.add(step, added[step][rows], rows)
    expected = np.moveaxis(added, 1, -1)  # (S, W, P, E)
    assert np.array_equal(parts.dense(), expected)
    step, world, pair, event, value = parts.entries()
    assert len(value) == np.count_nonzero(expected) and np.all(value != 0)
    assert np.array_equal(value, expected[step, world, pair, event])


def test_no_entries_give_empty_typed_arrays_and_a_zero_array() -> None:
    parts = EventParts((2, 3, 1, 0))
    *indices, value = parts.entries()
    assert all(i.dtype == np.int64 and len(i) == 0 for i in indices) and len(value) == 0
    assert value.dtype == np.float64
    assert parts.dense().shape == (2, 3, 1, 0)
