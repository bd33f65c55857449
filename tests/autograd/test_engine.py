"""The engine: backward and grad, graph lifetime, higher order, and PyTorch's semantics."""

from __future__ import annotations

import gc
import inspect
import warnings
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import engine
from tests.helpers import assert_close, assert_raises_with, randn


def _leaf(*shape, seed=0):
    return mg.tensor(randn(*shape, seed=seed), requires_grad=True)


# ---- higher order -------------------------------------------------------------------------


def test_third_derivative_of_a_polynomial_equals_the_closed_form():
    # p(x) = 3x^4 - 2x^3 + x - 5:  p' = 12x^3 - 6x^2 + 1,  p'' = 36x^2 - 12x,  p''' = 72x - 12
    values = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
    x = mg.tensor(values, requires_grad=True)
    p = 3 * x**4 - 2 * x**3 + x - 5
    (d1,) = mg.autograd.grad(p.sum(), x, create_graph=True)
    (d2,) = mg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = mg.autograd.grad(d2.sum(), x)
    assert_close(d1, 12 * values**3 - 6 * values**2 + 1)
    assert_close(d2, 36 * values**2 - 12 * values)
    assert_close(d3, 72 * values - 12)


def test_backward_with_create_graph_gives_a_differentiable_grad():
    x = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
    (x.tanh() * x).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.grad_fn is not None
    (second,) = mg.autograd.grad(first.sum(), x)
    t = np.tanh(x.detach().numpy())
    # d/dx [tanh' x + tanh] = tanh'' x + 2 tanh'  with  tanh' = 1 - t^2,  tanh'' = -2 t (1 - t^2)
    expected = -2 * t * (1 - t**2) * x.detach().numpy() + 2 * (1 - t**2)
    assert_close(second, expected)


def _mlp_loss(params, inputs, targets):
    """Mean squared error of a one-hidden-layer tanh MLP (the same code runs on torch)."""
    w1, b1, w2 = params
    hidden = (inputs @ w1.T + b1).tanh()
    return ((hidden @ w2.T - targets) ** 2).mean()


def _mlp_data():
    rng = np.random.default_rng(3)
    params = [rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((1, 4))]
    vectors = [rng.standard_normal(p.shape) for p in params]
    return params, vectors, rng.standard_normal((5, 3)), rng.standard_normal((5, 1))


def _minigrad_hvp(params, vectors, inputs, targets):
    leaves = [mg.tensor(p, requires_grad=True) for p in params]
    loss = _mlp_loss(leaves, mg.tensor(inputs), mg.tensor(targets))
    grads = mg.autograd.grad(loss, leaves, create_graph=True)
    dot = sum((g * mg.tensor(v)).sum() for g, v in zip(grads, vectors))
    return [h.numpy() for h in mg.autograd.grad(dot, leaves)]


def test_hessian_vector_product_of_an_mlp_matches_torch(torch):
    params, vectors, inputs, targets = _mlp_data()
    ours = _minigrad_hvp(params, vectors, inputs, targets)

    def loss_fn(*p):
        return _mlp_loss(p, torch.tensor(inputs), torch.tensor(targets))

    _, theirs = torch.autograd.functional.hvp(
        loss_fn, tuple(torch.tensor(p) for p in params), tuple(torch.tensor(v) for v in vectors)
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    params, vectors, inputs, targets = _mlp_data()
    ours = _minigrad_hvp(params, vectors, inputs, targets)

    def gradient(step):
        leaves = [mg.tensor(p + step * v, requires_grad=True) for p, v in zip(params, vectors)]
        loss = _mlp_loss(leaves, mg.tensor(inputs), mg.tensor(targets))
        return [g.numpy() for g in mg.autograd.grad(loss, leaves)]

    eps = 1e-5
    plus, minus = gradient(eps), gradient(-eps)
    for h, a, b in zip(ours, plus, minus):
        np.testing.assert_allclose(h, (a - b) / (2 * eps), rtol=1e-5, atol=1e-7)


# ---- graph semantics ----------------------------------------------------------------------


def test_leaf_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert not x.grad.requires_grad


def test_non_leaf_grad_only_after_retain_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    kept = x * 3
    kept.retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None
    assert kept.grad.tolist() == [2.0, 4.0]
    assert x.grad.tolist() == [12.0, 24.0]


def test_retained_grad_accumulates_like_pytorch(torch):
    ours = mg.tensor([1.0, 2.0], requires_grad=True)
    theirs = torch.tensor([1.0, 2.0], requires_grad=True)
    results = []
    for x in (ours, theirs):
        y = x * 2
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        results.append(y.grad.tolist())
    assert results[0] == results[1] == [8.0, 16.0]


def test_second_backward_through_a_freed_graph_raises():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with assert_raises_with(RuntimeError, "second time", "retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_grad_frees_the_graph_too_unless_retained():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mg.autograd.grad(y, x, retain_graph=True)
    mg.autograd.grad(y, x)
    with assert_raises_with(RuntimeError, "retain_graph=True"):
        mg.autograd.grad(y, x)


def test_a_graph_is_freed_after_backward():
    x = mg.tensor(randn(3), requires_grad=True)
    middle = x * 2
    middle_ref = weakref.ref(middle)
    middle_array = weakref.ref(middle.detach().numpy())
    absolute = middle.abs()
    sign_ref = weakref.ref(absolute.grad_fn.ctx.saved["sign"])
    loss = absolute.exp().sum()
    del middle, absolute
    gc.collect()
    assert middle_ref() is not None and sign_ref() is not None  # the tape holds them
    loss.backward()
    gc.collect()
    assert middle_ref() is None
    assert middle_array() is None
    assert sign_ref() is None


def test_retain_graph_keeps_saved_values():
    x = mg.tensor(randn(3), requires_grad=True)
    absolute = (x * 2).abs()
    sign_ref = weakref.ref(absolute.grad_fn.ctx.saved["sign"])
    loss = absolute.sum()
    del absolute
    loss.backward(retain_graph=True)
    gc.collect()
    assert sign_ref() is not None


def test_diamond_graph_adds_both_paths():
    x = mg.tensor([0.5, -2.0], dtype=mg.float64, requires_grad=True)
    shared = x * x
    out = (shared.exp() + shared * 3).sum()
    out.backward()
    values = x.detach().numpy()
    assert_close(x.grad, 2 * values * (np.exp(values**2) + 3))


def test_leaf_gradients_never_share_memory():
    x = _leaf(2)
    y = _leaf(2, seed=1)
    seed = mg.ones(2, dtype=mg.float64)
    (x + y).backward(seed)
    x.grad.numpy()[0] = 99.0
    assert y.grad.tolist() == [1.0, 1.0]
    assert seed.tolist() == [1.0, 1.0]
    z = _leaf(2)
    z.backward(seed)
    z.grad.numpy()[0] = 99.0
    assert seed.tolist() == [1.0, 1.0]


def test_the_same_tensor_used_twice_in_one_op():
    x = mg.tensor([3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [6.0]


def test_backward_is_deterministic_to_the_bit():
    def run():
        mg.manual_seed(7)
        x = mg.randn(50, 40, requires_grad=True)
        w = mg.randn(40, 30, requires_grad=True)
        hidden = (x @ w).tanh()
        loss = (hidden * hidden.sigmoid()).sum(0).mean() + hidden[::2].var() + x.max()
        loss.backward()
        return x.grad.numpy().copy(), w.grad.numpy().copy()

    first, second = run(), run()
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x = _leaf(3)
    y = _leaf(3, seed=1)
    gx, gy = mg.autograd.grad((x * y).sum(), [x, y])
    assert_close(gx, y.detach())
    assert_close(gy, x.detach())
    assert x.grad is None and y.grad is None


# ---- the four steps ---------------------------------------------------------------------


class _Refused(mg.autograd.Function):
    """out = x.   Its backward must never run."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        raise AssertionError("a backward that no target needs ran")


def test_the_four_steps_called_in_order_are_backward():
    x, w = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = ((x * w).tanh() + w).sum()
    graph = engine.discover([loss], None)
    assert set(graph.consumers) >= {loss.grad_fn} and not graph.silent
    with mg.no_grad():
        gradients = engine.seed(graph, [loss], [mg.ones(())])
        engine.propagate(graph, gradients, retain_graph=True)
    engine.finish(gradients, create_graph=False)
    stepped = [x.grad.numpy().copy(), w.grad.numpy().copy()]
    x.grad = w.grad = None
    loss.backward()
    assert [x.grad.tolist(), w.grad.tolist()] == [stepped[0].tolist(), stepped[1].tolist()]


def test_discover_keeps_only_the_nodes_on_a_path_to_an_input():
    x, other = _leaf(3, seed=1), _leaf(3, seed=2)
    middle = x.exp()
    side = _Refused.apply(other)
    loss = (middle * middle).sum() + side.sum()
    graph = engine.discover([loss], [middle])
    assert middle.grad_fn in graph.consumers and side.grad_fn not in graph.consumers
    # middle's own op is kept (its gradient is wanted) but does not run.
    assert graph.silent == {middle.grad_fn}
    assert x.grad_fn is None and graph.leaves == set()


def test_a_branch_that_leads_to_no_input_is_never_run():
    x, other = _leaf(3, seed=1), _leaf(3, seed=2)
    loss = (x * 2).sum() + _Refused.apply(other).sum()
    (gx,) = mg.autograd.grad(loss, x, retain_graph=True)
    loss.backward(inputs=[x])
    assert gx.tolist() == [2.0, 2.0, 2.0] and x.grad.tolist() == [2.0, 2.0, 2.0]
    assert other.grad is None


def test_grad_with_respect_to_a_non_leaf():
    x = _leaf(3)
    middle = x.exp()
    loss = (middle * middle).sum()
    (g_middle,) = mg.autograd.grad(loss, middle)
    assert_close(g_middle, 2 * np.exp(x.detach().numpy()))


def test_grad_with_respect_to_a_non_leaf_keeps_its_history(torch):
    """grad(loss, middle) does not run middle's own op, so its graph stays usable."""
    results = []
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        middle = x.exp()
        lib.autograd.grad((middle * middle).sum(), middle)
        middle.sum().backward()
        results.append(x.grad.tolist())
    assert results[0] == pytest.approx(results[1])


def test_grad_with_respect_to_a_non_leaf_matches_torch(torch):
    values = randn(3)
    x = mg.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    m_mid = x * 2
    t_mid = t * 2
    ours = mg.autograd.grad((m_mid.tanh() * x).sum(), [m_mid, x])
    theirs = torch.autograd.grad((t_mid.tanh() * t).sum(), [t_mid, t])
    for a, b in zip(ours, theirs):
        assert_close(a, b)


def test_grad_allow_unused():
    x, unused = _leaf(2), _leaf(2, seed=1)
    loss = (x * x).sum()
    with assert_raises_with(RuntimeError, "inputs[1]", "allow_unused=True"):
        mg.autograd.grad(loss, [x, unused], retain_graph=True)
    gx, gu = mg.autograd.grad(loss, [x, unused], allow_unused=True)
    assert gu is None
    assert_close(gx, 2 * x.detach())


def test_grad_with_grad_outputs_for_a_non_scalar():
    x = _leaf(2, 3)
    seed = randn(2, 3, seed=4)
    (gx,) = mg.autograd.grad(x * 3, x, grad_outputs=mg.tensor(seed))
    assert_close(gx, 3 * seed)


def test_backward_of_several_roots():
    x = _leaf(2)
    mg.autograd.backward([(x * 2).sum(), (x * x).sum()])
    assert_close(x.grad, 2 + 2 * x.detach())


def test_backward_on_a_leaf_root():
    x = _leaf(2, 2)
    x.backward(mg.ones(2, 2, dtype=mg.float64))
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_non_scalar_backward_without_gradient_raises():
    x = _leaf(2, 3)
    with assert_raises_with(ValueError, "scalar outputs", "(2, 3)", "gradient"):
        (x * 2).backward()
    with assert_raises_with(RuntimeError, "scalar outputs", "grad_outputs"):
        mg.autograd.grad(x * 2, x)


def test_bad_gradient_arguments_name_the_argument():
    x = _leaf(2, 3)
    with assert_raises_with(ValueError, "gradient", "(2, 3)", "(3,)"):
        (x * 2).backward(mg.ones(3, dtype=mg.float64))
    with assert_raises_with(TypeError, "gradient", "ndarray"):
        (x * 2).backward(np.ones((2, 3)))
    with assert_raises_with(RuntimeError, "does not require grad"):
        mg.ones(2).sum().backward()
    with assert_raises_with(RuntimeError, "inputs[0]", "does not require grad"):
        mg.autograd.grad((x * 2).sum(), mg.ones(2))
    with assert_raises_with(TypeError, "inputs[0]", "list"):
        mg.autograd.grad((x * 2).sum(), [[x]])


def test_engine_names_the_op_whose_backward_returns_a_wrong_shape():
    class Forgetful(mg.autograd.Function):
        """out = x + y, with a backward that forgets to sum_to the broadcast input."""

        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = _leaf(2, 3)
    y = _leaf(3)
    with assert_raises_with(RuntimeError, "Forgetful.backward", "(2, 3)", "(3,)"):
        Forgetful.apply(x, y).sum().backward()


def test_backward_inside_no_grad_still_computes_gradients():
    x = _leaf(3)
    loss = (x * x).sum()
    with mg.no_grad():
        loss.backward()
    assert_close(x.grad, 2 * x.detach())


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_records_a_graph_only_with_create_graph(create_graph):
    x = _leaf(3)
    (x.exp()).sum().backward(create_graph=create_graph)
    assert x.grad.requires_grad is create_graph


# ---- PyTorch's full keyword set, against torch ---------------------------------------------


def _graph(lib):
    """x, y leaves; h = x * y a non-leaf; loss = sum(h^2) + sum(x)."""
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([3.0], dtype=lib.float64, requires_grad=True)
    h = x * y
    return x, y, h, (h * h).sum() + x.sum()


def _grads(*tensors):
    with warnings.catch_warnings():
        # torch warns when a non-leaf's .grad is read without retain_grad().
        warnings.simplefilter("ignore", UserWarning)
        return [None if t.grad is None else t.grad.detach().numpy().tolist() for t in tensors]


def test_signatures_match_torch(torch):
    for ours, theirs in [
        (mg.autograd.grad, torch.autograd.grad),
        (mg.autograd.backward, torch.autograd.backward),
    ]:
        ours_parameters = inspect.signature(ours).parameters
        theirs_parameters = inspect.signature(theirs).parameters
        assert list(ours_parameters) == list(theirs_parameters)
        for name, parameter in theirs_parameters.items():
            assert ours_parameters[name].default == parameter.default, name


@pytest.mark.parametrize(
    "inputs",
    [lambda x, y, h: [x], lambda x, y, h: [h], lambda x, y, h: [h, x], lambda x, y, h: (y,)],
)
def test_backward_inputs_fill_only_those_grads_as_torch(torch, inputs):
    """A non-leaf input accumulates into its .grad, as a leaf does; others stay None."""
    results = []
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        lib.autograd.backward(loss, inputs=inputs(x, y, h), retain_graph=True)
        lib.autograd.backward([loss], inputs=inputs(x, y, h))
        results.append(_grads(x, y, h))
    assert results[0] == results[1]


def test_backward_inputs_and_retain_grad_write_once_as_torch(torch):
    results = []
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        h.retain_grad()
        lib.autograd.backward(loss, inputs=[h, x])
        results.append(_grads(x, y, h))
    assert results[0] == results[1]


def test_grad_of_a_retained_non_leaf_fills_its_grad_as_torch(torch):
    """grad() leaves the inputs' .grad alone, but a retain_grad() tensor on the way (or
    asked for) gets its gradient, as in torch.
    """
    for target in ("x", "h"):
        results = []
        for lib in (mg, torch):
            x, y, h, loss = _graph(lib)
            h.retain_grad()
            lib.autograd.grad(loss, x if target == "x" else h)
            results.append(_grads(x, y, h))
        assert results[0] == results[1], target


def test_backward_inputs_errors():
    x, y, h, loss = _graph(mg)
    with assert_raises_with(ValueError, "backward", "inputs", "at least one"):
        mg.autograd.backward(loss, inputs=[])
    with assert_raises_with(RuntimeError, "inputs[0]", "does not require grad"):
        mg.autograd.backward(loss, inputs=[mg.ones(2)])
    with assert_raises_with(TypeError, "inputs[0]", "float"):
        mg.autograd.backward(loss, inputs=[1.0])
    assert x.grad is None and y.grad is None


def test_tensor_backward_takes_inputs(torch):
    results = []
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        loss.backward(inputs=[x])
        results.append(_grads(x, y, h))
    assert results[0] == results[1]


def test_grad_variables_is_the_deprecated_name_of_grad_tensors(torch):
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.warns(FutureWarning, match="grad_variables"):
            lib.autograd.backward(x * 3, grad_variables=lib.ones(2))
        assert x.grad.tolist() == [3.0, 3.0]
        with pytest.warns(FutureWarning), pytest.raises(RuntimeError, match="grad_tensors"):
            lib.autograd.backward(x * 3, lib.ones(2), grad_variables=lib.ones(2))


def test_only_inputs_false_warns_and_is_ignored_as_torch(torch):
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        with pytest.warns(FutureWarning, match="only_inputs"):
            (gx,) = lib.autograd.grad(loss, x, only_inputs=False, retain_graph=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.autograd.grad(loss, x, only_inputs=True)
        assert gx.tolist() == [19.0, 37.0] and x.grad is None and y.grad is None


@pytest.mark.parametrize(
    ("allow_unused", "materialize_grads"),
    [(None, False), (False, False), (True, False), (None, True), (True, True), (False, True)],
)
def test_unused_inputs_as_torch(torch, allow_unused, materialize_grads):
    """allow_unused=None means materialize_grads; materialize gives zeros; the two
    contradicting each other is refused.
    """
    outcomes = []
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        unused = lib.zeros(3, 2, dtype=lib.float64, requires_grad=True)
        try:
            answers = lib.autograd.grad(
                loss,
                [x, unused],
                allow_unused=allow_unused,
                materialize_grads=materialize_grads,
            )
        except (RuntimeError, ValueError) as error:
            outcomes.append(type(error).__name__ if lib is torch else "refused")
            continue
        outcomes.append([None if a is None else a.detach().numpy().tolist() for a in answers])
    if outcomes[1] in ("RuntimeError", "ValueError"):
        assert outcomes[0] == "refused"
    else:
        assert outcomes[0] == outcomes[1]


def test_refusing_materialize_with_allow_unused_false_is_a_value_error():
    x = _leaf(2)
    with assert_raises_with(ValueError, "allow_unused", "materialize_grads=True", "False"):
        mg.autograd.grad(x.sum(), x, allow_unused=False, materialize_grads=True)
    with assert_raises_with(RuntimeError, "inputs[1]", "allow_unused=True"):
        mg.autograd.grad(x.sum(), [x, _leaf(2)])


def test_materialized_zeros_follow_create_graph_as_torch(torch):
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = lib.tensor([3.0], requires_grad=True)
        for create_graph in (False, True):
            _, zeros = lib.autograd.grad(
                (x * x).sum(), [x, unused], materialize_grads=True, create_graph=create_graph
            )
            assert zeros.tolist() == [0.0] and zeros.requires_grad is create_graph


def test_inputs_as_a_dict_give_a_dict_as_torch(torch):
    results = []
    for lib in (mg, torch):
        x, y, h, loss = _graph(lib)
        unused = lib.ones(2, requires_grad=True)
        answers = lib.autograd.grad(loss, {"x": x, "y": y, "u": unused}, allow_unused=True)
        results.append({k: None if v is None else v.tolist() for k, v in answers.items()})
    assert results[0] == results[1]
    assert list(results[0]) == ["x", "y", "u"]


def test_a_seed_of_another_dtype_is_cast_as_torch(torch):
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward(lib.ones(2, dtype=lib.float64))
        assert x.grad.tolist() == [2.0, 2.0] and str(x.grad.dtype).endswith("float32")
        (gx,) = lib.autograd.grad(x.double().sum() * 3, x, lib.tensor(1.0))
        assert gx.tolist() == [3.0, 3.0] and str(gx.dtype).endswith("float32")


def _jacobian_case(lib):
    x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]], dtype=lib.float64, requires_grad=True)
    return x, w, (w @ x.tanh()) * x[:2]


@pytest.mark.parametrize("create_graph", [False, True])
def test_is_grads_batched_gives_the_rows_of_a_jacobian_as_torch(torch, create_graph):
    answers = []
    for lib in (mg, torch):
        x, w, y = _jacobian_case(lib)
        eye = lib.eye(2, dtype=lib.float64) if lib is torch else mg.tensor(np.eye(2))
        jx, jw = lib.autograd.grad(
            y, [x, w], eye, is_grads_batched=True, create_graph=create_graph
        )
        assert jx.shape == (2, 3) and jw.shape == (2, 2, 3)
        assert jx.requires_grad is create_graph
        answers.append([jx.detach().numpy(), jw.detach().numpy()])
        if create_graph:
            # The batched answers differentiate again: d/dx sum(J).
            (second,) = lib.autograd.grad(jx.sum(), x)
            answers[-1].append(second.detach().numpy())
    for ours, theirs in zip(*answers):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_is_grads_batched_frees_the_graph_only_after_the_last_row(torch):
    x, w, y = _jacobian_case(mg)
    mg.autograd.grad(y, x, mg.tensor(np.ones((3, 2))), is_grads_batched=True)
    with assert_raises_with(RuntimeError, "retain_graph=True"):
        mg.autograd.grad(y, x, mg.ones(2, dtype=mg.float64))
    x, w, y = _jacobian_case(mg)
    mg.autograd.grad(y, x, mg.tensor(np.ones((3, 2))), is_grads_batched=True, retain_graph=True)
    mg.autograd.grad(y, x, mg.ones(2, dtype=mg.float64))


def test_is_grads_batched_with_several_outputs_and_unused_inputs_as_torch(torch):
    results = []
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        unused = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        seeds = [lib.ones(3, 2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)]
        gx, gu = lib.autograd.grad(
            [x * x, x.sum()], [x, unused], seeds, is_grads_batched=True, materialize_grads=True
        )
        results.append((gx.tolist(), gu.tolist()))  # torch's zeros are not batched
    assert results[0] == results[1]


def test_is_grads_batched_errors():
    x = _leaf(2)
    with assert_raises_with(ValueError, "grad_outputs[0]", "(batch, *(2,))", "(3, 3)"):
        mg.autograd.grad(x * 2, x, mg.ones(3, 3, dtype=mg.float64), is_grads_batched=True)
    with assert_raises_with(TypeError, "grad_outputs[0]", "batch dim", "NoneType"):
        mg.autograd.grad(x * 2, x, is_grads_batched=True)
    with assert_raises_with(ValueError, "grad_outputs", "batch size", "[2, 3]"):
        mg.autograd.grad(
            [x * 2, x * 3],
            x,
            [mg.ones(2, 2, dtype=mg.float64), mg.ones(3, 2, dtype=mg.float64)],
            is_grads_batched=True,
        )
    with assert_raises_with(ValueError, "grad_outputs", "at least 1", "[0]"):
        mg.autograd.grad(x * 2, x, mg.ones(0, 2, dtype=mg.float64), is_grads_batched=True)
