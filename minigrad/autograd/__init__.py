"""Reverse-mode automatic differentiation: the tape, the engine and the checks."""

from minigrad.autograd import functional
from minigrad.autograd.engine import backward, grad
from minigrad.autograd.function import Context, Function
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.autograd.gradcheck import (
    GradcheckError,
    adjoint_matrices,
    check_adjoint,
    gradcheck,
    gradgradcheck,
)
from minigrad.autograd.graph import to_dot
from minigrad.autograd.variable import Variable

__all__ = [
    "Context",
    "Function",
    "GradcheckError",
    "Variable",
    "adjoint_matrices",
    "backward",
    "check_adjoint",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "to_dot",
]
