"""The Tensor: one numpy array, plus what autograd needs to know about it.

Every method past the core is one line. An operator or a method with nothing to
interpret applies its op from ``minigrad.ops`` (where forward and backward live)
directly: that is the hot path. A method with arguments calls the function of the same
name in [`minigrad.functions`][] (which is also ``mg.<name>``), where the argument
checks, the dtype rules and PyTorch's calling conventions live.
"""

# The one import cycle (STYLE 2.3). Tensor's methods call the ops, the torch.*
# functions, the in-place machinery, the legacy type names and the engine, and each of
# those modules makes or checks Tensors. So each of them imports this module at its top,
# as every module does (``from minigrad.tensor import Tensor``), and this module alone
# imports them at its foot, after the class: ``minigrad/__init__.py`` imports this
# module first, so the class exists by the time they load. A method finds them as
# globals bound once (``elementwise.Mul``); no function in the package imports in its
# body, which would run an import statement on every call of a hot method. Names needed
# only in annotations are imported under ``if TYPE_CHECKING:``, as Node is below.
# tests/test_imports.py checks these rules.

from __future__ import annotations

import builtins
import weakref
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad import devices as _device

if TYPE_CHECKING:
    from minigrad.autograd.graph import Node

Scalar = int | float | bool


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


# object.__new__, looked up once: Tensor._wrap runs for every op result.
_new = object.__new__


class Tensor:
    """A numpy array with a gradient and a place on the tape.

    Its methods and properties are PyTorch's ``torch.Tensor`` ones of the same names,
    with the same arguments, defaults, dtypes and broadcasting; the docstrings note where
    minigrad differs.

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
        tensor = _new(cls)
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
        """Whether ops on this tensor record themselves, so that it gets a gradient."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dim, a tuple of ints (PyTorch's ``torch.Size``)."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type, a numpy dtype (``mg.float32``, ``mg.int64``, ...)."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dims (``len(shape)``)."""
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded op made this tensor (its gradient goes to ``.grad``)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's and PyTorch's name
        """The dims in reverse order (the transpose, for a matrix)."""
        return shape_ops.Permute.apply(self, dims=tuple(reversed(range(self.ndim))))

    def size(self, dim: int | None = None) -> Any:
        """The shape, a tuple; with ``dim``, that dim's size (an int)."""
        return self.shape if dim is None else self.shape[_checks.normalize_dim(dim, self.ndim)]

    def dim(self) -> int:
        """The number of dims (``ndim``)."""
        return self.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def __len__(self) -> int:
        """The size of dim 0; refused for a 0-d tensor."""
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """The slices ``self[0]``, ``self[1]``, ... along dim 0, each on the tape."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # ---- conversion and autograd state ----------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The array itself (shared, not copied); refused while it requires grad."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a Tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The array, for ``np.asarray(t)``: shared, or a copy when asked or cast."""
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self) -> Any:
        """The one element as a Python number (float, int or bool)."""
        if self.numel() != 1:
            raise ValueError(f"item(): expected a tensor with one element, got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The elements as nested lists of Python numbers (a number for a 0-d tensor)."""
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same array, cut from the tape (sharing the version counter, as in PyTorch)."""
        detached = Tensor._wrap(self._data)
        detached._versions = self._counter()
        return detached

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return the tensor; float leaves only."""
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
        """Always False: minigrad runs on the CPU only."""
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
        if not kwargs and len(args) == 1 and args[0] is self._data.dtype:
            # The public layer's x.to(common dtype), on the hot path: nothing to read.
            return self
        dtype, copy = conversion.to_arguments(args, kwargs)
        target = self.dtype if dtype is None else dtypes.as_dtype(dtype)
        if target == self.dtype:
            return self.clone() if copy else self
        return elementwise.Cast.apply(self, dtype=target)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """With no argument, the type's name (``"minigrad.FloatTensor"``); else the tensor
        converted to ``dtype``, which may be a dtype, a legacy type (``mg.DoubleTensor``)
        or its name (``"torch.LongTensor"`` is read as minigrad's).
        """
        if dtype is None:
            return legacy.type_name(self.dtype)
        return self.to(legacy.dtype_of(dtype))

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Tensor | Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self), required unless self has one element.
            retain_graph: keep saved values for another backward (default: create_graph).
            create_graph: record the backward so that ``.grad`` is differentiable.
            inputs: accumulate into these tensors' ``.grad`` only (leaves or not),
                as [`minigrad.autograd.backward`][].
        """
        gradients = None if gradient is None else [gradient]
        engine.backward([self], gradients, retain_graph, create_graph, inputs=inputs)

    def __repr__(self) -> str:
        """``tensor([...])``, with the dtype when not the default and the grad_fn."""
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
        """The truth of the one element; refused for more than one."""
        if self.numel() != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.numel()} elements is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> builtins.float:
        """The one element as a Python float."""
        return builtins.float(self.item())

    def __int__(self) -> int:
        """The one element as a Python int (truncated)."""
        return int(self.item())

    def __index__(self) -> int:
        """The one element of an integer tensor, for use as an index."""
        if dtypes.is_float(self.dtype) or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    # ---- arithmetic (broadcasting, with PyTorch's dtype promotion) ------------------------

    def __add__(self, other: Any) -> Tensor:
        """``self + other``, broadcast, with PyTorch's dtype promotion."""
        return _arithmetic(elementwise.Add, np.add, self, other, "add")

    def __radd__(self, other: Any) -> Tensor:
        """``other + self`` for a number or an array on the left."""
        return _arithmetic(elementwise.Add, np.add, other, self, "add")

    def __sub__(self, other: Any) -> Tensor:
        """``self - other``, broadcast."""
        return _arithmetic(elementwise.Sub, np.subtract, self, other, "sub")

    def __rsub__(self, other: Any) -> Tensor:
        """``other - self`` for a number or an array on the left."""
        return _arithmetic(elementwise.Sub, np.subtract, other, self, "sub")

    def __mul__(self, other: Any) -> Tensor:
        """``self * other``, broadcast."""
        return _arithmetic(elementwise.Mul, np.multiply, self, other, "mul")

    def __rmul__(self, other: Any) -> Tensor:
        """``other * self`` for a number or an array on the left."""
        return _arithmetic(elementwise.Mul, np.multiply, other, self, "mul")

    def __truediv__(self, other: Any) -> Tensor:
        """``self / other``, broadcast; integers divide in the default float."""
        return _arithmetic(elementwise.Div, np.true_divide, self, other, "div")

    def __rtruediv__(self, other: Any) -> Tensor:
        """``other / self`` for a number or an array on the left."""
        return _binary(elementwise.Div, other, self, "div", floating=True)

    def __pow__(self, other: Any) -> Tensor:
        """``self ** other``, broadcast."""
        return _binary(elementwise.Pow, self, other, "pow")

    def __rpow__(self, other: Any) -> Tensor:
        """``other ** self`` for a number or an array on the left."""
        return _binary(elementwise.Pow, other, self, "pow")

    def __matmul__(self, other: Any) -> Tensor:
        """``self @ other``: the matrix product, as [`matmul`][]."""
        return arithmetic.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        """``other @ self`` for an array on the left."""
        return arithmetic.matmul(other, self)

    def __neg__(self) -> Tensor:
        """``-self``; refused for a bool tensor, as in PyTorch."""
        # A bool tensor is refused by neg, with PyTorch's advice; others take the op.
        return elementwise.Neg.apply(self) if self._data.dtype.kind != "b" else self.neg()

    def __pos__(self) -> Tensor:
        """``+self``: the tensor itself."""
        return self

    def __abs__(self) -> Tensor:
        """``abs(self)``, as [`abs`][]."""
        return self.abs()

    def add(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """``self + alpha * other`` ([`minigrad.add`][])."""
        return arithmetic.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """``self - alpha * other`` ([`minigrad.sub`][])."""
        return arithmetic.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other`` ([`minigrad.mul`][])."""
        return _binary(elementwise.Mul, self, other, "mul")

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``, optionally rounded ([`minigrad.div`][])."""
        return arithmetic.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent`` ([`minigrad.pow`][])."""
        return _binary(elementwise.Pow, self, exponent, "pow")

    def neg(self) -> Tensor:
        """``-self`` ([`minigrad.neg`][])."""
        return arithmetic.neg(self)

    def matmul(self, other: Any) -> Tensor:
        """``self @ other`` ([`minigrad.matmul`][])."""
        return arithmetic.matmul(self, other)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched ``(b, n, k) @ (b, k, m)``, strictly 3-d ([`minigrad.bmm`][])."""
        return arithmetic.bmm(self, mat2)

    def mm(self, mat2: Tensor) -> Tensor:
        """Strictly 2-d ``(n, k) @ (k, m)`` ([`minigrad.mm`][])."""
        return arithmetic.mm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """``(n, k) @ (k,)`` ([`minigrad.mv`][])."""
        return arithmetic.mv(self, vec)

    def dot(self, tensor: Tensor) -> Tensor:
        """The inner product of two vectors ([`minigrad.dot`][])."""
        return arithmetic.dot(self, tensor)

    def outer(self, vec2: Tensor) -> Tensor:
        """The outer product of two vectors ([`minigrad.outer`][])."""
        return arithmetic.outer(self, vec2)

    def maximum(self, other: Tensor) -> Tensor:
        """The larger of self and other elementwise ([`minigrad.maximum`][])."""
        return arithmetic.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        """The smaller of self and other elementwise ([`minigrad.minimum`][])."""
        return arithmetic.minimum(self, other)

    def clone(self) -> Tensor:
        """A copy with its own array, on the tape (its gradient flows back unchanged)."""
        return elementwise.Clone.apply(self)

    # ---- comparisons and logic: bool tensors, never on the tape ----------------------------

    # == and != with anything that is not an operand (None, a string) fall back to
    # identity, so `t in [None]` works.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        """``self == other`` elementwise, a bool tensor (``t == None`` is False)."""
        if not _is_operand(other):
            return NotImplemented
        return comparison.compare(np.equal, self, other, "eq")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        """``self != other`` elementwise, a bool tensor (``t != None`` is True)."""
        if not _is_operand(other):
            return NotImplemented
        return comparison.compare(np.not_equal, self, other, "ne")

    def __lt__(self, other: Any) -> Tensor:
        """``self < other`` elementwise, a bool tensor."""
        return comparison.compare(np.less, self, other, "lt")

    def __le__(self, other: Any) -> Tensor:
        """``self <= other`` elementwise, a bool tensor."""
        return comparison.compare(np.less_equal, self, other, "le")

    def __gt__(self, other: Any) -> Tensor:
        """``self > other`` elementwise, a bool tensor."""
        return comparison.compare(np.greater, self, other, "gt")

    def __ge__(self, other: Any) -> Tensor:
        """``self >= other`` elementwise, a bool tensor."""
        return comparison.compare(np.greater_equal, self, other, "ge")

    def eq(self, other: Any) -> Tensor:
        """``self == other`` elementwise ([`minigrad.eq`][])."""
        return comparison.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """``self != other`` elementwise ([`minigrad.ne`][])."""
        return comparison.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """``self < other`` elementwise ([`minigrad.lt`][])."""
        return comparison.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """``self <= other`` elementwise ([`minigrad.le`][])."""
        return comparison.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """``self > other`` elementwise ([`minigrad.gt`][])."""
        return comparison.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` elementwise ([`minigrad.ge`][])."""
        return comparison.ge(self, other)

    def logical_not(self) -> Tensor:
        """True where self is zero ([`minigrad.logical_not`][])."""
        return comparison.logical_not(self)

    def isnan(self) -> Tensor:
        """Whether each element is NaN ([`minigrad.isnan`][])."""
        return comparison.isnan(self)

    def isinf(self) -> Tensor:
        """Whether each element is infinite ([`minigrad.isinf`][])."""
        return comparison.isinf(self)

    def isfinite(self) -> Tensor:
        """Whether each element is finite ([`minigrad.isfinite`][])."""
        return comparison.isfinite(self)

    def __invert__(self) -> Tensor:
        """``~self``: logical not of a bool tensor, bitwise not of an integer one."""
        return comparison.bitwise(np.invert, self, None, "invert", unary=True)

    def __and__(self, other: Any) -> Tensor:
        """``self & other``: logical and of bools, bitwise and of integers."""
        return comparison.bitwise(np.bitwise_and, self, other, "and")

    def __rand__(self, other: Any) -> Tensor:
        """``other & self`` for a Python int or bool on the left."""
        return comparison.bitwise(np.bitwise_and, other, self, "and")

    def __or__(self, other: Any) -> Tensor:
        """``self | other``: logical or of bools, bitwise or of integers."""
        return comparison.bitwise(np.bitwise_or, self, other, "or")

    def __ror__(self, other: Any) -> Tensor:
        """``other | self`` for a Python int or bool on the left."""
        return comparison.bitwise(np.bitwise_or, other, self, "or")

    def __xor__(self, other: Any) -> Tensor:
        """``self ^ other``: logical xor of bools, bitwise xor of integers."""
        return comparison.bitwise(np.bitwise_xor, self, other, "xor")

    def __rxor__(self, other: Any) -> Tensor:
        """``other ^ self`` for a Python int or bool on the left."""
        return comparison.bitwise(np.bitwise_xor, other, self, "xor")

    # ---- elementwise maths (integers and bools compute in the default float) ---------------

    def exp(self) -> Tensor:
        """The exponential of each element ([`minigrad.exp`][])."""
        return elementwise.Exp.apply(_floating(self))

    def log(self) -> Tensor:
        """The natural logarithm ([`minigrad.log`][])."""
        return elementwise.Log.apply(_floating(self))

    def sqrt(self) -> Tensor:
        """The square root ([`minigrad.sqrt`][])."""
        return elementwise.Sqrt.apply(_floating(self))

    def abs(self) -> Tensor:
        """The absolute value ([`minigrad.abs`][])."""
        return elementwise.Abs.apply(self)

    def tanh(self) -> Tensor:
        """The hyperbolic tangent ([`minigrad.tanh`][])."""
        return elementwise.Tanh.apply(_floating(self))

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-self)) ([`minigrad.sigmoid`][])."""
        return elementwise.Sigmoid.apply(_floating(self))

    def relu(self) -> Tensor:
        """max(self, 0) ([`minigrad.relu`][])."""
        return elementwise.Relu.apply(self)

    def sin(self) -> Tensor:
        """The sine ([`minigrad.sin`][])."""
        return elementwise.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        """The cosine ([`minigrad.cos`][])."""
        return elementwise.Cos.apply(_floating(self))

    def log1p(self) -> Tensor:
        """log(1 + self), accurate for small values ([`minigrad.log1p`][])."""
        return elementwise.Log1p.apply(_floating(self))

    def log10(self) -> Tensor:
        """The base-10 logarithm ([`minigrad.log10`][])."""
        return elementwise.Log10.apply(_floating(self))

    def erf(self) -> Tensor:
        """The error function ([`minigrad.erf`][])."""
        return elementwise.Erf.apply(_floating(self))

    def erfc(self) -> Tensor:
        """The complementary error function, 1 - erf ([`minigrad.erfc`][])."""
        return elementwise.Erfc.apply(_floating(self))

    def log2(self) -> Tensor:
        """The base-2 logarithm ([`minigrad.log2`][])."""
        return elementwise.Log2.apply(_floating(self))

    def exp2(self) -> Tensor:
        """2 to the power of each element ([`minigrad.exp2`][])."""
        return elementwise.Exp2.apply(_floating(self))

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """``self + weight * (end - self)`` ([`minigrad.lerp`][])."""
        return maths.lerp(self, end, weight)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log(sum(exp(self))) over ``dim``, computed stably ([`minigrad.logsumexp`][])."""
        return maths.logsumexp(self, dim, keepdim)

    def expm1(self) -> Tensor:
        """exp(self) - 1, accurate for small values ([`minigrad.expm1`][])."""
        return elementwise.Expm1.apply(_floating(self))

    def reciprocal(self) -> Tensor:
        """1 / self ([`minigrad.reciprocal`][])."""
        return elementwise.Reciprocal.apply(_floating(self))

    def rsqrt(self) -> Tensor:
        """1 / sqrt(self) ([`minigrad.rsqrt`][])."""
        return elementwise.Rsqrt.apply(_floating(self))

    def square(self) -> Tensor:
        """The square, self * self ([`minigrad.square`][])."""
        return maths.square(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of each element ([`minigrad.sign`][])."""
        return maths.sign(self)

    def floor(self) -> Tensor:
        """Rounded down ([`minigrad.floor`][])."""
        return maths.floor(self)

    def ceil(self) -> Tensor:
        """Rounded up ([`minigrad.ceil`][])."""
        return maths.ceil(self)

    def trunc(self) -> Tensor:
        """Rounded towards zero ([`minigrad.trunc`][])."""
        return maths.trunc(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        """Rounded to ``decimals`` places, halves to even ([`minigrad.round`][])."""
        return maths.round(self, decimals=decimals)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limited to ``[min, max]``, numbers or tensors ([`minigrad.clamp`][])."""
        return maths.clamp(self, min, max)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Another name of [`clamp`][]."""
        return maths.clamp(self, min, max)

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        """At least ``min``, a number or a tensor ([`minigrad.clamp_min`][])."""
        return maths.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        """At most ``max``, a number or a tensor ([`minigrad.clamp_max`][])."""
        return maths.clamp_max(self, max)

    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """Softmax along ``dim`` ([`minigrad.softmax`][])."""
        return maths.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """Log-softmax along ``dim`` ([`minigrad.log_softmax`][])."""
        return maths.log_softmax(self, dim, dtype)

    # ---- reductions ----------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The sum over ``dim`` ([`minigrad.sum`][])."""
        return reductions.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean over ``dim`` ([`minigrad.mean`][])."""
        return statistics.mean(self, dim, keepdim, dtype=dtype)

    def var(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """The variance, unbiased by default ([`minigrad.var`][])."""
        return statistics.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """The standard deviation, unbiased by default ([`minigrad.std`][])."""
        return statistics.std(self, dim, unbiased, keepdim, correction=correction)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The product, of all or along ``dim`` ([`minigrad.prod`][])."""
        return reductions.prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running sum along ``dim`` ([`minigrad.cumsum`][])."""
        return reductions.cumsum(self, dim, dtype=dtype)

    def norm(
        self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
    ) -> Tensor:
        """The vector p-norm over ``dim`` ([`minigrad.norm`][])."""
        return reductions.norm(self, p, dim, keepdim, dtype=dtype)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The largest element; ``(values, indices)`` along ``dim``; or the elementwise
        maximum with a tensor ([`minigrad.max`][]).
        """
        return reductions.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The smallest element(s), as [`max`][] ([`minigrad.min`][])."""
        return reductions.min(self, dim, keepdim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """``(values, indices)`` sorted along ``dim`` ([`minigrad.sort`][])."""
        return ordering.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The indices that sort along ``dim`` ([`minigrad.argsort`][])."""
        return ordering.argsort(self, dim, descending, stable)

    def topk(
        self,
        k: int,
        dim: int = -1,
        largest: bool = True,
        sorted: bool = True,  # noqa: A002
    ) -> Any:
        """``(values, indices)`` of the k largest along ``dim`` ([`minigrad.topk`][])."""
        return ordering.topk(self, k, dim, largest, sorted)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The largest value over ``dim``, ties sharing the gradient ([`minigrad.amax`][])."""
        return reductions.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The smallest value over ``dim`` ([`minigrad.amin`][])."""
        return reductions.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest element ([`minigrad.argmax`][])."""
        return reductions.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest element ([`minigrad.argmin`][])."""
        return reductions.argmin(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether every element is non-zero ([`minigrad.all`][])."""
        return reductions.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether some element is non-zero ([`minigrad.any`][])."""
        return reductions.any(self, dim, keepdim)

    # ---- shape ---------------------------------------------------------------------------

    # The shape methods always record an op, even when nothing moves: as in PyTorch, a
    # view of a leaf is a new non-leaf tensor, never the leaf itself.
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in ``shape``: ``reshape(2, -1)`` or ``reshape((2, -1))``."""
        return shape_ops.Reshape.apply(self, shape=shaping.resolve_shape(self, shape))

    def view(self, *shape: Any) -> Tensor:
        """As [`reshape`][] (arrays here are never too strided to view)."""
        return shape_ops.Reshape.apply(self, shape=shaping.resolve_shape(self, shape))

    def view_as(self, other: Tensor) -> Tensor:
        """Reshaped to ``other``'s shape."""
        return shaping.view_as(self, other)

    def reshape_as(self, other: Tensor) -> Tensor:
        """Reshaped to ``other``'s shape."""
        return shaping.view_as(self, other, "reshape_as")

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dims ``start_dim`` to ``end_dim`` merged ([`minigrad.flatten`][])."""
        return shaping.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """A new dim of size 1 at ``dim`` ([`minigrad.unsqueeze`][])."""
        return shaping.unsqueeze(self, dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Without dims of size 1 ([`minigrad.squeeze`][])."""
        return shaping.squeeze(self, dim)

    def permute(self, *dims: Any) -> Tensor:
        """Dims reordered: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``."""
        return shaping.permute_dims(self, dims)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Dims ``dim0`` and ``dim1`` swapped ([`minigrad.transpose`][])."""
        return shaping.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """The transpose of a matrix, at most 2-d ([`minigrad.t`][])."""
        return shaping.t(self)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Another name for [`transpose`][minigrad.transpose]."""
        return shaping.swapaxes(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """Another name for [`transpose`][minigrad.transpose]."""
        return shaping.swapdims(self, dim0, dim1)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """Dims ``source`` moved to ``destination`` ([`minigrad.movedim`][])."""
        return shaping.movedim(self, source, destination)

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        """Another name for [`movedim`][minigrad.movedim]."""
        return shaping.moveaxis(self, source, destination)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """The slice ``start : start + length`` of ``dim`` ([`minigrad.narrow`][])."""
        return shaping.narrow(self, dim, start, length)

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` of ``dim``, the dim removed ([`minigrad.select`][])."""
        return shaping.select(self, dim, index)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims ([`minigrad.tril`][])."""
        return shaping.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims ([`minigrad.triu`][])."""
        return shaping.triu(self, diagonal)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps a size; new dims go in front)."""
        return shaping.expand(self, sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return shaping.expand(self, tensor_input(other, "expand_as", "other").shape)

    def repeat(self, *repeats: Any) -> Tensor:
        """Tiled ``repeats[i]`` times along dim i: ``repeat(2, 1)`` or ``repeat((2, 1))``."""
        return shaping.repeat(self, repeats)

    def flip(self, *dims: Any) -> Tensor:
        """Reversed along ``dims``: ``flip(0)``, ``flip(0, 1)`` or ``flip((0, 1))``."""
        return shaping.flip_dims(self, dim_list(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Shifted cyclically along ``dims`` ([`minigrad.roll`][])."""
        return shaping.roll(self, shifts, dims)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Cut into ``chunks`` pieces along ``dim`` ([`minigrad.chunk`][])."""
        return joining.chunk(self, chunks, dim)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Cut into pieces of a size or of sizes along ``dim`` ([`minigrad.split`][])."""
        return joining.split(self, split_size, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, that dim removed ([`minigrad.unbind`][])."""
        return joining.unbind(self, dim)

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """Itself when its array is laid out in C order, else a copy that is (on the tape)."""
        return self if self._data.flags.c_contiguous else elementwise.Clone.apply(self)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the array is laid out in C order (a permuted view is not)."""
        return bool(self._data.flags.c_contiguous)

    # ---- indexing ------------------------------------------------------------------------

    def __getitem__(self, index: Any) -> Tensor:
        """``self[index]``: numpy's basic and advanced indexing, on the tape."""
        return indexing.getitem(self, index)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Values picked along ``dim`` by ``index`` ([`minigrad.gather`][])."""
        return indexing.gather(self, dim, index)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` where ``mask`` is True ([`minigrad.masked_fill`][])."""
        return indexing.masked_fill(self, mask, value)

    # ---- new tensors like this one (its dtype by default) ---------------------------------

    def new_tensor(
        self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A copy of ``data``, of this tensor's dtype unless ``dtype`` is given."""
        return conversion.new_tensor(self, data, dtype, device, requires_grad)

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size``, of this tensor's dtype unless ``dtype`` is given."""
        return conversion.new_zeros(self, size, dtype, device, requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of ``size``, of this tensor's dtype unless ``dtype`` is given."""
        return conversion.new_ones(self, size, dtype, device, requires_grad)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` in a tensor of ``size``, of this tensor's dtype by default."""
        return conversion.new_full(self, size, fill_value, dtype, device, requires_grad)

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """An uninitialised tensor (zeros) of ``size``, of this tensor's dtype by default."""
        return conversion.new_empty(self, size, dtype, device, requires_grad)

    # ---- in place (see minigrad._inplace: recorded, or written into the array) ---------

    def add_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """In place: ``self += alpha * other`` (as [`add`][])."""
        return _inplace.run(self, "add_", lambda x: x.add(other, alpha=alpha), (other,))

    def sub_(self, other: Any, *, alpha: Scalar = 1) -> Tensor:
        """In place: ``self -= alpha * other`` (as [`sub`][])."""
        return _inplace.run(self, "sub_", lambda x: x.sub(other, alpha=alpha), (other,))

    def mul_(self, other: Any) -> Tensor:
        """In place: ``self *= other``."""
        return _inplace.run(self, "mul_", lambda x: x * other, (other,))

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """In place: ``self + weight * (end - self)`` (as [`lerp`][minigrad.lerp]); under
        ``no_grad``, ``ema.lerp_(param, 1 - decay)`` keeps a moving average of weights.
        """
        return _inplace.run(self, "lerp_", lambda x: maths.lerp(x, end, weight), (end, weight))

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In place: ``self /= other``, optionally rounded (as [`div`][])."""
        return _inplace.run(
            self, "div_", lambda x: x.div(other, rounding_mode=rounding_mode), (other,)
        )

    def pow_(self, exponent: Any) -> Tensor:
        """In place: ``self **= exponent``."""
        return _inplace.run(self, "pow_", lambda x: x**exponent, (exponent,))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """In place: limited to ``[min, max]`` (as [`clamp`][])."""
        return _inplace.run(self, "clamp_", lambda x: x.clamp(min, max), (min, max))

    def exp_(self) -> Tensor:
        """In place: the exponential of each element."""
        return _inplace.run(self, "exp_", lambda x: x.exp())

    def log_(self) -> Tensor:
        """In place: the natural logarithm."""
        return _inplace.run(self, "log_", lambda x: x.log())

    def sqrt_(self) -> Tensor:
        """In place: the square root."""
        return _inplace.run(self, "sqrt_", lambda x: x.sqrt())

    def abs_(self) -> Tensor:
        """In place: the absolute value."""
        return _inplace.run(self, "abs_", lambda x: x.abs())

    def neg_(self) -> Tensor:
        """In place: ``-self``."""
        return _inplace.run(self, "neg_", lambda x: -x)

    def tanh_(self) -> Tensor:
        """In place: the hyperbolic tangent."""
        return _inplace.run(self, "tanh_", lambda x: x.tanh())

    def sigmoid_(self) -> Tensor:
        """In place: 1 / (1 + exp(-self))."""
        return _inplace.run(self, "sigmoid_", lambda x: x.sigmoid())

    def relu_(self) -> Tensor:
        """In place: max(self, 0)."""
        return _inplace.run(self, "relu_", lambda x: x.relu())

    def fill_(self, value: Any) -> Tensor:
        """In place: every element set to ``value`` (a number or a one-element tensor)."""
        return _inplace.fill(self, value)

    def zero_(self) -> Tensor:
        """In place: every element set to 0."""
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

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` written where ``mask`` is True (which must keep the shape)."""
        return _inplace.run(
            self, "masked_fill_", lambda x: indexing.masked_fill(x, mask, value), (value,)
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        """``self[index] = value``: ``value`` broadcast to the selection, cast to the dtype."""
        _inplace.set_item(self, indexing.index_key(index), value)

    def __iadd__(self, other: Any) -> Tensor:
        """``self += other``, in place (as [`add_`][])."""
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        """``self -= other``, in place (as [`sub_`][])."""
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        """``self *= other``, in place (as [`mul_`][])."""
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        """``self /= other``, in place (as [`div_`][])."""
        return self.div_(other)

    # ---- conversions (last: the names float, int and bool are methods from here on) -----

    def type_as(self, other: Tensor) -> Tensor:
        """Converted to ``other``'s dtype (itself if it has it already)."""
        return conversion.type_as(self, other)

    def float(self, memory_format: Any = None) -> Tensor:
        """Converted to float32 (itself if it is float32)."""
        return self.to(dtypes.float32)

    def double(self, memory_format: Any = None) -> Tensor:
        """Converted to float64."""
        return self.to(dtypes.float64)

    def long(self, memory_format: Any = None) -> Tensor:
        """Converted to int64 (floats are truncated; no gradient flows through)."""
        return self.to(dtypes.int64)

    def int(self, memory_format: Any = None) -> Tensor:
        """Converted to int32."""
        return self.to(dtypes.int32)

    def bool(self, memory_format: Any = None) -> Tensor:
        """Converted to bool: True where non-zero."""
        return self.to(dtypes.bool_)

    def half(self, memory_format: Any = None) -> Tensor:
        """Refused with a ``TypeError``: minigrad has no float16 (use [`float`][])."""
        raise conversion.refuse_half("half")

    def bfloat16(self, memory_format: Any = None) -> Tensor:
        """Refused with a ``TypeError``: minigrad has no bfloat16 (use [`float`][])."""
        raise conversion.refuse_half("bfloat16")


def _array_of(data: Any, dtype: np.dtype[Any]) -> np.ndarray:
    try:
        return np.array(data._data if isinstance(data, Tensor) else data, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise ValueError(f"data: cannot be read as a {dtype} array: {error}") from None


def _arithmetic(function: Any, ufunc: Any, left: Any, right: Any, op: str) -> Tensor:
    """``left op right`` for ``+``, ``-``, ``*`` and ``/``: the op, through ``binary``,
    except for the common operands that need no promotion nor broadcasting work (float
    tensors of one dtype and one shape, or one of them 0-d or a number), which are what
    ``binary`` would hand on unchanged. For those the op is applied directly when it
    is recorded; and when it is not (under no_grad, as the ops of a backward without
    create_graph run, or when no operand requires grad), numpy's ``ufunc`` runs on the
    arrays: exactly what Add, Sub, Mul and Div compute then, without the layers between
    (a third of the time). A quotient goes that way only by a finite non-zero 0-d
    divisor, which is where Div needs no errstate. A recorded op's number is a read-only
    0-d tensor from a small table, made once per number and dtype (see ``_constant``).
    """
    floating = ufunc is np.true_divide
    tensor = left if isinstance(left, Tensor) else right
    other = right if tensor is left else left
    array = tensor._data
    if array.dtype.kind != "f":
        return _binary(function, left, right, op, floating)
    if isinstance(other, Tensor):
        operand = other._data
        if operand.dtype != array.dtype or (
            operand.shape != array.shape and operand.ndim and array.ndim
        ):
            return _binary(function, left, right, op, floating)
        recorded = other._requires_grad or tensor._requires_grad
    elif type(other) is float or type(other) is int:
        recorded = tensor._requires_grad
        if recorded and _grad_state.enabled:
            # A recorded op holds the number as a 0-d tensor, as binary makes it.
            other = _constant(other, array.dtype.char)
        else:
            operand = np.asarray(other, dtype=array.dtype)
    else:
        return _binary(function, left, right, op, floating)
    if recorded and _grad_state.enabled:
        pair = (tensor, other) if tensor is left else (other, tensor)
        return function.apply(*pair)  # type: ignore[no-any-return]
    x, y = (array, operand) if tensor is left else (operand, array)
    if floating and not (y.ndim == 0 and _finite_nonzero(y.item())):
        return _binary(function, left, right, op, floating)
    out = ufunc(x, y)
    return Tensor._wrap(out if type(out) is np.ndarray else np.asarray(out))


# The numbers of recorded arithmetic as 0-d tensors, by (number, dtype char); zero is not
# kept (0.0 and -0.0 are one key), and a full table takes no more (NaN is never found).
_CONSTANTS: dict[tuple[float, str], Tensor] = {}
_CONSTANTS_KEPT = 256


def _constant(number: float, char: str) -> Tensor:
    """``number`` as a read-only 0-d tensor of dtype ``char``, shared from the table
    (nothing writes an op's inputs).
    """
    key = (number, char)
    constant = _CONSTANTS.get(key)
    if constant is None:
        array = np.asarray(number, dtype=char)
        array.flags.writeable = False
        constant = Tensor._wrap(array)
        if number and len(_CONSTANTS) < _CONSTANTS_KEPT:
            _CONSTANTS[key] = constant
    return constant


def _finite_nonzero(value: float) -> bool:
    return value != 0 and value - value == 0  # inf - inf and nan - nan are nan


# The rest of the cycle (see the top of this module): these modules import Tensor, so
# they are imported after the class.
from minigrad import _inplace, legacy  # noqa: E402
from minigrad.autograd import engine, grad_mode  # noqa: E402
from minigrad.functions import (  # noqa: E402
    arithmetic,
    comparison,
    conversion,
    indexing,
    joining,
    maths,
    ordering,
    reductions,
    shaping,
    statistics,
)
from minigrad.functions._arguments import binary as _binary  # noqa: E402
from minigrad.functions._arguments import dim_list, tensor_input  # noqa: E402
from minigrad.functions._arguments import floating as _floating  # noqa: E402
from minigrad.functions._arguments import is_operand as _is_operand  # noqa: E402
from minigrad.ops import elementwise  # noqa: E402
from minigrad.ops import shape as shape_ops  # noqa: E402

_grad_state = grad_mode._state
