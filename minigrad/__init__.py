"""minigrad: a small, fast, deterministic autodiff framework whose first-class op is
transposed convolution.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

# First, before anything that imports it: minigrad.tensor closes the package's one import
# cycle at its foot (see the top of that module).
from minigrad.tensor import Tensor  # isort: skip

from minigrad import accelerator, autograd, backends, cuda, functional, nn, optim, utils
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
from minigrad.dtypes import bool_ as bool  # noqa: A004 - PyTorch's dtype aliases
from minigrad.dtypes import float32 as float  # noqa: A004
from minigrad.dtypes import float64 as double
from minigrad.dtypes import int32 as int  # noqa: A004
from minigrad.dtypes import int64 as long
from minigrad.factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.functions.arithmetic import (
    add,
    bmm,
    clone,
    div,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    pow,  # noqa: A004
    sub,
)
from minigrad.functions.comparison import eq, ge, gt, le, logical_not, lt, ne
from minigrad.functions.conversion import is_tensor
from minigrad.functions.indexing import gather, masked_fill, where
from minigrad.functions.joining import cat, chunk, split, stack
from minigrad.functions.maths import (
    abs,  # noqa: A004
    ceil,
    clamp,
    clip,
    cos,
    exp,
    expm1,
    floor,
    log,
    log1p,
    log_softmax,
    reciprocal,
    relu,
    round,  # noqa: A004
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    tanh,
    trunc,
)
from minigrad.functions.reductions import (
    all,  # noqa: A004
    any,  # noqa: A004
    argmax,
    argmin,
    cumsum,
    max,  # noqa: A004
    min,  # noqa: A004
    norm,
    prod,
    sum,  # noqa: A004
)
from minigrad.functions.shaping import (
    flatten,
    flip,
    numel,
    permute,
    reshape,
    roll,
    squeeze,
    t,
    transpose,
    unsqueeze,
)
from minigrad.functions.statistics import mean, std, var
from minigrad.generator import Generator
from minigrad.legacy import BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from minigrad.random import manual_seed
from minigrad.sampling import normal, rand, rand_like, randint, randn, randn_like, randperm
from minigrad.serialization import SerializationError, load, save

__version__ = "0.1.0"

__all__ = [
    "BoolTensor",
    "DeviceError",
    "DoubleTensor",
    "FloatTensor",
    "Generator",
    "IntTensor",
    "LongTensor",
    "SerializationError",
    "Tensor",
    "abs",
    "accelerator",
    "add",
    "all",
    "any",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autograd",
    "backends",
    "bmm",
    "bool",
    "bool_",
    "cat",
    "ceil",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "cos",
    "cuda",
    "cumsum",
    "device",
    "div",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "eq",
    "exp",
    "expm1",
    "flatten",
    "flip",
    "float",
    "float32",
    "float64",
    "floor",
    "from_numpy",
    "full",
    "full_like",
    "functional",
    "gather",
    "ge",
    "get_default_dtype",
    "gt",
    "int",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_tensor",
    "le",
    "linspace",
    "load",
    "log",
    "log1p",
    "log_softmax",
    "logical_not",
    "long",
    "lt",
    "manual_seed",
    "masked_fill",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "ne",
    "neg",
    "nn",
    "no_grad",
    "norm",
    "normal",
    "numel",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "pow",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "reciprocal",
    "relu",
    "reshape",
    "roll",
    "round",
    "rsqrt",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "t",
    "tanh",
    "tensor",
    "transpose",
    "trunc",
    "unsqueeze",
    "utils",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
