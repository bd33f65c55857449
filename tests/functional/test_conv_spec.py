"""The front door of the convolution calls: one frozen ConvSpec per call, one list of
padding modes, one tensor check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad.functional import _conv_spec
from minigrad.functional._arguments import check_tensor
from minigrad.functional._conv_spec import ConvSpec, conv_spec, transposed_spec
from minigrad.ops.pad import MODES
from tests.helpers import assert_raises_with


def test_a_conv_call_as_its_spec() -> None:
    x, w = mg.ones(2, 4, 9, 7), mg.ones(6, 2, 3, 3)
    spec = conv_spec(2, x, w, None, (2, 1), "same" and 1, 1, 2, "reflect")
    assert (spec.rank, spec.transposed, spec.groups, spec.mode) == (2, False, 2, "reflect")
    assert spec.stride == (2, 1) and spec.dilation == (1, 1) and spec.kernel_size == (3, 3)
    assert spec.padding == ((1, 1), (1, 1)) and spec.output_padding == (0, 0)
    assert spec.in_size == (9, 7) and spec.out_size == (5, 7)
    assert spec.out_shape == (2, 6, 5, 7) == F.conv2d(x, w, None, (2, 1), 1, 1, 2,
                                                     padding_mode="reflect").shape  # fmt: skip
    # A mode other than zeros is padded by the Pad op, on an unpadded geometry.
    assert spec.pads == spec.padding and spec.geometry.padding == ((0, 0),) * 3
    assert spec.geometry.x_size == (1, 11, 9) and spec.geometry.y_size == (1, 5, 7)
    assert spec.filters is None


def test_a_transposed_call_as_its_spec() -> None:
    x, w, b = mg.ones(3, 5), mg.ones(3, 2, 4), mg.ones(2)
    spec = transposed_spec(1, x, w, b, 2, 1, 0, 1, 1, "zeros", (11,))
    assert spec.transposed and spec.out_shape == (2, 11) and spec.out_size == (11,)
    # output_size picked the output_padding; zero padding is fused into the geometry.
    assert spec.output_padding == (1,) and spec.padding == ((1, 1),) and spec.pads == ()
    assert spec.geometry.padding == ((0, 0), (0, 0), (1, 1))
    assert spec.geometry.x_size == (1, 1, 11) and spec.geometry.y_size == (1, 1, 5)
    same = transposed_spec(1, x, w, None, 3, "same", 0, 1, 1, "circular", None)
    assert same.out_size == (15,) and same.padding == ((0, 1),) and same.pads == ((0, 1),)


def test_an_input_without_channels_keeps_no_filters() -> None:
    spec = conv_spec(1, mg.ones(2, 0, 5), mg.ones(3, 0, 2), None, 1, 0, 1, 1, "zeros")
    assert spec.filters == 0 and spec.out_shape == (2, 0, 4)


def test_the_spec_is_frozen() -> None:
    spec = conv_spec(1, mg.ones(1, 1, 4), mg.ones(1, 1, 2), None, 1, 0, 1, 1, "zeros")
    assert dataclasses.is_dataclass(spec) and isinstance(spec, ConvSpec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.stride = (2,)  # type: ignore[misc]


def _listed(message: str) -> list[str]:
    """The quoted names in a message's "expected one of ..., got" part."""
    listed = message.split("expected one of ")[1].split(", got")[0]
    return [name.strip(" '") for name in listed.split(",")]


def test_one_list_of_padding_modes() -> None:
    x2, w2 = mg.ones(1, 1, 4, 4), mg.ones(1, 1, 3, 3)
    calls = [
        lambda: F.conv2d(x2, w2, padding_mode="mirror"),
        lambda: F.conv_transpose2d(x2, w2, padding_mode="mirror"),
        lambda: mg.nn.Conv2d(1, 1, 3, padding_mode="mirror"),
        lambda: mg.nn.ConvTranspose1d(1, 1, 3, padding_mode="mirror"),
    ]
    for call in calls:
        with pytest.raises(ValueError) as caught:
            call()
        assert _listed(str(caught.value)) == list(MODES)
    # F.pad spells the op's "zeros" PyTorch's way, "constant"; its other modes are the op's.
    with pytest.raises(ValueError) as caught:
        F.pad(x2, (1, 1), mode="mirror")
    assert _listed(str(caught.value)) == ["constant", *MODES[1:]]
    for mode in MODES:
        F.conv1d(mg.ones(1, 1, 4), mg.ones(1, 1, 3), padding=1, padding_mode=mode)
        mg.nn.ConvTranspose2d(1, 1, 3, padding_mode=mode)


@pytest.mark.parametrize(
    ("layer", "options"),
    [
        ("Conv2d", {"padding_mode": "mirror"}),
        ("ConvTranspose2d", {"padding_mode": "mirror"}),
        ("Conv2d", {"padding": "full"}),
        ("ConvTranspose2d", {"padding": "full"}),
        ("Conv2d", {"padding": "same", "stride": 2}),
        ("Conv2d", {"groups": 0}),
        ("Conv2d", {"groups": 2.0}),
    ],
)
def test_a_layer_words_a_rule_as_the_functional_form(layer: str, options: dict) -> None:
    x, w = mg.ones(1, 2, 5, 5), mg.ones(2, 2, 3, 3)
    function = getattr(F, "conv_transpose2d" if "Transpose" in layer else "conv2d")
    with pytest.raises((TypeError, ValueError)) as functional:
        function(x, w, **options)
    with pytest.raises((TypeError, ValueError)) as built:
        getattr(mg.nn, layer)(2, 2, 3, **options)
    assert type(built.value) is type(functional.value)
    name = function.__name__
    assert str(built.value).replace(layer, name, 1) == str(functional.value)


def test_a_layer_refuses_a_padding_mode_of_another_type_as_torch() -> None:
    # PyTorch's layers raise ValueError for any padding_mode outside the list; the
    # functional form refuses a value of another type with TypeError.
    with assert_raises_with(ValueError, "Conv1d: padding_mode", "'zeros'", "got None"):
        mg.nn.Conv1d(1, 1, 3, padding_mode=None)
    with assert_raises_with(TypeError, "conv1d: padding_mode", "NoneType None"):
        F.conv1d(mg.ones(1, 1, 4), mg.ones(1, 1, 3), padding_mode=None)


def test_check_tensor_in_both_of_its_uses() -> None:
    t = mg.ones(2)
    assert check_tensor(t, "input", "relu") is t
    with assert_raises_with(TypeError, "relu: input", "a Tensor", "ndarray"):
        check_tensor(np.ones(2), "input", "relu")
    with assert_raises_with(TypeError, "relu: input", "float32 or float64", "int64"):
        check_tensor(mg.tensor([1, 2]), "input", "relu")
    ints = mg.tensor([1, 2])
    assert check_tensor(ints, "target", "mse_loss", floating=False) is ints
    assert check_tensor(None, "bias", "conv1d", floating=False, optional=True) is None
    with assert_raises_with(TypeError, "conv1d: bias", "a Tensor or None", "list"):
        check_tensor([1.0], "bias", "conv1d", floating=False, optional=True)
    with assert_raises_with(TypeError, "conv1d: bias", "a Tensor or None", "list"):
        F.conv1d(mg.ones(1, 1, 4), mg.ones(1, 1, 3), [1.0])


# ---- the cache of checked specs ----------------------------------------------------------


@pytest.fixture
def empty_cache() -> None:
    _conv_spec._SPECS.clear()


def test_a_call_again_with_the_same_shapes_gets_the_same_spec(empty_cache: None) -> None:
    x, w, b = mg.ones(2, 4, 9, 7), mg.ones(6, 4, 3, 3), mg.ones(6)
    first = conv_spec(2, x, w, b, 1, 1, 1, 1, "zeros")
    # Other tensors of the same shapes and dtype: the spec is the one computed first.
    assert conv_spec(2, mg.zeros(2, 4, 9, 7), w.clone(), b.clone(), 1, 1, 1, 1, "zeros") is first
    # Anything else a spec depends on is a new spec, with its own numbers.
    other_batch = conv_spec(2, mg.ones(3, 4, 9, 7), w, b, 1, 1, 1, 1, "zeros")
    assert other_batch is not first and other_batch.out_shape == (3, 6, 9, 7)
    assert conv_spec(2, x, w, b, 1, (1, 1), 1, 1, "zeros") is not first
    assert conv_spec(2, x, w, None, 1, 1, 1, 1, "zeros").out_shape == first.out_shape
    assert conv_spec(2, x.double(), w.double(), b.double(), 1, 1, 1, 1, "zeros") is not first
    t = transposed_spec(2, x, mg.ones(4, 6, 3, 3), b, 1, 1, 0, 1, 1, "zeros", None)
    assert t.transposed and t.out_shape == (2, 6, 9, 7)


def test_arguments_equal_to_cached_ones_are_still_checked(empty_cache: None) -> None:
    # True == 1 and 1.0 == 1, but PyTorch refuses both as a stride; so do we, after a
    # call with stride 1 is cached as before it.
    x, w = mg.ones(1, 1, 4, 4), mg.ones(1, 1, 2, 2)
    F.conv2d(x, w, stride=1)
    for stride in (True, 1.0):
        with pytest.raises(TypeError, match="stride"):
            F.conv2d(x, w, stride=stride)
    # A refused call leaves nothing behind: refused again, and the good call still works.
    before = dict(_conv_spec._SPECS)
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(mg.ones(1, 2, 4, 4), w)
    assert _conv_spec._SPECS == before
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(mg.ones(1, 2, 4, 4), w)
    assert F.conv2d(x, w, stride=1).shape == (1, 1, 3, 3)


def test_the_cache_is_bounded(empty_cache: None) -> None:
    w = mg.ones(1, 1, 1, 1)
    for size in range(1, _conv_spec.SPEC_CACHE_SIZE + 10):
        assert F.conv2d(mg.ones(1, 1, 1, size), w).shape == (1, 1, 1, size)
        assert len(_conv_spec._SPECS) <= _conv_spec.SPEC_CACHE_SIZE
