"""Module: registration, tree walks, modes, grads, dtypes, repr, state dicts vs torch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn


def _architecture(nn, dtype):
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, dtype=dtype),
        nn.BatchNorm2d(4, dtype=dtype),
        nn.ReLU(),
        nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1, groups=1, dtype=dtype),
        nn.Flatten(),
        nn.Linear(3 * 8 * 8, 5, dtype=dtype),
        nn.Dropout(0.5),
    )


class Block(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = mg.nn.Parameter(mg.ones(2))
        self.register_buffer("count", mg.zeros(1))
        self.register_buffer("scratch", mg.zeros(1), persistent=False)
        self.inner = mg.nn.Linear(2, 2)
        self.shared = self.inner  # the same module twice: listed once

    def forward(self, x):
        return self.inner(x) * self.scale


def test_registration_and_walks():
    block = Block()
    assert [n for n, _ in block.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    assert len(list(block.parameters())) == 3
    assert [n for n, _ in block.named_buffers()] == ["count", "scratch"]
    assert len(list(block.buffers())) == 2
    assert [n for n, _ in block.named_children()] == ["inner"]
    assert list(block.children()) == [block.inner]
    assert [n for n, _ in block.named_modules()] == ["", "inner"]
    assert list(block.modules())[0] is block
    assert list(block.state_dict()) == ["scale", "count", "inner.weight", "inner.bias"]
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["scale"]
    block.inner = mg.nn.Identity()
    assert [n for n, _ in block.named_parameters()] == ["scale", "shared.weight", "shared.bias"]
    with assert_raises_with(TypeError, "buffer", "'count'"):
        block.count = 3.0
    with pytest.raises(AttributeError, match="missing"):
        block.missing  # noqa: B018


def test_nested_names_match_torch(torch):
    model, twin = _architecture(mg.nn, mg.float64), _architecture(torch.nn, torch.float64)
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in twin.named_parameters()]
    assert [n for n, _ in model.named_buffers()] == [n for n, _ in twin.named_buffers()]
    assert [n for n, _ in model.named_modules()] == [n for n, _ in twin.named_modules()]
    state, torch_state = model.state_dict(), twin.state_dict()
    assert list(state) == list(torch_state)
    for key in state:
        assert state[key].shape == tuple(torch_state[key].shape), key


def test_repr_matches_torch(torch):
    model, twin = _architecture(mg.nn, None), _architecture(torch.nn, None)
    assert repr(model) == repr(twin)


def test_train_eval_and_zero_grad():
    model = _architecture(mg.nn, mg.float64)
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(mg.randn(2, 2, 4, 4, dtype=mg.float64)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_dtype_keeps_parameter_objects():
    model = _architecture(mg.nn, None)
    params = list(model.parameters())
    assert model.double() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == mg.float64 for p in model.parameters())
    assert model[1].running_var.dtype == mg.float64
    assert model[1].num_batches_tracked.dtype == mg.int64
    assert model(mg.randn(1, 2, 4, 4, dtype=mg.float64)).dtype == mg.float64
    model.to(mg.float32)
    assert all(p.dtype == mg.float32 for p in model.parameters())
    with assert_raises_with(TypeError, "dtype", "floating", "int64"):
        model.to(mg.int64)


@pytest.mark.parametrize("direction", ["torch->minigrad", "minigrad->torch"])
def test_state_dict_moves_between_torch_and_minigrad(torch, direction):
    model, twin = _architecture(mg.nn, mg.float64), _architecture(torch.nn, torch.float64)
    # Train-mode passes give the BatchNorm buffers values worth moving.
    model(mg.randn(2, 2, 4, 4, dtype=mg.float64))
    twin(torch.randn(2, 2, 4, 4, dtype=torch.float64))
    if direction == "torch->minigrad":
        result = model.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
        assert result.missing_keys == [] and result.unexpected_keys == []
    else:
        twin.load_state_dict(
            {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()},
            strict=True,
        )
    for key, value in twin.state_dict().items():
        assert np.array_equal(model.state_dict()[key].numpy(), value.numpy()), key
    model.eval()
    twin.eval()
    x = randn(3, 2, 4, 4)
    got = model(mg.tensor(x)).detach().numpy()
    want = twin(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_load_state_dict_refuses_bad_dicts_without_partial_load():
    model = _architecture(mg.nn, None)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    good = {k: v.numpy() + 1 for k, v in model.state_dict().items()}
    missing = dict(good)
    del missing["5.bias"]
    extra = {**good, "9.weight": np.zeros(2)}
    misshaped = {**good, "0.weight": np.zeros((4, 2, 3, 2))}
    for bad, fragments in [
        (missing, ["Missing key(s)", '"5.bias"']),
        (extra, ["Unexpected key(s)", '"9.weight"']),
        (misshaped, ["size mismatch for '0.weight'", "(4, 2, 3, 2)", "(4, 2, 3, 3)"]),
    ]:
        with assert_raises_with(ValueError, "Sequential", *fragments):
            model.load_state_dict(bad)
        with pytest.raises(RuntimeError):  # what torch users catch
            model.load_state_dict(bad)
        for key, value in model.state_dict().items():
            assert np.array_equal(value.numpy(), before[key]), key
    result = model.load_state_dict(missing, strict=False)
    assert result.missing_keys == ["5.bias"]
    assert np.array_equal(model[5].weight.data.numpy(), good["5.weight"])
    with assert_raises_with(TypeError, "state_dict", "mapping", "list"):
        model.load_state_dict([1, 2])


def test_loaded_values_are_copies():
    layer = mg.nn.Linear(2, 2)
    values = {"weight": np.zeros((2, 2), np.float32), "bias": np.zeros(2, np.float32)}
    layer.load_state_dict(values)
    values["weight"][0, 0] = 5.0
    assert layer.weight.data.numpy()[0, 0] == 0.0


def test_containers():
    layers = [mg.nn.Linear(2, 2), mg.nn.ReLU(), mg.nn.Linear(2, 1)]
    model = mg.nn.Sequential(*layers)
    assert len(model) == 3 and model[-1] is layers[2] and list(model) == layers
    assert isinstance(model[:2], mg.nn.Sequential) and len(model[:2]) == 2
    model.append(mg.nn.Sigmoid())
    assert len(model) == 4
    listed = mg.nn.ModuleList(layers)
    listed.append(mg.nn.Tanh())
    assert [n for n, _ in listed.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    listed[1] = mg.nn.Identity()
    assert isinstance(listed[1], mg.nn.Identity)
    with assert_raises_with(TypeError, "expected a Module", "int"):
        mg.nn.Sequential(mg.nn.ReLU(), 3)
    with pytest.raises(IndexError):
        model[7]


def test_parameter():
    p = mg.nn.Parameter(mg.zeros(2))
    assert p.requires_grad and p.is_leaf and repr(p).startswith("Parameter containing:")
    assert not mg.nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad
    with assert_raises_with(TypeError, "Parameter", "int64"):
        mg.nn.Parameter(mg.tensor([1, 2]))


def test_seed_makes_models_reproducible():
    mg.manual_seed(11)
    first = _architecture(mg.nn, None).state_dict()
    mg.manual_seed(11)
    second = _architecture(mg.nn, None).state_dict()
    third = _architecture(mg.nn, None).state_dict()
    assert all(np.array_equal(first[k].numpy(), second[k].numpy()) for k in first)
    assert not np.array_equal(first["0.weight"].numpy(), third["0.weight"].numpy())


# ---- devices and dtypes, as torch's Module.to / cpu / cuda / type ---------------------------


def _dtypes(module):
    return {k: str(v.dtype).removeprefix("torch.") for k, v in module.state_dict().items()}


def _batch_norm_pair(torch):
    return mg.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: m.to("cpu"),
        lambda lib, m: m.to(lib.device("cpu")),
        lambda lib, m: m.to(lib.float64),
        lambda lib, m: m.to("cpu", lib.float64),
        lambda lib, m: m.to(None, lib.float64),
        lambda lib, m: m.to(device="cpu", dtype=lib.float64),
        lambda lib, m: m.to(lib.ones(1, dtype=lib.float64)),
        lambda lib, m: m.to("cpu", non_blocking=True),
        lambda lib, m: m.to("cpu", lib.float64, True),
        lambda lib, m: m.to(),
        lambda lib, m: m.cpu(),
        lambda lib, m: m.double(),
        lambda lib, m: m.double().float(),
        lambda lib, m: m.type(lib.float64),
        lambda lib, m: m.type(lib.DoubleTensor),
        lambda lib, m: m.type("torch.DoubleTensor"),
    ],
)
def test_to_cpu_and_type_return_self_with_torch_s_dtypes(torch, call):
    ours, theirs = _batch_norm_pair(torch)
    assert call(mg, ours) is ours
    assert call(torch, theirs) is theirs
    # type() casts every tensor (num_batches_tracked too); to() and double() only floats.
    assert _dtypes(ours) == _dtypes(theirs)


@pytest.mark.parametrize(
    ("call", "torch_error", "error", "fragments"),
    [
        (lambda lib, m: m.to("cuda"), AssertionError, mg.DeviceError, ("CPU only", "'cuda'")),
        (lambda lib, m: m.to("cuda:0", lib.float64), AssertionError, mg.DeviceError, ("cuda",)),
        (lambda lib, m: m.to(0), RuntimeError, mg.DeviceError, ("device index 0",)),
        (lambda lib, m: m.cuda(), AssertionError, mg.DeviceError, ("cuda", "CPU only")),
        (lambda lib, m: m.cuda(0), RuntimeError, mg.DeviceError, ("cuda",)),
        (lambda lib, m: m.to(lib.int64), TypeError, TypeError, ("floating", "int64")),
        (
            lambda lib, m: m.to(lib.ones(1, dtype=lib.int64)),
            TypeError,
            TypeError,
            ("floating", "int64"),
        ),
        (lambda lib, m: m.to(copy=True), RuntimeError, TypeError, ("copy",)),
        (lambda lib, m: m.to("cpu", lib.float64, True, 1), TypeError, TypeError, ("at most",)),
        (lambda lib, m: m.type(lib.LongTensor), RuntimeError, TypeError, ("weight", "int64")),
        (lambda lib, m: m.type("torch.cuda.FloatTensor"), RuntimeError, mg.DeviceError, ()),
    ],
)
def test_bad_devices_and_dtypes_are_refused_as_torch(torch, call, torch_error, error, fragments):
    ours, theirs = _batch_norm_pair(torch)
    before = _dtypes(ours)
    with pytest.raises(torch_error):
        call(torch, theirs)
    with assert_raises_with(error, *fragments):
        call(mg, ours)
    assert _dtypes(ours) == before  # nothing changed


def test_half_precision_is_refused_by_name():
    layer = mg.nn.Linear(2, 2)
    with assert_raises_with(TypeError, "half", "float16"):
        layer.half()
    with assert_raises_with(TypeError, "bfloat16"):
        layer.bfloat16()
    assert layer.weight.dtype == mg.float32


def test_to_casts_gradients_and_keeps_parameters_as_torch(torch):
    for lib in (mg, torch):
        layer = lib.nn.Linear(2, 2)
        weight = layer.weight
        layer(lib.ones(1, 2)).sum().backward()
        assert layer.to("cpu", lib.float64) is layer
        assert layer.weight is weight
        assert str(layer.weight.grad.dtype).endswith("float64")


def test_type_without_grad_may_go_to_integers_as_torch(torch):
    for lib in (mg, torch):
        layer = lib.nn.BatchNorm1d(2, affine=False)
        layer.type(lib.int64)
        assert str(layer.running_mean.dtype).endswith("int64")


def test_apply_visits_children_first_as_torch(torch):
    orders = []
    for lib in (mg, torch):
        seen: list[str] = []
        net = lib.nn.Sequential(
            lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1))
        )
        assert net.apply(lambda m, seen=seen: seen.append(type(m).__name__)) is net
        orders.append(seen)
    assert orders[0] == orders[1]
    with pytest.raises(TypeError, match="apply"):
        mg.nn.Linear(1, 1).apply("not callable")


def test_apply_ports_the_dcgan_weight_initialisation():
    def weights_init(m):
        name = m.__class__.__name__
        if name.find("Conv") != -1:
            mg.nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            mg.nn.init.normal_(m.weight.data, 1.0, 0.02)
            mg.nn.init.constant_(m.bias.data, 0)

    net = mg.nn.Sequential(mg.nn.ConvTranspose2d(4, 8, 4), mg.nn.BatchNorm2d(8))
    net.apply(weights_init)
    assert abs(float(net[0].weight.std()) - 0.02) < 0.005
    assert net[1].bias.tolist() == [0.0] * 8
    assert abs(float(net[1].weight.mean()) - 1.0) < 0.05


def _twin_blocks(nn):
    inner = nn.Linear(2, 2)
    return nn.Sequential(inner, nn.Sequential(inner, nn.ReLU()), nn.Tanh())


def test_named_modules_memo_prefix_and_duplicates_as_torch(torch):
    ours, theirs = _twin_blocks(mg.nn), _twin_blocks(torch.nn)
    for kwargs in ({}, {"prefix": "net"}, {"remove_duplicate": False}):
        got = [n for n, _ in ours.named_modules(**kwargs)]
        assert got == [n for n, _ in theirs.named_modules(**kwargs)], kwargs
    memo = {ours[0]}
    assert [n for n, _ in ours.named_modules(memo)] == ["", "1", "1.1", "2"]
    assert ours in memo  # visited modules are added
    got = [n for n, _ in ours.named_parameters(remove_duplicate=False)]
    assert got == [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert got == ["0.weight", "0.bias", "1.0.weight", "1.0.bias"]


def test_get_submodule_parameter_and_buffer_as_torch(torch):
    def build(nn):
        return nn.Sequential(nn.Sequential(nn.BatchNorm1d(2)), nn.ReLU())

    ours, theirs = build(mg.nn), build(torch.nn)
    assert ours.get_submodule("") is ours
    assert ours.get_submodule("0.0") is ours[0][0]
    assert ours.get_parameter("0.0.weight") is ours[0][0].weight
    assert ours.get_buffer("0.0.running_mean") is ours[0][0].running_mean
    for target, call in [
        ("0.x", "get_submodule"),
        ("0.0.running_mean", "get_parameter"),
        ("0.0.weight", "get_buffer"),
        ("0.0.nothing", "get_parameter"),
    ]:
        with pytest.raises(AttributeError) as want:
            getattr(theirs, call)(target)
        with pytest.raises(AttributeError) as got:
            getattr(ours, call)(target)
        assert str(got.value) == str(want.value)


def test_registration_refuses_names_as_torch(torch):
    for library in (mg, torch):
        module = library.nn.Linear(1, 1)
        plain = library.zeros(1)
        cases = [
            (lambda m=module: m.register_buffer("a.b", None), KeyError, "contain"),
            (lambda m=module: m.register_parameter("", None), KeyError, "empty string"),
            (lambda m=module: m.add_module("training", None), KeyError, "already exists"),
            (lambda m=module: m.register_buffer("bias", None), KeyError, "already exists"),
            (lambda m=module: m.register_buffer(3, None), TypeError, "should be a string"),
            (lambda m=module, t=plain: m.register_parameter("p", t), TypeError, "'p'"),
            (lambda m=module: m.add_module("c", 3), TypeError, "int"),
        ]
        for call, error, fragment in cases:
            with assert_raises_with(error, fragment):
                call()
        assert list(module.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match="can't contain"):  # also a ValueError in ours
        mg.nn.Module().register_buffer("a.b", None)
    with assert_raises_with(TypeError, "register_parameter", "'Tensor'", "'p'"):
        mg.nn.Module().register_parameter("p", mg.nn.Parameter(mg.ones(1)) * 2)


def test_buffers_parameters_and_children_registered_by_method():
    module = mg.nn.Module()
    module.register_buffer("kept", mg.zeros(1))
    module.register_buffer("scratch", mg.zeros(2), persistent=False)
    module.register_parameter("weight", mg.nn.Parameter(mg.ones(3)))
    module.register_parameter("bias", None)
    module.register_module("child", mg.nn.Linear(1, 1))
    module.add_module("empty", None)
    assert list(module.state_dict()) == ["weight", "kept", "child.weight", "child.bias"]
    assert [n for n, _ in module.named_buffers()] == ["kept", "scratch"]
    assert [n for n, _ in module.named_children()] == ["child"]
    module.register_buffer("kept", mg.ones(1), persistent=False)  # re-registering a buffer
    assert "kept" not in module.state_dict()


def test_modes_and_gradient_switches_return_self():
    net = mg.nn.Sequential(mg.nn.Linear(2, 2), mg.nn.Dropout())
    assert net.eval() is net and not net[1].training
    assert net.train() is net and net[1].training
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(mg.ones(1, 2)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    with assert_raises_with(TypeError, "requires_grad_", "str"):
        net.requires_grad_("no")


def test_forward_hooks_as_torch(torch):
    calls = []
    for library in (mg, torch):
        layer = library.nn.Linear(2, 2)

        def pre(module, args):
            calls.append("pre")
            return (args[0] * 0,)

        def post(module, args, output):
            calls.append("post")
            return output + 1

        handles = [layer.register_forward_pre_hook(pre), layer.register_forward_hook(post)]
        with layer.register_forward_pre_hook(lambda m, a: calls.append("first"), prepend=True):
            out = layer(library.ones(1, 2))
        np.testing.assert_allclose(out.detach().numpy(), layer.bias.detach().numpy()[None] + 1)
        for handle in handles:
            handle.remove()
        layer(library.ones(1, 2))
    assert calls == ["first", "pre", "post"] * 2
    with assert_raises_with(TypeError, "register_forward_hook", "hook", "int"):
        mg.nn.Linear(1, 1).register_forward_hook(3)
