"""The Tensor API of the SPEC: attributes, conversions, operators, promotion, bad input."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import minigrad as mg
from minigrad.functions._arguments import binary
from minigrad.ops import elementwise
from minigrad.tensor import _CONSTANTS, _CONSTANTS_KEPT
from tests.helpers import assert_close, assert_raises_with, randn


def test_attributes_of_a_leaf_and_of_an_op_result():
    x = mg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert x.shape == (1, 3) and x.ndim == 2 and x.dtype == mg.float32
    assert x.is_leaf and x.grad_fn is None and x.grad is None and x.requires_grad
    data = x.data  # as PyTorch: a detached tensor over the same array
    assert isinstance(data, mg.Tensor) and not data.requires_grad and data.is_leaf
    assert data.numpy() is x.detach().numpy() and data.tolist() == [[1.0, 2.0, 3.0]]
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert x.size() == (1, 3) and x.size(-1) == 3 and x.numel() == 3 and x.dim() == 2
    assert len(x) == 1


def test_numpy_item_and_asarray():
    x = mg.tensor([[1.5, 2.5]])
    assert x.numpy() is x.data.numpy()
    assert np.asarray(x).tolist() == [[1.5, 2.5]]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.asarray(x) is x.numpy()
    assert np.array(x) is not x.numpy() and np.array(x).tolist() == x.tolist()
    assert mg.tensor([[4.0]]).item() == 4.0
    assert isinstance(mg.tensor(3).item(), int)
    assert float(mg.tensor(2.5)) == 2.5 and int(mg.tensor(7)) == 7
    assert [1, 2, 3][mg.tensor(1)] == 2
    with assert_raises_with(RuntimeError, "numpy()", "detach()"):
        mg.ones(2, requires_grad=True).numpy()
    with assert_raises_with(ValueError, "item()", "one element", "(2,)"):
        mg.ones(2).item()


def test_detach_shares_the_array_and_leaves_the_tape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    z = x.detach()
    assert z.numpy() is x.detach().numpy()


def test_requires_grad_underscore_returns_the_tensor():
    x = mg.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with assert_raises_with(RuntimeError, "requires_grad", "leaf", "detach()"):
        (mg.ones(1, requires_grad=True) * 2).requires_grad_(False)


def test_requires_grad_on_an_integer_tensor_is_refused():
    with assert_raises_with(TypeError, "requires_grad", "float32 and float64", "int64"):
        mg.tensor([1, 2], requires_grad=True)
    with assert_raises_with(TypeError, "requires_grad", "bool"):
        mg.tensor([True]).requires_grad_()
    with assert_raises_with(TypeError, "requires_grad", "int32"):
        mg.zeros(2, dtype=mg.int32, requires_grad=True)


def test_retain_grad_on_a_leaf_is_harmless_and_needs_requires_grad():
    x = mg.ones(2, requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with assert_raises_with(RuntimeError, "retain_grad", "does not require grad"):
        mg.ones(2).retain_grad()


def test_float_double_and_to_carry_gradients():
    x = mg.tensor(randn(3), requires_grad=True)
    y = x.float()
    assert y.dtype == mg.float32 and y.requires_grad
    assert y.double().dtype == mg.float64
    assert x.to(mg.float64) is x
    assert x.to("float32").dtype == mg.float32
    (y * 2).sum().backward()
    assert x.grad.dtype == mg.float64 and x.grad.tolist() == [2.0, 2.0, 2.0]
    with assert_raises_with(TypeError, "dtype", "float16", "not supported"):
        x.to(np.float16)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (mg.float32, mg.float64, mg.float64),
        (mg.float64, mg.float32, mg.float64),
        (mg.int64, mg.float32, mg.float32),
        (mg.int32, mg.int64, mg.int64),
        (mg.bool_, mg.int32, mg.int32),
        (mg.bool_, mg.float64, mg.float64),
    ],
)
def test_tensor_tensor_promotion_follows_torch(left, right, expected, torch):
    ours = mg.zeros(2, dtype=left) + mg.zeros(2, dtype=right)
    theirs = torch.zeros(2, dtype=getattr(torch, str(left).replace("bool_", "bool"))) + (
        torch.zeros(2, dtype=getattr(torch, str(right)))
    )
    assert ours.dtype == expected
    assert str(theirs.dtype) == f"torch.{expected}"


def test_scalar_and_zero_dim_promotion_follows_torch():
    f32, f64, i64 = mg.ones(2), mg.ones(2, dtype=mg.float64), mg.tensor([1, 2])
    assert (f32 * 2.5).dtype == mg.float32  # a Python float keeps the tensor's dtype
    assert (f64 * 2.5).dtype == mg.float64
    assert (f32 * 2).dtype == mg.float32
    assert (i64 * 2).dtype == mg.int64
    assert (i64 * 2.5).dtype == mg.float32  # int tensor with a float: the default float
    assert (i64 / 2).dtype == mg.float32  # true division always floats
    assert (i64 / i64).dtype == mg.float32
    assert (i64**0.5).dtype == mg.float32
    assert (f32 + mg.tensor(1.0, dtype=mg.float64)).dtype == mg.float32  # 0-d loses to dims
    assert (i64 + mg.tensor(1.5, dtype=mg.float64)).dtype == mg.float64  # ...unless higher kind
    assert (mg.tensor(1.0) + f64).dtype == mg.float64
    assert (f32 + np.float64(2.0)).dtype == mg.float32
    assert (f32 + np.ones(2)).dtype == mg.float64  # a float64 array is a float64 tensor


def test_promotion_matches_torch_on_the_same_cases(torch):
    cases = [
        (lambda lib, t: t(np.ones(2, np.float32)) * 2.5),
        (lambda lib, t: t(np.array([1, 2])) * 2.5),
        (lambda lib, t: t(np.array([1, 2])) / 2),
        (lambda lib, t: t(np.ones(2, np.float32)) + t(np.array(1.0))),
        (lambda lib, t: t(np.array([1, 2])) + t(np.array(1.5))),
    ]
    for case in cases:
        ours = case(mg, mg.tensor)
        theirs = case(torch, torch.from_numpy)
        assert str(theirs.dtype) == f"torch.{ours.dtype}"


def test_reflected_operators_with_numbers_and_arrays():
    x = mg.tensor([1.0, 2.0, 4.0], requires_grad=True)
    array = np.array([8.0, 8.0, 8.0], dtype=np.float32)
    for out, expected in [
        (1 + x, [2, 3, 5]),
        (1 - x, [0, -1, -3]),
        (2 * x, [2, 4, 8]),
        (8 / x, [8, 4, 2]),
        (2**x, [2, 4, 16]),
        (array + x, [9, 10, 12]),
        (array - x, [7, 6, 4]),
        (array * x, [8, 16, 32]),
        (array / x, [8, 4, 2]),
        (-x, [-1, -2, -4]),
        (+x, [1, 2, 4]),
    ]:
        assert isinstance(out, mg.Tensor)
        assert out.tolist() == expected
    (array / x).sum().backward()
    assert x.grad.tolist() == [-8.0, -2.0, -0.5]


def test_comparisons_give_bool_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    results = {
        "lt": x < 2,
        "le": x <= 2,
        "gt": x > mg.tensor([0.0, 5.0, 1.0]),
        "ge": x >= np.array([1.0, 1.0, 4.0]),
        "eq": x == 2.0,
        "ne": x != 2.0,
        "reflected": 2 > x,
    }
    expected = {
        "lt": [True, False, False],
        "le": [True, True, False],
        "gt": [True, False, True],
        "ge": [True, True, False],
        "eq": [False, True, False],
        "ne": [True, False, True],
        "reflected": [True, False, False],
    }
    for name, result in results.items():
        assert result.dtype == mg.bool_ and not result.requires_grad, name
        assert result.tolist() == expected[name], name
    assert x not in [None, "text"]


def test_mismatched_shapes_in_arithmetic_name_both_shapes():
    with assert_raises_with(ValueError, "add", "other", "(2, 3)", "(4,)", "broadcastable"):
        mg.zeros(2, 3) + mg.zeros(4)
    with assert_raises_with(ValueError, "mul", "(2, 3)", "(3, 2)"):
        mg.zeros(2, 3) * np.zeros((3, 2))
    with assert_raises_with(ValueError, "lt", "(2,)", "(3,)"):
        _ = mg.zeros(2) < mg.zeros(3)
    with assert_raises_with(TypeError, "add", "other", "str"):
        mg.zeros(2) + "one"


def test_iteration_len_and_truth():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [row.tolist() for row in x] == [[1.0, 2.0], [3.0, 4.0]]
    with assert_raises_with(TypeError, "0-d"):
        list(mg.tensor(1.0))
    with assert_raises_with(TypeError, "0-d"):
        len(mg.tensor(1.0))
    assert bool(mg.tensor([1.0]))
    with assert_raises_with(RuntimeError, "ambiguous"):
        bool(x)


def test_clamp_arguments_are_checked():
    with assert_raises_with(ValueError, "clamp", "min and max"):
        mg.ones(2).clamp()
    with assert_raises_with(TypeError, "clamp", "max", "str"):
        mg.ones(2).clamp(0.0, "1")


def test_setting_data_bypasses_autograd():
    x = mg.zeros(2, requires_grad=True)
    x.data = mg.tensor([3.0, 4.0])
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]
    with assert_raises_with(TypeError, "data", "Tensor", "ndarray"):
        x.data = np.zeros(2)  # as PyTorch: a tensor, not an array


def test_writes_through_data_reach_the_tensor_and_count(torch):
    for lib in (mg, torch):
        p = lib.zeros(3, requires_grad=True)
        view = p.data
        view.numpy()[0] = 5.0  # the same array
        assert p.detach().numpy()[0] == 5.0
    w = mg.ones(2, requires_grad=True)
    loss = (w * w).sum()
    w.data.numpy()[...] = 2  # numpy writes are not counted (as in PyTorch) ...
    w.data = w.data * 3  # ... the setter is
    with assert_raises_with(RuntimeError, "modified by an inplace operation"):
        loss.backward()


def test_methods_match_torch_on_a_small_program(torch):
    values = randn(3, 4)
    results = []
    for lib in (mg, torch):
        x = lib.tensor(values, requires_grad=True)
        y = (x.T @ x).tanh().sigmoid().relu()
        z = y.flatten().unsqueeze(0).expand(2, -1)[1]
        loss = (z.clamp(0.55, 0.7) ** 2).mean() + x.abs().max() - x.var()
        loss.backward()
        results.append((loss.item(), x.grad.numpy()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    assert_close(results[0][1], results[1][1])


# The fast paths of + - * / (tensor.py's _arithmetic: the op applied directly when
# recorded, numpy's ufunc when not) against the plain path (binary, then the op): the
# same bits, dtype and gradients, for same-shape, 0-d, number and special-valued
# operands; and the same refusals and promotions where the fast paths step aside.
SPECIAL = [0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 1e-40, 3e38]


def _operands(dtype):
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(23), SPECIAL]).astype(dtype)
    x = mg.tensor(values)
    y = mg.tensor(rng.permutation(values))
    return [
        (x, y),
        (x, mg.tensor(np.asarray(2.5, dtype=dtype))),
        (mg.tensor(np.asarray(-0.75, dtype=dtype)), y),
        (x, 3),
        (x, 0.1),
        (7, y),
        (1e-3, y),
        (x, 0),
        (x, 0.0),
        (x, np.inf),
        (x, -0.0),
        (x, np.nan),
        (-0.5, y),
        (mg.tensor(np.asarray(1.5, dtype=dtype)), mg.tensor(np.asarray(0.5, dtype=dtype))),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(
    ("operator_", "function"),
    [
        (operator.add, elementwise.Add),
        (operator.sub, elementwise.Sub),
        (operator.mul, elementwise.Mul),
        (operator.truediv, elementwise.Div),
    ],
    ids=["add", "sub", "mul", "div"],
)
@pytest.mark.parametrize("recorded", [False, True], ids=["no_grad", "recorded"])
def test_arithmetic_fast_paths_have_the_bits_of_the_op(dtype, operator_, function, recorded):
    floating = function is elementwise.Div
    for left, right in _operands(dtype):
        if recorded:  # the tensors require grad: the op is applied directly
            left, right = (
                mg.tensor(v.numpy(), requires_grad=True) if isinstance(v, mg.Tensor) else v
                for v in (left, right)
            )
        with np.errstate(all="ignore"):
            want = binary(function, left, right, "op", floating=floating)
        with mg.set_grad_enabled(recorded), np.errstate(all="ignore"):
            got = operator_(left, right)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert (got.grad_fn is None) == (not recorded)
        if recorded:
            assert got.grad_fn.name == want.grad_fn.name
            tensors = [v for v in (left, right) if isinstance(v, mg.Tensor)]
            with np.errstate(all="ignore"):
                grads = mg.autograd.grad(got.sum(), tensors)
                wants = mg.autograd.grad(want.sum(), tensors)
            for a, b in zip(grads, wants):
                assert a.numpy().tobytes() == b.numpy().tobytes()
        assert got.detach().numpy().tobytes() == want.detach().numpy().tobytes(), (left, right)


def test_recorded_numbers_are_kept_per_dtype_and_read_only():
    # A recorded op's number is a shared 0-d tensor, one per number and dtype.
    for dtype in (mg.float32, mg.float64, mg.float32):
        w = mg.tensor([3.0], dtype=dtype, requires_grad=True)
        for number in (0.1, 0.1, 7, 7.0):
            product = w * number
            constant = product.grad_fn.inputs[1]
            assert constant.dtype == dtype and constant.numpy().dtype == dtype
            assert constant.numpy().tobytes() == np.asarray(number, dtype=dtype).tobytes()
            assert not constant.numpy().flags.writeable
    signs = [np.signbit((w * zero).detach().numpy()[0]) for zero in (0.0, -0.0, 0.0, -0.0)]
    assert signs == [False, True, False, True]


def test_the_table_of_recorded_numbers_stays_bounded():
    w = mg.tensor([1.0], requires_grad=True)
    for k in range(3 * _CONSTANTS_KEPT):
        got = w + (k + 0.5)
        assert got.item() == 1.0 + (k + 0.5)
    assert len(_CONSTANTS) <= _CONSTANTS_KEPT


def test_unrecorded_division_by_zero_stays_silent_as_the_op():
    x = mg.tensor([1.0, 0.0, -1.0])
    with mg.no_grad(), np.errstate(all="raise"):
        for divisor in (0, 0.0, mg.tensor(0.0), mg.tensor([0.0, 0.0, 0.0]), np.inf):
            x / divisor  # noqa: B018 - raises if numpy would warn


def test_arithmetic_still_records_and_promotes_where_it_must():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    assert (w * 2).grad_fn.name == "Mul" and (2 - w).grad_fn.name == "Sub"
    assert (w / 2).grad_fn.name == "Div"
    with mg.no_grad():
        assert (w * 2).grad_fn is None and not (w * 2).requires_grad
        half = mg.tensor([1.0], dtype=mg.float64)
        assert (w + half).dtype == mg.float64  # promoted: through binary
        assert (mg.tensor([1, 2]) * 2).dtype == mg.int64
        assert (mg.tensor([1, 2]) / 2).dtype == mg.float32
        assert (w + mg.tensor([[1.0], [2.0]])).shape == (2, 2)
        with assert_raises_with(ValueError, "add", "(3,)"):
            w + mg.ones(3)
