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
        """The tensor's repr under PyTorch's ``Parameter containing:`` header."""
        return "Parameter containing:\n" + Tensor._wrap(self._data).__repr__()


class StateDictError(ValueError, RuntimeError):
    """``load_state_dict`` refused a state dict (missing, unexpected or mis-shaped keys).

    A ``ValueError`` as minigrad's contract asks, and a ``RuntimeError`` as PyTorch
    users expect to catch.
    """


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class ModuleNameError(KeyError, ValueError):
    """A parameter, buffer or child name that cannot be registered (empty, with a ".",
    or taken by another attribute): a ``KeyError`` as PyTorch raises, and a ``ValueError``
    as minigrad's contract asks.
    """

    def __str__(self) -> str:
        """The message alone, unquoted (``KeyError`` would quote it)."""
        return str(self.args[0]) if self.args else ""


class RemovableHandle:
    """What registering a hook returns: ``remove()`` (or leaving a ``with`` block)
    unregisters the hook.
    """

    _next_id = 0

    def __init__(self, hooks: OrderedDict[int, Any], with_kwargs: set[int]) -> None:
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        self._hooks = hooks
        self._with_kwargs = with_kwargs

    def remove(self) -> None:
        """Unregister the hook; removing it twice does nothing."""
        self._hooks.pop(self.id, None)
        self._with_kwargs.discard(self.id)

    def __enter__(self) -> RemovableHandle:
        """Enter a ``with`` block; the hook stays registered until the block ends."""
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Leave the ``with`` block: the hook is removed."""
        self.remove()


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
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", set())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this layer; every subclass writes its own."""
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the forward pre-hooks, ``forward(*args, **kwargs)``, then the forward
        hooks, and return the (possibly replaced) output, as PyTorch's ``Module.__call__``.
        """
        pre_hooks: dict[int, Any] = self.__dict__.get("_forward_pre_hooks", {})
        hooks: dict[int, Any] = self.__dict__.get("_forward_hooks", {})
        if not pre_hooks and not hooks:
            return self.forward(*args, **kwargs)
        with_kwargs = self._hooks_with_kwargs
        for key, hook in list(pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for key, hook in list(hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    # ---- hooks -------------------------------------------------------------------------

    def register_forward_pre_hook(
        self, hook: Any, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a non-None result replaces
        ``args`` (with ``with_kwargs=True``: ``hook(module, args, kwargs)`` returning
        ``(args, kwargs)``). Returns a handle whose ``remove()`` unregisters it.
        """
        return self._add_hook(
            "register_forward_pre_hook", "_forward_pre_hooks", hook, prepend, with_kwargs
        )

    def register_forward_hook(
        self, hook: Any, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a non-None result
        replaces the output. Returns a handle whose ``remove()`` unregisters it.
        """
        return self._add_hook(
            "register_forward_hook", "_forward_hooks", hook, prepend, with_kwargs
        )

    def _add_hook(
        self, caller: str, registry: str, hook: Any, prepend: bool, with_kwargs: bool
    ) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{caller}: hook: expected a callable, got {type(hook).__name__}")
        hooks = self.__dict__[registry]
        handle = RemovableHandle(hooks, self._hooks_with_kwargs)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    # ---- registration ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        """Route Parameters, child Modules and buffers into their registries, as
        PyTorch's; assigning ``None`` to a registered name keeps its slot.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() (call super().__init__())"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            self.register_parameter(name, value)
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
        """A registered parameter, buffer or child module by name (the fallback lookup)."""
        # Called only when normal lookup fails: look in the three registries.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        """Unregister a parameter, buffer or child module, or delete a plain attribute."""
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

    def _check_name(self, caller: str, kind: str, name: Any, registry: str) -> None:
        """PyTorch's rules for a new entry's name (its KeyErrors, here also ValueErrors)."""
        if registry not in self.__dict__:
            raise AttributeError(f"{caller}: cannot assign a {kind} before Module.__init__()")
        if not isinstance(name, str):
            raise TypeError(
                f"{caller}: name: {kind} name should be a string. Got {type(name).__name__}"
            )
        if "." in name:
            raise ModuleNameError(f'{caller}: name: {kind} name can\'t contain ".", got {name!r}')
        if name == "":
            raise ModuleNameError(f'{caller}: name: {kind} name can\'t be empty string ""')
        if name not in self.__dict__[registry] and hasattr(self, name):
            raise ModuleNameError(f"{caller}: name: attribute {name!r} already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, like a missing bias).

        Raises:
            ModuleNameError: (a KeyError, as PyTorch's, and a ValueError) for a name
                that is empty, has a ".", or is another attribute already.
            TypeError: for a name that is not a str, or a value that is not a Parameter.
        """
        self._check_name("register_parameter", "parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: param: cannot assign {type(param).__name__!r} object to "
                f"parameter {name!r} (a Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"register_parameter: param: cannot assign a non-leaf tensor to parameter "
                f"{name!r}; compute it in forward() instead"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter, such as BatchNorm's running
        mean. ``persistent=False`` keeps it out of ``state_dict``.

        >>> import minigrad as mg
        >>> m = mg.nn.Module()
        >>> m.register_buffer("step", mg.zeros(1))
        >>> m.register_buffer("cache", mg.zeros(2), persistent=False)
        >>> list(m.state_dict()), [name for name, _ in m.named_buffers()]
        (['step'], ['step', 'cache'])
        """
        self._check_name("register_buffer", "buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: tensor: cannot assign {type(tensor).__name__!r} object to "
                f"buffer {name!r} (a Tensor or None required)"
            )
        if not isinstance(persistent, bool):
            raise TypeError(
                f"register_buffer: persistent: expected a bool, got {type(persistent).__name__}"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (as an attribute assignment would)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module: module: expected a Module or None, got {type(module).__name__}"
            )
        self._check_name("add_module", "module", name, "_modules")
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """The same as [`add_module`][]."""
        self.add_module(name, module)

    def _get_name(self) -> str:
        return type(self).__name__

    def get_submodule(self, target: str) -> Module:
        """The descendant at dotted path ``target`` (``""``: this module).

        >>> import minigrad as mg
        >>> net = mg.nn.Sequential(mg.nn.Sequential(mg.nn.Linear(1, 2)))
        >>> net.get_submodule("0.0")
        Linear(in_features=1, out_features=2, bias=True)
        """
        if not isinstance(target, str):
            raise TypeError(f"get_submodule: target: expected a str, got {type(target).__name__}")
        module: Module = self
        if target == "":
            return module
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            child = getattr(module, item)
            if not isinstance(child, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (such as ``"0.weight"``)."""
        module, name = self._owner("get_parameter", target)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target`` (such as ``"0.running_mean"``)."""
        module, name = self._owner("get_buffer", target)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        buffer: Tensor = getattr(module, name)
        return buffer

    def _owner(self, caller: str, target: Any) -> tuple[Module, str]:
        if not isinstance(target, str):
            raise TypeError(f"{caller}: target: expected a str, got {type(target).__name__}")
        module_path, _, name = target.rpartition(".")
        return self.get_submodule(module_path), name

    # ---- walking the tree --------------------------------------------------------------

    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every descendant, depth first, with dotted names; each once
        unless ``remove_duplicate=False``. ``memo`` (a set) holds modules to skip, and
        receives those visited.
        """
        if memo is None:
            memo = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Every module of the tree, this one first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` pairs of the direct children, each child once."""
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
        """The direct children, each once."""
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[Any]:
        seen: set[int] = set()
        if recurse:
            owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            owners = iter([(prefix, self)])
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` pairs, each parameter once (unless
        ``remove_duplicate=False``); ``recurse=False``: this module's own only.
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of the tree (``recurse=False``: this module's own), each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs, persistent or not, each buffer once."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of the tree (``recurse=False``: this module's own), each once."""
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
        """Set ``requires_grad`` on every parameter (to freeze or unfreeze); returns self."""
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"requires_grad_: requires_grad: expected a bool, got "
                f"{type(requires_grad).__name__}"
            )
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
        for name, module in self.named_modules(prefix=prefix.rstrip(".")):
            dotted = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    result[dotted + key] = param if keep_vars else param.detach()
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in module._non_persistent:
                    result[dotted + key] = buffer if keep_vars else buffer.detach()
        return result

    def _renamed_for_loading(self, state_dict: Mapping[str, Any]) -> Mapping[str, Any]:
        """``state_dict`` after each submodule's key-renaming hooks (a copy if any ran),
        such as weight norm's, which reads PyTorch's older ``weight_g``/``weight_v`` keys.
        """
        renamed: OrderedDict[str, Any] | None = None
        for name, module in self.named_modules():
            hooks = module.__dict__.get("_load_state_dict_pre_hooks")
            if not hooks:
                continue
            if renamed is None:
                renamed = OrderedDict(state_dict)
            for hook in hooks:
                hook(renamed, f"{name}." if name else "")
        return state_dict if renamed is None else renamed

    def _register_load_state_dict_pre_hook(self, hook: Any) -> None:
        """Have ``hook(state_dict, prefix)`` rename keys (in place) before a load."""
        if "_load_state_dict_pre_hooks" not in self.__dict__:
            object.__setattr__(self, "_load_state_dict_pre_hooks", [])
        self.__dict__["_load_state_dict_pre_hooks"].append(hook)

    def _state_targets(self) -> OrderedDict[str, Tensor]:
        return self.state_dict(keep_vars=True)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> Any:
        """Copy values into this module's parameters and buffers.

        Every entry is checked before anything is written, so a refused state dict
        leaves the module unchanged. Values may be minigrad Tensors, numpy arrays or
        anything ``np.asarray`` accepts (such as ``torch_tensor.numpy()``); floating
        values are cast to the target's dtype, as PyTorch's copy does.

        Args:
            state_dict: dotted name -> value, as produced by [`state_dict`][].
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
        state_dict = self._renamed_for_loading(state_dict)
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
        """The module tree, each layer with its ``extra_repr``, in PyTorch's layout."""
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
        """``input`` passed through each module in turn; the last one's output."""
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        """The module at ``index``, or a Sequential of a slice of them."""
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
        """Append each of ``modules``; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleList):
            raise TypeError("extend: modules: expected an iterable of Modules, got a Module")
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int | slice) -> Any:
        """The module at ``index``, or a ModuleList of a slice of them."""
        values = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[_position(index, len(values))]

    def __setitem__(self, index: int, module: Module) -> None:
        """Replace the module at ``index``."""
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


class ModuleDict(Module):
    """Child modules by name, in insertion order, whose parameters belong to the owner.

    >>> import minigrad as mg
    >>> heads = mg.nn.ModuleDict({"real": mg.nn.Linear(4, 1), "label": mg.nn.Linear(4, 10)})
    >>> heads["label"].out_features, list(heads.state_dict())
    (10, ['real.weight', 'real.bias', 'label.weight', 'label.bias'])
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        """The module under ``key``."""
        module: Module = self._modules[key]
        return module

    def __setitem__(self, key: str, module: Module) -> None:
        """Register ``module`` under ``key`` (replacing any module there)."""
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        """Remove the module under ``key``."""
        del self._modules[key]

    def __len__(self) -> int:
        """The number of modules."""
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        """The keys, in insertion order."""
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        """Whether a module is registered under ``key``."""
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return list(self._modules.keys())

    def items(self) -> Iterable[tuple[str, Module]]:
        """The ``(key, module)`` pairs, in insertion order."""
        return list(self._modules.items())

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return list(self._modules.values())

    def update(self, modules: Any) -> None:
        """Add ``modules``: a mapping of names to modules, or an iterable of pairs."""
        pairs = _pairs("ModuleDict.update", modules)
        for name, module in pairs:
            _as_module(module, f"ModuleDict.update: modules[{name!r}]")
        for name, module in pairs:
            self[name] = module


class ParameterList(Module):
    """Parameters in a list, registered as ``"0"``, ``"1"``, ... (tensors are wrapped
    into Parameters).

    >>> import minigrad as mg
    >>> params = mg.nn.ParameterList([mg.nn.Parameter(mg.zeros(2, 3)), mg.zeros(4)])
    >>> params
    ParameterList(
        (0): Parameter containing: [minigrad.float32 of size 2x3]
        (1): Parameter containing: [minigrad.float32 of size 4]
    )
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, index: Any) -> int:
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise TypeError(
                f"ParameterList: index: expected an int or a slice, got {type(index).__name__}"
            )
        if not -self._size <= index < self._size:
            raise IndexError(f"ParameterList: index {index} is out of range for {self._size}")
        return int(index) % int(self._size)

    def __getitem__(self, index: int | slice) -> Any:
        """The parameter at ``index``, or a ParameterList of a slice of them."""
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return getattr(self, str(self._index(index)))

    def __setitem__(self, index: int, value: Any) -> None:
        """Replace the entry at ``index`` (a tensor becomes a Parameter)."""
        self._set(str(self._index(index)), value)

    def _set(self, name: str, value: Any) -> None:
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, name, value)

    def __len__(self) -> int:
        """The number of entries."""
        return int(self._size)

    def __iter__(self) -> Iterator[Any]:
        """The entries, in order."""
        return iter([self[i] for i in range(self._size)])

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values`` (``params += values``); returns self."""
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a tensor becomes a Parameter); returns self."""
        name = str(self._size)
        object.__setattr__(self, "_size", self._size + 1)
        self._set(name, value)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; returns self."""
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                f"ParameterList.extend: values: expected an iterable, got {type(values).__name__}"
            )
        for value in list(values):
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per entry: its index, kind, dtype and size, as PyTorch's."""
        return "\n".join(
            f"  ({index}): {_describe_entry(value, legacy_name=False)}"
            for index, value in enumerate(self)
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse the call: a ParameterList has no forward, as PyTorch's."""
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """Parameters by str key, in insertion order (tensors are wrapped into Parameters).

    >>> import minigrad as mg
    >>> params = mg.nn.ParameterDict({"scale": mg.ones(3)})
    >>> params
    ParameterDict(  (scale): Parameter containing: [minigrad.FloatTensor of size 3])
    >>> list(params.state_dict())
    ['scale']
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def _key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(
                "ParameterDict: key: a key must be a str to be an attribute name, got "
                f"{type(key).__name__}"
            )
        return key

    def __getitem__(self, key: str) -> Any:
        """The parameter under ``key`` (a KeyError if there is none)."""
        self._key(key)
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        """Register ``value`` under ``key`` (a tensor becomes a Parameter)."""
        self._key(key)
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        """Remove the entry under ``key`` (a KeyError if there is none)."""
        self._key(key)
        if key not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        """The number of entries."""
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        """The keys, in insertion order."""
        return iter(list(self._keys))

    def __reversed__(self) -> Iterator[str]:
        """The keys, last inserted first."""
        keys: list[str] = list(self._keys)
        return reversed(keys)

    def __contains__(self, key: object) -> bool:
        """Whether an entry is registered under ``key``."""
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return list(self._keys)

    def items(self) -> Iterable[tuple[str, Any]]:
        """The ``(key, parameter)`` pairs, in insertion order."""
        return [(key, self[key]) for key in self._keys]

    def values(self) -> Iterable[Any]:
        """The parameters, in insertion order."""
        return [self[key] for key in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """The entry under ``key``, or ``default`` if there is none."""
        return self[key] if key in self else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """The entry under ``key``, first setting it to ``default`` if there is none."""
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        """Remove the entry under ``key`` and return it."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove the last inserted entry and return it as a ``(key, value)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): dictionary is empty")
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameter objects."""
        return ParameterDict(self.items())

    def update(self, parameters: Any) -> None:
        """Add ``parameters``: a mapping of str keys, or an iterable of pairs. As in
        PyTorch, a plain mapping (not an OrderedDict or ParameterDict) is added in sorted
        key order.
        """
        pairs = _pairs("ParameterDict.update", parameters)
        for key, _ in pairs:
            self._key(key)
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            pairs.sort(key=lambda pair: pair[0])
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        """One line per entry: its key, kind, legacy type name and size, as PyTorch's."""
        return "\n".join(
            f"  ({key}): {_describe_entry(value, legacy_name=True)}" for key, value in self.items()
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse the call: a ParameterDict has no forward, as PyTorch's."""
        raise RuntimeError("ParameterDict should not be called.")


def _pairs(caller: str, entries: Any) -> list[tuple[Any, Any]]:
    """``entries`` (a mapping, or an iterable of ``(key, value)`` pairs) as a list."""
    if isinstance(entries, Mapping | ModuleDict | ParameterDict):
        return list(entries.items())
    if not isinstance(entries, Iterable) or isinstance(entries, str | Tensor):
        raise TypeError(
            f"{caller}: expected a mapping or an iterable of (key, value) pairs, got "
            f"{type(entries).__name__}"
        )
    pairs = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, Iterable) or isinstance(entry, str):
            raise TypeError(
                f"{caller}: element #{position} should be a (key, value) pair, got "
                f"{type(entry).__name__}"
            )
        items = tuple(entry)
        if len(items) != 2:
            raise ValueError(
                f"{caller}: element #{position} has length {len(items)}; 2 is required"
            )
        pairs.append(items)
    return pairs


def _describe_entry(value: Any, legacy_name: bool) -> str:
    """One entry of a ParameterList / ParameterDict repr, in PyTorch's two spellings."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    if legacy_name:
        kind = legacy.type_name(value.dtype)
    else:
        kind = f"minigrad.{value.dtype}"
    prefix = "Parameter containing" if isinstance(value, Parameter) else "Tensor containing"
    size = "x".join(str(n) for n in value.shape)
    return f"{prefix}: [{kind} of size {size}]"
