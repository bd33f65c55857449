"""Shapes: ``reshape, flatten, unsqueeze, squeeze, permute, transpose (swapaxes,
swapdims), movedim (moveaxis), t, flip, roll``, the slices ``narrow, select``, the
triangles ``tril, triu``, and the Tensor methods ``view, view_as, reshape_as, expand,
expand_as, repeat``.

All are linear, and each records an op even when nothing moves: as in PyTorch, a view
of a leaf is a new tensor on the tape, never the leaf itself.

>>> import minigrad as mg
>>> x = mg.arange(6).reshape(2, 3)
>>> mg.flip(x, (1,))
tensor([[2, 1, 0],
        [5, 4, 3]])
>>> x.repeat(1, 2).shape
(2, 6)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functions._arguments import dim_of, distinct_dims, integer, tensor_input
from minigrad.ops import elementwise
from minigrad.ops import shape as shape_ops
from minigrad.tensor import Tensor


def resolve_shape(x: Tensor, shape: tuple[Any, ...]) -> tuple[int, ...]:
    """The target of ``reshape``: one -1 is inferred; the element count must match."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if not all(_checks.is_int(s) for s in shape):
        raise TypeError(f"reshape: shape: expected ints, got {shape!r}")
    sizes = [int(s) for s in shape]
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ValueError(f"reshape: shape: expected sizes >= 0 and at most one -1, got {shape}")
    known = math.prod([s for s in sizes if s != -1])
    if -1 in sizes and known > 0 and x.numel() % known == 0:
        sizes[sizes.index(-1)] = x.numel() // known
    if math.prod(sizes) != x.numel() or -1 in sizes:
        raise ValueError(
            f"reshape: shape: cannot view a tensor of shape {x.shape} ({x.numel()} elements) "
            f"as {tuple(shape)}"
        )
    return tuple(sizes)


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` with the same elements in ``shape`` (one size may be -1: inferred).

    >>> import minigrad as mg
    >>> mg.reshape(mg.zeros(2, 3), (-1,)).shape
    (6,)
    """
    tensor_input(input, "reshape")
    if not isinstance(shape, Sequence):
        raise TypeError(f"reshape: shape: expected a tuple of ints, got {type(shape).__name__}")
    return input.reshape(*shape)


def view_as(input: Tensor, other: Tensor, op: str = "view_as") -> Tensor:  # noqa: A002
    """``input`` reshaped to ``other``'s shape."""
    return input.reshape(tensor_input(other, op, "other").shape)


def expand(input: Tensor, sizes: tuple[Any, ...]) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``sizes`` (-1 keeps a size; new dims go in front)."""
    wanted = list(sizes[0] if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes)
    offset = len(wanted) - input.ndim
    if offset < 0:
        raise ValueError(f"expand: size: expected at least {input.ndim} sizes, got {wanted}")
    for axis, size in enumerate(input.shape):
        if wanted[offset + axis] == -1:
            wanted[offset + axis] = size
    target = _checks.as_shape(tuple(wanted), "size")
    stretchable = all(
        size in (1, wanted_size) for size, wanted_size in zip(input.shape, target[offset:])
    )
    if not stretchable:
        raise ValueError(
            f"expand: size: cannot expand shape {input.shape} to {target} (only dims of "
            "size 1 can grow)"
        )
    return shape_ops.BroadcastTo.apply(input, shape=target)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Dims ``start_dim`` to ``end_dim`` merged into one; a 0-d input gives shape (1,)."""
    tensor_input(input, "flatten")
    if input.ndim == 0:
        return input.reshape(1)
    start = _checks.normalize_dim(start_dim, input.ndim, "start_dim")
    end = _checks.normalize_dim(end_dim, input.ndim, "end_dim")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    if start == end:
        return input  # nothing to merge: PyTorch returns the tensor itself
    middle = math.prod(input.shape[start : end + 1])
    return input.reshape(*input.shape[:start], middle, *input.shape[end + 1 :])


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``input`` with a new dim of size 1 at ``dim`` (in ``[-ndim-1, ndim]``)."""
    tensor_input(input, "unsqueeze")
    position = _checks.normalize_dim(dim, input.ndim + 1)
    return input.reshape(*input.shape[:position], 1, *input.shape[position:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """``input`` without its dims of size 1 (only those in ``dim``, if given: an int
    or a tuple; a named dim of another size is kept, as in PyTorch).
    """
    tensor_input(input, "squeeze")
    dims = _checks.normalize_dims(dim, input.ndim)
    return input.reshape(*[s for a, s in enumerate(input.shape) if not (a in dims and s == 1)])


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` with its dims reordered: dim i of the result is dim ``dims[i]``.

    >>> import minigrad as mg
    >>> mg.permute(mg.zeros(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    """
    tensor_input(input, "permute")
    return permute_dims(input, tuple(dims))


def permute_dims(input: Tensor, given: tuple[Any, ...]) -> Tensor:  # noqa: A002
    """``Tensor.permute``: ``given`` is the dims, or one sequence of them."""
    # Dims may be negative, so they are not a shape: unpack `permute((1, 0))` by hand.
    if len(given) == 1 and isinstance(given[0], Sequence):
        given = tuple(given[0])
    order = tuple(_checks.normalize_dim(d, input.ndim, "dims") for d in given)
    if sorted(order) != list(range(input.ndim)):
        raise ValueError(
            f"permute: dims: expected a permutation of {tuple(range(input.ndim))}, got {given}"
        )
    return shape_ops.Permute.apply(input, dims=order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input`` with dims ``dim0`` and ``dim1`` swapped."""
    tensor_input(input, "transpose")
    first = _checks.normalize_dim(dim0, input.ndim, "dim0")
    second = _checks.normalize_dim(dim1, input.ndim, "dim1")
    order = list(range(input.ndim))
    order[first], order[second] = order[second], order[first]
    return shape_ops.Permute.apply(input, dims=tuple(order))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """Numpy's name for [`transpose`][]."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Another name for [`transpose`][]."""
    return transpose(input, dim0, dim1)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """``input`` with dims ``source`` (an int or a sequence) moved to the positions
    ``destination``; the other dims keep their order (numpy's ``moveaxis``).

    >>> import minigrad as mg
    >>> mg.movedim(mg.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    tensor_input(input, "movedim")
    sources = _dim_sequence(source, input.ndim, "movedim", "source")
    targets = _dim_sequence(destination, input.ndim, "movedim", "destination")
    if len(sources) != len(targets):
        raise ValueError(
            f"movedim: destination: expected as many dims as source ({len(sources)}), got "
            f"{destination!r}"
        )
    order = [d for d in range(input.ndim) if d not in sources]
    for target, moved in sorted(zip(targets, sources)):
        order.insert(target, moved)
    return shape_ops.Permute.apply(input, dims=tuple(order))


def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """Numpy's name for [`movedim`][]."""
    return movedim(input, source, destination)


def _dim_sequence(dims: Any, ndim: int, op: str, argument: str) -> list[int]:
    """An int or a sequence of distinct ints, as non-negative dims."""
    given = list(dims) if isinstance(dims, Sequence) else [dims]
    result = [_checks.normalize_dim(d, ndim, f"{op}: {argument}") for d in given]
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: {argument}: expected distinct dims, got {dims!r}")
    return result


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """The slice ``start : start + length`` of ``dim`` (a negative start counts from
    the end), on the tape as indexing is.
    """
    axis = dim_of(tensor_input(input, "narrow"), dim, "narrow")
    size = input.shape[axis]
    first = integer(start, "narrow", "start")
    count = integer(length, "narrow", "length")
    if not -size <= first <= size:
        raise ValueError(
            f"narrow: start: expected a value in [{-size}, {size}] for dim {dim} of size "
            f"{size}, got {start}"
        )
    first = first + size if first < 0 else first
    if count < 0 or first + count > size:
        raise ValueError(
            f"narrow: length: expected 0 <= length <= {size - first} (start {first} + length "
            f"within the size {size} of dim {dim}), got {length}"
        )
    return input[(slice(None),) * axis + (slice(first, first + count),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice at ``index`` of ``dim``, which is removed: ``input[..., index, ...]``."""
    axis = dim_of(tensor_input(input, "select"), dim, "select")
    position = integer(index, "select", "index")
    size = input.shape[axis]
    if not -size <= position < size:
        # IndexError, as PyTorch raises for an index out of range.
        raise IndexError(
            f"select: index: {index} is out of range for dim {dim} of size {size} (shape "
            f"{input.shape})"
        )
    return input[(slice(None),) * axis + (position,)]


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims: ``out[..., i, j] = x[..., i, j]`` where
    ``j - i <= diagonal``, else 0. The gradient is masked the same way.
    """
    return _triangle(input, diagonal, "tril", lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims: kept where ``j - i >= diagonal``."""
    return _triangle(input, diagonal, "triu", lower=False)


def _triangle(x: Tensor, diagonal: int, op: str, lower: bool) -> Tensor:
    tensor_input(x, op)
    offset = integer(diagonal, op, "diagonal")
    if x.ndim < 2:
        raise ValueError(
            f"{op}: input: expected a tensor with at least 2 dims, got shape {x.shape}"
        )
    rows, columns = x.shape[-2:]
    # np.tri(k): True where j - i <= k; the upper triangle j - i >= k is its complement at k - 1.
    keep = (
        np.tri(rows, columns, offset, dtype=bool)
        if lower
        else ~np.tri(rows, columns, offset - 1, dtype=bool)
    )
    return elementwise.where(keep, x, Tensor._wrap(np.zeros((), x.dtype)))


def t(input: Tensor) -> Tensor:  # noqa: A002
    """The transpose of a matrix; a 0-d or 1-d input is returned as it is (a view).

    >>> import minigrad as mg
    >>> mg.t(mg.zeros(2, 3)).shape
    (3, 2)
    """
    tensor_input(input, "t")
    if input.ndim > 2:
        raise ValueError(
            f"t: input: expected a tensor with at most 2 dims, got shape {input.shape} (use "
            "transpose(dim0, dim1) or permute)"
        )
    return transpose(input, 0, -1) if input.ndim == 2 else input.reshape(input.shape)


def repeat(input: Tensor, repeats: tuple[Any, ...]) -> Tensor:  # noqa: A002
    """``input`` tiled ``repeats[i]`` times along dim i; extra leading repeats add dims.

    A composite: a new size-1 dim before each dim, broadcast to the repeat count, then
    merged, so the gradient is the sum over the copies (``sum_to``).
    """
    counts = repeats[0] if len(repeats) == 1 and isinstance(repeats[0], Sequence) else repeats
    counts = tuple(integer(c, "repeat", "repeats") for c in counts)
    if len(counts) < input.ndim:
        raise ValueError(
            f"repeat: repeats: expected at least {input.ndim} counts (one per dim of shape "
            f"{input.shape}), got {counts}"
        )
    if any(c < 0 for c in counts):
        raise ValueError(f"repeat: repeats: expected non-negative counts, got {counts}")
    sizes = (1,) * (len(counts) - input.ndim) + input.shape
    interleaved = tuple(s for size in sizes for s in (1, size))
    spread = tuple(s for count, size in zip(counts, sizes) for s in (count, size))
    stretched = input.reshape(interleaved).expand(spread)
    return stretched.reshape(*[count * size for count, size in zip(counts, sizes)])


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """``input`` with the order of its elements reversed along each dim in ``dims``."""
    tensor_input(input, "flip")
    if not isinstance(dims, Sequence):
        raise TypeError(f"flip: dims: expected a tuple of ints, got {type(dims).__name__}")
    return flip_dims(input, tuple(dims))


def flip_dims(input: Tensor, dims: tuple[Any, ...]) -> Tensor:  # noqa: A002
    """``input`` reversed along the distinct ``dims``, on the tape."""
    axes = distinct_dims(dims, input.ndim, "flip")
    if input.ndim == 0 or not axes:
        return input.clone()
    return shape_ops.Flip.apply(input, dims=axes)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """``input`` shifted cyclically: element i moves to i + shift along each dim.

    Args:
        input: a tensor.
        shifts: an int, or a tuple of ints (one per dim in ``dims``).
        dims: an int, a tuple of ints, or None: then the flattened input is rolled and
            the shape restored.

    >>> import minigrad as mg
    >>> mg.roll(mg.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    """
    tensor_input(input, "roll")
    steps = tuple(shifts) if isinstance(shifts, Sequence) else (shifts,)
    steps = tuple(integer(s, "roll", "shifts") for s in steps)
    if dims is None:
        if len(steps) != 1:
            raise ValueError(f"roll: shifts: expected one shift when dims is None, got {shifts}")
        return shape_ops.Roll.apply(input, shifts=steps, dims=None)
    axes = tuple(dims) if isinstance(dims, Sequence) else (dims,)
    if len(axes) != len(steps):
        raise ValueError(
            f"roll: shifts: expected one shift per dim in dims {dims}, got shifts {shifts}"
        )
    normalised = tuple(_checks.normalize_dim(d, input.ndim, "roll: dims") for d in axes)
    if input.ndim == 0:
        return input.clone()
    return shape_ops.Roll.apply(input, shifts=steps, dims=normalised)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements of ``input``."""
    return tensor_input(input, "numel").numel()
