"""Tensor methods against torch, table-driven: values, dtypes and gradients (float64),
gradcheck and gradgradcheck over hypothesis-drawn shapes; integer and bool tensors;
each method's bad input, by its message.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from tests.helpers import assert_raises_with, check_op, torch_or_none
from tests.strategies import arrays, shapes


def lib(t):
    """The library a tensor comes from, so that one lambda serves both."""
    return mg if isinstance(t, mg.Tensor) else torch_or_none()


def away_from_zero(a):
    """``a`` with every value at least 0.3 from 0 (and from each other, a little)."""
    spread = np.arange(a.size).reshape(a.shape) * 1e-3
    return np.sign(a) * (np.abs(a) + 0.3) + spread


def dim_of(data, x):
    return data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))


def case_gather(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    dim = data.draw(st.integers(0, x.ndim - 1))
    index_shape = tuple(data.draw(st.integers(1, s)) for s in x.shape)
    index_shape = index_shape[:dim] + (data.draw(st.integers(1, 5)),) + index_shape[dim + 1 :]
    index = np.random.default_rng(0).integers(0, x.shape[dim], index_shape)
    return (lambda t, i: t.gather(dim, i)), [x, index]


def case_masked_fill(data):
    x = data.draw(arrays())
    mask = data.draw(arrays(x.shape[data.draw(st.integers(0, x.ndim)) :])) > 0
    return (lambda t, m, v: t.masked_fill(m, v) * 2), [x, mask, np.array(1.5)]


def case_repeat(data):
    x = data.draw(arrays())
    extra = data.draw(st.integers(0 if x.ndim else 1, 1))  # torch needs one count at least
    counts = tuple(data.draw(st.integers(1, 3)) for _ in range(x.ndim + extra))
    return (lambda t: t.repeat(*counts)), [x]


def case_chunk(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    dim, chunks = data.draw(st.integers(0, x.ndim - 1)), data.draw(st.integers(1, 5))

    def fn(t):
        return lib(t).cat([p * (i + 1) for i, p in enumerate(t.chunk(chunks, dim))], dim)

    return fn, [x]


def case_split(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    dim = data.draw(st.integers(0, x.ndim - 1))
    first = data.draw(st.integers(0, x.shape[dim]))
    sizes = data.draw(
        st.sampled_from([[first, x.shape[dim] - first], data.draw(st.integers(1, 4))])
    )

    def fn(t):
        return lib(t).cat([p * (i + 1) for i, p in enumerate(t.split(sizes, dim))], dim)

    return fn, [x]


def case_bmm(data):
    b, n, k, m = (data.draw(st.integers(1, 3)) for _ in range(4))
    return (lambda x, y: x.bmm(y)), [data.draw(arrays((b, n, k))), data.draw(arrays((b, k, m)))]


def case_clamp_by_tensors(data):
    x = data.draw(arrays())
    low = data.draw(arrays(x.shape[data.draw(st.integers(0, x.ndim)) :])) - 0.5
    high = low + 1.0
    return (lambda t, lo, hi: t.clamp(lo, hi)), [x + 0.01, low, high]  # no ties


def unary(name, low=None, spread=None, **kwargs):
    def case(data):
        x = data.draw(arrays(low=low))
        x = spread(x) if spread is not None else x
        return (lambda t: getattr(t, name)(**kwargs)), [x]

    return case


def along(method, **kwargs):
    """``x.method(dim, **kwargs)`` with a drawn dim."""

    def case(data):
        x = data.draw(arrays())
        dim = dim_of(data, x)
        return (lambda t: getattr(t, method)(dim, **kwargs)), [x]

    return case


def binary(fn):
    def case(data):
        pair = data.draw(st.sampled_from(["same", "broadcast"]))
        x = data.draw(arrays())
        y = data.draw(arrays(x.shape if pair == "same" else x.shape[x.ndim // 2 :]))
        return fn, [x, y * 0.7 + 0.05]  # not x's values (drawn from the same seed): no ties

    return case


CASES = {
    "sin": unary("sin"),
    "cos": unary("cos"),
    "log1p": unary("log1p", low=-0.5),
    "expm1": unary("expm1"),
    "reciprocal": unary("reciprocal", low=0.5),
    "rsqrt": unary("rsqrt", low=0.5),
    "square": unary("square"),
    "sign": unary("sign"),
    "floor": unary("floor"),
    "ceil": unary("ceil"),
    "round": unary("round"),
    "round(decimals=1)": unary("round", decimals=1),
    "trunc": unary("trunc"),
    "t": lambda data: ((lambda t: t.t()), [data.draw(arrays(data.draw(shapes(max_dims=2))))]),
    "T": lambda data: ((lambda t: t.T), [data.draw(arrays(data.draw(shapes(max_dims=2))))]),
    "contiguous": lambda data: ((lambda t: t.T.contiguous() * 2), [data.draw(arrays())]),
    # (torch views only contiguous tensors; minigrad's view copies when it must)
    "view(-1)": lambda data: ((lambda t: t.contiguous().view(-1)), [data.draw(arrays())]),
    "view_as": lambda data: (
        (lambda t, o: t.contiguous().view_as(o)),
        [data.draw(arrays((2, 6))), np.zeros((3, 4))],
    ),
    "reshape_as": lambda data: (
        (lambda t, o: t.reshape_as(o)),
        [data.draw(arrays((2, 6))), np.zeros(12)],
    ),
    "expand_as": lambda data: (
        (lambda t, o: t.expand_as(o)),
        [data.draw(arrays((3, 1))), np.zeros((2, 3, 4))],
    ),
    "type_as": lambda data: ((lambda t, o: t.type_as(o)), [data.draw(arrays()), np.zeros(2)]),
    "prod": unary("prod"),
    "prod(dim)": along("prod"),
    "prod(dim, keepdim)": along("prod", keepdim=True),
    "cumsum": along("cumsum"),
    "std": unary("std"),
    "std(dim)": along("std"),
    "std(dim, unbiased, keepdim)": lambda data: (
        (lambda t: t.std(-1, False, True)),
        [data.draw(arrays())],
    ),
    "var(dim, correction=0)": along("var", correction=0),
    "norm": unary("norm"),
    "norm(p, dim)": lambda data: (
        (lambda t: t.norm(3, -1, True)),
        [away_from_zero(data.draw(arrays()))],
    ),
    "norm(1)": unary("norm", spread=away_from_zero, p=1),
    "norm(inf)": unary("norm", spread=away_from_zero, p=float("inf")),
    "softmax": along("softmax"),
    "log_softmax": along("log_softmax"),
    "flip": lambda data: ((lambda t: t.flip(-1)), [data.draw(arrays())]),
    "roll": lambda data: ((lambda t: t.roll(1)), [data.draw(arrays())]),
    "roll(shifts, dims)": lambda data: (
        (lambda t: t.roll((2, -1), (0, -1))),
        [data.draw(arrays(data.draw(shapes(min_dims=2))))],
    ),
    "repeat": case_repeat,
    "chunk": case_chunk,
    "split": case_split,
    "gather": case_gather,
    "masked_fill": case_masked_fill,
    "bmm": case_bmm,
    "matmul": lambda data: (
        (lambda x, y: x.matmul(y)),
        [data.draw(arrays((2, 3))), data.draw(arrays((3,)))],
    ),
    "maximum": binary(lambda x, y: x.maximum(y)),
    "minimum": binary(lambda x, y: x.minimum(y)),
    "max(other)": binary(lambda x, y: x.max(y)),
    "clamp(tensors)": case_clamp_by_tensors,
    "clamp(min=tensor)": binary(lambda x, y: x.clamp(min=y)),
    "clamp(max=tensor)": binary(lambda x, y: x.clamp(max=y)),
    "clamp_min": unary("clamp_min", min=-0.5),
    "clamp_max": unary("clamp_max", max=0.5),
    "clamp_min(tensor)": binary(lambda x, y: x.clamp_min(y)),
    "clamp_max(tensor)": binary(lambda x, y: x.clamp_max(y)),
    "new_tensor": lambda data: ((lambda t: t * t.new_tensor([2.0])), [data.draw(arrays())]),
    "new_full": lambda data: ((lambda t: t + t.new_full(t.shape, 3)), [data.draw(arrays())]),
    "log10": unary("log10", low=0.5),
    "log2": unary("log2", low=0.5),
    "exp2": unary("exp2"),
    "erf": unary("erf"),
    "erfc": unary("erfc"),
    "logsumexp(dim)": along("logsumexp"),
    "amax": unary("amax"),
    "amin(dim, keepdim)": along("amin", keepdim=True),
    "lerp": lambda data: (
        (lambda x, y: x.lerp(y, 0.75)),
        [data.draw(arrays((2, 3))), data.draw(arrays((2, 3))) + 0.1],
    ),
    "lerp_ (a copy)": lambda data: (
        (lambda x, y: (x * 1).lerp_(y, 0.25)),
        [data.draw(arrays((2, 3))), data.draw(arrays((3,))) + 0.1],
    ),
    "mm": lambda data: (
        (lambda x, y: x.mm(y)),
        [data.draw(arrays((2, 3))), data.draw(arrays((3, 4)))],
    ),
    "mv": lambda data: (
        (lambda x, y: x.mv(y)),
        [data.draw(arrays((2, 3))), data.draw(arrays((3,)))],
    ),
    "dot": lambda data: (
        (lambda x, y: x.dot(y)),
        [data.draw(arrays((4,))), data.draw(arrays((4,))) + 0.1],
    ),
    "outer": lambda data: (
        (lambda x, y: x.outer(y)),
        [data.draw(arrays((2,))), data.draw(arrays((3,)))],
    ),
    "tril(-1)": lambda data: ((lambda t: t.tril(-1)), [data.draw(arrays((2, 3, 4)))]),
    "triu(1)": lambda data: ((lambda t: t.triu(1)), [data.draw(arrays((4, 3)))]),
    "narrow": lambda data: ((lambda t: t.narrow(-1, 1, 2)), [data.draw(arrays((2, 4)))]),
    "select": lambda data: ((lambda t: t.select(0, -1)), [data.draw(arrays((3, 2)))]),
    "unbind": lambda data: (
        (lambda t: t.unbind()[1] * 2 + t.unbind()[0]),
        [data.draw(arrays((2, 3)))],
    ),
    "movedim": lambda data: ((lambda t: t.movedim(-1, 0)), [data.draw(arrays((2, 3, 4)))]),
    "moveaxis": lambda data: ((lambda t: t.moveaxis([0, 1], [1, 0])), [data.draw(arrays((2, 3)))]),
    "swapaxes": lambda data: ((lambda t: t.swapaxes(0, 1)), [data.draw(arrays((2, 3)))]),
    "swapdims": lambda data: ((lambda t: t.swapdims(1, 0)), [data.draw(arrays((2, 3)))]),
    "sort": lambda data: ((lambda t: t.sort()[0]), [data.draw(arrays((3, 4)))]),
    "sort(descending)": lambda data: (
        (lambda t: t.sort(0, descending=True).values),
        [data.draw(arrays((3, 4)))],
    ),
    "topk": lambda data: ((lambda t: t.topk(3).values), [data.draw(arrays((2, 5)))]),
    "masked_fill_ (a copy)": lambda data: (
        (lambda t: (t * 1).masked_fill_(t > 0, 0.5)),
        [data.draw(arrays())],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=3)
@given(data=st.data())
def test_method_matches_torch_with_gradients_of_two_orders(name, data):
    fn, inputs = CASES[name](data)
    check_op(fn, *inputs)


# ---- integer and bool tensors: labels, masks and indices -------------------------------

INTEGER_CASES = [
    lambda lib, i, b: i.sin(),
    lambda lib, i, b: b.exp(),
    lambda lib, i, b: i.square(),
    lambda lib, i, b: b.square(),
    lambda lib, i, b: i.sign(),
    lambda lib, i, b: b.sign(),
    lambda lib, i, b: i.floor(),
    lambda lib, i, b: i.round(),
    lambda lib, i, b: i.reciprocal(),
    lambda lib, i, b: b.sum(),
    lambda lib, i, b: i.sum(0),
    lambda lib, i, b: i.int().sum(),
    lambda lib, i, b: i.prod(),
    lambda lib, i, b: b.prod(),
    lambda lib, i, b: i.int().cumsum(1),
    lambda lib, i, b: b.cumsum(0),
    lambda lib, i, b: i.mean(dtype=lib.float32),
    lambda lib, i, b: i.max(),
    lambda lib, i, b: i.argmax(1),
    lambda lib, i, b: i.argmin(keepdim=True),
    lambda lib, i, b: i.clamp(1, 3),
    lambda lib, i, b: i.clamp(1.5),
    lambda lib, i, b: i.masked_fill(b, 1.7),
    lambda lib, i, b: i.new_tensor([1.5]),
    lambda lib, i, b: i.new_full((2,), 2.5),
    lambda lib, i, b: i.new_ones(2),
    lambda lib, i, b: i.eq(2),
    lambda lib, i, b: i.ge(i.flip(1)),
    lambda lib, i, b: ~b,
    lambda lib, i, b: ~i,
    lambda lib, i, b: b & (i > 2)[0],
    lambda lib, i, b: b | b.flip(0),
    lambda lib, i, b: b ^ True,
    lambda lib, i, b: i & 3,
    lambda lib, i, b: b.long(),
    lambda lib, i, b: b.int(),
    lambda lib, i, b: i.bool(),
    lambda lib, i, b: i.double().long(),
    lambda lib, i, b: i.type_as(b),
    lambda lib, i, b: i.logical_not(),
    lambda lib, i, b: i.all(1),
    lambda lib, i, b: b.any(0, True),
    lambda lib, i, b: i.gather(1, (i > 0).long()).gather(0, (i < 3).long()),
    lambda lib, i, b: i.repeat(2, 1).flip(0).roll(1),
    lambda lib, i, b: i.chunk(2, 1)[1],
    lambda lib, i, b: i.softmax(1, dtype=lib.float64),
    lambda lib, i, b: i.isnan(),
    lambda lib, i, b: b.isinf(),
    lambda lib, i, b: i.isfinite(),
    lambda lib, i, b: i.log10(),
    lambda lib, i, b: b.exp2(),
    lambda lib, i, b: i.erf(),
    lambda lib, i, b: i.clamp_min(1),
    lambda lib, i, b: i.clamp_max(0.5),
    lambda lib, i, b: b.erfc(),
    lambda lib, i, b: i.logsumexp(1),
    lambda lib, i, b: i.amax(1),
    lambda lib, i, b: b.amin(),
    lambda lib, i, b: i.mm(i.t()),
    lambda lib, i, b: i.mv(i[0]),
    lambda lib, i, b: i[0].dot(i[1]),
    lambda lib, i, b: i[0].outer(i[1].double()),
    lambda lib, i, b: b.outer(b),
    lambda lib, i, b: i.tril(),
    lambda lib, i, b: b.reshape(3, 1).triu(),
    lambda lib, i, b: i.narrow(1, 1, 2),
    lambda lib, i, b: i.select(1, 2),
    lambda lib, i, b: i.unbind(1)[0],
    lambda lib, i, b: i.movedim(0, 1),
    lambda lib, i, b: i.sort(1, descending=True).values,
    lambda lib, i, b: i.sort(stable=True, dim=1).indices,
    lambda lib, i, b: b.sort(stable=True).indices,
    lambda lib, i, b: i.argsort(0),
    lambda lib, i, b: i.topk(2, 1).indices,
    lambda lib, i, b: i.topk(1, 0, largest=False).values,
]


@pytest.mark.parametrize("case", range(len(INTEGER_CASES)))
def test_integer_and_bool_tensors_match_torch(case, torch):
    results = []
    for library in (mg, torch):
        i = library.tensor([[1, -2, 3], [4, 5, -6]])
        b = library.tensor([True, False, True])
        out = INTEGER_CASES[case](library, i, b)
        results.append((np.asarray(out.tolist()), str(out.dtype).replace("torch.", "")))
        assert not out.requires_grad
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    assert results[0][1] == results[1][1]


def test_comparison_methods_give_bool_tensors_off_the_tape():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        out = getattr(x, name)(2.0)
        assert out.dtype == mg.bool_ and out.grad_fn is None and not out.requires_grad


def test_size_dim_numel_item_and_tolist(torch):
    for library in (mg, torch):
        x = library.zeros(2, 3, 4)
        assert tuple(x.size()) == (2, 3, 4) and x.size(-1) == 4 and x.size(0) == 2
        assert x.dim() == 3 and x.numel() == 24
        assert library.tensor([[1.5]]).item() == 1.5 and library.tensor(3).tolist() == 3


def test_contiguous_returns_the_tensor_itself_when_it_is_contiguous():
    x = mg.ones(2, 3, requires_grad=True)
    assert x.contiguous() is x and x.is_contiguous()
    transposed = x.t()
    assert not transposed.is_contiguous()
    copy = transposed.contiguous()
    assert (
        copy.is_contiguous() and copy.grad_fn is not None and copy.tolist() == transposed.tolist()
    )


def test_chunk_and_split_return_tuples_of_pieces_as_torch(torch):
    for sizes, method, argument in [([2, 2, 1], "split", 2), ([2, 2, 2], "chunk", 4)]:
        for library in (mg, torch):
            pieces = getattr(library.arange(sum(sizes)), method)(argument)
            assert isinstance(pieces, tuple) and [len(p) for p in pieces] == sizes


def test_masked_fill_in_place_writes_into_the_array_and_is_recorded_on_the_tape():
    x = mg.tensor([1.0, -2.0, 3.0])
    alias = x.detach()
    assert x.masked_fill_(x < 0, 0.0) is x
    assert alias.tolist() == [1.0, 0.0, 3.0] and x._version == 1
    leaf = mg.tensor([1.0, -2.0], requires_grad=True)
    y = leaf * 2
    y.masked_fill_(y < 0, 5.0)
    y.sum().backward()
    assert leaf.grad.tolist() == [2.0, 0.0]
    with assert_raises_with(ValueError, "masked_fill_", "shape"):
        mg.zeros(3).masked_fill_(mg.ones(2, 3, dtype=mg.bool_), 1.0)


def test_new_methods_take_the_dtype_and_accept_the_cpu(torch):
    x = mg.zeros(2, dtype=mg.float64)
    for made in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty(2, 3), x.new_full((2, 3), 1)):
        assert made.dtype == mg.float64 and made.shape == (2, 3) and not made.requires_grad
    assert x.new_zeros(2, dtype=mg.int64, device="cpu").dtype == mg.int64
    assert x.new_ones(2, requires_grad=True).requires_grad
    assert x.new_tensor(mg.tensor([1, 2])).dtype == mg.float64


def test_var_and_std_take_pytorchs_positional_unbiased(torch):
    values = np.random.default_rng(0).standard_normal((3, 4))
    for call in [
        lambda t: t.var(1, False),
        lambda t: t.std(1, True, True),
        lambda t: t.std(False),
        lambda t: t.var(dim=0, correction=2),
        lambda t: t.std(unbiased=False),
    ]:
        np.testing.assert_allclose(call(mg.tensor(values)).numpy(), call(torch.tensor(values)))


# ---- bad input: TypeError / ValueError naming the argument and the value ---------------

x23 = mg.zeros(2, 3)
mask3 = mg.tensor([True, False, True])

BAD = [
    (lambda: x23.gather(1, mg.zeros(2, 1)), TypeError, ["gather", "index", "float32"]),
    (lambda: x23.gather(1, mg.zeros(2, dtype=mg.int64)), ValueError, ["gather", "index", "(2,)"]),
    (lambda: x23.gather(1, mg.tensor([[5]])), ValueError, ["gather", "index", "5", "size 3"]),
    (lambda: x23.gather(1, mg.zeros(3, 1, dtype=mg.int64)), ValueError, ["gather", "(3, 1)"]),
    (
        lambda: x23.masked_fill(mg.tensor([1, 0, 1]), 1.0),
        TypeError,
        ["masked_fill", "mask", "int64"],
    ),
    (lambda: x23.masked_fill(mask3, "a"), TypeError, ["masked_fill", "value", "str"]),
    (lambda: x23.masked_fill(mask3, mg.ones(1)), ValueError, ["masked_fill", "value", "(1,)"]),
    (
        lambda: x23.masked_fill(mg.ones(2, dtype=mg.bool_), 1.0),
        ValueError,
        ["masked_fill", "(2,)"],
    ),
    (lambda: x23.bmm(mg.zeros(3, 2)), ValueError, ["bmm", "input", "3-d", "(2, 3)"]),
    (lambda: mg.zeros(2, 3, 4).bmm(mg.zeros(1, 4, 5)), ValueError, ["bmm", "mat2", "(1, 4, 5)"]),
    (
        lambda: mg.zeros(2, 3, 4).bmm(mg.zeros(2, 4, 5, dtype=mg.float64)),
        TypeError,
        ["bmm", "mat2", "float64"],
    ),
    (lambda: x23.bmm("a"), TypeError, ["bmm", "mat2", "str"]),
    (lambda: x23.repeat(2), ValueError, ["repeat", "repeats", "(2,)"]),
    (lambda: x23.repeat(-1, 1), ValueError, ["repeat", "repeats", "-1"]),
    (lambda: x23.repeat(1.5, 1), TypeError, ["repeat", "repeats", "float"]),
    (lambda: x23.flip(0, 0), ValueError, ["flip", "dims", "distinct", "(0, 0)"]),
    (lambda: x23.flip(2), ValueError, ["flip", "dims", "got 2"]),
    (lambda: x23.roll(1, (0, 1)), ValueError, ["roll", "shifts", "(0, 1)"]),
    (lambda: x23.roll(1.5), TypeError, ["roll", "shifts", "float"]),
    (lambda: x23.roll(1, 5), ValueError, ["roll", "dims", "got 5"]),
    (lambda: x23.chunk(0), ValueError, ["chunk", "chunks", "got 0"]),
    (lambda: x23.split([1, 2]), ValueError, ["split", "split_size_or_sections", "[1, 2]", "2"]),
    (lambda: x23.split(0), ValueError, ["split", "split_size_or_sections", "got 0"]),
    (lambda: mg.tensor(1.0).chunk(1), ValueError, ["chunk", "0-d"]),
    (lambda: x23.norm("nuc"), ValueError, ["norm", "p", "nuc"]),
    (lambda: x23.norm("abc"), ValueError, ["norm", "p", "'abc'"]),
    (lambda: mg.tensor([1, 2]).norm(), TypeError, ["norm", "input", "int64"]),
    (lambda: mg.zeros(0).norm(float("inf")), ValueError, ["norm", "empty"]),
    (lambda: x23.std(unbiased=True, correction=0), ValueError, ["std", "unbiased", "correction"]),
    (lambda: mg.tensor([1, 2]).std(), TypeError, ["std", "int64"]),
    (lambda: mg.tensor([1, 2]).mean(), TypeError, ["mean", "int64", "dtype="]),
    (lambda: mg.zeros(2, 3, 4).t(), ValueError, ["t", "2 dims", "(2, 3, 4)"]),
    (lambda: x23.view_as(3), TypeError, ["view_as", "other", "int"]),
    (lambda: x23.view_as(mg.zeros(4)), ValueError, ["reshape", "(2, 3)", "(4,)"]),
    (lambda: x23.expand_as(mg.zeros(3)), ValueError, ["expand", "size"]),
    (lambda: x23.type_as(np.zeros(2)), TypeError, ["type_as", "other", "ndarray"]),
    (lambda: x23.half(), TypeError, ["half", "float16", "float()"]),
    (lambda: x23.bfloat16(), TypeError, ["bfloat16", "float32"]),
    (lambda: -mask3, TypeError, ["neg", "bool", "~"]),
    (lambda: ~x23, TypeError, ["invert", "float"]),
    (lambda: x23 & mask3, TypeError, ["and", "float"]),
    (lambda: mask3.floor(), TypeError, ["floor", "bool"]),
    (lambda: mask3.argmax(), TypeError, ["argmax", "bool"]),
    (lambda: mg.zeros(0).argmax(), ValueError, ["argmax", "non-empty", "(0,)"]),
    (lambda: x23.round(decimals=1.5), TypeError, ["round", "decimals", "float"]),
    (lambda: mg.tensor([1]).round(decimals=1), TypeError, ["round", "decimals", "int64"]),
    (lambda: x23.clamp(min="a"), TypeError, ["clamp", "min", "str"]),
    (lambda: x23.clamp(), ValueError, ["clamp", "min and max"]),
    (lambda: x23.clamp(min=mg.zeros(4)), ValueError, ["clamp", "(2, 3)", "(4,)"]),
    (lambda: x23.cumsum(3), ValueError, ["dim", "got 3"]),
    (lambda: x23.prod(5), ValueError, ["dim", "got 5"]),
    (lambda: x23.prod((0, 1)), TypeError, ["dim", "tuple"]),
    (lambda: x23.softmax(5), ValueError, ["dim", "got 5"]),
    (lambda: mg.tensor([1, 2]).softmax(0), TypeError, ["softmax", "input", "int64"]),
    (lambda: x23.maximum(1.0), TypeError, ["maximum", "other", "float"]),
    (lambda: x23.new_full(2, 1.0), TypeError, ["new_full", "size", "int"]),
    (lambda: x23.new_zeros(2, device="cuda"), mg.DeviceError, ["device", "CPU", "'cuda'"]),
    (lambda: x23.new_tensor([1.0], dtype=np.float16), TypeError, ["dtype", "float16"]),
    (lambda: x23.size(5), ValueError, ["dim", "got 5"]),
    (lambda: x23.div(2, rounding_mode="round"), ValueError, ["div", "rounding_mode", "'round'"]),
    (lambda: x23.add(1, alpha="2"), TypeError, ["add", "alpha", "str"]),
]


@pytest.mark.parametrize(
    ("call", "error", "fragments"), BAD, ids=[str(i) for i in range(len(BAD))]
)
def test_bad_input_is_refused_naming_the_argument_and_the_value(call, error, fragments):
    with assert_raises_with(error, *fragments):
        call()
