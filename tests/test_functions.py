"""The ``torch.*`` namespace as ``minigrad.*``: every name exported and documented, each
function against torch of the same name (values, dtypes, gradients of two orders over
hypothesis-drawn shapes), PyTorch's calling forms, dtype aliases, and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from tests.helpers import assert_raises_with, check_op, torch_or_none
from tests.strategies import arrays, shapes

NAMESPACE = (
    "exp log sum mean pow add mul sub div sigmoid tanh relu clamp abs sqrt max min flatten "
    "unsqueeze squeeze reshape transpose permute matmul bmm norm ge le gt lt eq argmax "
    "linspace randint randperm normal full_like zeros_like rand_like empty_like from_numpy "
    "as_tensor is_tensor numel chunk split ones_like randn_like "
    # and the methods' functions that torch has as well
    "sin cos log1p expm1 reciprocal rsqrt square sign floor ceil trunc round clip prod "
    "cumsum std var argmin ne flip roll t gather masked_fill maximum minimum softmax "
    "log_softmax neg clone logical_not all any cat stack where "
    "log10 log2 exp2 lerp logsumexp isnan isinf isfinite amax amin mm mv dot outer eye "
    "erf erfc clamp_min clamp_max "
    "tril triu narrow select unbind movedim moveaxis swapaxes swapdims sort argsort topk"
).split()


@pytest.mark.parametrize("name", NAMESPACE)
def test_every_name_is_exported_documented_and_in_torch(name, torch):
    assert name in mg.__all__
    assert callable(getattr(mg, name)) and getattr(mg, name).__doc__
    assert callable(getattr(torch, name))


def test_dtype_aliases_are_pytorchs_names_for_numpy_dtypes(torch):
    aliases = {"float": mg.float32, "double": mg.float64, "long": mg.int64, "int": mg.int32}
    aliases["bool"] = mg.bool_
    for name, dtype in aliases.items():
        assert getattr(mg, name) == dtype and isinstance(getattr(mg, name), np.dtype)
        assert mg.zeros(1, dtype=getattr(mg, name)).dtype == dtype
        assert str(getattr(torch, name)) == f"torch.{dtype}"


def lib(t):
    return mg if isinstance(t, mg.Tensor) else torch_or_none()


def call(name, *args, **kwargs):
    """``lib.name(tensor, *args, **kwargs)`` for whichever library the tensor is from."""
    return lambda *tensors: getattr(lib(tensors[0]), name)(*tensors, *args, **kwargs)


def reduced(name, **kwargs):
    """``lib.name(x, dim, **kwargs)`` with a drawn dim (or no dim at all)."""

    def case(data):
        x = data.draw(arrays())
        dims = [] if kwargs.get("keepdim") else [None]  # torch's keepdim needs a dim
        dim = data.draw(st.sampled_from(dims + list(range(-max(x.ndim, 1), max(x.ndim, 1)))))
        fn = call(name, **kwargs) if dim is None else call(name, dim=dim, **kwargs)
        return fn, [x]

    return case


def elementwise(name, low=None, **kwargs):
    return lambda data: (call(name, **kwargs), [data.draw(arrays(low=low))])


def pair(name, **kwargs):
    def case(data):
        x = data.draw(arrays())
        y = data.draw(arrays(x.shape[data.draw(st.integers(0, x.ndim)) :]))
        return call(name, **kwargs), [x, y * 0.7 + 0.05]  # no ties with x

    return case


def matrices(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    return call("matmul"), [data.draw(arrays((n, k))), data.draw(arrays((k, m)))]


def batched(data):
    b, n, k, m = (data.draw(st.integers(1, 3)) for _ in range(4))
    return call("bmm"), [data.draw(arrays((b, n, k))), data.draw(arrays((b, k, m)))]


def shaped(name, make_args):
    """``lib.name(x, *make_args(x, data))`` on a drawn array of at least one dim."""

    def case(data):
        x = data.draw(arrays(data.draw(shapes(min_dims=1))))
        args = make_args(x, data)
        return (lambda t: getattr(lib(t), name)(t, *args)), [x]

    return case


def pieces(name, make_args):
    def case(data):
        x = data.draw(arrays(data.draw(shapes(min_dims=1))))
        args = make_args(x, data)

        def fn(t):
            parts = getattr(lib(t), name)(t, *args)
            return lib(t).cat([p * (i + 1) for i, p in enumerate(parts)], args[-1])

        return fn, [x]

    return case


def with_drawn(data, strategy, make_fn, inputs):
    """A case whose function takes a drawn argument, drawn once (so that minigrad and
    torch get the same one)."""
    return make_fn(data.draw(strategy)), inputs


def a_dim(x, data):
    return data.draw(st.integers(0, x.ndim - 1))


CASES = {
    "exp": elementwise("exp"),
    "log": elementwise("log", low=0.5),
    "sqrt": elementwise("sqrt", low=0.5),
    "abs": lambda data: (call("abs"), [data.draw(arrays()) + 0.05]),
    "sigmoid": elementwise("sigmoid"),
    "tanh": elementwise("tanh"),
    "relu": lambda data: (call("relu"), [data.draw(arrays()) + 0.05]),
    "clamp": elementwise("clamp", min=-0.5, max=0.5),
    "clip": elementwise("clip", min=-0.5),
    "clamp_min": elementwise("clamp_min", min=-0.5),
    "clamp_max": elementwise("clamp_max", max=0.5),
    "sin": elementwise("sin"),
    "neg": elementwise("neg"),
    "clone": elementwise("clone"),
    "sum": reduced("sum"),
    "sum(keepdim)": reduced("sum", keepdim=True),
    "mean": reduced("mean"),
    "std": reduced("std"),
    "var(correction=0)": reduced("var", correction=0),
    "norm": reduced("norm", p=2),
    "prod": lambda data: (call("prod"), [data.draw(arrays())]),
    "max": lambda data: (call("max"), [data.draw(arrays())]),
    "max(dim)": lambda data: ((lambda t: lib(t).max(t, -1).values), [data.draw(arrays())]),
    "min(dim, keepdim)": lambda data: (
        (lambda t: lib(t).min(t, 0, True)[0]),
        [data.draw(arrays())],
    ),
    "max(other)": pair("max"),
    "min(other)": pair("min"),
    "maximum": pair("maximum"),
    "add": pair("add"),
    "add(alpha)": pair("add", alpha=2.5),
    "sub": pair("sub"),
    "mul": pair("mul"),
    "div": lambda data: (call("div"), [data.draw(arrays()), data.draw(arrays((), low=0.5))]),
    "pow": lambda data: (call("pow"), [data.draw(arrays((2, 3), low=0.5)), np.full(3, 1.5)]),
    "pow(number, tensor)": lambda data: ((lambda t: lib(t).pow(2.0, t)), [data.draw(arrays())]),
    "add(number, tensor)": lambda data: ((lambda t: lib(t).add(2, t)), [data.draw(arrays())]),
    "matmul": matrices,
    "bmm": batched,
    "flatten": shaped("flatten", lambda x, data: (0, -1)),
    "unsqueeze": shaped(
        "unsqueeze", lambda x, data: (data.draw(st.integers(-x.ndim - 1, x.ndim)),)
    ),
    "squeeze": lambda data: (
        (lambda t: lib(t).squeeze(t.unsqueeze(0), 0)),
        [data.draw(arrays())],
    ),
    "reshape": shaped("reshape", lambda x, data: ((-1,),)),
    "transpose": shaped("transpose", lambda x, data: (0, -1)),
    "permute": shaped("permute", lambda x, data: (tuple(reversed(range(x.ndim))),)),
    "t": lambda data: (call("t"), [data.draw(arrays(data.draw(shapes(max_dims=2))))]),
    "flip": shaped("flip", lambda x, data: ((a_dim(x, data),),)),
    "roll": shaped("roll", lambda x, data: (data.draw(st.integers(-3, 3)), a_dim(x, data))),
    "cumsum": shaped("cumsum", lambda x, data: (a_dim(x, data),)),
    "softmax": shaped("softmax", lambda x, data: (a_dim(x, data),)),
    "log_softmax": shaped("log_softmax", lambda x, data: (a_dim(x, data),)),
    "chunk": pieces("chunk", lambda x, data: (data.draw(st.integers(1, 4)), a_dim(x, data))),
    "split": pieces("split", lambda x, data: (data.draw(st.integers(1, 4)), a_dim(x, data))),
    "gather": lambda data: (
        (lambda t, i: lib(t).gather(t, 1, i)),
        [data.draw(arrays((3, 4))), np.array([[0, 3], [1, 1], [2, 0]])],
    ),
    "masked_fill": lambda data: (
        (lambda t, m: lib(t).masked_fill(t, m, -1.0)),
        [data.draw(arrays((3, 4))), np.array([True, False, False, True])],
    ),
    "where": lambda data: (
        (lambda t, u: lib(t).where(t > 0, t, u)),
        [data.draw(arrays((3, 4))), data.draw(arrays((4,)))],
    ),
    "log10": elementwise("log10", low=0.5),
    "log2": elementwise("log2", low=0.5),
    "exp2": elementwise("exp2"),
    "erf": elementwise("erf"),
    "erfc": elementwise("erfc"),
    "lerp(number)": lambda data: with_drawn(
        data,
        st.sampled_from([0.3, 0.5, 0.8, -1.5]),
        lambda w: lambda t, u: lib(t).lerp(t, u, w),
        [data.draw(arrays((2, 3))), data.draw(arrays((3,)))],
    ),
    "lerp(tensor)": lambda data: (
        (lambda t, u, w: lib(t).lerp(t, u, w)),
        [data.draw(arrays((2, 3))), data.draw(arrays((2, 3))), np.array([0.2, 0.5, 0.9])],
    ),
    "logsumexp": shaped("logsumexp", lambda x, data: (a_dim(x, data),)),
    "logsumexp(dims, keepdim)": lambda data: (
        (lambda t: lib(t).logsumexp(t, (0, -1), keepdim=True)),
        [data.draw(arrays((3, 2, 4)))],
    ),
    "amax": lambda data: (call("amax"), [data.draw(arrays())]),
    "amax(dims)": lambda data: (
        (lambda t: lib(t).amax(t, (0, 2))),
        [data.draw(arrays((2, 3, 4)))],
    ),
    "amin(dim, keepdim)": shaped("amin", lambda x, data: (a_dim(x, data), True)),
    "amax(ties)": lambda data: (
        (lambda t: lib(t).amax(t.round(), 1)),
        [np.array([[1.2, 0.9, -1.0], [2.1, 1.8, 2.2]])],
    ),
    "mm": lambda data: (call("mm"), matrices(data)[1]),
    "mv": lambda data: (
        call("mv"),
        [data.draw(arrays((3, 4))), data.draw(arrays((4,)))],
    ),
    "dot": lambda data: (call("dot"), [data.draw(arrays((5,))), data.draw(arrays((5,))) + 0.1]),
    "outer": lambda data: (call("outer"), [data.draw(arrays((3,))), data.draw(arrays((4,)))]),
    "tril": lambda data: (call("tril"), [data.draw(arrays(data.draw(shapes(min_dims=2))))]),
    "triu(diagonal)": lambda data: with_drawn(
        data,
        st.integers(-3, 3),
        lambda k: lambda t: lib(t).triu(t, k),
        [data.draw(arrays(data.draw(shapes(min_dims=2))))],
    ),
    "tril(diagonal)": lambda data: with_drawn(
        data,
        st.integers(-3, 3),
        lambda k: lambda t: lib(t).tril(t, k),
        [data.draw(arrays(data.draw(shapes(min_dims=2))))],
    ),
    "narrow": lambda data: (
        (lambda t: lib(t).narrow(t, 1, -3, 2)),
        [data.draw(arrays((2, 4, 3)))],
    ),
    "select": shaped("select", lambda x, data: (a_dim(x, data), 0)),
    "unbind": lambda data: (
        (lambda t: lib(t).stack([p * (i + 1) for i, p in enumerate(lib(t).unbind(t, 1))])),
        [data.draw(arrays((2, 3, 2)))],
    ),
    "movedim": lambda data: (
        (lambda t: lib(t).movedim(t, (0, 1), (2, 0))),
        [data.draw(arrays((2, 3, 4)))],
    ),
    "moveaxis": shaped("moveaxis", lambda x, data: (0, -1)),
    "swapaxes": shaped("swapaxes", lambda x, data: (0, -1)),
    "swapdims": shaped("swapdims", lambda x, data: (-1, 0)),
    "sort": lambda data: with_drawn(
        data,
        st.sampled_from([0, -1]),
        lambda dim: lambda t: lib(t).sort(t, dim, True).values,
        [data.draw(arrays((3, 4)))],
    ),
    "argsort": lambda data: (
        (lambda t: lib(t).gather(t, 1, lib(t).argsort(t, 1))),
        [data.draw(arrays((3, 4)))],
    ),
    "topk": lambda data: with_drawn(
        data,
        st.booleans(),
        lambda largest: lambda t: lib(t).topk(t, 2, 0, largest).values,
        [data.draw(arrays((3, 4)))],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=3)
@given(data=st.data())
def test_function_matches_torch_with_gradients_of_two_orders(name, data):
    fn, inputs = CASES[name](data)
    check_op(fn, *inputs)


# ---- PyTorch's calling forms ---------------------------------------------------------

FORMS = [
    lambda lib, x, i: lib.max(x),
    lambda lib, x, i: lib.max(x, 1),
    lambda lib, x, i: lib.max(x, dim=0, keepdim=True),
    lambda lib, x, i: lib.max(x, x.flip(0)),
    lambda lib, x, i: lib.min(i, 1),
    lambda lib, x, i: lib.argmax(x),
    lambda lib, x, i: lib.argmax(x, 1, True),
    lambda lib, x, i: lib.sum(x, 1, True, dtype=lib.float64),
    lambda lib, x, i: lib.sum(i),
    lambda lib, x, i: lib.mean(x, (0,)),
    lambda lib, x, i: lib.mean(i, dtype=lib.float64),
    lambda lib, x, i: lib.add(1, x),
    lambda lib, x, i: lib.add(x, i, alpha=2),
    lambda lib, x, i: lib.add(1, 2),
    lambda lib, x, i: lib.sub(x, 1, alpha=2),
    lambda lib, x, i: lib.mul(2, i),
    lambda lib, x, i: lib.div(i, 2),
    lambda lib, x, i: lib.div(i, 4, rounding_mode="floor"),
    lambda lib, x, i: lib.div(x, 4, rounding_mode="trunc"),
    lambda lib, x, i: lib.pow(i, 2),
    lambda lib, x, i: lib.pow(2, x),
    lambda lib, x, i: lib.clamp(i, 1.5),
    lambda lib, x, i: lib.clamp(i, max=3),
    lambda lib, x, i: lib.clamp(x, lib.zeros(3), lib.full((2, 1), 2.5)),
    lambda lib, x, i: lib.norm(x, 1, 1, True),
    lambda lib, x, i: lib.norm(x, float("inf")),
    lambda lib, x, i: lib.norm(x, dim=(0, 1)),
    lambda lib, x, i: lib.std(x, 1, True, True),
    lambda lib, x, i: lib.var(x, unbiased=False),
    lambda lib, x, i: lib.prod(i, 1, keepdim=True),
    lambda lib, x, i: lib.cumsum(i, 0),
    lambda lib, x, i: lib.squeeze(lib.ones(1, 2, 1), (0, 2)),
    lambda lib, x, i: lib.flatten(lib.tensor(3.0)),
    lambda lib, x, i: lib.t(lib.ones(3)),
    lambda lib, x, i: lib.ge(x, 2),
    lambda lib, x, i: lib.lt(i, x),
    lambda lib, x, i: lib.eq(i, 2),
    lambda lib, x, i: lib.ne(x, 0.5),
    lambda lib, x, i: lib.numel(x),
    lambda lib, x, i: lib.is_tensor(x),
    lambda lib, x, i: lib.is_tensor([1.0]),
    lambda lib, x, i: lib.linspace(0, 1, 5),
    lambda lib, x, i: lib.linspace(-3.5, 7, 1),
    lambda lib, x, i: lib.linspace(0, 1, 0),
    lambda lib, x, i: lib.linspace(0, 10, 4, dtype=lib.long),
    lambda lib, x, i: lib.linspace(lib.tensor(0.0), 1, 3, dtype=lib.float64),
    lambda lib, x, i: lib.full_like(x, 7),
    lambda lib, x, i: lib.full_like(i, 2.5),
    lambda lib, x, i: lib.full_like(x, 2, dtype=lib.long),
    lambda lib, x, i: lib.zeros_like(i, dtype=lib.float64),
    lambda lib, x, i: lib.ones_like(x > 1),
    lambda lib, x, i: lib.empty_like(i).shape,
    lambda lib, x, i: lib.rand_like(x, dtype=lib.float64).dtype,
    lambda lib, x, i: lib.randn_like(x).shape,
    lambda lib, x, i: lib.as_tensor([1, 2], dtype=lib.float32),
    lambda lib, x, i: lib.as_tensor(3),
    lambda lib, x, i: lib.as_tensor(np.float32(3)),
    lambda lib, x, i: lib.from_numpy(np.arange(3)),
    lambda lib, x, i: lib.chunk(lib.arange(6), 4),
    lambda lib, x, i: lib.split(lib.arange(5), [2, 3]),
    lambda lib, x, i: lib.split(lib.arange(0), 2),
    lambda lib, x, i: lib.gather(i, 0, lib.tensor([[1, 0, 1]])),
    lambda lib, x, i: lib.masked_fill(i, i > 2, 0),
    lambda lib, x, i: lib.logical_not(i - 1),
    lambda lib, x, i: lib.all(i > 0, 1),
    lambda lib, x, i: lib.any(i > 5),
]


def _plain(value):
    if isinstance(value, tuple) and hasattr(value, "indices"):
        return [_plain(value.values), _plain(value.indices)]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return (np.round(np.asarray(value.tolist(), dtype=float), 5).tolist(), str(value.dtype))
    return value


@pytest.mark.parametrize("form", range(len(FORMS)))
def test_pytorchs_calling_forms_give_pytorchs_results(form, torch):
    values = np.arange(6.0, dtype=np.float32).reshape(2, 3) - 1.5
    results = [
        _plain(
            FORMS[form](library, library.tensor(values), library.tensor([[1, 2, 3], [4, 5, 6]]))
        )
        for library in (mg, torch)
    ]
    assert str(results[0]).replace("torch.", "") == str(results[1]).replace("torch.", "")


def test_from_numpy_shares_memory_and_as_tensor_shares_when_it_can():
    array = np.arange(3.0)
    shared = mg.from_numpy(array)
    array[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and shared.dtype == mg.float64
    shared[1] = 5.0
    assert array[1] == 5.0
    assert np.shares_memory(mg.as_tensor(array).numpy(), array)
    assert np.shares_memory(mg.as_tensor(array, dtype=mg.float64).numpy(), array)
    assert not np.shares_memory(mg.as_tensor(array, dtype=mg.float32).numpy(), array)
    t = mg.ones(2)
    assert mg.as_tensor(t) is t and mg.as_tensor(t, dtype=mg.float32) is t
    assert mg.as_tensor(t, dtype=mg.float64).dtype == mg.float64
    assert mg.as_tensor([1.0, 2.0]).dtype == mg.float32


def test_max_and_min_with_a_dim_give_named_values_and_indices():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    values, indices = mg.max(x, 1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert mg.min(x, dim=0).indices.tolist() == [0, 1]


# ---- bad input ------------------------------------------------------------------------

x23 = mg.zeros(2, 3)

BAD = [
    (lambda: mg.exp(1.0), TypeError, ["exp", "input", "float"]),
    (lambda: mg.sum([1, 2]), TypeError, ["sum", "input", "list"]),
    (lambda: mg.sigmoid(np.zeros(2)), TypeError, ["sigmoid", "input", "ndarray"]),
    (lambda: mg.max(x23, 1.0), TypeError, ["dim", "float"]),
    (lambda: mg.pow(2, 3), TypeError, ["pow", "int"]),
    (lambda: mg.add("a", x23), TypeError, ["add", "other", "str"]),
    (lambda: mg.add("a", 1), TypeError, ["add", "input", "str"]),
    (lambda: mg.eq(1, x23), TypeError, ["eq", "input", "int"]),
    (lambda: mg.gt(x23, "a"), TypeError, ["gt", "other", "str"]),
    (lambda: mg.ge(x23, mg.zeros(4)), ValueError, ["ge", "(2, 3)", "(4,)"]),
    (lambda: mg.reshape(x23, -1), TypeError, ["reshape", "shape", "int"]),
    (lambda: mg.permute(x23, (0, 0)), ValueError, ["permute", "dims", "(0, 0)"]),
    (lambda: mg.transpose(x23, 0, 2), ValueError, ["dim1", "got 2"]),
    (lambda: mg.flip(x23, 1), TypeError, ["flip", "dims", "int"]),
    (lambda: mg.unsqueeze(x23, 3), ValueError, ["dim", "got 3"]),
    (lambda: mg.flatten(x23, 1, 0), ValueError, ["flatten", "start_dim", "end_dim"]),
    (lambda: mg.numel(1), TypeError, ["numel", "input", "int"]),
    (lambda: mg.matmul(x23, x23), ValueError, ["matmul", "(2, 3)"]),
    (lambda: mg.matmul(1, 2), TypeError, ["matmul", "input", "int"]),
    (lambda: mg.bmm(x23, x23), ValueError, ["bmm", "input", "3-d"]),
    (lambda: mg.norm(x23, p="nuc"), ValueError, ["norm", "p", "nuc"]),
    (lambda: mg.norm(x23, out=x23), TypeError, ["norm", "out"]),
    (lambda: mg.chunk(x23, 0), ValueError, ["chunk", "chunks", "0"]),
    (lambda: mg.chunk(x23, 1.5), TypeError, ["chunk", "chunks", "float"]),
    (lambda: mg.split(x23, [1]), ValueError, ["split", "split_size_or_sections", "[1]"]),
    (lambda: mg.split(x23, 2.0), TypeError, ["split", "split_size_or_sections", "float"]),
    (lambda: mg.gather(x23, 1, [[0]]), TypeError, ["gather", "index", "list"]),
    (lambda: mg.masked_fill(x23, x23, 0.0), TypeError, ["masked_fill", "mask", "float32"]),
    (lambda: mg.where(x23, x23, x23), TypeError, ["where", "condition", "float32"]),
    (lambda: mg.clamp(x23, "0"), TypeError, ["clamp", "min", "str"]),
    (lambda: mg.clamp_min(x23, None), TypeError, ["clamp_min", "min", "None"]),
    (lambda: mg.clamp_max(x23, "1"), TypeError, ["clamp_max", "max", "str"]),
    (lambda: mg.clamp_min(x23, mg.zeros(4)), ValueError, ["clamp_min", "(2, 3)", "(4,)"]),
    (lambda: mg.softmax(x23, 2), ValueError, ["dim", "got 2"]),
    (lambda: mg.cumsum(x23, 2), ValueError, ["dim", "got 2"]),
    (lambda: mg.prod(x23, 1.0), TypeError, ["dim", "float"]),
    (lambda: mg.maximum(x23, 0.0), TypeError, ["maximum", "other", "float"]),
    (lambda: mg.round(x23, decimals="1"), TypeError, ["round", "decimals", "str"]),
    (lambda: mg.linspace(0, 1, 2.5), TypeError, ["linspace", "steps", "float"]),
    (lambda: mg.linspace(0, 1, -1), ValueError, ["linspace", "steps", "-1"]),
    (lambda: mg.linspace("0", 1, 3), TypeError, ["linspace", "start", "str"]),
    (lambda: mg.linspace(0, mg.zeros(2), 3), ValueError, ["linspace", "end", "(2,)"]),
    (lambda: mg.full_like(1.0, 2), TypeError, ["full_like", "input", "float"]),
    (lambda: mg.zeros_like(x23, mg.float64), TypeError, ["positional"]),
    (lambda: mg.rand_like(mg.tensor([1, 2])), TypeError, ["dtype", "int64", "float"]),
    (lambda: mg.from_numpy([1, 2]), TypeError, ["from_numpy", "ndarray", "list"]),
    (lambda: mg.from_numpy(np.zeros(2, np.float16)), TypeError, ["from_numpy", "float16"]),
    (lambda: mg.as_tensor(np.zeros(2, np.float16)), TypeError, ["data", "float16"]),
    (lambda: mg.as_tensor([1.0], device="cuda"), mg.DeviceError, ["device", "'cuda'"]),
]


@pytest.mark.parametrize(
    ("call", "error", "fragments"), BAD, ids=[str(i) for i in range(len(BAD))]
)
def test_bad_input_is_refused_naming_the_argument_and_the_value(call, error, fragments):
    with assert_raises_with(error, *fragments):
        call()
