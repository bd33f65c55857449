"""A differential fuzz of the convolution family against PyTorch.

Each draw is one call of ``F.conv{1,2,3}d``, ``F.conv_transpose{1,2,3}d`` or an nn
layer's forward (``Conv*`` / ``ConvTranspose*``, with ``output_size``), batched or not,
with every argument drawn: geometry, padding (ints, tuples, strings), output_padding,
groups, bias, padding_mode, output_size, and float32 / float64 values with NaN and inf.
About half the draws then get one fault from ``FAULTS``: a bad type, a bad value, a
huge value, a zero size, mixed or integer dtypes. A fault records the arguments a
refusal may name (its suspects). Each call lands in exactly one class:

  (a) match:  both libraries succeed with the same shape, dtype and values (to a
      tolerance, with identical NaN, +inf and -inf masks) and, for every third call
      with finite values, the same gradients of input, weight and bias for a random
      output gradient;
  (b) refuse: both refuse, minigrad with a ValueError or TypeError whose subject (the
      argument after the call's name, ``"conv2d: stride: ..."``) is a suspect;
  (c) differ: anything else (one succeeds and the other refuses, a mismatch, another
      exception type, a message about something else, a crash).

The oracle is PyTorch. minigrad's extensions are built from PyTorch by definition:

- functional ``output_size``: the output_padding PyTorch's ``nn.ConvTranspose`` picks
  (``_output_padding``); a size PyTorch finds out of reach only because output_padding
  may also be below the dilation (the SPEC's rule) gets that output_padding directly;
  the same widening for the layers' forward; one int stands for every dim;
- a convolution's ``padding_mode``: PyTorch's convolution of ``F.pad(x, mode)``;
- a transposed ``padding="same"`` / ``"valid"``: PyTorch's transposed convolution
  with padding 0 (plus the output_padding "same" asks for), then the crop;
- a transposed ``padding_mode``: the vector-Jacobian product (``torch.autograd.grad``)
  of PyTorch's convolution of ``F.pad(x, mode)`` with respect to x, the SPEC's
  definition of that transposed convolution, plus the bias.

The verdict on the arguments the two share comes from PyTorch's own call (zero padding
mode, integer paddings); the definitions above then give the values.

Where minigrad deliberately differs, the oracle models the difference (``deviation``)
and expects minigrad's documented refusal; each is counted in the summary:

- ``integer tensors``: minigrad computes in float32 and float64 only (SPEC), PyTorch's
  CPU convolutions also take integer tensors;
- ``bias dtype``: PyTorch casts a bias of the other float dtype in some of its paths
  (transposed convolutions, string paddings) and refuses it in others; minigrad
  refuses it in all (SPEC: mismatched dtypes);
- ``empty input``: for an empty input PyTorch skips some checks (dtypes, output_padding
  below stride or dilation, and a transposed input's empty spatial dims); minigrad
  checks every call alike (SPEC: every call checks its arguments), and its transposed
  ops need a non-empty input side;
- ``dilation 0``: PyTorch's transposed convolution skips its check of a positive
  dilation for an empty input and in its float32 path for a one-tap kernel; the SPEC
  refuses a non-positive dilation;
- ``32-bit``: PyTorch's transposed convolutions keep stride, padding, output_padding
  and dilation in 32 bits, wrapping larger values around (2**32 + 1 becomes 1, and
  then a call may ask for tens of GB); minigrad refuses them, naming the argument,
  and the oracle does not run PyTorch on them;
- ``output size 0``: PyTorch's transposed convolution returns an empty result where
  the size formula gives 0; the SPEC refuses an output size below 1;
- ``bools in output_size``: PyTorch's layers take True as 1 there; minigrad refuses a
  bool wherever it expects an int (as PyTorch's functional forms do);
- ``numpy limit``: numpy cannot hold an empty array whose non-empty dims exceed 2**63
  bytes (PyTorch can); minigrad refuses it;
- ``huge values``: for a convolution with a stride, padding or dilation of 2**31 or
  more PyTorch's answer is not the oracle at all (its float64 kernels keep padding in
  32 bits: F.conv1d(x, w, padding=2**40, dilation=2) in float64 gives one output; its
  size arithmetic wraps in int64: a dilation of 2**62 over a kernel of 3 "fits" an
  input of 5). The exact arithmetic is: a refusal when a size is below 1, a value
  leaves int64 (twice the padding included, as PyTorch requires) or an array could
  not be allocated (the rule minigrad documents); else PyTorch's convolution, with
  stride k, of the gathered input ``g[p k + t] = x_padded[s p + d t]``, which is the
  definition, run without ever building the padded input.

And two rules for values, where PyTorch's own paths disagree on NaN:

- its float32 convolutions skip the taps that fall in implicit zero padding (its
  oneDNN path: ``0 * inf`` is not NaN there), while its float64 path and every
  explicitly padded input compute them; minigrad follows the definition,
  ``conv(pad(x))``, so for zero padding with a non-finite weight the oracle pads
  explicitly;
- its float32 transposed convolution of a batch of two or more puts ``0 * inf`` (NaN)
  in the output_padding positions when the weight has an inf, as if a zero input
  stood past the last one; its float64 path, a batch of one and the definition (no
  tap reaches those positions) give the bias there, so the oracle computes such
  float32 calls in float64 and rounds the result to float32.

``python -m tests.reliability.conv_fuzz [CALLS] [SEED]`` runs a full fuzz and prints
the counts per class and every class-(c) call.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.functional._conv_args import PHYSICAL_MEMORY

# ---- one call ---------------------------------------------------------------------------

TORCH_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
              "circular": "circular"}  # fmt: skip


@dataclass
class Call:
    """One drawn call: the arrays (None for no bias), the keyword arguments both
    libraries get, the layer's constructor arguments (layer calls), the fault and the
    arguments a refusal may name.
    """

    index: int
    kind: str  # "conv", "transpose", or "layer"
    rank: int
    transposed: bool
    arrays: dict[str, Any]
    kwargs: dict[str, Any]
    layer: dict[str, Any] | None = None
    fault: str = ""
    fault_kind: str = ""  # the FAULTS entry that drew the fault
    suspects: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()  # arrays passed as they are, not as tensors
    gradients: bool = False

    def describe(self) -> str:
        """The call's arguments, with arrays as shape, dtype and non-finite counts."""
        arrays = {}
        for name, value in self.arrays.items():
            if isinstance(value, np.ndarray):
                special = ""
                if value.dtype.kind == "f" and not np.isfinite(value).all():
                    special = f" nan={int(np.isnan(value).sum())} inf={int(np.isinf(value).sum())}"
                arrays[name] = f"{value.dtype}{list(value.shape)}{special}"
            else:
                arrays[name] = repr(value)
        what = (
            self.kind if self.kind != "layer" else ("ConvTranspose" if self.transposed else "Conv")
        )
        return (
            f"#{self.index} {what} rank {self.rank} fault={self.fault or '-'} "
            f"suspects={self.suspects} arrays={arrays} kwargs={self.kwargs} layer={self.layer}"
        )


# ---- drawing ------------------------------------------------------------------------------


def _span(k: int, d: int) -> int:
    return d * (k - 1) + 1


def draw_call(rng: np.random.Generator, index: int) -> Call:
    """A valid call (every rule of the SPEC and of PyTorch respected), then, half the
    time, one fault from FAULTS.
    """
    kind = str(rng.choice(["conv", "transpose", "layer"], p=[0.35, 0.4, 0.25]))
    transposed = kind == "transpose" or (kind == "layer" and rng.random() < 0.7)
    rank = int(rng.integers(1, 4))
    groups = int(rng.choice([1, 1, 1, 2, 3]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    modes = ["zeros"] * 3 + ["reflect", "replicate", "circular"]
    mode = str(rng.choice(modes))
    batch = None if rng.random() < 0.25 else int(rng.integers(1, 4))
    kernel, stride, dilation, padding, extra, sizes = [], [], [], [], [], []
    for _ in range(rank):
        k = int(rng.integers(1, 3 if rank == 3 else 4))
        s, d = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        if transposed:
            size = int(rng.integers(1, 5))
            op = int(rng.integers(0, max(s, d)))
            full = (size - 1) * s + _span(k, d) + op
            # L_out = full - 2p >= 1; reflect needs p < L_out, circular p <= L_out.
            limit = {"reflect": (full - 1) // 3, "circular": full // 3}.get(mode, (full - 1) // 2)
            p = int(rng.integers(0, min(2, limit) + 1))
        else:
            op, p = 0, int(rng.integers(0, 3))
            # reflect needs p < L_in, circular p <= L_in.
            fits = {"reflect": p + 1, "circular": p}.get(mode, 1)
            smallest = max(1, _span(k, d) - 2 * p, fits)
            size = int(rng.integers(smallest, smallest + 4))
        for values, value in zip((kernel, stride, dilation, padding, extra, sizes),
                                 (k, s, d, p, op, size)):  # fmt: skip
            values.append(value)
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    lead = () if batch is None else (batch,)
    x_shape = (*lead, c_in, *sizes)
    if transposed:
        w_shape = (c_in, c_out // groups, *kernel)
    else:
        w_shape = (c_out, c_in // groups, *kernel)
    arrays: dict[str, Any] = {
        "input": rng.standard_normal(x_shape).astype(dtype),
        "weight": rng.standard_normal(w_shape).astype(dtype),
        "bias": rng.standard_normal(c_out).astype(dtype) if rng.random() < 0.6 else None,
    }
    kwargs: dict[str, Any] = {
        "stride": _spelled(rng, stride),
        "padding": _spelled(rng, padding),
        "dilation": _spelled(rng, dilation),
        "groups": groups,
    }
    if transposed:
        kwargs["output_padding"] = _spelled(rng, extra)
    if not transposed and all(s == 1 for s in stride) and rng.random() < 0.15:
        kwargs["padding"] = "same"
    if not transposed and rng.random() < 0.05:
        kwargs["padding"] = "valid"
        arrays["input"] = _grown(arrays["input"], rank, kernel, dilation, rng)
    if kind == "transpose" and rng.random() < 0.1:
        choice = str(rng.choice(["same", "valid"]))
        if choice == "valid" or _same_fits(sizes, kernel, stride, dilation, mode):
            kwargs["padding"] = choice
            kwargs["output_padding"] = 0
    call = Call(index, kind, rank, transposed, arrays, kwargs)
    if kind == "layer":
        call.layer = _layer_arguments(call, c_in, c_out, kernel, mode)
        call.kwargs = {}
    elif mode != "zeros":
        kwargs["padding_mode"] = mode
    if transposed and rng.random() < 0.3 and not isinstance(kwargs["padding"], str):
        _draw_output_size(call, rng, sizes, kernel, stride, dilation, padding, extra)
    if rng.random() < 0.01:
        _make_winograd_sized(call, rng)
    if rng.random() < 0.12:
        _make_non_finite(call, rng)
    if rng.random() < 0.5:
        names = sorted(FAULTS)
        weights = np.array([FAULT_WEIGHTS.get(name, 1.0) for name in names])
        fault = str(rng.choice(names, p=weights / weights.sum()))
        FAULTS[fault](call, rng)
        call.fault, call.fault_kind = call.fault or fault, fault
    finite = all(
        not isinstance(a, np.ndarray) or a.dtype.kind != "f" or np.isfinite(a).all()
        for a in call.arrays.values()
    )
    call.gradients = index % 3 == 0 and finite and not call.raw
    return call


def _same_fits(sizes, kernel, stride, dilation, mode: str) -> bool:
    """Whether a transposed padding="same" (L_out = L_in s, crops ``d (k - 1) + 1 - s``)
    meets the mode's rule: reflect crops below L_out, circular ones at most L_out.
    """
    for n, k, s, d in zip(sizes, kernel, stride, dilation):
        crop = _span(k, d) - s
        widest, length = crop - crop // 2, n * s
        if (mode == "reflect" and widest >= length) or (mode == "circular" and widest > length):
            return False
    return True


def _spelled(rng: np.random.Generator, values: list[int]) -> Any:
    """The same per-dim values as PyTorch takes them: an int when all are equal, a
    tuple, a list, a 1-tuple (repeated), or numpy ints.
    """
    choice = rng.random()
    if len(set(values)) == 1 and choice < 0.4:
        return values[0]
    if len(set(values)) == 1 and choice < 0.5:
        return (values[0],)
    if choice < 0.6:
        return [np.int64(v) for v in values]
    return list(values) if choice < 0.75 else tuple(values)


def _grown(x: np.ndarray, rank: int, kernel: list[int], dilation: list[int], rng: Any) -> Any:
    """x with every spatial dim at least the kernel's span (for padding="valid")."""
    shape = list(x.shape)
    for dim in range(rank):
        shape[-rank + dim] = max(shape[-rank + dim], _span(kernel[dim], dilation[dim]))
    return rng.standard_normal(shape).astype(x.dtype)


def _layer_arguments(call: Call, c_in: int, c_out: int, kernel: list[int], mode: str) -> dict:
    kwargs = call.kwargs
    layer = {
        "in_channels": c_in,
        "out_channels": c_out,
        "kernel_size": tuple(kernel),
        "stride": kwargs["stride"],
        "padding": kwargs["padding"],
        "dilation": kwargs["dilation"],
        "groups": kwargs["groups"],
        "bias": call.arrays["bias"] is not None,
        "padding_mode": mode,
    }
    if call.transposed:
        layer["output_padding"] = kwargs["output_padding"]
    # Constructor arguments as full tuples: PyTorch's layers keep a 1-tuple as it is
    # and then index it per dim in forward(output_size) (an IndexError), while minigrad's
    # constructors take an int or a tuple of rank ints. The constructors are not what
    # this fuzz compares.
    for name in ("stride", "padding", "dilation", "output_padding"):
        if name in layer and not isinstance(layer[name], str):
            layer[name] = tuple(_per_dim(layer[name], call.rank))
    return layer


def _draw_output_size(call, rng, sizes, kernel, stride, dilation, padding, extra) -> None:
    """A reachable output_size (output_padding then derived from it), spelled as a
    tuple, a list, a numpy array, a whole shape or (functional form only) an int.
    """
    # The size the drawn output_padding gives: it meets every rule already.
    wanted = [
        (n - 1) * s - 2 * p + _span(k, d) + op
        for n, k, s, d, p, op in zip(sizes, kernel, stride, dilation, padding, extra)
    ]
    batched = call.arrays["input"].ndim == call.rank + 2
    choice = rng.random()
    if choice < 0.2:
        lead = [2, 7] if batched else [7]  # leading sizes are not checked, as in PyTorch
        value: Any = lead + wanted
    elif choice < 0.35:
        value = np.array(wanted)
    elif choice < 0.5 and call.kind == "transpose" and len(set(wanted)) == 1:
        value = wanted[0]
    elif choice < 0.7:
        value = list(wanted)
    else:
        value = tuple(wanted)
    call.kwargs["output_size"] = value
    if call.kind == "transpose":
        call.kwargs["output_padding"] = 0


def _make_winograd_sized(call: Call, rng: np.random.Generator) -> None:
    """A float32 DCGAN-like transposed layer (k 4, s 2, p 1, 64 channels, batch 16),
    large enough for the Winograd kernels, with an inf or a NaN half the time.
    """
    rank = int(rng.integers(1, 3)) + 1
    sizes = (6,) * rank if rank == 2 else (4,) * rank
    channels = 64 if rank == 2 else 32
    call.kind, call.transposed, call.rank, call.layer = "transpose", True, rank, None
    call.arrays = {
        "input": rng.standard_normal((16, channels, *sizes)).astype(np.float32),
        "weight": (0.1 * rng.standard_normal((channels, channels, *(4,) * rank))).astype(
            np.float32
        ),
        "bias": None,
    }
    call.kwargs = {"stride": 2, "padding": 1, "dilation": 1, "groups": 1, "output_padding": 0}
    if rng.random() < 0.5:
        _make_non_finite(call, rng)


def _make_non_finite(call: Call, rng: np.random.Generator) -> None:
    """inf, -inf or NaN at one to three positions of the input, the weight or the bias."""
    names = [n for n in ("input", "weight", "bias") if call.arrays.get(n) is not None]
    name = str(rng.choice(names))
    array = call.arrays[name].copy()
    for _ in range(int(rng.integers(1, 4))):
        position = tuple(int(rng.integers(0, n)) for n in array.shape)
        array[position] = rng.choice([np.inf, -np.inf, np.nan])
    call.arrays[name] = array


# ---- faults ----------------------------------------------------------------------------------

HUGE = (2**40, 2**50, 2**62, 2**63 - 1, 2**63, 2**64, 10**30)
# What a refusal may name when a valid value changes the geometry: a size may no
# longer fit (the input's, the output's), nor the output_padding its stride or dilation.
GEOMETRY = ("input", "padding", "output_size", "output_padding")
HUGE_TRANSPOSED = (2**31, 2**32 + 1, 2**40, 2**63, 10**30)


def _argument_fault(name: str, transposed_only: bool = False) -> Callable[[Call, Any], None]:
    """A bad spelling or value of argument ``name`` (of dilation instead, for a call
    without it); suspects: that argument, and what a valid value may upset.
    """

    def fault(call: Call, rng: np.random.Generator) -> None:
        name_ = "dilation" if transposed_only and not call.transposed else name
        if call.layer is not None:
            # Layer faults are in forward only; constructor arguments stay valid.
            _output_size_fault(call, rng)
            return
        rank = call.rank
        options: list[tuple[str, Any, tuple[str, ...]]] = [
            ("float", 2.0, (name_,)),
            ("bool", True, (name_,)),
            ("string", "2", (name_,)),
            ("None", None, (name_,)),
            ("too long", (1,) * (rank + 1), (name_,)),
            ("empty tuple", (), (name_,)),
            ("numpy array", np.array([1] * rank), (name_,)),
            ("float in tuple", (1.0,) * rank, (name_,)),
            # Valid, but it changes the geometry: a size may no longer fit.
            ("numpy int", np.int64(1), (name_, *GEOMETRY)),
        ]
        if name_ in ("stride", "dilation"):
            options += [("zero", 0, (name_,)), ("negative", -1, (name_,))]
        if name_ in ("padding", "output_padding"):
            options += [("negative", -1, (name_,))]
        if name_ == "output_padding":
            options += [("too large", 5, (name_,))]
        if name_ == "padding" and not call.transposed:
            options += [("unknown string", "full", (name_,))]
        if name_ == "padding_mode":
            options = [("unknown", "mirror", (name_,)), ("None", None, (name_,)),
                       ("int", 0, (name_,))]  # fmt: skip
        if rank == 3 and name_ != "padding_mode":
            options.append(("two of three", (1, 1), (name_,)))
        label, value, suspects = options[int(rng.integers(0, len(options)))]
        if name_ == "groups":
            label, value, suspects = _groups_fault(call, rng)
        call.kwargs[name_] = value
        call.fault, call.suspects = f"{name_} {label}", suspects

    return fault


def _groups_fault(call: Call, rng: np.random.Generator) -> tuple[str, Any, tuple[str, ...]]:
    groups = call.kwargs["groups"]
    options: list[tuple[str, Any, tuple[str, ...]]] = [
        ("zero", 0, ("groups",)),
        ("negative", -1, ("groups",)),
        ("float", float(groups), ("groups",)),
        ("bool", True, ("groups",)),
        ("string", "1", ("groups",)),
        ("None", None, ("groups",)),
        ("numpy int", np.int64(groups), ()),
        ("huge", 2**63, ("groups", "weight")),
        # Not a divisor of the channels: the weight, the groups or the input is named.
        ("not a divisor", groups + 1, ("groups", "weight", "input", "bias")),
    ]
    return options[int(rng.integers(0, len(options)))]


def _huge_fault(call: Call, rng: np.random.Generator) -> None:
    """One huge stride, padding, dilation or output_padding (all dims)."""
    if call.layer is not None:
        _output_size_fault(call, rng)
        return
    names = ["stride", "padding", "dilation"] + (["output_padding"] if call.transposed else [])
    name = str(rng.choice(names))
    value = int(rng.choice(HUGE_TRANSPOSED if call.transposed else HUGE))
    if call.kwargs.get("output_size") is not None and name == "output_padding":
        name = "stride"
    call.kwargs[name] = value
    call.fault = f"huge {name}={value}"
    # A huge conv stride or a huge dilation over a one-tap kernel may be fine; a huge
    # dilation over a longer kernel is a kernel larger than the input; a huge stride
    # also lets output_size be out of reach.
    call.suspects = {
        # (padding="same" refuses a stride other than 1, by the padding's name)
        "stride": ("stride", "output_size", "padding"),
        "padding": ("padding", "input"),
        # padding="same" pads by the dilated kernel: the padding may be named too.
        "dilation": ("dilation", "input", "output_size", "padding"),
        "output_padding": ("output_padding",),
    }[name]
    if name == "stride" and not call.transposed and rng.random() < 0.3:
        # And as huge a padding: a few outputs that read padding only (PyTorch computes
        # them without a padded copy, and so must the kernels).
        call.kwargs["padding"] = value // 4
        call.fault += f" padding={value // 4}"
        call.suspects = ("stride", "padding")


def _output_size_fault(call: Call, rng: np.random.Generator) -> None:
    """An output_size out of reach, huge, of the wrong length or type; or one given
    together with what fixes the size already (output_padding, padding="same").
    """
    if not call.transposed:
        _tensor_fault(call, rng)
        return
    rank = call.rank
    batched = call.arrays["input"].ndim == rank + 2
    options: list[tuple[str, Any]] = [
        ("out of reach", (1,) * rank),
        ("huge", (3 * 10**7,) * rank),
        ("very huge", (10**15,) * rank),
        ("too long", (9,) * (rank + (1 if batched else 2))),
        ("too short", (9,) * (rank - 1)) if rank > 1 else ("empty", ()),
        ("floats", (9.0,) * rank),
        ("bools", (True,) * rank),
        ("string", "9"),
        ("float numpy", np.full(rank, 9.0)),
    ]
    if call.kind == "layer":
        options.append(("int for a layer", 9))
    label, value = options[int(rng.integers(0, len(options)))]
    call.kwargs["output_size"] = value
    if call.kind == "transpose":
        call.kwargs["output_padding"] = 0
        if isinstance(call.kwargs.get("padding"), str):
            call.kwargs["padding"] = 0
    # A size in reach may still be too small for the padding mode's rule.
    call.fault, call.suspects = f"output_size {label}", ("output_size", "padding")
    if call.kind == "transpose" and rng.random() < 0.2:
        # Given with an output_padding (minigrad's functional rule: one or the other).
        call.kwargs["output_size"] = _reachable_size(call)
        call.kwargs["output_padding"] = 1
        call.fault, call.suspects = "output_size with output_padding", ("output_padding",)


def _reachable_size(call: Call) -> tuple[int, ...]:
    x = call.arrays["input"]
    kernel = call.arrays["weight"].shape[2:]
    values = [_per_dim(call.kwargs.get(n, d), call.rank) for n, d in
              (("stride", 1), ("padding", 0), ("dilation", 1))]  # fmt: skip
    return tuple(
        (n - 1) * s - 2 * p + _span(k, d)
        for n, k, s, p, d in zip(x.shape[-call.rank :], kernel, *values)
    )


def _per_dim(value: Any, rank: int) -> list[int]:
    """An int, a sequence of one or of rank ints, as rank ints, as PyTorch reads them
    (no bools, no floats, no strings or arrays); ValueError otherwise.
    """
    if _is_int(value):
        return [int(value)] * rank
    if not isinstance(value, tuple | list) or not all(_is_int(v) for v in value):
        raise ValueError(f"not ints: {value!r}")
    if len(value) not in (1, rank):
        raise ValueError(f"not 1 or {rank} ints: {value!r}")
    return [int(v) for v in value] * (rank if len(value) == 1 else 1)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _tensor_fault(call: Call, rng: np.random.Generator) -> None:
    """A bad input, weight or bias: rank, type, dtype, channels, zero sizes."""
    x, w, b = call.arrays["input"], call.arrays["weight"], call.arrays["bias"]
    rank = call.rank
    options = ["input rank", "input numpy", "channels", "weight rank", "weight float64",
               "integer tensors", "integer weight", "zero batch", "zero channels",
               "zero filters", "zero spatial", "zero kernel", "bias shape", "bias list",
               "bias dtype"]  # fmt: skip
    if call.layer is not None:
        options = ["input rank", "channels", "zero batch", "zero spatial", "input float64"]
    label = str(rng.choice(options))
    suspects: tuple[str, ...] = ("input",)
    other = np.float64 if x.dtype == np.float32 else np.float32
    if label == "input rank":
        call.arrays["input"] = x.reshape(1, 1, *x.shape) if x.ndim == rank + 1 else x[0, 0]
    elif label == "input numpy":
        call.raw = ("input",)
    elif label == "channels":
        axis = x.ndim - rank - 1
        call.arrays["input"] = np.concatenate([x, np.take(x, [0], axis=axis)], axis=axis)
    elif label == "weight rank":
        call.arrays["weight"] = w[..., None]
        suspects = ("weight", "input")
    elif label == "weight float64":
        call.arrays["weight"] = w.astype(other)
        suspects = ("weight",)
    elif label == "input float64":
        call.arrays["input"] = x.astype(other)
        suspects = ("input", "weight")
    elif label == "integer tensors":
        for name, array in call.arrays.items():
            if array is not None:
                call.arrays[name] = rng.integers(-3, 4, array.shape)
        suspects = ("input",)
    elif label == "integer weight":
        call.arrays["weight"] = rng.integers(-3, 4, w.shape)
        suspects = ("weight",)
    elif label == "zero batch":
        lead = x.shape[: x.ndim - rank - 1]
        call.arrays["input"] = np.zeros((0, *x.shape[len(lead) :]), x.dtype)
        # An unbatched input becomes batched: a whole-shape output_size no longer fits.
        suspects = ("output_size",)
    elif label == "zero channels":
        # An input without channels and a weight to match (groups of no channels).
        c_axis = x.ndim - rank - 1
        call.arrays["input"] = np.zeros(x.shape[:c_axis] + (0,) + x.shape[c_axis + 1 :], x.dtype)
        if call.transposed:
            call.arrays["weight"] = np.zeros((0, *w.shape[1:]), w.dtype)
            suspects = ("weight",)
        else:
            call.arrays["weight"] = np.zeros((w.shape[0], 0, *w.shape[2:]), w.dtype)
            suspects = ("input",)  # reflect and replicate padding need channels
    elif label == "zero filters":
        axis = 1 if call.transposed else 0
        call.arrays["weight"] = np.zeros(w.shape[:axis] + (0,) + w.shape[axis + 1 :], w.dtype)
        call.arrays["bias"] = None if b is None else b[:0]
        suspects = ("weight",)
    elif label == "zero spatial":
        shape = list(x.shape)
        shape[-1 - int(rng.integers(0, rank))] = 0
        call.arrays["input"] = np.zeros(shape, x.dtype)
        if rng.random() < 0.5 and shape[0] != 0:
            shape[0] = 0  # with an empty batch, allowed for a convolution
            call.arrays["input"] = np.zeros(shape, x.dtype)
        suspects = ("input", "padding")  # the padding may not fit the empty dim
    elif label == "zero kernel":
        shape = list(w.shape)
        shape[2 + int(rng.integers(0, rank))] = 0
        call.arrays["weight"] = np.zeros(shape, w.dtype)
        suspects = ("weight",)
    elif label == "bias shape":
        call.arrays["bias"] = np.zeros(w.shape[0] + w.shape[1] + 1, x.dtype)
        suspects = ("bias",)
    elif label == "bias list":
        call.arrays["bias"] = [0.0]
        call.raw = ("bias",)
        suspects = ("bias",)
    elif label == "bias dtype":
        size = w.shape[1] * call.kwargs["groups"] if call.transposed else w.shape[0]
        call.arrays["bias"] = rng.standard_normal(size).astype(other)
        suspects = ("bias",)
    call.fault, call.suspects = label, suspects


FAULTS: dict[str, Callable[[Call, Any], None]] = {
    "stride": _argument_fault("stride"),
    "padding": _argument_fault("padding"),
    "dilation": _argument_fault("dilation"),
    "output_padding": _argument_fault("output_padding", transposed_only=True),
    "groups": _argument_fault("groups"),
    "padding_mode": _argument_fault("padding_mode"),
    "huge": _huge_fault,
    "output_size": _output_size_fault,
    "tensor": _tensor_fault,
}
# Tensor faults cover the most cases (ranks, types, dtypes, zero sizes): twice as often.
FAULT_WEIGHTS = {"tensor": 2.0}


# ---- running minigrad -----------------------------------------------------------------------


@dataclass
class Outcome:
    """A call's result (output and, if asked, gradient arrays) or its exception."""

    value: np.ndarray | None = None
    grads: list[np.ndarray | None] = field(default_factory=list)
    error: BaseException | None = None


class Refusal(Exception):
    """The oracle's verdict for a call minigrad refuses by a documented rule of its own."""


def _output_grad(call: Call, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.random.default_rng(10_000 + call.index).standard_normal(shape).astype(dtype)


def run_minigrad(call: Call) -> Outcome:
    """The call in minigrad; a numpy warning leaking out counts as an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            return _minigrad_outcome(call)
    except Exception as error:  # noqa: BLE001 - every failure is an outcome
        return Outcome(error=error)


def _mg_argument(call: Call, name: str) -> Any:
    value = call.arrays[name]
    if value is None or name in call.raw:
        return value
    tensor = mg.tensor(value)
    if call.gradients and value.dtype.kind == "f":
        tensor.requires_grad_()
    return tensor


def _minigrad_outcome(call: Call) -> Outcome:
    x, w, b = (_mg_argument(call, name) for name in ("input", "weight", "bias"))
    if call.layer is not None:
        name = ("ConvTranspose" if call.transposed else "Conv") + f"{call.rank}d"
        layer = getattr(mg.nn, name)(**call.layer, dtype=call.arrays["weight"].dtype)
        layer.weight = mg.nn.Parameter(w)
        if b is not None:
            layer.bias = mg.nn.Parameter(b)
        out = layer(x, **call.kwargs)
        leaves = [x, layer.weight, layer.bias]
    else:
        prefix = "conv_transpose" if call.transposed else "conv"
        out = getattr(F, f"{prefix}{call.rank}d")(x, w, b, **call.kwargs)
        leaves = [x, w, b]
    outcome = Outcome(value=out.detach().numpy())
    if call.gradients:
        wanted = [t for t in leaves if isinstance(t, mg.Tensor) and t.requires_grad]
        seed = mg.tensor(_output_grad(call, out.shape, out.dtype))
        grads = mg.autograd.grad(out, wanted, seed, allow_unused=True)
        outcome.grads = [None if g is None else g.numpy() for g in grads]
    return outcome


# ---- the oracle -------------------------------------------------------------------------------


def run_torch(call: Call, torch: Any) -> Outcome:
    """The oracle's outcome: PyTorch's, built by definition for the extensions, or a
    Refusal where a documented rule of minigrad's refuses what PyTorch accepts.
    """
    if call.transposed and _beyond_32_bits(call):
        # Not run: PyTorch would wrap the value around and may then allocate tens of GB.
        return Outcome(error=Refusal("32-bit (PyTorch not run)"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = _torch_outcome(call, torch)
    except Refusal as refusal:
        return Outcome(error=refusal)
    except Exception as error:  # noqa: BLE001
        return Outcome(error=error)
    note = deviation(call, outcome.value)
    return Outcome(error=Refusal(note)) if note else outcome


def _torch_argument(call: Call, torch: Any, name: str) -> Any:
    value = call.arrays[name]
    if value is None or name in call.raw:
        return value
    return torch.tensor(value, requires_grad=call.gradients and value.dtype.kind == "f")


def _phantom_taps(call: Call, torch: Any, w: Any) -> bool:
    """Whether PyTorch's float32 transposed convolution would put 0 * inf in the
    output_padding positions (see the module docstring): a float32 transposed call
    with an inf or NaN weight and an output_padding, given or from output_size.
    """
    if not call.transposed or not isinstance(w, torch.Tensor) or w.dtype != torch.float32:
        return False
    if torch.isfinite(w).all():
        return False
    extra = _ints(_argument(call, "output_padding", 0), call.rank)
    return call.kwargs.get("output_size") is not None or extra is None or any(extra)


def _torch_outcome(call: Call, torch: Any) -> Outcome:
    x, w, b = (_torch_argument(call, torch, name) for name in ("input", "weight", "bias"))
    phantom = _phantom_taps(call, torch, w)
    if phantom:  # computed in float64 and rounded, as PyTorch's float64 path gives it
        x, w, b = (t.double() if isinstance(t, torch.Tensor) else t for t in (x, w, b))
    if call.kind == "layer":
        out, leaves = _torch_layer(call, torch, x, w, b)
    elif call.transposed:
        out, leaves = _torch_transposed(call, torch, x, w, b, dict(call.kwargs)), [x, w, b]
    else:
        out, leaves = _torch_conv(call, torch, x, w, b), [x, w, b]
    outcome = Outcome(value=(out.float() if phantom else out).detach().numpy())
    if call.gradients:
        wanted = [t for t in leaves if isinstance(t, torch.Tensor) and t.requires_grad]
        seed = torch.tensor(_output_grad(call, tuple(out.shape), outcome.value.dtype))
        grads = torch.autograd.grad(out, wanted, seed, allow_unused=True)
        outcome.grads = [None if g is None else g.detach().numpy() for g in grads]
    return outcome


def _pad_list(pairs: list[tuple[int, int]]) -> list[int]:
    """(before, after) per spatial dim as F.pad's list, last dim first."""
    return [v for before, after in reversed(pairs) for v in (before, after)]


def _check_mode(mode: Any) -> None:
    """The modes an nn layer of PyTorch's takes (its constructor's check)."""
    if mode not in TORCH_MODE:
        raise ValueError(f"padding_mode must be one of {sorted(TORCH_MODE)}, got {mode!r}")


def _conv_pairs(padding: Any, dilation: list[int], kernel: Any) -> list[tuple[int, int]]:
    """A convolution's padding as (before, after) per dim ("same": the odd one after)."""
    if isinstance(padding, str) and padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [(t // 2, t - t // 2) for t in totals]
    if isinstance(padding, str):
        return [(0, 0)] * len(dilation)
    return [(p, p) for p in _per_dim(padding, len(dilation))]


def _torch_conv(call: Call, torch: Any, x: Any, w: Any, b: Any) -> Any:
    tF = torch.nn.functional
    kwargs = dict(call.kwargs)
    mode = kwargs.pop("padding_mode", "zeros")
    _check_mode(mode)
    conv = getattr(tF, f"conv{call.rank}d")
    rank = call.rank
    if _beyond_32_bits(call):
        return _exact_conv(call, torch, x, w, b, kwargs, mode)
    native = conv(x, w, b, **kwargs)  # PyTorch's verdict on the arguments
    dilation = _per_dim(kwargs.get("dilation", 1), rank)
    pairs = _conv_pairs(kwargs.get("padding", 0), dilation, w.shape[2:])
    explicit = mode == "zeros" and not torch.isfinite(w).all() and any(map(any, pairs))
    if mode == "zeros" and not explicit:
        return native
    # By definition: the convolution of the padded input (also PyTorch's nn.Conv).
    batched = x if x.ndim == rank + 2 else x[None]
    padded = tF.pad(batched, _pad_list(pairs), mode=TORCH_MODE[mode])
    others = {key: kwargs[key] for key in ("stride", "dilation", "groups") if key in kwargs}
    out = conv(padded, w, b, padding=0, **others)
    return out if x.ndim == rank + 2 else out[0]


def _beyond_32_bits(call: Call) -> bool:
    """Whether a stride, padding or dilation is 2**31 or more, where PyTorch's kernels
    other than oneDNN's wrap it around (its float64 convolutions and its transposed
    ones keep such values in 32 bits; a padding of 2**40 becomes 0).
    """
    for name in ("stride", "padding", "dilation", "output_padding"):
        values = _ints(_argument(call, name, 0), call.rank)
        if values and max(map(abs, values)) >= 2**31:
            return True
    return False


EXACT = "huge values (exact arithmetic, PyTorch not run): "


def _exact_conv(call: Call, torch: Any, x: Any, w: Any, b: Any, kwargs: dict, mode: str) -> Any:
    """A convolution with a huge stride, padding or dilation, by the exact arithmetic:
    refused where a size is below 1, where a value leaves PyTorch's int64 (or twice the
    padding does), or where the output (or a padded input) could not be allocated (the
    rule minigrad documents); otherwise PyTorch's convolution, with stride k, of the
    gathered input ``g[p k + t] = x_padded[s p + d t]``: that is the definition.
    """
    rank = call.rank
    stride, dilation = (_per_dim(kwargs.get(n, 1), rank) for n in ("stride", "dilation"))
    if max(stride + dilation) >= 2**63 or min(stride + dilation) < 1:
        raise Refusal(EXACT + "a value beyond int64, or not positive")
    kernel = list(w.shape[2:])
    if isinstance(kwargs.get("padding"), str) and kwargs["padding"] == "same" and max(stride) > 1:
        raise ValueError("padding='same' is not supported for strided convolutions (PyTorch)")
    pairs = _conv_pairs(kwargs.get("padding", 0), dilation, kernel)
    if max(max(pair) for pair in pairs) >= 2**62:
        raise Refusal(EXACT + "twice the padding beyond int64")
    sizes = list(x.shape[-rank:])
    padded = [n + a + c for n, (a, c) in zip(sizes, pairs)]
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(n < span for n, span in zip(padded, spans)):
        raise Refusal(EXACT + "the kernel is larger than the padded input")
    out_sizes = [(n - span) // s + 1 for n, span, s in zip(padded, spans, stride)]
    lead = list(x.shape[: -rank - 1])
    too_large = [lead + [w.shape[0]] + out_sizes]
    if mode != "zeros":
        too_large.append(lead + [x.shape[-rank - 1]] + padded)
    for shape in too_large:
        nonzero = math.prod(n for n in shape if n)
        memory = math.prod(shape) * x.element_size()
        if nonzero * x.element_size() > 2**63 - 1 or memory > PHYSICAL_MEMORY:
            raise Refusal(EXACT + "an array that could not be allocated")
    gathered = _gathered(torch, x, sizes, pairs, out_sizes, kernel, stride, dilation, mode)
    conv = getattr(torch.nn.functional, f"conv{rank}d")
    return conv(gathered, w, b, stride=kernel, groups=kwargs.get("groups", 1))


def _gathered(torch, x, sizes, pairs, out_sizes, kernel, stride, dilation, mode) -> Any:
    """``g[..., p k + t] = x_padded[..., s p + d t - before]`` per dim (zero padding: 0
    outside x), gathered one dim at a time by index so that it stays differentiable.
    """
    rank = len(sizes)
    g = x
    for dim, (n, (before, _), m, k, s, d) in enumerate(
        zip(sizes, pairs, out_sizes, kernel, stride, dilation)
    ):
        where = [s * p + d * t - before for p in range(m) for t in range(k)]
        inside = torch.tensor([0 <= i < n for i in where])
        index = torch.tensor([_source(i, n, mode) for i in where])
        axis = g.ndim - rank + dim
        g = torch.index_select(g, axis, index)
        shape = [1] * g.ndim
        shape[axis] = len(where)
        if mode == "zeros":  # exactly 0 there, whatever the clamped index held
            g = torch.where(inside.reshape(shape), g, torch.zeros((), dtype=g.dtype))
    return g


def _source(i: int, n: int, mode: str) -> int:
    """The position of x that padded position i copies (zeros: any; masked later)."""
    if mode == "circular":
        return i % n
    if mode == "reflect":
        i = abs(i)
        return 2 * (n - 1) - i if i >= n else i
    return min(max(i, 0), n - 1)


def _nonzero(value: Any, rank: int) -> bool:
    """Whether an output_padding asks for anything (any bad spelling counts as yes)."""
    try:
        return any(_per_dim(value, rank))
    except (TypeError, ValueError):
        return True


def _torch_transposed(call: Call, torch: Any, x: Any, w: Any, b: Any, kwargs: dict) -> Any:
    tF = torch.nn.functional
    rank = call.rank
    mode = kwargs.pop("padding_mode", "zeros")
    output_size = kwargs.pop("output_size", None)
    padding = kwargs.get("padding", 0)
    same = isinstance(padding, str) and padding == "same"
    # minigrad's own rules for its extensions (documented in its docstrings):
    if same and _nonzero(kwargs.get("output_padding", 0), rank):
        raise Refusal("padding='same' sets output_padding")
    if output_size is not None and same:
        raise Refusal("padding='same' fixes the size: no output_size")
    if output_size is not None and _nonzero(kwargs.get("output_padding", 0), rank):
        raise Refusal("output_size derives output_padding: it must be 0")
    _check_mode(mode)
    if isinstance(padding, str) and padding in ("same", "valid"):
        kwargs["padding"] = 0
    transposed = getattr(tF, f"conv_transpose{rank}d")
    geometry = [_ints(kwargs.get(name, 1), rank) for name in ("stride", "dilation")]
    pads = _ints(kwargs.get("padding", 0), rank)
    if None in geometry or pads is None or not isinstance(w, torch.Tensor) or w.ndim != rank + 2:
        transposed(x, w, b, **kwargs)  # PyTorch's verdict on bad arguments
        raise AssertionError("PyTorch took arguments the oracle cannot read")
    (stride, dilation), kernel = geometry, list(w.shape[2:])
    crops = [(p, p) for p in pads]
    if same:
        totals = [d * (k - 1) + 1 - s for s, d, k in zip(stride, dilation, kernel)]
        kwargs["output_padding"] = [max(0, -t) for t in totals]
        crops = [(t // 2, t - t // 2) if t >= 0 else (0, 0) for t in totals]
    if output_size is not None:
        size = (
            [int(output_size)] * rank if isinstance(output_size, int | np.integer) else output_size
        )
        kwargs["output_padding"] = _output_padding(torch, x, size, stride, pads, kernel, dilation)
    native = transposed(x, w, b, **kwargs)  # PyTorch's verdict on the arguments
    if same:
        native = native[
            (..., *(slice(a, n - c) for (a, c), n in zip(crops, native.shape[-rank:])))
        ]
    if mode == "zeros":
        return native
    out_sizes = list(native.shape[-rank:])
    return _adjoint(torch, call, x, w, b, crops, mode, stride, dilation, kwargs, out_sizes)


def _output_padding(torch: Any, x: Any, size: Any, stride, padding, kernel, dilation) -> list:
    """PyTorch's layer rule, ``_output_padding`` (output_padding below the stride),
    widened as the SPEC allows: below the stride or the dilation.
    """
    rank = len(stride)
    rule = torch.nn.modules.conv._ConvTransposeNd._output_padding
    try:
        return list(rule(None, x, size, stride, padding, kernel, rank, dilation))
    except ValueError as error:
        if "requested an output size" not in str(error):
            raise
        wanted = list(size)[-rank:]
        smallest = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(x.shape[-rank:], stride, padding, dilation, kernel)
        ]
        if all(m <= t < m + max(s, d) for t, m, s, d in zip(wanted, smallest, stride, dilation)):
            return [t - m for t, m in zip(wanted, smallest)]
        raise


def _adjoint(torch, call, x, w, b, crops, mode, stride, dilation, kwargs, out_sizes) -> Any:
    """The transposed convolution with a padding mode, by the SPEC's definition: the
    vector-Jacobian product of PyTorch's ``conv(F.pad(source, mode))`` in ``source``,
    plus the bias. ``create_graph`` keeps it differentiable for the gradient check.
    """
    tF = torch.nn.functional
    rank = call.rank
    y = x if x.ndim == rank + 2 else x[None]
    groups = kwargs.get("groups", 1)
    source = torch.zeros(
        (y.shape[0], w.shape[1] * groups, *out_sizes), dtype=y.dtype, requires_grad=True
    )
    padded = tF.pad(source, _pad_list(crops), mode=TORCH_MODE[mode])
    # An output_padding at or past the stride leaves trailing positions that no tap of
    # the L_in outputs reads: cut them off, so that the conv has exactly y's outputs
    # (their gradient is then zero, and no phantom output multiplies a weight).
    kernel = w.shape[2:]
    reach = [
        (n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(y.shape[2:], stride, dilation, kernel)
    ]
    padded = padded[(..., *(slice(0, r) for r in reach))]
    conv = getattr(tF, f"conv{rank}d")
    image = conv(padded, w, stride=stride, dilation=dilation, groups=groups)
    (out,) = torch.autograd.grad(image, source, y, create_graph=True)
    if b is not None:
        out = out + b.reshape(-1, *[1] * rank)
    return out if x.ndim == rank + 2 else out[0]


def _torch_layer(call: Call, torch: Any, x: Any, w: Any, b: Any) -> tuple[Any, list]:
    arguments = dict(call.layer or {})
    mode = arguments["padding_mode"]
    if call.transposed:
        arguments["padding_mode"] = "zeros"  # PyTorch's ConvTranspose takes only zeros
    name = ("ConvTranspose" if call.transposed else "Conv") + f"{call.rank}d"
    twin = getattr(torch.nn, name)(**arguments, dtype=w.dtype)
    twin.weight = torch.nn.Parameter(w, requires_grad=w.requires_grad)
    if b is not None:
        twin.bias = torch.nn.Parameter(b, requires_grad=b.requires_grad)
    leaves = [x, twin.weight, twin.bias]
    output_size = call.kwargs.get("output_size")
    if not call.transposed:
        native = twin(x)  # PyTorch's verdict, and for finite weights its values
        pairs = _conv_pairs(twin.padding, list(twin.dilation), twin.kernel_size)
        if mode != "zeros" or torch.isfinite(w).all() or not any(map(any, pairs)):
            return native, leaves
        # As for F.conv: the definition, conv(pad(x)), PyTorch's float32 path skips
        # the taps in the implicit padding.
        batched = x if x.ndim == call.rank + 2 else x[None]
        conv = getattr(torch.nn.functional, f"conv{call.rank}d")
        out = conv(torch.nn.functional.pad(batched, _pad_list(pairs)), twin.weight, twin.bias,
                   stride=twin.stride, dilation=twin.dilation, groups=twin.groups)  # fmt: skip
        return (out if x.ndim == call.rank + 2 else out[0]), leaves
    if mode == "zeros" and output_size is None:
        return twin(x), leaves
    rank = call.rank
    stride, padding = list(twin.stride), list(twin.padding)
    dilation, kernel = list(twin.dilation), list(twin.kernel_size)
    twin(x)  # PyTorch's verdict on the input
    if output_size is None:
        extra = list(twin.output_padding)
    else:
        extra = _output_padding(torch, x, output_size, stride, padding, kernel, dilation)
    function = getattr(torch.nn.functional, f"conv_transpose{rank}d")
    native = function(x, twin.weight, twin.bias, stride, padding, extra, twin.groups, dilation)
    if mode == "zeros":
        return native, leaves
    kwargs = {"groups": twin.groups}
    out_sizes = list(native.shape[-rank:])
    crops = [(p, p) for p in padding]
    out = _adjoint(torch, call, x, twin.weight, twin.bias, crops, mode, stride, dilation,
                   kwargs, out_sizes)  # fmt: skip
    return out, leaves


# ---- deviations --------------------------------------------------------------------------


def _ints(value: Any, rank: int) -> list[int] | None:
    try:
        return _per_dim(value, rank)
    except (TypeError, ValueError):
        return None


def _argument(call: Call, name: str, default: Any) -> Any:
    if call.layer is not None and name in call.layer:
        return call.layer[name]
    return call.kwargs.get(name, default)


def deviation(call: Call, value: np.ndarray | None) -> str:
    """Why minigrad refuses a call PyTorch accepted (a documented rule), or ""."""
    arrays = [a for a in call.arrays.values() if isinstance(a, np.ndarray)]
    if any(a.dtype.kind in "iub" for a in arrays):
        return "integer tensors"
    x, b = call.arrays["input"], call.arrays["bias"]
    if isinstance(b, np.ndarray) and isinstance(x, np.ndarray) and b.dtype != x.dtype:
        return "bias dtype"
    rank = call.rank
    names = ("stride", "padding", "output_padding", "dilation")
    values = {name: _ints(_argument(call, name, 0), rank) for name in names}
    if x.size == 0:
        if len({a.dtype for a in arrays}) > 1:
            return "empty input: dtypes"
        stride, dilation, extra = values["stride"], values["dilation"], values["output_padding"]
        if (
            call.transposed
            and stride
            and dilation
            and extra
            and call.kwargs.get("output_size") is None
        ):
            if any(op >= s and op >= d for op, s, d in zip(extra, stride, dilation)):
                return "empty input: output_padding"
        if call.transposed and 0 in x.shape[-rank:]:
            return "empty input: spatial"
    if call.transposed and values["dilation"] and min(values["dilation"]) < 1:
        return "dilation 0"
    output_size = call.kwargs.get("output_size")
    if isinstance(output_size, tuple | list) and any(isinstance(v, bool) for v in output_size):
        return "bools in output_size"
    if call.transposed and value is not None and 0 in value.shape[-rank:] and x.size:
        return "output size 0"
    if value is not None and value.size == 0:
        nonzero = math.prod(n for n in value.shape if n)
        if nonzero * value.itemsize >= 2**63:
            return "numpy limit"
    return ""


# ---- classifying -------------------------------------------------------------------------


def _mismatch(got: np.ndarray, want: np.ndarray, what: str) -> str:
    """Why two results differ (shape, dtype, NaN / inf masks, values), or ""."""
    if got.shape != want.shape:
        return f"{what}: shape {got.shape} != {want.shape}"
    if got.dtype != want.dtype:
        return f"{what}: dtype {got.dtype} != {want.dtype}"
    for name, test in (("NaN", np.isnan), ("+inf", np.isposinf), ("-inf", np.isneginf)):
        mine, theirs = test(got), test(want)
        if not np.array_equal(mine, theirs):
            return (
                f"{what}: {name} masks differ ({int(mine.sum())} here, {int(theirs.sum())} in "
                f"torch, {int((mine != theirs).sum())} positions)"
            )
    finite = np.isfinite(want)
    if not finite.any():
        return ""
    tolerance = 1e-4 if want.dtype == np.float32 else 1e-9
    scale = max(1.0, float(np.abs(want[finite]).max()))
    gap = float(np.abs(got[finite].astype(np.float64) - want[finite]).max())
    return "" if gap <= tolerance * scale else f"{what}: values differ by {gap:.3g}"


def _subject(message: str) -> str:
    """The argument a message is about: the word after the call's name."""
    match = re.match(r"[\w.]+: (\w+)", message)
    return match.group(1) if match else ""


def classify(call: Call, torch: Any) -> tuple[str, str, str]:
    """The call's class ("a", "b" or "c"), why (for class c), and the deviation the
    oracle modelled (or "").
    """
    mine, theirs = run_minigrad(call), run_torch(call, torch)
    note = str(theirs.error) if isinstance(theirs.error, Refusal) else ""
    if mine.error is None and theirs.error is None:
        assert mine.value is not None and theirs.value is not None
        problem = _mismatch(mine.value, theirs.value, "output")
        for position, (got, want) in enumerate(zip(mine.grads, theirs.grads)):
            if problem:
                break
            shape = want.shape if got is None and want is not None else None
            got = np.zeros(shape, want.dtype) if got is None and want is not None else got
            want = np.zeros_like(got) if want is None and got is not None else want
            if got is not None and want is not None:
                problem = _mismatch(got, want, f"gradient {position}")
        return ("c", problem, note) if problem else ("a", "", note)
    if mine.error is not None and theirs.error is not None:
        message = f"{type(mine.error).__name__}: {mine.error}"
        if not isinstance(mine.error, ValueError | TypeError):
            return "c", f"minigrad raised {message}", note
        subject = _subject(str(mine.error))
        if subject in call.suspects:
            return "b", "", note
        return "c", f"the refusal names {subject!r}, not one of {call.suspects}: {message}", note
    if mine.error is None:
        return "c", f"minigrad succeeded, the oracle refused: {theirs.error!r}", note
    return (
        "c",
        f"minigrad refused ({type(mine.error).__name__}: {mine.error}), torch did not",
        note,
    )


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    deviations: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)  # (fault kind, class)
    gradients: int = 0  # class-(a) calls whose gradients were compared too
    differences: list[tuple[Call, str]] = field(default_factory=list)


def fuzz(calls: int, seed: int = 0) -> Report:
    """Draw and classify ``calls`` calls from a numpy Generator seeded with ``seed``."""
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    report = Report()
    for index in range(calls):
        call = draw_call(rng, index)
        kind, why, note = classify(call, torch)
        report.counts[kind] += 1
        report.faults[(call.fault_kind or "none", kind)] += 1
        report.gradients += kind == "a" and call.gradients
        if note:
            report.deviations[note] += 1
        if kind == "c":
            report.differences.append((call, why))
    return report


def summary(report: Report) -> str:
    lines = [
        f"calls: {sum(report.counts.values())}",
        f"(a) both succeed and match: {report.counts['a']}",
        f"(b) both refuse, minigrad naming the argument: {report.counts['b']}",
        f"(c) anything else: {report.counts['c']}",
    ]
    lines.append(f"class (a) calls whose gradients were compared too: {report.gradients}")
    faults = sorted({fault for fault, _ in report.faults})
    lines.append("by fault (a/b/c): " + ", ".join(
        f"{fault} {'/'.join(str(report.faults[(fault, k)]) for k in 'abc')}" for fault in faults
    ))  # fmt: skip
    if report.deviations:
        lines.append("refusals the oracle models (see the docstring): " + ", ".join(
            f"{note}: {count}" for note, count in sorted(report.deviations.items())
        ))  # fmt: skip
    for call, why in report.differences:
        lines.append(f"(c) {call.describe()}\n    {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``conv_fuzz.py [CALLS] [SEED]``: run the fuzz, print the summary; exit status 1
    when some call lands in class (c).
    """
    argv = sys.argv[1:] if argv is None else argv
    calls = int(argv[0]) if argv else 3000
    seed = int(argv[1]) if len(argv) > 1 else 0
    report = fuzz(calls, seed)
    print(summary(report))
    return 1 if report.counts["c"] else 0


if __name__ == "__main__":
    sys.exit(main())
