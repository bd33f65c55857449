"""ModuleDict, ParameterList and ParameterDict against torch: reprs, state-dict keys,
the dict and list methods, and refused input.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_close, assert_raises_with


def _same_repr(ours, theirs):
    assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")


def test_module_dict_matches_torch(torch):
    def build(nn):
        return nn.ModuleDict({"real": nn.Linear(4, 1), "label": nn.Linear(4, 3)})

    ours, theirs = build(mg.nn), build(torch.nn)
    _same_repr(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours["act"], theirs["act"] = mg.nn.ReLU(), torch.nn.ReLU()
    ours.update([("extra", mg.nn.Tanh())])
    theirs.update([("extra", torch.nn.Tanh())])
    _same_repr(ours, theirs)
    assert list(ours) == list(theirs) == ["real", "label", "act", "extra"]
    assert "act" in ours and len(ours) == len(theirs) == 4
    assert isinstance(ours.pop("act"), mg.nn.ReLU)
    del ours["extra"]
    assert list(ours.keys()) == ["real", "label"]
    assert [type(m).__name__ for m in ours.values()] == ["Linear", "Linear"]
    assert [name for name, _ in ours.items()] == ["real", "label"]
    assert len(list(ours.parameters())) == 4
    ours.clear()
    assert len(ours) == 0 and repr(ours) == repr(torch.nn.ModuleDict()) == "ModuleDict()"


def test_parameter_list_matches_torch(torch):
    def build(library):
        return library.nn.ParameterList(
            [library.nn.Parameter(library.zeros(2, 3)), library.zeros(4, dtype=library.float64)]
        )

    ours, theirs = build(mg), build(torch)
    _same_repr(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1"]
    assert all(isinstance(p, mg.nn.Parameter) for p in ours)  # plain tensors are wrapped
    ours.append(mg.ones(()))
    theirs.append(torch.ones(()))
    ours.extend([3])
    theirs.extend([3])
    _same_repr(ours, theirs)
    assert len(ours) == 4 and ours[-1] == 3 and ours[2].shape == ()
    _same_repr(ours[1:2], theirs[1:2])  # a single line, as torch's
    ours[0] = mg.full((1,), 5.0)
    assert ours[0].tolist() == [5.0] and isinstance(ours[0], mg.nn.Parameter)
    ours += [mg.zeros(1)]
    assert len(ours) == 5
    with assert_raises_with(IndexError, "ParameterList", "5"):
        ours[5]
    with assert_raises_with(RuntimeError, "should not be called"):
        ours()
    with assert_raises_with(TypeError, "extend", "int"):
        ours.extend(3)


def test_parameter_dict_matches_torch(torch):
    def build(library):
        return library.nn.ParameterDict(
            {
                "b": library.zeros(2, dtype=library.float64),
                "a": library.nn.Parameter(library.ones(1)),
            }
        )

    ours, theirs = build(mg), build(torch)
    _same_repr(ours, theirs)
    assert list(ours) == list(theirs) == ["a", "b"]  # a plain dict is sorted, as torch does
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours["b"], mg.nn.Parameter) and "a" in ours
    assert ours.get("missing") is None and ours.get("a") is ours["a"]
    assert list(reversed(ours)) == ["b", "a"]
    assert ours.setdefault("c", mg.zeros(3)).shape == (3,)
    copied = ours.copy()
    assert copied["a"] is ours["a"]
    assert ours.pop("b").shape == (2,)
    assert list(ours.keys()) == ["a", "c"]
    assert ours.popitem()[0] == "c"
    ours.update([("d", mg.zeros(1))])
    assert [k for k, _ in ours.items()] == ["a", "d"] and len(ours.values()) == 2
    ours.clear()
    assert len(ours) == 0 and list(ours.state_dict()) == []
    with pytest.raises(KeyError):
        ours["a"]
    with assert_raises_with(TypeError, "ParameterDict", "key", "int"):
        ours[1] = mg.zeros(1)


def test_containers_load_state_dicts_from_torch(torch):
    theirs = torch.nn.ModuleDict(
        {
            "p": torch.nn.ParameterList([torch.randn(2)]),
            "d": torch.nn.ParameterDict({"x": torch.randn(3)}),
        }
    )
    ours = mg.nn.ModuleDict(
        {"p": mg.nn.ParameterList([mg.zeros(2)]), "d": mg.nn.ParameterDict({"x": mg.zeros(3)})}
    )
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == ["p.0", "d.x"]
    assert_close(ours["d"]["x"], theirs["d"]["x"])


def test_bad_container_input_is_refused_before_any_change():
    heads = mg.nn.ModuleDict({"a": mg.nn.ReLU()})
    with assert_raises_with(TypeError, "ModuleDict.update", "modules['b']", "int"):
        heads.update({"b": 3})
    with assert_raises_with(ValueError, "ModuleDict.update", "element #0", "length 3"):
        heads.update([("x", mg.nn.ReLU(), 1)])
    with assert_raises_with(TypeError, "module name should be a string"):
        heads.update({1: mg.nn.ReLU()})
    with assert_raises_with(TypeError, "ModuleDict.update", "int"):
        heads.update(5)
    assert list(heads) == ["a"]
    with assert_raises_with(KeyError, "can't contain"):
        heads["a.b"] = mg.nn.ReLU()
    params = mg.nn.ParameterDict()
    with assert_raises_with(TypeError, "ParameterDict", "int"):
        params.update({"x": mg.zeros(1), 2: mg.zeros(1)})
    assert len(params) == 0
    np.testing.assert_equal(len(mg.nn.ParameterList()), 0)
