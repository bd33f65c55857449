"""Elementwise ops. Binary ops broadcast; their backward ends in ``sum_to``.

Notation: ``x``, ``y`` inputs of broadcastable shapes, ``grad`` the gradient of the
output, ``sum_to(g, shape)`` the adjoint of broadcasting.

* ``arithmetic``: add, sub, mul, div, pow, square, neg, maximum,
  minimum, where, clone, cast;
* ``transcendental``: exp, log, sqrt, tanh, sigmoid, sin,
  cos, log1p, expm1, reciprocal, rsqrt, log10, log2, exp2, erf, erfc;
* ``piecewise``: abs, clamp, relu, leaky_relu, and floor,
  ceil, trunc, round and sign (zero derivative);
* ``activation``: elu (selu, celu), softplus with beta and
  threshold, gelu and the normal cdf, silu, mish, hardtanh, hardsigmoid, hardswish,
  prelu, and ``ScaleGrad`` (the identity with a weighted gradient).
"""

from minigrad.ops.elementwise.arithmetic import (
    Add,
    Cast,
    Clone,
    Div,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Square,
    Sub,
    Where,
    rows,
    where,
)
from minigrad.ops.elementwise.piecewise import (
    Abs,
    Ceil,
    Clamp,
    Floor,
    LeakyRelu,
    Relu,
    Round,
    Sign,
    Trunc,
)
from minigrad.ops.elementwise.transcendental import (
    Cos,
    Erf,
    Erfc,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    Reciprocal,
    Rsqrt,
    Sigmoid,
    Sin,
    Sqrt,
    Tanh,
)

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Ceil",
    "Clamp",
    "Clone",
    "Cos",
    "Div",
    "Exp",
    "Erf",
    "Erfc",
    "Exp2",
    "Expm1",
    "Floor",
    "LeakyRelu",
    "Log",
    "Log1p",
    "Log2",
    "Log10",
    "Maximum",
    "Minimum",
    "Mul",
    "Neg",
    "Pow",
    "Reciprocal",
    "Relu",
    "Round",
    "Rsqrt",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sqrt",
    "Square",
    "Sub",
    "Tanh",
    "Trunc",
    "Where",
    "rows",
    "where",
]
