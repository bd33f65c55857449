"""Nodes as users see them: repr(grad_fn), Tensor repr, and to_dot."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import function


@pytest.fixture(autouse=True)
def _default_kept_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The values drawn are those of a user's tape: small unread inputs are kept."""
    monkeypatch.setattr(function, "KEPT_BELOW", 1024)


def test_grad_fn_repr_names_the_op_and_its_arguments():
    x = mg.ones(2, 3, requires_grad=True)
    summed = x.sum(1, keepdim=True)
    assert repr(summed.grad_fn) == "<SumBackward(dims=(1,), keepdim=True) -> (2, 1)>"
    assert repr((x * 2).grad_fn) == "<MulBackward() -> (2, 3)>"
    assert "dims=(1, 0)" in repr(x.permute(1, 0).grad_fn)
    assert "low=0.0, high=None" in repr(x.clamp(0.0).grad_fn)
    assert "index=(slice(None, None, None), 1)" in repr(x[:, 1].grad_fn)
    assert "index=(array(3,), slice(None, None, None))" in repr(x[[0, 1, 1], :].grad_fn)
    mask = mg.tensor([[True, False, True], [False, False, True]])
    assert "condition=array(2, 3)" in repr(mg.where(mask, x, 0.0).grad_fn)


def test_tensor_repr_shows_grad_fn_and_requires_grad():
    x = mg.ones(2, requires_grad=True)
    assert repr(x) == "tensor([1., 1.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 2.], grad_fn=<MulBackward>)"
    assert repr(mg.ones(1, dtype=mg.float64)) == "tensor([1.], dtype=float64)"


def test_to_dot_has_one_node_per_op_with_its_shape():
    x = mg.ones(2, 3, requires_grad=True)
    w = mg.ones(3, 4, requires_grad=True)
    hidden = (x @ w).tanh()
    loss = (hidden * hidden).sum()
    dot = mg.autograd.to_dot(loss)
    assert dot.startswith("digraph minigrad {") and dot.endswith("}")
    boxes = re.findall(r'\[shape=box, label="(\w+)\\n(\([^)]*\))"\]', dot)
    assert sorted(boxes) == sorted(
        [("MatMul", "(2, 4)"), ("Tanh", "(2, 4)"), ("Mul", "(2, 4)"), ("Sum", "()")]
    )
    leaves = re.findall(r'\[shape=ellipse, label="leaf\\n(\([^)]*\))"\]', dot)
    assert sorted(leaves) == ["(2, 3)", "(3, 4)"]
    # two leaf edges, MatMul -> Tanh, Tanh -> Mul once per use (twice), Mul -> Sum
    assert len(re.findall(r"->", dot)) == 6


def test_to_dot_of_a_leaf_and_of_a_constant():
    assert "leaf" in mg.autograd.to_dot(mg.ones(2, requires_grad=True))
    assert mg.autograd.to_dot(mg.ones(2)).count("[") == 0


def _labels(dot: str) -> dict[str, str]:
    """Node name -> label text, with DOT's line ends (\\n centred, \\l left) as newlines."""
    found = re.findall(r'  (n\d+) \[shape=\w+, label="(.*)"\];', dot)
    return {
        name: label.replace("\\n", "\n").replace("\\l", "\n").rstrip("\n") for name, label in found
    }


def test_to_dot_new_arguments_are_keyword_only_and_off_by_default():
    x = mg.ones(2, 3, requires_grad=True)
    loss = (x * 2).sum()
    assert mg.autograd.to_dot(loss, values=False, grads=False) == mg.autograd.to_dot(loss)
    with pytest.raises(TypeError):
        mg.autograd.to_dot(loss, True)  # values and grads are keyword-only


def test_to_dot_values_prints_small_arrays_in_full_and_large_ones_as_statistics():
    x = mg.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    big = mg.tensor(np.arange(20.0).reshape(4, 5), requires_grad=True)
    y = x * 3
    z = (big * big).sum() + y.sum()
    labels = _labels(mg.autograd.to_dot(z, values=True))
    texts = list(labels.values())
    assert "Add\n()\n" + np.array2string(z.detach().numpy()) in texts
    assert "Mul\n(2, 2)\n" + np.array2string(y.detach().numpy(), precision=4) in texts
    assert "leaf\n(2, 2)\n" + np.array2string(x.detach().numpy(), precision=4) in texts
    squares = big.detach().numpy() ** 2
    assert (
        f"Mul\n(4, 5)\nmean {squares.mean():.4g}\nmin {squares.min():.4g}, max {squares.max():.4g}"
        in texts
    )
    assert "leaf\n(4, 5)\nmean 9.5\nmin 0, max 19" in texts


def test_to_dot_after_backward_says_which_values_were_freed_and_shows_grads():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    loss = h.sum()
    loss.backward()
    labels = set(_labels(mg.autograd.to_dot(loss, values=True, grads=True)).values())
    assert labels == {
        "Sum\n()\n5.",
        "Mul\n(2,)\n(freed)\ngrad\n[1. 1.]",  # retained: its grad is shown
        "leaf\n(2,)\n[1. 2.]\ngrad\n[2. 4.]",
    }
    only_grads = set(_labels(mg.autograd.to_dot(loss, grads=True)).values())
    assert only_grads == {"Sum\n()", "Mul\n(2,)\ngrad\n[1. 1.]", "leaf\n(2,)\ngrad\n[2. 4.]"}


def test_to_dot_keeps_values_when_the_graph_is_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    assert "Mul\n(2,)\n[1. 4.]" in _labels(mg.autograd.to_dot(loss, values=True)).values()


def test_the_gradient_of_a_transposed_convolution_is_a_convolution_on_the_tape():
    x = mg.randn(1, 1, 2, 2, dtype=mg.float64, requires_grad=True)
    w = mg.randn(1, 1, 3, 3, dtype=mg.float64, requires_grad=True)
    y = mg.nn.functional.conv_transpose2d(x, w, stride=2)
    assert "ConvTranspose\n(1, 1, 5, 5)" in _labels(mg.autograd.to_dot(y)).values()
    v = mg.randn(1, 1, 5, 5, dtype=mg.float64)
    (g,) = mg.autograd.grad((y * v).sum(), x, create_graph=True)
    labels = _labels(mg.autograd.to_dot(g, values=True))
    conv = mg.nn.functional.conv2d(v, w, stride=2).detach().numpy()
    assert labels["n0"] == "Conv\n(1, 1, 2, 2)\n" + np.array2string(conv, precision=4)
    assert labels["n1"].startswith("leaf\n(1, 1, 3, 3)\n")
