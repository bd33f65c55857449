"""mg.save / mg.load: bit-exact round trips, clear refusals, no pickle ever."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with


def _model():
    return mg.nn.Sequential(
        mg.nn.Conv1d(2, 3, 3), mg.nn.BatchNorm1d(3), mg.nn.Flatten(), mg.nn.Linear(12, 2)
    )


def test_state_dict_round_trip_is_bit_exact(tmp_path):
    model = _model()
    model(mg.randn(4, 2, 6))  # non-trivial BatchNorm buffers
    path = tmp_path / "model.npz"
    mg.save(model.state_dict(), path)
    loaded = mg.load(path)
    assert list(loaded) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert loaded[key].numpy().tobytes() == value.numpy().tobytes(), key
    clone = _model()
    clone.load_state_dict(loaded)
    x = mg.randn(3, 2, 6)
    assert np.array_equal(clone.eval()(x).detach().numpy(), model.eval()(x).detach().numpy())


def test_file_is_plain_npz_at_the_given_path(tmp_path):
    path = tmp_path / "weights.bin"
    mg.save({"w": mg.ones(2, dtype=mg.float64)}, path)
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()
    with np.load(path, allow_pickle=False) as archive:
        assert archive["w"].tolist() == [1.0, 1.0]


def test_saving_twice_gives_the_same_bytes(tmp_path):
    state = _model().state_dict()
    mg.save(state, tmp_path / "a.npz")
    mg.save(state, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_optimizer_state_dict_round_trip(tmp_path):
    model = _model()
    optimizer = mg.optim.Adam(
        [{"params": model[0].parameters()}, {"params": model[3].parameters(), "lr": 0.1}],
        amsgrad=True,
    )
    model(mg.randn(4, 2, 6)).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    mg.save(state, tmp_path / "optimizer.npz")
    loaded = mg.load(tmp_path / "optimizer.npz")
    assert loaded["param_groups"] == state["param_groups"]
    assert list(loaded["state"]) == list(state["state"])
    for index, entries in state["state"].items():
        assert loaded["state"][index]["step"] == entries["step"] == 1
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert np.array_equal(loaded["state"][index][key].numpy(), entries[key].numpy())
    fresh = mg.optim.Adam([{"params": model[0].parameters()}, {"params": model[3].parameters()}])
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[1]["lr"] == 0.1 and fresh.param_groups[0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize("problem", ["missing", "extra", "misshaped"])
def test_bad_files_name_the_keys_and_leave_the_model_unchanged(tmp_path, problem):
    model = _model()
    state = {k: v.numpy() * 2 + 1 for k, v in model.state_dict().items()}
    if problem == "missing":
        del state["1.running_var"]
        fragments = ["Missing", '"1.running_var"']
    elif problem == "extra":
        state["4.weight"] = np.zeros(3)
        fragments = ["Unexpected", '"4.weight"']
    else:
        state["3.weight"] = np.zeros((12, 2), np.float32)
        fragments = ["size mismatch", "'3.weight'", "(12, 2)", "(2, 12)"]
    mg.save(state, tmp_path / "bad.npz")
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with assert_raises_with(ValueError, *fragments):
        model.load_state_dict(mg.load(tmp_path / "bad.npz"))
    for key, value in model.state_dict().items():
        assert np.array_equal(value.numpy(), before[key]), key


def test_object_arrays_and_pickles_are_refused(tmp_path):
    # An object array inside an .npz: numpy stores it as a pickle.
    path = tmp_path / "object.npz"
    np.savez(path, weight=np.array([{"x": 1}, None], dtype=object))
    with assert_raises_with(ValueError, "'weight'", "pickle"):
        mg.load(path)
    # A whole-file pickle whose loading would run code.
    payload = tmp_path / "payload.npz"
    marker = tmp_path / "ran"
    payload.write_bytes(pickle.dumps(_Exploit(str(marker))))
    with assert_raises_with(ValueError, "pickle"):
        mg.load(payload)
    assert not marker.exists()


class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_save_refuses_what_needs_pickle(tmp_path):
    with assert_raises_with(TypeError, "'w'", "object"):
        mg.save({"w": np.array([None, 1], dtype=object)}, tmp_path / "x.npz")
    with assert_raises_with(TypeError, "'state/f'", "function"):
        mg.save({"state": {"f": print}}, tmp_path / "x.npz")
    with assert_raises_with(TypeError, "obj", "dict", "list"):
        mg.save([mg.ones(1)], tmp_path / "x.npz")


def test_unsupported_dtypes_and_non_archives_are_refused(tmp_path):
    path = tmp_path / "half.npz"
    np.savez(path, w=np.ones(2, np.float16))
    with assert_raises_with(ValueError, "'w'", "float16"):
        mg.load(path)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(2))
    with assert_raises_with(ValueError, "single .npy"):
        mg.load(single)
    assert zipfile.is_zipfile(path)


def test_serialization_error_is_the_exported_value_error():
    assert issubclass(mg.SerializationError, ValueError)
    assert mg.SerializationError is mg.serialization.SerializationError
    assert "SerializationError" in mg.__all__


def test_refusals_are_serialization_errors_naming_the_file(tmp_path):
    np.savez(tmp_path / "object.npz", weight=np.array([None], dtype=object))
    np.savez(tmp_path / "half.npz", w=np.ones(2, np.float16))
    np.save(tmp_path / "single.npy", np.ones(2))
    (tmp_path / "payload.npz").write_bytes(pickle.dumps([1, 2]))
    for name in ("object.npz", "half.npz", "single.npy", "payload.npz"):
        with assert_raises_with(mg.SerializationError, str(tmp_path / name)):
            mg.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")


def test_a_torch_checkpoint_is_refused_without_unpickling(tmp_path, torch):
    path = tmp_path / "model.pt"
    torch.save({"weight": torch.ones(2)}, path)
    assert zipfile.is_zipfile(path)  # a zip holding a pickle
    with assert_raises_with(mg.SerializationError, str(path), "is not an array entry"):
        mg.load(path)


def test_plain_npz_files_load_bit_exactly_as_numpy_reads_them(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f64_fortran": np.asfortranarray(rng.standard_normal((5, 2))),
        "i32": np.arange(-3, 3, dtype=np.int32),
        "i64_scalar": np.array(2**40, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 3), np.float32),
    }
    for save_npz in (np.savez, np.savez_compressed):
        path = tmp_path / f"{save_npz.__name__}.npz"
        save_npz(path, **arrays)
        loaded = mg.load(path)
        with np.load(path, allow_pickle=False) as reference:
            assert list(loaded) == list(reference.files) == list(arrays)
            for key in arrays:
                got, want = loaded[key].numpy(), reference[key]
                assert (got.dtype, got.shape) == (want.dtype, want.shape), key
                assert got.tobytes("A") == want.tobytes("A"), key
                assert got.flags.f_contiguous == want.flags.f_contiguous, key
                assert got.flags.writeable, key


def test_an_empty_state_dict_round_trips(tmp_path):
    # mg.save({}) and np.savez() both write a zip with no members: an empty state dict.
    mg.save({}, tmp_path / "empty.npz")
    assert mg.load(tmp_path / "empty.npz") == {}
    np.savez(tmp_path / "numpy_empty.npz")
    assert mg.load(tmp_path / "numpy_empty.npz") == {}


@pytest.mark.parametrize("key", ["", "a//b", "../w", "a/./b", "w\\x", "w\x00"])
def test_save_refuses_keys_that_cannot_name_a_member(tmp_path, key):
    with assert_raises_with(ValueError, repr(key), "cannot name an archive member"):
        mg.save({key: np.ones(2)}, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


# ---- torch.save / torch.load's arguments -----------------------------------------------


def test_torch_s_save_arguments_are_accepted_and_write_the_same_file(tmp_path):
    state = _model().state_dict()
    mg.save(state, tmp_path / "plain.npz")
    mg.save(
        state,
        tmp_path / "torch_style.npz",
        pickle_module=pickle,
        pickle_protocol=4,
        _use_new_zipfile_serialization=False,
        _disable_byteorder_record=True,
    )
    mg.save(state, f=tmp_path / "keyword.npz")
    plain = (tmp_path / "plain.npz").read_bytes()
    assert (tmp_path / "torch_style.npz").read_bytes() == plain  # no pickle either way
    assert (tmp_path / "keyword.npz").read_bytes() == plain


def test_torch_s_save_signature_matches(torch):
    import inspect

    ours = list(inspect.signature(mg.save).parameters)
    theirs = list(inspect.signature(torch.save).parameters)
    assert ours == theirs
    ours = inspect.signature(mg.load).parameters
    theirs = inspect.signature(torch.load).parameters
    assert list(ours) == list(theirs)
    assert [p.kind for p in ours.values()] == [p.kind for p in theirs.values()]


CPU_LOCATIONS = [
    "cpu",
    "cpu:0",
    mg.device("cpu"),
    {"cuda:0": "cpu"},
    {"cuda:1": mg.device("cpu"), "cpu": "cpu"},
    lambda storage, location: storage,
    lambda storage, location: storage.cpu(),
    lambda storage, location: None,
]


@pytest.mark.parametrize("map_location", CPU_LOCATIONS)
def test_load_takes_map_locations_of_the_cpu(tmp_path, map_location):
    path = tmp_path / "model.npz"
    mg.save({"w": mg.ones(2)}, path)
    assert mg.load(path, map_location=map_location)["w"].tolist() == [1.0, 1.0]


def test_the_usual_torch_load_calls_port(tmp_path):
    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    path = tmp_path / "model.npz"
    model = _model()
    mg.save(model.state_dict(), path)
    for loaded in (
        mg.load(path, map_location=device),
        mg.load(path, map_location="cpu", weights_only=True),
        mg.load(path, weights_only=False, mmap=True),
        mg.load(path, None, pickle, encoding="latin1"),
    ):
        model.load_state_dict(loaded)


@pytest.mark.parametrize(
    ("map_location", "fragments"),
    [
        ("cuda", ("map_location", "CPU only", "'cuda'")),
        ("cuda:0", ("map_location", "'cuda:0'")),
        ("mps", ("map_location", "'mps'")),
        (0, ("map_location", "device index 0")),
        ({"cpu": "cuda:0"}, ("map_location['cpu']", "'cuda:0'")),
        (lambda storage, location: storage.cuda(0), ("map_location", ".cuda()")),
        (lambda storage, location: storage.to("cuda"), ("map_location", "'cuda'")),
        (lambda storage, location: "cuda", ("map_location", "str")),
    ],
)
def test_load_refuses_other_devices(tmp_path, map_location, fragments):
    path = tmp_path / "model.npz"
    mg.save({"w": mg.ones(2)}, path)
    with assert_raises_with(mg.DeviceError, *fragments):
        mg.load(path, map_location=map_location)


def test_bad_save_and_load_arguments_name_the_argument(tmp_path):
    import io

    path = tmp_path / "model.npz"
    mg.save({"w": mg.ones(2)}, path)
    with assert_raises_with(TypeError, "load", "f", "BytesIO", "path"):
        mg.load(io.BytesIO(path.read_bytes()))
    with assert_raises_with(TypeError, "save", "f", "BytesIO"):
        mg.save({"w": mg.ones(2)}, io.BytesIO())
    with assert_raises_with(TypeError, "pickle_protocol", "str"):
        mg.save({"w": mg.ones(2)}, path, pickle_protocol="2")
    with assert_raises_with(TypeError, "weights_only", "'yes'"):
        mg.load(path, weights_only="yes")
    with assert_raises_with(TypeError, "mmap", "1"):
        mg.load(path, mmap=1)
    with assert_raises_with(TypeError, "load", "unexpected", "allow_pickle"):
        mg.load(path, allow_pickle=True)
    with assert_raises_with(TypeError, "map_location", "float"):
        mg.load(path, map_location=1.5)
    with assert_raises_with(TypeError, "map_location", "keys", "0"):
        mg.load(path, map_location={0: "cpu"})


@pytest.mark.parametrize("where", ["alone", "in a checkpoint"])
def test_a_whole_module_or_optimiser_is_refused_pointing_at_state_dict(tmp_path, where):
    model = _model()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "model.npz"
    mg.save({"old": mg.zeros(1)}, path)
    for obj, name in ((model, "Sequential"), (optimizer, "SGD")):
        target = obj if where == "alone" else {"epoch": 3, "model": obj}
        with assert_raises_with(TypeError, "save", f"whole {name}", "state_dict()"):
            mg.save(target, path)
        assert list(mg.load(path)) == ["old"]  # the file at the target is left as it was
    mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    restored = _model()
    restored.load_state_dict(mg.load(path)["model"])
    for key, value in model.state_dict().items():
        assert restored.state_dict()[key].numpy().tobytes() == value.numpy().tobytes()
