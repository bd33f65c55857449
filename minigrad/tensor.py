"""The Tensor: one numpy array, plus what autograd needs to know about it.

Arithmetic and shape methods are thin: they check arguments, promote dtypes and
call one op from :mod:`minigrad.ops`, where forward and backward live.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import _checks, dtypes

if TYPE_CHECKING:
    from minigrad.autograd.graph import Node

Scalar = int | float | bool
Operand = "Tensor | Scalar | np.ndarray"

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class VersionCounter:
    """How many in-place writes a tensor's array has had; shared with its views.

    An op records the version of every tensor its backward will read; the engine
    refuses the backward if one has moved on since (the tensor was written in place,
    so the derivative would be taken at values the forward never saw).
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class GradShapeError(RuntimeError, ValueError):
    """A ``.grad`` of the wrong shape was assigned (or a tensor as its own gradient):
    a ``RuntimeError`` as in PyTorch, and a ``ValueError`` as minigrad's contract asks.
    """


class GradDtypeError(RuntimeError, TypeError):
    """A ``.grad`` of the wrong dtype was assigned: a ``RuntimeError`` as in PyTorch,
    and a ``TypeError`` as minigrad's contract asks.
    """


class Tensor:
    """A numpy array with a gradient and a place on the tape.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __array_priority__ = 1000  # numpy defers `array + tensor` to Tensor.__radd__

    def __init__(
        self, *data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
    ) -> None:
        """PyTorch's legacy constructor: ``Tensor(2, 3)`` is a ``(2, 3)`` tensor of zeros
        (PyTorch leaves it uninitialised), ``Tensor(data)`` a float32 copy of ``data``,
        whatever its dtype (``mg.tensor`` keeps the dtype); ``Tensor()`` is empty.
        ``dtype=`` and ``requires_grad=`` are minigrad's own.
        """
        _device.as_device(device)
        chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        if len(data) == 1 and not _checks.is_int(data[0]):
            array = _array_of(data[0], chosen)
        else:
            # Tensor() is empty, as in PyTorch: shape (0,).
            array = np.zeros(_checks.as_shape(data, "size") if data else (0,), dtype=chosen)
        self._init(array, requires_grad)

    def _init(self, array: np.ndarray, requires_grad: bool) -> None:
        self._data = array
        self._grad: Tensor | None = None
        self.grad_fn: Node | None = None
        self._requires_grad = False
        self._versions: VersionCounter | None = None  # made at the first write or save
        self.requires_grad_(requires_grad)

    @classmethod
    def _from_data(cls, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor holding a copy of ``data`` (``mg.tensor``'s rule: a numpy array
        keeps its dtype, Python floats become float32, ints int64).
        """
        tensor = cls.__new__(cls)
        chosen = dtypes.infer_dtype(data) if dtype is None else dtypes.as_dtype(dtype)
        tensor._init(_array_of(data, chosen), requires_grad)
        return tensor

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """Wrap an array produced inside minigrad (no copy, no checks)."""
        tensor = cls.__new__(cls)
        tensor._data = array
        tensor._grad = None
        tensor.grad_fn = None
        tensor._requires_grad = requires_grad
        tensor._versions = None
        return tensor

    # ---- properties ---------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """The values as a detached tensor over the same array, as PyTorch's ``.data``:
        ``p.data.clamp_(-c, c)`` changes ``p``. (``.numpy()`` gives the array.) Unlike
        PyTorch's, it shares the version counter too, so such a write between a forward
        and its backward is refused rather than silently used.
        """
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        # As PyTorch: the tensor now holds value's array (whatever its shape and dtype).
        # Unlike PyTorch, this counts as a write, so a backward over the old values fails.
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._set_array(value._data)

    def _set_array(self, array: np.ndarray) -> None:
        """Hold another array from now on (a write: the version moves on)."""
        self._data = array
        self._bump_version()

    def _write(self, values: Any) -> None:
        """Write ``values`` (broadcast, cast to the dtype) into this tensor's own array, in
        place, so that views and aliases see them, and count the write.
        """
        if not self._data.flags.writeable:
            raise RuntimeError(
                f"cannot write in place into a read-only array (a tensor of shape {self.shape} "
                "made from one, by from_numpy say); clone() it first"
            )
        np.copyto(self._data, values, casting="unsafe")
        self._bump_version()

    @property
    def _version(self) -> int:
        """The number of in-place writes so far (PyTorch's ``t._version``)."""
        return 0 if self._versions is None else self._versions.value

    def _bump_version(self) -> None:
        """Record an in-place write: every write of a tensor's values calls this."""
        self._counter().value += 1

    def _counter(self) -> VersionCounter:
        """The version counter, made on first need: most results are never written in
        place nor saved, and a counter for each would cost time on every op.
        """
        if self._versions is None:
            self._versions = VersionCounter()
        return self._versions

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward`` (leaves, and ``retain_grad()``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # As PyTorch: only a tensor of this tensor's shape and dtype (or None), so an
        # optimiser never reads a gradient that does not fit its parameter.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value is self:
                raise GradShapeError("grad: a tensor cannot be its own gradient")
            if value.dtype != self.dtype:
                raise GradDtypeError(
                    f"grad: expected dtype {self.dtype} (the tensor's), got {value.dtype}"
                )
            if value.shape != self.shape:
                raise GradShapeError(
                    f"grad: expected shape {self.shape} (the tensor's), got {value.shape}"
                )
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's and PyTorch's name
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[_checks.normalize_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # ---- conversion and autograd state ----------------------------------------------------

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a Tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self) -> Any:
        if self.numel() != 1:
            raise ValueError(f"item(): expected a tensor with one element, got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same array, cut from the tape (sharing the version counter, as in PyTorch)."""
        detached = Tensor._wrap(self._data)
        detached._versions = self._counter()
        return detached

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not dtypes.is_float(self.dtype):
            raise TypeError(
                f"requires_grad: only float32 and float64 tensors can require grad, got dtype "
                f"{self.dtype}"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad of leaf tensors; use "
                "detach() for a non-leaf"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        import weakref

        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def device(self) -> _device.device:
        """Always the CPU: ``device(type='cpu')``."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def cpu(self) -> Tensor:
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Refused: minigrad runs on the CPU only (``DeviceError``)."""
        raise _device.DeviceError(
            "cuda: minigrad runs on the CPU only; drop .cuda() or use .cpu()"
        )

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)`` (other's dtype), with ``dtype=``, ``device=``, ``non_blocking=`` and
        ``copy=`` keywords. The device must be the CPU. The tensor itself when nothing
        changes (and ``copy`` is false), else a new tensor on the tape (a cast).
        """
        from minigrad.ops.elementwise import Cast

        dtype, copy = _to_arguments(args, kwargs)
        target = self.dtype if dtype is None else dtypes.as_dtype(dtype)
        if target == self.dtype:
            return self.clone() if copy else self
        return Cast.apply(self, dtype=target)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """With no argument, the type's name (``"minigrad.FloatTensor"``); else the tensor
        converted to ``dtype``, which may be a dtype, a legacy type (``mg.DoubleTensor``)
        or its name (``"torch.LongTensor"`` is read as minigrad's).
        """
        from minigrad import legacy

        if dtype is None:
            return legacy.type_name(self.dtype)
        return self.to(legacy.dtype_of(dtype))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self), required unless self has one element.
            retain_graph: keep saved values for another backward (default: create_graph).
            create_graph: record the backward so that ``.grad`` is differentiable.
        """
        from minigrad.autograd.engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.numel()} elements is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if dtypes.is_float(self.dtype) or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    # ---- arithmetic (broadcasting, with PyTorch's dtype promotion) ------------------------

    def __add__(self, other: Any) -> Tensor:
        return _binary(elementwise.Add, self, other, "add")

    def __radd__(self, other: Any) -> Tensor:
        return _binary(elementwise.Add, other, self, "add")

    def __sub__(self, other: Any) -> Tensor:
        return _binary(elementwise.Sub, self, other, "sub")

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(elementwise.Sub, other, self, "sub")

    def __mul__(self, other: Any) -> Tensor:
        return _binary(elementwise.Mul, self, other, "mul")

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(elementwise.Mul, other, self, "mul")

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(elementwise.Div, self, other, "div", floating=True)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(elementwise.Div, other, self, "div", floating=True)

    def __pow__(self, other: Any) -> Tensor:
        return _binary(elementwise.Pow, self, other, "pow")

    def __rpow__(self, other: Any) -> Tensor:
        return _binary(elementwise.Pow, other, self, "pow")

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(other, self)

    def __neg__(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def add(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """``self + alpha * other``, as PyTorch's ``add``."""
        return _binary(elementwise.Add, self, _scaled(other, alpha, self), "add")

    def sub(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """``self - alpha * other``, as PyTorch's ``sub``."""
        return _binary(elementwise.Sub, self, _scaled(other, alpha, self), "sub")

    def mul(self, other: Any) -> Tensor:
        return _binary(elementwise.Mul, self, other, "mul")

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the
        quotient (with no gradient through the rounding), as in PyTorch.
        """
        quotient = _binary(elementwise.Div, self, other, "div", floating=True)
        if rounding_mode is None:
            return quotient
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                f"div: rounding_mode: expected None, 'trunc' or 'floor', got {rounding_mode!r}"
            )
        round_ = np.trunc if rounding_mode == "trunc" else np.floor
        rounded = round_(quotient._data)
        result_dtype = dtypes.promote_operands(
            self.dtype, self.ndim == 0, *_operand_kind(other, self)
        )
        return Tensor._wrap(np.asarray(rounded).astype(result_dtype))

    def pow(self, exponent: Any) -> Tensor:
        return _binary(elementwise.Pow, self, exponent, "pow")

    def neg(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def clone(self) -> Tensor:
        """A copy with its own array, on the tape (its gradient flows back unchanged)."""
        return elementwise.Clone.apply(self)

    # ---- in place (see minigrad._inplace: recorded, or written into the array) ---------

    def add_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return _inplace.run(self, "add_", lambda x: x.add(other, alpha=alpha), (other,))

    def sub_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        return _inplace.run(self, "sub_", lambda x: x.sub(other, alpha=alpha), (other,))

    def mul_(self, other: Any) -> Tensor:
        return _inplace.run(self, "mul_", lambda x: x * other, (other,))

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return _inplace.run(
            self, "div_", lambda x: x.div(other, rounding_mode=rounding_mode), (other,)
        )

    def pow_(self, exponent: Any) -> Tensor:
        return _inplace.run(self, "pow_", lambda x: x**exponent, (exponent,))

    def clamp_(self, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
        return _inplace.run(self, "clamp_", lambda x: x.clamp(min, max))

    def exp_(self) -> Tensor:
        return _inplace.run(self, "exp_", lambda x: x.exp())

    def log_(self) -> Tensor:
        return _inplace.run(self, "log_", lambda x: x.log())

    def sqrt_(self) -> Tensor:
        return _inplace.run(self, "sqrt_", lambda x: x.sqrt())

    def abs_(self) -> Tensor:
        return _inplace.run(self, "abs_", lambda x: x.abs())

    def neg_(self) -> Tensor:
        return _inplace.run(self, "neg_", lambda x: -x)

    def tanh_(self) -> Tensor:
        return _inplace.run(self, "tanh_", lambda x: x.tanh())

    def sigmoid_(self) -> Tensor:
        return _inplace.run(self, "sigmoid_", lambda x: x.sigmoid())

    def relu_(self) -> Tensor:
        return _inplace.run(self, "relu_", lambda x: x.relu())

    def fill_(self, value: Any) -> Tensor:
        return _inplace.fill(self, value)

    def zero_(self) -> Tensor:
        return _inplace.fill(self, 0, "zero_")

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        """Copy ``src`` in, broadcast to this shape and cast to this dtype."""
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_: src: expected a Tensor, got {type(src).__name__}")
        return _inplace.run(
            self, "copy_", lambda x: _inplace.overwrite(x, src.to(x.dtype)), (src,)
        )

    def uniform_(self, a: Scalar = 0.0, b: Scalar = 1.0) -> Tensor:
        """Draws from U(a, b), from minigrad's generator (``mg.manual_seed``)."""
        return _inplace.fill_random(self, "uniform_", lambda g, n: g.uniform(a, b, n))

    def normal_(self, mean: Scalar = 0.0, std: Scalar = 1.0) -> Tensor:
        """Draws from N(mean, std^2), from minigrad's generator."""
        return _inplace.fill_random(self, "normal_", lambda g, n: g.normal(mean, std, n))

    def random_(self, low: int = 0, high: int | None = None) -> Tensor:
        """Integers drawn uniformly from [low, high), by default from [0, 2^mantissa]
        for floats (so every value is exact) or up to the integer type's maximum.
        """
        return _inplace.fill_random_integers(self, low, high)

    def __setitem__(self, index: Any, value: Any) -> None:
        _inplace.set_item(self, _index_key(index), value)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    # Comparisons give bool tensors and never require grad. == and != with anything that
    # is not an operand (None, a string) fall back to identity, so `t in [None]` works.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not _is_operand(other):
            return NotImplemented
        return _compare(np.equal, self, other, "eq")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if not _is_operand(other):
            return NotImplemented
        return _compare(np.not_equal, self, other, "ne")

    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other, "lt")

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other, "le")

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other, "gt")

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other, "ge")

    def all(self) -> Tensor:
        return Tensor._wrap(np.asarray(self._data.all()))

    def any(self) -> Tensor:
        return Tensor._wrap(np.asarray(self._data.any()))

    # ---- elementwise maths -------------------------------------------------------------

    def exp(self) -> Tensor:
        return elementwise.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        return elementwise.Log.apply(_floating(self))

    def sqrt(self) -> Tensor:
        return elementwise.Sqrt.apply(_floating(self))

    def abs(self) -> Tensor:
        return elementwise.Abs.apply(self)

    def tanh(self) -> Tensor:
        return elementwise.Tanh.apply(_floating(self))

    def sigmoid(self) -> Tensor:
        return elementwise.Sigmoid.apply(_floating(self))

    def relu(self) -> Tensor:
        return elementwise.Relu.apply(self, slope=0.0)

    def clamp(self, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise ValueError("clamp: expected at least one of min and max, got neither")
        for name, bound in (("min", min), ("max", max)):
            if bound is not None and not isinstance(bound, int | float):
                raise TypeError(f"clamp: {name}: expected a number, got {type(bound).__name__}")
        return elementwise.Clamp.apply(self, low=min, high=max)

    # ---- reductions ----------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        dims = _checks.normalize_dims(dim, self.ndim)
        # As in PyTorch, integer and bool sums count in int64.
        summand = self if dtypes.is_float(self.dtype) else self.to(dtypes.int64)
        return reduce.Sum.apply(summand, dims=dims, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        dims = _checks.normalize_dims(dim, self.ndim)
        count = math.prod([self.shape[d] for d in dims])
        return _floating(self).sum(dims, keepdim) / count

    def var(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        """Variance over ``dim``: sum((x - mean)**2) / (n - correction); unbiased by default."""
        if unbiased is not None:
            correction = 1 if unbiased else 0
        dims = _checks.normalize_dims(dim, self.ndim)
        count = math.prod([self.shape[d] for d in dims])
        centred = _floating(self) - self.mean(dims, keepdim=True)
        return (centred * centred).sum(dims, keepdim) / max(count - correction, 0)

    def std(self, dim: Any = None, keepdim: bool = False, *, correction: int = 1) -> Tensor:
        return self.var(dim, keepdim, correction=correction).sqrt()

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The largest element; with ``dim``, ``(values, indices)`` along that dim."""
        return _extreme(self, dim, keepdim, largest=True)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The smallest element; with ``dim``, ``(values, indices)`` along that dim."""
        return _extreme(self, dim, keepdim, largest=False)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmax(self._data), dtype=np.int64))
        return self.max(dim, keepdim).indices  # type: ignore[no-any-return]

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmin(self._data), dtype=np.int64))
        return self.min(dim, keepdim).indices  # type: ignore[no-any-return]

    # ---- shape ---------------------------------------------------------------------------

    # The shape methods always record an op, even when nothing moves: as in PyTorch, a
    # view of a leaf is a new non-leaf tensor, never the leaf itself.
    def reshape(self, *shape: Any) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=_resolve_shape(self, shape))

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start = _checks.normalize_dim(start_dim, self.ndim, "start_dim")
        end = _checks.normalize_dim(end_dim, self.ndim, "end_dim")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        if start == end:
            return self  # nothing to merge: PyTorch returns the tensor itself
        middle = math.prod(self.shape[start : end + 1])
        return self.reshape(*self.shape[:start], middle, *self.shape[end + 1 :])

    def unsqueeze(self, dim: int) -> Tensor:
        position = _checks.normalize_dim(dim, self.ndim + 1)
        return self.reshape(*self.shape[:position], 1, *self.shape[position:])

    def squeeze(self, dim: Any = None) -> Tensor:
        dims = _checks.normalize_dims(dim, self.ndim)
        return self.reshape(*[s for a, s in enumerate(self.shape) if not (a in dims and s == 1)])

    def permute(self, *dims: Any) -> Tensor:
        # Dims may be negative, so they are not a shape: unpack `permute((1, 0))` by hand.
        given = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], Sequence) else dims
        order = tuple(_checks.normalize_dim(d, self.ndim, "dims") for d in given)
        if sorted(order) != list(range(self.ndim)):
            raise ValueError(
                f"permute: dims: expected a permutation of {tuple(range(self.ndim))}, got {dims}"
            )
        return shape_ops.Permute.apply(self, dims=order)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        first = _checks.normalize_dim(dim0, self.ndim, "dim0")
        second = _checks.normalize_dim(dim1, self.ndim, "dim1")
        order = list(range(self.ndim))
        order[first], order[second] = order[second], order[first]
        return self.permute(*order)

    def expand(self, *sizes: Any) -> Tensor:
        wanted = list(sizes[0] if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes)
        offset = len(wanted) - self.ndim
        if offset < 0:
            raise ValueError(f"expand: size: expected at least {self.ndim} sizes, got {wanted}")
        for axis, size in enumerate(self.shape):
            if wanted[offset + axis] == -1:
                wanted[offset + axis] = size
        target = _checks.as_shape(tuple(wanted), "size")
        stretchable = all(
            size in (1, wanted_size) for size, wanted_size in zip(self.shape, target[offset:])
        )
        if not stretchable:
            raise ValueError(
                f"expand: size: cannot expand shape {self.shape} to {target} (only dims of "
                "size 1 can grow)"
            )
        return shape_ops.BroadcastTo.apply(self, shape=target)

    def __getitem__(self, index: Any) -> Tensor:
        key = _index_key(index)
        try:
            np.broadcast_to(np.zeros((), dtype=np.int8), self.shape)[key]
        except IndexError as error:
            raise IndexError(f"index: {error} (tensor of shape {self.shape})") from None
        return index_ops.GetItem.apply(self, index=key)


def _array_of(data: Any, dtype: np.dtype[Any]) -> np.ndarray:
    try:
        return np.array(data._data if isinstance(data, Tensor) else data, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise ValueError(f"data: cannot be read as a {dtype} array: {error}") from None


def _scaled(other: Any, alpha: Any, like: Tensor) -> Any:
    """``alpha * other`` for ``add``/``sub`` (``other`` itself when alpha is 1)."""
    if alpha == 1:
        return other
    return _binary(elementwise.Mul, _as_operand(other, like, "add"), alpha, "mul")


def _operand_kind(value: Any, like: Tensor) -> tuple[np.dtype[Any], bool]:
    """An operand's dtype and whether it is 0-d, for the promotion rules."""
    operand = _as_operand(value, like, "div")
    return operand.dtype, operand.ndim == 0


def _to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, bool]:
    """PyTorch's ``to`` arguments: returns (dtype or None, copy); any device is checked."""
    unknown = set(kwargs) - {"dtype", "device", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to: unexpected keyword arguments {sorted(unknown)}")
    dtype = kwargs.get("dtype")
    _device.as_device(kwargs.get("device"))
    if len(args) > 2:
        raise TypeError(f"to: expected at most a device and a dtype, got {len(args)} arguments")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, str) and arg in dtypes.NAMES:
            dtype = arg  # minigrad's own spelling: to("float64")
        elif isinstance(arg, str | _device.device) or (_checks.is_int(arg) and arg is not None):
            _device.as_device(arg)
        elif isinstance(arg, bool):
            continue  # PyTorch's positional non_blocking
        else:
            dtype = arg
    return dtype, bool(kwargs.get("copy", False))


def _is_operand(value: Any) -> bool:
    return isinstance(value, Tensor | int | float | bool | np.ndarray | np.generic)


def _as_operand(value: Any, like: Tensor, op: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, int | float | bool):
        dtype = dtypes.promote_scalar(like.dtype, value)
        return Tensor._wrap(np.asarray(value, dtype=dtype))
    if isinstance(value, np.ndarray | np.generic):
        return Tensor._from_data(value)
    raise TypeError(
        f"{op}: other: expected a Tensor, a number or a numpy array, got {type(value).__name__}"
    )


def _binary(function: Any, left: Any, right: Any, op: str, floating: bool = False) -> Tensor:
    """Promote both operands to one dtype, check shapes, then apply the op."""
    anchor = left if isinstance(left, Tensor) else right
    x = _as_operand(left, anchor, op)
    y = _as_operand(right, anchor, op)
    if x.shape != y.shape:
        _checks.broadcast_shapes(x.shape, y.shape, op)
    if x.dtype == y.dtype and (not floating or x.dtype.kind == "f"):
        # The common case, and every call inside a backward: nothing to promote.
        return function.apply(x, y)  # type: ignore[no-any-return]
    dtype = dtypes.promote_operands(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    if floating and not dtypes.is_float(dtype):
        dtype = dtypes.get_default_dtype()
    return function.apply(x.to(dtype), y.to(dtype))  # type: ignore[no-any-return]


def _compare(compare: Any, left: Tensor, right: Any, op: str) -> Tensor:
    other = _as_operand(right, left, op)
    _checks.broadcast_shapes(left.shape, other.shape, op)
    return Tensor._wrap(np.asarray(compare(left._data, other._data)))


def _floating(x: Tensor) -> Tensor:
    return x if dtypes.is_float(x.dtype) else x.to(dtypes.get_default_dtype())


def _matmul(left: Any, right: Any) -> Tensor:
    anchor = left if isinstance(left, Tensor) else right
    x = _as_operand(left, anchor, "matmul")
    y = _as_operand(right, anchor, "matmul")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"matmul: expected operands with at least 1 dim, got shapes {x.shape} and {y.shape}"
        )
    # Vectors become matrices for the op, and the added dim is removed afterwards.
    x2 = x.unsqueeze(0) if x.ndim == 1 else x
    y2 = y.unsqueeze(-1) if y.ndim == 1 else y
    if x2.shape[-1] != y2.shape[-2]:
        raise ValueError(
            f"matmul: other: expected {x2.shape[-1]} rows to match the {x2.shape[-1]} columns "
            f"of {x.shape}, got shape {y.shape}"
        )
    try:
        np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dims of {x.shape} and {y.shape} are not broadcastable"
        ) from None
    dtype = dtypes.promote(x.dtype, y.dtype)
    out = linalg.MatMul.apply(x2.to(dtype), y2.to(dtype))
    if x.ndim == 1:
        out = out.squeeze(-2)
    if y.ndim == 1:
        out = out.squeeze(-1)
    return out


def _extreme(x: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if dim is None and x.numel() == 0:
        raise ValueError(
            f"{name}: expected a non-empty tensor, got shape {x.shape} (give dim= to reduce "
            "an empty tensor along a non-empty dim)"
        )
    if dim is None:
        dims = tuple(range(x.ndim))
        return reduce.ExtremeOfAll.apply(
            x, dims=dims, keepdim=False, largest=largest, first_only=False
        )
    axis = _checks.normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(np.asarray(0, dtype=np.int64)))
    if x.shape[axis] == 0:
        raise ValueError(
            f"{name}: dim: expected a dim of non-zero size to reduce, got dim {dim} of shape "
            f"{x.shape}"
        )
    values = reduce.Extreme.apply(
        x, dims=(axis,), keepdim=keepdim, largest=largest, first_only=True
    )
    pick = np.argmax if largest else np.argmin
    indices = np.asarray(pick(x._data, axis=axis), dtype=np.int64)
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return ValuesIndices(values, Tensor._wrap(indices))


def _resolve_shape(x: Tensor, shape: tuple[Any, ...]) -> tuple[int, ...]:
    """The target of ``reshape``: one -1 is inferred; the element count must match."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if not all(_checks.is_int(s) for s in shape):
        raise TypeError(f"reshape: shape: expected ints, got {shape!r}")
    sizes = [int(s) for s in shape]
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ValueError(f"reshape: shape: expected sizes >= 0 and at most one -1, got {shape}")
    known = math.prod([s for s in sizes if s != -1])
    if -1 in sizes and known > 0 and x.numel() % known == 0:
        sizes[sizes.index(-1)] = x.numel() // known
    if math.prod(sizes) != x.numel() or -1 in sizes:
        raise ValueError(
            f"reshape: shape: cannot view a tensor of shape {x.shape} ({x.numel()} elements) "
            f"as {tuple(shape)}"
        )
    return tuple(sizes)


def _index_key(index: Any) -> Any:
    """Tensors and lists in an index become numpy arrays, so numpy semantics apply."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    for part in parts:
        if isinstance(part, Tensor):
            if dtypes.is_float(part.dtype):
                raise TypeError("index: tensors used as indices must be integer or bool")
            part = part._data
        elif isinstance(part, list):
            part = np.asarray(part)
        elif isinstance(part, np.integer):
            part = int(part)
        converted.append(part)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


# The ops import Tensor from this module, so they are imported after the class.
from minigrad import _inplace  # noqa: E402
from minigrad import devices as _device  # noqa: E402
from minigrad.ops import elementwise, linalg, reduce  # noqa: E402
from minigrad.ops import index as index_ops  # noqa: E402
from minigrad.ops import shape as shape_ops  # noqa: E402
