"""In-place tensor methods against PyTorch: values, dtypes, the returned tensor, the
version counter, gradients through a recorded in-place op, and the refusals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with

# name, positional arguments (numbers, or "t:<shape>" for a float64 tensor operand).
METHODS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("add_", (2.5,), {}),
    ("add_", ("t:(3,)",), {}),
    ("add_", ("t:(2, 3)",), {"alpha": -0.5}),
    ("sub_", ("t:(2, 1)",), {}),
    ("sub_", (1.0,), {"alpha": 3}),
    ("mul_", ("t:(2, 3)",), {}),
    ("mul_", (-2,), {}),
    ("div_", ("t:(3,)",), {}),
    ("div_", (4.0,), {}),
    ("pow_", (2,), {}),
    ("pow_", ("t:(2, 3)",), {}),
    ("clamp_", (0.4, 0.9), {}),
    ("clamp_", (), {"min": 0.5}),
    ("exp_", (), {}),
    ("log_", (), {}),
    ("sqrt_", (), {}),
    ("abs_", (), {}),
    ("neg_", (), {}),
    ("tanh_", (), {}),
    ("sigmoid_", (), {}),
    ("relu_", (), {}),
    ("fill_", (1.5,), {}),
    ("zero_", (), {}),
    ("copy_", ("t:(3,)",), {}),
    ("copy_", ("t:(2, 3)",), {}),
]
IDS = [f"{name}{i}" for i, (name, _, _) in enumerate(METHODS)]


def _operands(library: Any, args: tuple[Any, ...], seed: int) -> list[Any]:
    values = []
    for position, arg in enumerate(args):
        if isinstance(arg, str) and arg.startswith("t:"):
            shape = eval(arg[2:])  # noqa: S307 - the table's own shapes
            array = np.random.default_rng(seed + position).uniform(0.2, 1.5, shape)
            values.append(mg.tensor(array) if library is mg else library.tensor(array))
        else:
            values.append(arg)
    return values


def _start(library: Any, requires_grad: bool = False) -> Any:
    array = np.random.default_rng(7).uniform(0.3, 1.2, (2, 3))
    return (mg.tensor if library is mg else library.tensor)(array, requires_grad=requires_grad)


@pytest.mark.parametrize(("name", "args", "kwargs"), METHODS, ids=IDS)
def test_in_place_methods_match_torch_and_write_in_place(name, args, kwargs, torch):
    results = []
    for library in (mg, torch):
        x = _start(library)
        alias = x.reshape(3, 2)  # a view: sees the new values, as in PyTorch
        version = x._version
        returned = getattr(x, name)(*_operands(library, args, 1), **kwargs)
        assert returned is x
        assert x._version == version + 1
        results.append((x.numpy().copy(), alias.numpy().reshape(2, 3).copy(), str(x.dtype)))
    (ours, our_alias, our_dtype), (theirs, their_alias, their_dtype) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(our_alias, ours)
    assert our_dtype == their_dtype.replace("torch.", "")


@pytest.mark.parametrize(("name", "args", "kwargs"), METHODS, ids=IDS)
def test_a_recorded_in_place_op_gives_torchs_gradients(name, args, kwargs, torch):
    grads = []
    for library in (mg, torch):
        x = _start(library, requires_grad=True)
        operands = _operands(library, args, 1)
        for operand in operands:
            if not isinstance(operand, int | float):
                operand.requires_grad_(True)
        y = x * 1.5  # a non-leaf: it may be changed in place while recording
        getattr(y, name)(*operands, **kwargs)
        assert y.requires_grad
        (y * y).sum().backward()
        tensors = [x] + [o for o in operands if not isinstance(o, int | float)]
        grads.append([np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in tensors])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "args", "kwargs"), METHODS, ids=IDS)
def test_a_leaf_that_requires_grad_is_refused_outside_no_grad(name, args, kwargs, torch):
    for library in (mg, torch):
        x = _start(library, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(x, name)(*_operands(library, args, 1), **kwargs)
        with library.no_grad():
            getattr(x, name)(*_operands(library, args, 1), **kwargs)
        assert x.requires_grad and x.grad_fn is None


def test_an_integer_tensor_refuses_a_float_result_as_torch_does(torch):
    for library in (mg, torch):
        labels = library.zeros(3, dtype=library.int64)
        with pytest.raises(RuntimeError):
            labels.add_(1.5)
        with pytest.raises((RuntimeError, NotImplementedError)):
            labels.normal_()
        labels.add_(2)
        labels.fill_(1.7)  # fill casts, as a copy does
        assert labels.tolist() == [1, 1, 1]


def test_a_result_that_does_not_fit_the_shape_is_refused(torch):
    for library in (mg, torch):
        x = library.zeros(3)
        with pytest.raises(RuntimeError):
            x.add_(library.ones(2, 3))
    with assert_raises_with(ValueError, "add_", "(2, 3)", "(3,)"):
        mg.zeros(3).add_(mg.ones(2, 3))


def test_augmented_assignment_is_in_place(torch):
    for library in (mg, torch):
        w = library.ones(3)
        alias = w
        w += 1
        w *= 3
        w -= 1
        w /= 5
        assert alias is w and w.tolist() == [1.0, 1.0, 1.0]


def test_setitem_writes_in_place_and_records(torch):
    for library in (mg, torch):
        t = library.zeros(2, 3)
        t[0, 1] = 5
        t[1] = library.tensor([1.0, 2.0, 3.0])
        t[:, 2] = -1.0
        assert t.tolist() == [[0.0, 5.0, -1.0], [1.0, 2.0, -1.0]]
    grads = []
    for library in (mg, torch):
        x = library.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        v = library.tensor([10.0, 20.0], requires_grad=True)
        y = x * 2
        y[:, 1] = v
        y[0, 0] = 7.0
        (y * y).sum().backward()
        grads.append((x.grad.numpy(), v.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs)


def test_setitem_refusals():
    with assert_raises_with(ValueError, "__setitem__", "(2,)", "(3,)"):
        mg.zeros(2, 3)[0] = mg.ones(2)
    with assert_raises_with(TypeError, "__setitem__", "float32", "int64"):
        mg.zeros(3, dtype=mg.int64)[0] = mg.tensor(1.5)
    with pytest.raises(RuntimeError, match="leaf"):
        mg.zeros(3, requires_grad=True)[0] = 1.0
    y = mg.zeros(3, requires_grad=True) * 1
    with assert_raises_with(ValueError, "more than once"):
        y[mg.tensor([0, 0])] = mg.ones(2)


def test_random_fills_are_reproducible_and_in_range():
    mg.manual_seed(5)
    first = [mg.zeros(4).uniform_(-2, 3).tolist(), mg.zeros(4).normal_(1, 0.1).tolist()]
    mg.manual_seed(5)
    again = [mg.zeros(4).uniform_(-2, 3).tolist(), mg.zeros(4).normal_(1, 0.1).tolist()]
    assert first == again
    drawn = mg.zeros(1000).uniform_(-2, 3).numpy()
    assert drawn.min() >= -2 and drawn.max() < 3 and drawn.std() > 1
    integers = mg.zeros(1000, dtype=mg.int64).random_(3, 7).numpy()
    assert set(integers.tolist()) == {3, 4, 5, 6}
    floats = mg.zeros(1000).random_(0, 4).numpy()
    assert set(floats.tolist()) <= {0.0, 1.0, 2.0, 3.0}
    with assert_raises_with(ValueError, "random_", "from < to"):
        mg.zeros(2).random_(5, 5)


def test_writes_through_data_and_detach_reach_the_tensor(torch):
    for library in (mg, torch):
        w = library.nn.Parameter(library.zeros(3))
        w.data.fill_(2.0)
        w.data.clamp_(-1.0, 1.0)
        w.detach().add_(1)
        assert w.tolist() == [2.0, 2.0, 2.0]
