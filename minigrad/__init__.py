"""minigrad: a small, fast, deterministic autodiff framework whose first-class op is
transposed convolution.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from minigrad import autograd, functional, nn, optim
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.devices import DeviceError, device
from minigrad.dtypes import (
    bool_,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    set_default_dtype,
)
from minigrad.factories import (
    arange,
    cat,
    empty,
    full,
    ones,
    ones_like,
    rand,
    randn,
    randn_like,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from minigrad.legacy import BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from minigrad.random import manual_seed
from minigrad.serialization import SerializationError, load, save
from minigrad.tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "BoolTensor",
    "DeviceError",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
    "SerializationError",
    "Tensor",
    "arange",
    "autograd",
    "bool_",
    "cat",
    "device",
    "empty",
    "enable_grad",
    "float32",
    "float64",
    "functional",
    "full",
    "get_default_dtype",
    "int32",
    "int64",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randn",
    "randn_like",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]
