"""Hypothesis strategies: shapes, broadcastable pairs and arrays with permuted strides.

Permuted strides are MiniTorch's ``tensor_data`` trick: the same values stored with
the axes in another memory order, so ops that assume C-contiguous input fail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

MAX_SIDE = 4


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1) -> st.SearchStrategy[Any]:
    """Small shapes: up to ``max_dims`` dims of size ``min_side``..4."""
    return st.lists(st.integers(min_side, MAX_SIDE), min_size=min_dims, max_size=max_dims).map(
        tuple
    )


@st.composite
def broadcastable_pairs(draw: Any, max_dims: int = 4) -> tuple[tuple[int, ...], ...]:
    """Two shapes that broadcast: drop leading dims and set some sizes to 1 in each."""
    full = draw(shapes(min_dims=0, max_dims=max_dims))
    pair = []
    for _ in range(2):
        kept = full[draw(st.integers(0, len(full))) :]
        ones = draw(st.lists(st.booleans(), min_size=len(kept), max_size=len(kept)))
        pair.append(tuple(1 if one else size for size, one in zip(kept, ones)))
    return tuple(pair)


@st.composite
def arrays(
    draw: Any, shape: tuple[int, ...] | None = None, low: float | None = None
) -> np.ndarray:
    """A float64 array of ``shape`` (drawn when None), possibly with permuted strides.

    ``low`` keeps values in ``[low, low + 3]`` (for log, sqrt, division).
    """
    if shape is None:
        shape = draw(shapes())
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    values = np.asarray(
        rng.standard_normal(shape) if low is None else rng.uniform(low, low + 3, shape)
    )
    order = draw(st.permutations(range(len(shape))))
    return permuted_strides(values, tuple(order))


def permuted_strides(values: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    """``values`` unchanged, but stored in memory with its axes in ``order``."""
    stored = np.array(np.transpose(values, order), order="C")
    inverse = tuple(int(i) for i in np.argsort(order))
    result = np.transpose(stored, inverse)
    assert np.array_equal(result, values)
    return result
