"""Nodes as users see them: repr(grad_fn), Tensor repr, and to_dot."""

from __future__ import annotations

import re

import minigrad as mg


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
