"""``Module``, ``Parameter`` and the containers ``Sequential`` and ``ModuleList``.

A Module keeps three ordered registries, filled by ``__setattr__``: parameters
(``Parameter`` values), buffers (tensors registered with ``register_buffer``, such as
BatchNorm's running statistics) and child modules. Everything else (``state_dict``,
``named_parameters``, ``repr``) walks that tree, producing PyTorch's dotted names.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

from minigrad import dtypes, legacy
from minigrad.devices import DeviceError, as_device
from minigrad.devices import device as Device
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module registers as one of its parameters (requires grad).

    It shares ``data``'s array rather than copying it.

    >>> import minigrad as mg
    >>> p = mg.nn.Parameter(mg.zeros(2))
    >>> p.requires_grad
    True
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.zeros(0, dtype=dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = np.asarray(data, dtype=dtypes.infer_dtype(data))
        if not dtypes.is_float(array.dtype):
            raise TypeError(
                f"Parameter: data: expected a float32 or float64 tensor, got dtype {array.dtype}"
            )
        self._init(array, requires_grad=False)  # a Parameter shares the array
        if isinstance(data, Tensor):
            self._versions = data._counter()  # ... and so counts the same writes
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor._wrap(self._data).__repr__()


class StateDictError(ValueError, RuntimeError):
    """``load_state_dict`` refused a state dict (missing, unexpected or mis-shaped keys).

    A ``ValueError`` as minigrad's contract asks, and a ``RuntimeError`` as PyTorch
    users expect to catch.
    """


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


_M = TypeVar("_M", bound="Module")


class Module:
    """Base class of layers: subclass it, assign parameters and submodules in
    ``__init__``, and write ``forward``.

    >>> import minigrad as mg
    >>> class Affine(mg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = mg.nn.Parameter(mg.ones(3))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> for name, param in Affine().named_parameters():
    ...     print(name, param.shape)
    scale (3,)
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() (call super().__init__())"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(expected a Parameter or None)"
                )
            self._parameters[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} "
                    "(expected a Tensor or None)"
                )
            self._buffers[name] = value
        elif name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} "
                    "(expected a Module or None)"
                )
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: look in the three registries.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, like a missing bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: param: expected a Parameter or None, got "
                f"{type(param).__name__}"
            )
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (saved in state_dict if
        ``persistent``), such as BatchNorm's running mean.
        """
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: tensor: expected a Tensor or None, got {type(tensor).__name__}"
            )
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module: module: expected a Module or None, got {type(module).__name__}"
            )
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # ---- walking the tree --------------------------------------------------------------

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, each once, depth first, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def apply(self: _M, fn: Any) -> _M:
        """Call ``fn`` on every descendant, children first, then on this module itself,
        as PyTorch does (DCGAN's ``net.apply(weights_init)``); returns self.
        """
        if not callable(fn):
            raise TypeError(f"apply: fn: expected a callable, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator[Any]:
        seen: set[int] = set()
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` pairs, each parameter once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- modes, gradients, dtypes ------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every descendant; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode: expected a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to ``None``, or to zeros)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = Tensor._wrap(np.zeros_like(param.grad._data))

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``Module.to``: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``
        or ``to(tensor)`` (the tensor's dtype), with the keywords ``device=``,
        ``dtype=``, ``non_blocking=`` and ``memory_format=``. Returns self.

        The device must be the CPU (anything else raises ``DeviceError``). A dtype,
        which must be float32 or float64, casts the floating parameters and buffers
        (and their gradients) in place: the Parameter objects stay the same, so an
        optimiser built earlier still holds them. Integer buffers
        (``num_batches_tracked``) keep their dtype.

        >>> import minigrad as mg
        >>> layer = mg.nn.Linear(2, 3).to("cpu", mg.float64)
        >>> layer.weight.dtype
        dtype('float64')
        """
        dtype = _to_dtype(args, kwargs)
        if dtype is not None:
            target = dtypes.as_dtype(dtype, "dtype")
            if not dtypes.is_float(target):
                raise TypeError(
                    f"to: dtype: Module.to takes a floating dtype (float32 or float64), got "
                    f"{target}"
                )
            self._cast(target, floating_only=True)
        return self

    def cpu(self) -> Module:
        """Self: every parameter and buffer is on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused: minigrad runs on the CPU only (``DeviceError``)."""
        raise DeviceError("cuda: minigrad runs on the CPU only; drop .cuda() or use .cpu()")

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer, integer buffers included, to ``dst_type``
        (a dtype, a legacy type such as ``mg.DoubleTensor``, or its name), as
        PyTorch's ``Module.type`` does. Returns self.
        """
        target = legacy.dtype_of(dst_type)
        if not dtypes.is_float(target):
            for name, param in self.named_parameters():
                if param.requires_grad:
                    raise TypeError(
                        f"type: dst_type: the parameter {name!r} requires grad, so its dtype "
                        f"must be float32 or float64, got {target}"
                    )
        self._cast(target, floating_only=False)
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64; returns self."""
        return self.to(dtypes.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32; returns self."""
        return self.to(dtypes.float32)

    def half(self) -> Module:
        """Refused: minigrad has float32 and float64 only (``TypeError``)."""
        raise TypeError("half: minigrad has no float16; use float() or double()")

    def bfloat16(self) -> Module:
        """Refused: minigrad has float32 and float64 only (``TypeError``)."""
        raise TypeError("bfloat16: minigrad has no bfloat16; use float() or double()")

    def _cast(self, target: np.dtype[Any], floating_only: bool) -> None:
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor.dtype == target or (floating_only and not dtypes.is_float(tensor.dtype)):
                continue
            tensor._set_array(tensor._data.astype(target))
            if tensor.grad is not None:
                tensor.grad = Tensor._wrap(tensor.grad._data.astype(target))

    # ---- state dicts -------------------------------------------------------------------

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order
        (a module's own parameters, then its buffers, then its children's entries).

        Values are detached tensors over the current arrays (``keep_vars=True`` gives
        the Parameters themselves).

        >>> import minigrad as mg
        >>> list(mg.nn.Linear(2, 3).state_dict())
        ['weight', 'bias']
        """
        result: OrderedDict[str, Tensor] = OrderedDict()
        for name, module in self.named_modules(prefix.rstrip(".")):
            dotted = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    result[dotted + key] = param if keep_vars else param.detach()
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in module._non_persistent:
                    result[dotted + key] = buffer if keep_vars else buffer.detach()
        return result

    def _state_targets(self) -> OrderedDict[str, Tensor]:
        return self.state_dict(keep_vars=True)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> Any:
        """Copy values into this module's parameters and buffers.

        Every entry is checked before anything is written, so a refused state dict
        leaves the module unchanged. Values may be minigrad Tensors, numpy arrays or
        anything ``np.asarray`` accepts (such as ``torch_tensor.numpy()``); floating
        values are cast to the target's dtype, as PyTorch's copy does.

        Args:
            state_dict: dotted name -> value, as produced by :meth:`state_dict`.
            strict: refuse missing and unexpected keys (size mismatches are always
                refused).

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            StateDictError: (a ValueError and a RuntimeError) naming every bad key.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: state_dict: expected a mapping of names to tensors, got "
                f"{type(state_dict).__name__}"
            )
        targets = self._state_targets()
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        problems = []
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: " + _quoted(unexpected) + ".")
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + _quoted(missing) + ".")
        arrays: dict[str, np.ndarray] = {}
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value._data if isinstance(value, Tensor) else value)
            if array.dtype.kind not in "fiub":
                problems.append(
                    f"bad value for {key!r}: expected numbers, got dtype {array.dtype}"
                )
            elif array.shape != target.shape:
                problems.append(
                    f"size mismatch for {key!r}: copying a value of shape {array.shape} from the "
                    f"state dict, while the shape in the current model is {target.shape}."
                )
            else:
                arrays[key] = array
        if problems:
            raise StateDictError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
            )
        for key, array in arrays.items():
            target = targets[key]
            # A fresh array: the model never aliases the caller's data.
            target._write(array)  # in place and cast, as PyTorch's copy_
        return IncompatibleKeys(missing, unexpected)

    # ---- repr --------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``; layers override it."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _to_dtype(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The dtype asked of ``Module.to`` (None for none); any device is checked."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "memory_format"}
    if unknown:
        raise TypeError(f"to: unexpected keyword arguments {sorted(unknown)}")
    if len(args) > 3:
        raise TypeError(f"to: expected at most a device, a dtype and non_blocking, got {args}")
    as_device(kwargs.get("device"))
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif arg is None or isinstance(arg, bool):
            continue  # to(None, dtype), and PyTorch's positional non_blocking
        elif isinstance(arg, str) and arg in dtypes.NAMES:
            dtype = arg  # minigrad's own spelling, as Tensor.to takes it: to("float64")
        elif isinstance(arg, str | Device | int):
            as_device(arg)
        else:
            dtype = arg
    return dtype


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{key}"' for key in keys)


class _Container(Module):
    """Numbered children: what Sequential and ModuleList share (append, len, iter)."""

    def append(self: _C, module: Module) -> _C:
        self.add_module(str(len(self._modules)), _as_module(module, "module"))
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


_C = TypeVar("_C", bound=_Container)


class Sequential(_Container):
    """Modules applied in order, each to the previous one's output.

    >>> import minigrad as mg
    >>> net = mg.nn.Sequential(mg.nn.Linear(2, 3), mg.nn.ReLU())
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
    )
    >>> net(mg.ones(4, 2)).shape
    (4, 3)
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(str(name), _as_module(module, f"modules[{name!r}]"))
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), _as_module(module, f"modules[{index}]"))

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_position(index, len(items))][1]


class ModuleList(_Container):
    """A list of modules whose parameters belong to the owner (no forward of its own).

    >>> import minigrad as mg
    >>> layers = mg.nn.ModuleList([mg.nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) and not isinstance(modules, ModuleList):
            raise TypeError("extend: modules: expected an iterable of Modules, got a Module")
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[_position(index, len(values))]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_position(index, len(self._modules))]
        self._modules[key] = _as_module(module, "module")


def _as_module(value: Any, argument: str) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{argument}: expected a Module, got {type(value).__name__}")
    return value


def _position(index: Any, length: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"index: expected an int or a slice, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for {length} modules")
    return int(index) % length
