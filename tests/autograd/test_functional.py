"""minigrad.autograd.functional against torch.autograd.functional as the oracle.

One table of functions (each written once, for both libraries) is run through the six
functions on seeded random inputs and compared with torch: values, shapes and tuple
nesting, detached answers, and second order with ``create_graph=True``. Then the
rules: strict mode, ``v=None``, bad arguments, forward mode. Last, the Jacobian of a
transposed convolution is, bit for bit, the transpose of the convolution's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, torch_or_none

torch = torch_or_none()
needs_torch = pytest.mark.skipif(torch is None, reason="torch is the oracle")

TOLERANCE = {"atol": 1e-10, "rtol": 1e-10}
NAMES = ("vjp", "jvp", "jacobian", "hessian", "hvp", "vhp")
SEEDS = range(5)


class Library:
    """minigrad or torch, seen through the few names the tests need."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.F = module.nn.functional
        self.functional = module.autograd.functional

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        return self.module.tensor(np.array(array), requires_grad=requires_grad)

    def grad(self, output: Any, inputs: list[Any]) -> list[np.ndarray]:
        found = self.module.autograd.grad(output, inputs, allow_unused=True)
        return [
            np.zeros(x.shape) if g is None else g.detach().numpy() for x, g in zip(inputs, found)
        ]


MG = Library(mg)
TORCH = Library(torch) if torch is not None else None


# ---- the table: each case draws its arrays and returns a function of (library, *inputs) ----

Case = Callable[[np.random.Generator], tuple[list[np.ndarray], bool, Callable[..., Any]]]


def elementwise(rng: np.random.Generator) -> Any:
    shape = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(1, 3)))
    return [rng.standard_normal(shape)], False, lambda lib, x: (x * x).tanh() + x.exp() * 0.5


def matmul(rng: np.random.Generator) -> Any:
    n, k, m = (int(s) for s in rng.integers(1, 4, size=3))
    arrays = [rng.standard_normal((n, k)), rng.standard_normal((k, m))]
    return arrays, True, lambda lib, a, b: (a @ b).sigmoid()


def reductions(rng: np.random.Generator) -> Any:
    """One input, a tuple of three outputs (a 0-d one among them)."""
    shape = tuple(int(n) for n in rng.integers(2, 4, size=2))
    return (
        [rng.standard_normal(shape)],
        False,
        lambda lib, x: ((x * x).sum(0), x.exp().mean(), (x**3).sum(dim=1, keepdim=True)),
    )


def pairs(rng: np.random.Generator) -> Any:
    """A tuple in, a tuple out."""
    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))]
    return arrays, True, lambda lib, a, b: (a * b, (a - b).exp().sum(1))


def log_softmax(rng: np.random.Generator) -> Any:
    shape = (int(rng.integers(1, 3)), int(rng.integers(2, 5)))
    return [rng.standard_normal(shape)], False, lambda lib, x: lib.F.log_softmax(x, dim=-1)


def conv1d(rng: np.random.Generator) -> Any:
    """Input and weight both differentiated (a bilinear map)."""
    stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    arrays = [rng.standard_normal((1, 2, 5)), rng.standard_normal((3, 2, 2))]
    return (
        arrays,
        True,
        lambda lib, x, w: lib.F.conv1d(x, w, stride=stride, padding=padding).tanh(),
    )


def conv2d(rng: np.random.Generator) -> Any:
    """A fixed weight: linear in the input, then a non-linearity."""
    weight = rng.standard_normal((2, 2, 2, 2))
    stride, dilation = int(rng.integers(1, 3)), int(rng.integers(1, 3))

    def fn(lib: Library, x: Any) -> Any:
        y = lib.F.conv2d(x, lib.tensor(weight), stride=stride, padding=1, dilation=dilation)
        return y.sigmoid()

    return [rng.standard_normal((1, 2, 3, 3))], False, fn


def conv_transpose2d(rng: np.random.Generator) -> Any:
    """No output_padding here: torch's double backward of conv_transpose2d refuses it
    (see test_hvp_through_output_padding, where torch cannot be the oracle for all).
    """
    stride = int(rng.integers(1, 3))
    padding = int(rng.integers(0, 2))

    def fn(lib: Library, y: Any, w: Any) -> Any:
        x = lib.F.conv_transpose2d(y, w, stride=stride, padding=padding)
        return x * x.tanh()

    return [rng.standard_normal((1, 2, 2, 2)), rng.standard_normal((2, 2, 2, 2))], True, fn


CASES: dict[str, Case] = {
    case.__name__: case
    for case in (
        elementwise,
        matmul,
        reductions,
        pairs,
        log_softmax,
        conv1d,
        conv2d,
        conv_transpose2d,
    )
}


def scalar(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A scalar function of the same inputs, for hessian, hvp and vhp."""

    def wrapped(lib: Library, *inputs: Any) -> Any:
        outputs = fn(lib, *inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return sum((o * o.tanh()).sum() for o in outputs)

    return wrapped


# ---- the one torch-oracle helper -------------------------------------------------------------


def call(
    lib: Library,
    name: str,
    fn: Callable[..., Any],
    arrays: list[np.ndarray],
    is_tuple: bool,
    v_arrays: list[np.ndarray] | None,
    v_is_tuple: bool,
    create_graph: bool,
) -> tuple[list[Any], Any]:
    """Run ``lib``'s ``name`` on ``fn``; returns the leaves to differentiate and the answer."""
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    leaves = list(inputs)
    function = getattr(lib.functional, name)
    given = tuple(inputs) if is_tuple else inputs[0]
    if v_arrays is None:
        return leaves, function(lambda *xs: fn(lib, *xs), given, create_graph=create_graph)
    vectors = [lib.tensor(a, requires_grad=create_graph) for a in v_arrays]
    if create_graph:
        leaves += vectors
    v = tuple(vectors) if v_is_tuple else vectors[0]
    return leaves, function(lambda *xs: fn(lib, *xs), given, v, create_graph=create_graph)


def flat(tree: Any) -> list[Any]:
    if isinstance(tree, tuple):
        return [leaf for item in tree for leaf in flat(item)]
    return [tree]


def assert_same_tree(got: Any, want: Any, path: str = "answer") -> None:
    """The same nesting of tuples, and tensors of equal shape, requires_grad and (closely)
    equal values.
    """
    if isinstance(want, tuple):
        assert isinstance(got, tuple), f"{path}: expected a tuple, got {type(got).__name__}"
        assert len(got) == len(want), f"{path}: length {len(got)}, expected {len(want)}"
        for index, (g, w) in enumerate(zip(got, want)):
            assert_same_tree(g, w, f"{path}[{index}]")
        return
    assert isinstance(got, mg.Tensor), f"{path}: expected a Tensor, got {type(got).__name__}"
    assert got.shape == tuple(want.shape), f"{path}: shape {got.shape}, expected {want.shape}"
    assert got.requires_grad == want.requires_grad, f"{path}: requires_grad differs"
    np.testing.assert_allclose(
        got.detach().numpy(), want.detach().numpy(), **TOLERANCE, err_msg=path
    )


def check_against_torch(name: str, case: str, seed: int, create_graph: bool = False) -> None:
    """``name`` on ``CASES[case]``, minigrad vs torch; with ``create_graph``, also the
    gradient of a weighted sum of the answer with respect to the inputs (and ``v``).
    """
    rng = np.random.default_rng(seed)
    arrays, is_tuple, fn = CASES[case](rng)
    if name in ("hessian", "hvp", "vhp"):
        fn = scalar(fn)
    v_arrays, v_is_tuple = None, is_tuple
    if name == "vjp":
        outputs = fn(TORCH, *[TORCH.tensor(a) for a in arrays])
        v_is_tuple = isinstance(outputs, tuple)
        v_arrays = [rng.standard_normal(tuple(o.shape)) for o in flat(outputs)]
    elif name in ("jvp", "hvp", "vhp"):
        v_arrays = [rng.standard_normal(a.shape) for a in arrays]
    arguments = (name, fn, arrays, is_tuple, v_arrays, v_is_tuple, create_graph)
    mg_leaves, got = call(MG, *arguments)
    torch_leaves, want = call(TORCH, *arguments)
    assert_same_tree(got, want)
    if not create_graph:
        return
    derivatives_got = flat(got[1] if v_arrays is not None else got)
    derivatives_want = flat(want[1] if v_arrays is not None else want)
    weights = [rng.standard_normal(tuple(t.shape)) for t in derivatives_want]
    total_got = sum((t * MG.tensor(c)).sum() for t, c in zip(derivatives_got, weights))
    total_want = sum((t * TORCH.tensor(c)).sum() for t, c in zip(derivatives_want, weights))
    assert total_got.requires_grad == total_want.requires_grad
    if total_want.requires_grad:
        for index, (g, w) in enumerate(
            zip(MG.grad(total_got, mg_leaves), TORCH.grad(total_want, torch_leaves))
        ):
            np.testing.assert_allclose(g, w, **TOLERANCE, err_msg=f"second order, leaf {index}")


@needs_torch
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name: str, case: str, seed: int) -> None:
    check_against_torch(name, case, seed)


@needs_torch
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", NAMES)
def test_create_graph_gives_torch_second_order(name: str, case: str) -> None:
    check_against_torch(name, case, seed=100, create_graph=True)


@needs_torch
def test_hvp_through_output_padding_where_torch_double_backward_refuses():
    """torch's hvp (the double-vjp trick) cannot differentiate conv_transpose2d's double
    backward with output_padding; its vhp can, and the Hessian is symmetric, so vhp is
    the oracle. One order higher, where torch refuses too, gradcheck is.
    """
    rng = np.random.default_rng(7)
    y, w, v = rng.standard_normal((1, 2, 2, 2)), rng.standard_normal((2, 2, 2, 2)), None
    v = (rng.standard_normal(y.shape), rng.standard_normal(w.shape))

    def fn(lib: Library, y: Any, w: Any) -> Any:
        x = lib.F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)
        return (x * x.tanh()).sum()

    with pytest.raises(RuntimeError, match="output_padding"):
        call(TORCH, "hvp", fn, [y, w], True, list(v), True, False)
    _, (_, got) = call(MG, "hvp", fn, [y, w], True, list(v), True, False)
    _, (_, want) = call(TORCH, "vhp", fn, [y, w], True, list(v), True, False)
    assert_same_tree(got, want)

    vectors = tuple(mg.tensor(a) for a in v)

    def product(*inputs: mg.Tensor) -> tuple[mg.Tensor, ...]:
        _, answer = mg.autograd.functional.hvp(
            lambda *xs: fn(MG, *xs), inputs, vectors, create_graph=True
        )
        return answer

    inputs = [mg.tensor(y, requires_grad=True), mg.tensor(w, requires_grad=True)]
    assert mg.autograd.gradcheck(product, inputs)


# ---- the rules: strict mode, v=None, bad arguments ------------------------------------------


def twice(lib: Library, x: Any, y: Any) -> Any:
    """Independent of its second input; linear in its first."""
    return x * 2.0


def cubed_sum_of_first(lib: Library, x: Any, y: Any) -> Any:
    return (x**3).sum()


def functional_call(name: str, fn: Callable[..., Any], **kwargs: Any) -> Callable[[Library], Any]:
    """A call of ``name`` on ``fn`` at fixed inputs (v of ones where it is needed)."""

    def run(lib: Library) -> Any:
        inputs = (lib.tensor(np.arange(1.0, 4.0)), lib.tensor(np.arange(2.0, 5.0)))
        function = getattr(lib.functional, name)
        arguments: list[Any] = [lambda *xs: fn(lib, *xs), inputs]
        if name == "vjp":
            arguments.append(lib.module.ones(3, dtype=lib.module.float64))
        elif name in ("jvp", "hvp", "vhp"):
            arguments.append(tuple(lib.module.ones(3, dtype=lib.module.float64) for _ in inputs))
        return function(*arguments, **kwargs)

    return run


STRICT_ERRORS = {
    # an output that does not depend on an input
    "vjp": functional_call("vjp", twice, strict=True),
    "jvp": functional_call("jvp", twice, strict=True),
    "jacobian": functional_call("jacobian", twice, strict=True),
    # a gradient that does not depend on an input (the second is unused)
    "hessian": functional_call("hessian", cubed_sum_of_first, strict=True),
    "hvp": functional_call("hvp", cubed_sum_of_first, strict=True),
    "vhp": functional_call("vhp", cubed_sum_of_first, strict=True),
    # a Jacobian that does not depend on the inputs (a linear function), with create_graph
    "jacobian create_graph": functional_call("jacobian", twice, strict=True, create_graph=True),
    "vjp create_graph": functional_call(
        "vjp", lambda lib, x, y: x * 2 + y, strict=True, create_graph=True
    ),
    # a Hessian that does not depend on the inputs (a quadratic), with create_graph
    "vhp create_graph": functional_call(
        "vhp", lambda lib, x, y: (x * x).sum() + (y * y).sum(), strict=True, create_graph=True
    ),
    "vjp constant output": functional_call(
        "vjp", lambda lib, x, y: lib.tensor(np.ones(3)), strict=True
    ),
}


@pytest.mark.parametrize("case", STRICT_ERRORS)
def test_strict_mode_raises_as_torch(case: str) -> None:
    if torch is not None:
        with pytest.raises(RuntimeError):
            STRICT_ERRORS[case](TORCH)
    with assert_raises_with(RuntimeError, "strict=True"):
        STRICT_ERRORS[case](MG)


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_non_strict_gives_zeros_as_torch(name: str) -> None:
    fn = twice if name in ("vjp", "jvp", "jacobian") else cubed_sum_of_first
    got = functional_call(name, fn)(MG)
    want = functional_call(name, fn)(TORCH)
    assert_same_tree(got, want)


def test_strict_error_names_the_output_and_the_input() -> None:
    with assert_raises_with(RuntimeError, "output 0", "input 1", "strict=True"):
        STRICT_ERRORS["jacobian"](MG)


def one_element(lib: Library) -> Any:
    return lib.tensor(np.array([[1.5]]))


def two_elements(lib: Library) -> Any:
    return lib.tensor(np.array([1.5, -0.5]))


V_NONE = {
    # name: (input, works?)
    "vjp one-element output": ("vjp", one_element, True),
    "vjp two-element output": ("vjp", two_elements, False),
    "jvp one-element input": ("jvp", one_element, True),
    "jvp two-element input": ("jvp", two_elements, False),
    "hvp one-element input": ("hvp", one_element, True),
    "hvp two-element input": ("hvp", two_elements, False),
    "vhp one-element input": ("vhp", one_element, True),
    "vhp two-element input": ("vhp", two_elements, False),
}


@needs_torch
@pytest.mark.parametrize("case", V_NONE)
def test_v_none_only_for_a_single_element(case: str) -> None:
    name, make_input, works = V_NONE[case]
    # vjp's output has its input's shape; hvp and vhp need a scalar output
    fn = (lambda x: x.exp()) if name in ("vjp", "jvp") else (lambda x: (x.exp()).sum())

    def run(lib: Library) -> Any:
        return getattr(lib.functional, name)(fn, make_input(lib))

    if works:
        assert_same_tree(run(MG), run(TORCH))
    else:
        with pytest.raises(RuntimeError):
            run(TORCH)
        with assert_raises_with(ValueError, f"{name}: v: None is allowed only"):
            run(MG)


def x_and_y(lib: Library) -> tuple[Any, Any]:
    return lib.tensor(np.ones(3)), lib.tensor(np.ones(2))


BAD_ARGUMENTS: dict[str, tuple[Callable[[Library], Any], type[BaseException], tuple[str, ...]]] = {
    "inputs a list": (
        lambda lib: lib.functional.jacobian(lambda x: x, [lib.tensor(np.ones(2))]),
        TypeError,
        ("jacobian: inputs:", "list"),
    ),
    "inputs holding a number": (
        lambda lib: lib.functional.vjp(lambda x, y: x, (lib.tensor(np.ones(2)), 3.0)),
        TypeError,
        ("vjp: inputs[1]:", "float"),
    ),
    "outputs not tensors": (
        lambda lib: lib.functional.jacobian(lambda x: [x], lib.tensor(np.ones(2))),
        TypeError,
        ("jacobian: outputs of the user-provided function", "list"),
    ),
    "v an array": (
        lambda lib: lib.functional.vjp(lambda x: x, lib.tensor(np.ones(2)), np.ones(2)),
        TypeError,
        ("vjp: v:", "ndarray"),
    ),
    "v too short": (
        lambda lib: lib.functional.jvp(lambda x, y: x, x_and_y(lib), (lib.tensor(np.ones(3)),)),
        ValueError,
        ("jvp: v:", "2 tensors", "got 1"),
    ),
    "v a tuple for one tensor": (
        lambda lib: lib.functional.vjp(
            lambda x: x, lib.tensor(np.ones(2)), (lib.tensor(np.ones(2)),) * 2
        ),
        ValueError,
        ("vjp: v:", "single Tensor", "got a tuple of 2"),
    ),
    "v of the wrong shape": (
        lambda lib: lib.functional.vjp(
            lambda x: x * 2, lib.tensor(np.ones(2)), lib.tensor(np.ones(3))
        ),
        ValueError,
        ("vjp: v:", "expected shape (2,)", "got (3,)"),
    ),
    "v entry of the wrong shape": (
        lambda lib: lib.functional.hvp(
            lambda x, y: (x * x).sum() + (y * y).sum(),
            x_and_y(lib),
            (lib.tensor(np.ones(3)), lib.tensor(np.ones(3))),
        ),
        ValueError,
        ("hvp: v[1]:", "expected shape (2,)", "got (3,)"),
    ),
    "hessian of a vector": (
        lambda lib: lib.functional.hessian(lambda x: x * x, lib.tensor(np.ones(2))),
        RuntimeError,
        ("hessian:", "single element", "(2,)"),
    ),
    "hessian of a tuple": (
        lambda lib: lib.functional.hessian(lambda x: (x.sum(), x.sum()), lib.tensor(np.ones(2))),
        RuntimeError,
        ("hessian:", "single Tensor", "tuple"),
    ),
    "vhp of a vector": (
        lambda lib: lib.functional.vhp(
            lambda x: x * x, lib.tensor(np.ones(2)), lib.tensor(np.ones(2))
        ),
        RuntimeError,
        ("vhp:", "single element"),
    ),
    "hvp of a tuple": (
        lambda lib: lib.functional.hvp(
            lambda x: (x.sum(), x.sum()), lib.tensor(np.ones(2)), lib.tensor(np.ones(2))
        ),
        RuntimeError,
        ("hvp:", "single Tensor"),
    ),
    "unknown strategy": (
        lambda lib: lib.functional.jacobian(lambda x: x, lib.tensor(np.ones(2)), strategy="both"),
        AssertionError,
        ("jacobian: strategy:", "'both'"),
    ),
    "unknown outer strategy": (
        lambda lib: lib.functional.hessian(
            lambda x: x.sum(), lib.tensor(np.ones(2)), outer_jacobian_strategy="sideways"
        ),
        AssertionError,
        ("hessian: outer_jacobian_strategy:", "'sideways'"),
    ),
    "forward mode without vectorize": (
        lambda lib: lib.functional.jacobian(
            lambda x: x, lib.tensor(np.ones(2)), strategy="forward-mode"
        ),
        NotImplementedError,
        ("vectorize=True",),
    ),
    "forward mode with create_graph": (
        lambda lib: lib.functional.jacobian(
            lambda x: x,
            lib.tensor(np.ones(2)),
            create_graph=True,
            strategy="forward-mode",
            vectorize=True,
        ),
        NotImplementedError,
        ("create_graph=True",),
    ),
    "forward mode with strict": (
        lambda lib: lib.functional.jacobian(
            lambda x: x,
            lib.tensor(np.ones(2)),
            strict=True,
            strategy="forward-mode",
            vectorize=True,
        ),
        RuntimeError,
        ("strict=True",),
    ),
    "vectorize with strict": (
        lambda lib: lib.functional.jacobian(
            lambda x: x * 2, lib.tensor(np.ones(2)), strict=True, vectorize=True
        ),
        RuntimeError,
        ("strict=True", "vectorize=True"),
    ),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS)
def test_bad_arguments_raise_as_torch(case: str) -> None:
    run, exception, fragments = BAD_ARGUMENTS[case]
    if torch is not None:
        # torch reports a bad v as a RuntimeError; minigrad's error is both
        with pytest.raises(RuntimeError if exception is ValueError else exception):
            run(TORCH)
    with assert_raises_with(exception, *fragments):
        run(MG)


def test_bad_v_and_strategy_errors_are_also_the_other_kind() -> None:
    """PyTorch's types, and the ValueError that minigrad's contract asks for."""
    with pytest.raises(RuntimeError):
        BAD_ARGUMENTS["v of the wrong shape"][0](MG)
    with pytest.raises(ValueError):
        BAD_ARGUMENTS["unknown strategy"][0](MG)


# ---- forward mode, vectorize, grad mode, detaching -------------------------------------------


@needs_torch
@pytest.mark.parametrize("case", ["elementwise", "matmul", "reductions", "pairs", "conv2d"])
def test_forward_mode_jacobian_matches_torch(case: str) -> None:
    """The oracle is torch's reverse mode: the same Jacobian, nested as torch documents
    (its forward mode answers a tuple of inputs with lists, and needs functorch).
    """
    arrays, is_tuple, fn = CASES[case](np.random.default_rng(3))

    def run(lib: Library, **kwargs: Any) -> Any:
        inputs = tuple(lib.tensor(a) for a in arrays)
        given = inputs if is_tuple else inputs[0]
        return lib.functional.jacobian(lambda *xs: fn(lib, *xs), given, **kwargs)

    forward = {"vectorize": True, "strategy": "forward-mode"}
    assert_same_tree(run(MG, **forward), run(TORCH))
    assert_same_tree(run(MG, vectorize=True), run(TORCH, vectorize=True))


@needs_torch
@pytest.mark.parametrize("case", ["elementwise", "matmul", "conv1d"])
def test_forward_over_reverse_hessian_matches_torch(case: str) -> None:
    """Against torch's reverse-over-reverse Hessian (see the test above for why)."""
    arrays, is_tuple, fn = CASES[case](np.random.default_rng(4))
    fn = scalar(fn)

    def run(lib: Library, **kwargs: Any) -> Any:
        inputs = tuple(lib.tensor(a) for a in arrays)
        given = inputs if is_tuple else inputs[0]
        return lib.functional.hessian(lambda *xs: fn(lib, *xs), given, **kwargs)

    forward = {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}
    assert_same_tree(run(MG, **forward), run(TORCH))


def test_works_under_no_grad_and_leaves_the_inputs_alone() -> None:
    x = mg.tensor([0.5, -1.0, 2.0])
    with mg.no_grad():
        jacobian = mg.autograd.functional.jacobian(lambda t: t.exp(), x)
        _, product = mg.autograd.functional.hvp(lambda t: (t**3).sum(), x, mg.ones(3))
    np.testing.assert_array_equal(jacobian.numpy(), np.diag(np.exp(x.numpy())))
    np.testing.assert_array_equal(product.numpy(), 6 * x.numpy())
    assert not x.requires_grad and x.grad is None


def test_answers_are_detached_unless_create_graph() -> None:
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    out, product = mg.autograd.functional.vjp(lambda t: t * t, x, mg.ones(2))
    assert not out.requires_grad and not product.requires_grad
    out, product = mg.autograd.functional.vjp(lambda t: t * t, x, mg.ones(2), create_graph=True)
    assert out.requires_grad and product.requires_grad
    (second,) = mg.autograd.grad(product.sum(), x)
    np.testing.assert_array_equal(second.numpy(), [2.0, 2.0])
    assert x.grad is None


def test_the_function_gets_new_tensors() -> None:
    """As in PyTorch, func sees fresh tensors: a captured original is a constant."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    jacobian = mg.autograd.functional.jacobian(lambda t: t * x, x)
    np.testing.assert_array_equal(jacobian.numpy(), np.diag([1.0, 2.0]))


def test_an_empty_output_gives_an_empty_block() -> None:
    """torch's stack refuses here; the block of shape (0,) + input shape is the answer."""
    jacobian = mg.autograd.functional.jacobian(lambda t: t[:0], mg.ones(3, dtype=mg.float64))
    assert jacobian.shape == (0, 3)


# ---- conv-transpose's Jacobian is exactly the transpose of conv's ----------------------------

# (stride, padding, dilation, output_padding, groups); output_padding < stride, so that
# the conv of conv-transpose's output size gives back its input size.
CONV_SETTINGS = [
    (1, 0, 1, 0, 1),
    (2, 1, 1, 1, 1),
    (2, 0, 2, 1, 1),
    (3, 1, 1, 2, 1),
    (1, 1, 2, 0, 2),
    (2, 2, 1, 1, 2),
]


def conv_pair(dims: int, setting: tuple[int, ...], shape_y: tuple[int, ...]) -> dict[str, Any]:
    """A weight, the two maps (conv: x -> y, conv-transpose: y -> x) and their shapes."""
    stride, padding, dilation, output_padding, groups = setting
    kernel = 2 if dims == 3 else 3
    channels_x, channels_y = 2 * groups, 3 * groups
    weight = np.random.default_rng(dims).standard_normal(
        (channels_y, channels_x // groups) + (kernel,) * dims
    )
    size_x = tuple(
        (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
        for n in shape_y
    )
    conv = getattr(mg.nn.functional, f"conv{dims}d")
    conv_transpose = getattr(mg.nn.functional, f"conv_transpose{dims}d")
    w = mg.tensor(weight)
    return {
        "weight": weight,
        "x_shape": (1, channels_x) + size_x,
        "y_shape": (1, channels_y) + tuple(shape_y),
        "conv": lambda x: conv(
            x, w, stride=stride, padding=padding, dilation=dilation, groups=groups
        ),
        "conv_transpose": lambda y: conv_transpose(
            y,
            w,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        ),
    }


def matrix(jacobian: mg.Tensor, out_shape: tuple[int, ...]) -> np.ndarray:
    rows = int(np.prod(out_shape))
    return jacobian.numpy().reshape(rows, -1)


@pytest.mark.parametrize(
    ("dims", "shape_y"), [(1, (4,)), (2, (3, 2)), (3, (2, 2, 2))], ids=["1d", "2d", "3d"]
)
@pytest.mark.parametrize("setting", CONV_SETTINGS, ids=str)
def test_conv_transpose_jacobian_is_exactly_the_transposed_conv_jacobian(
    dims: int, shape_y: tuple[int, ...], setting: tuple[int, ...]
) -> None:
    """Every entry of either Jacobian is one weight times a one-hot 1.0 (each x, y pair
    meets through at most one tap), the other terms of its sum being exact zeros: so
    the two agree bit for bit, whatever the order of summation.
    """
    pair = conv_pair(dims, setting, shape_y)
    x = mg.tensor(np.random.default_rng(1).standard_normal(pair["x_shape"]))
    y = mg.tensor(np.random.default_rng(2).standard_normal(pair["y_shape"]))
    assert pair["conv"](x).shape == pair["y_shape"]
    assert pair["conv_transpose"](y).shape == pair["x_shape"]
    of_conv = matrix(mg.autograd.functional.jacobian(pair["conv"], x), pair["y_shape"])
    of_transpose = matrix(
        mg.autograd.functional.jacobian(pair["conv_transpose"], y), pair["x_shape"]
    )
    assert np.array_equal(of_transpose, of_conv.T)
    # and the matrix is the right one (its entries are the weight's)
    assert set(np.unique(of_conv)) <= set(pair["weight"].ravel()) | {0.0}
    if torch is not None:
        torch_weight = torch.tensor(pair["weight"])
        stride, padding, dilation, _, groups = setting
        torch_conv = getattr(torch.nn.functional, f"conv{dims}d")
        want = torch.autograd.functional.jacobian(
            lambda t: torch_conv(
                t, torch_weight, stride=stride, padding=padding, dilation=dilation, groups=groups
            ),
            torch.tensor(x.numpy()),
        )
        np.testing.assert_allclose(of_conv, want.numpy().reshape(of_conv.shape), **TOLERANCE)
