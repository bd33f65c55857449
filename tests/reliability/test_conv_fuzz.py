"""The convolution family against PyTorch, call by drawn call (see conv_fuzz.py): a
fixed few hundred draws, none of which may land in class (c). ``make fuzz`` runs the
full fuzz.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.reliability import conv_fuzz

CALLS = 600


def test_no_call_differs_from_pytorch(torch) -> None:
    report = conv_fuzz.fuzz(CALLS, seed=2024)
    summary = conv_fuzz.summary(report)
    assert report.counts["c"] == 0, summary
    # Both other classes well populated: the draws reach results and refusals alike,
    # and gradients are compared on a good share of the results.
    assert report.counts["a"] >= CALLS // 3, summary
    assert report.counts["b"] >= CALLS // 3, summary
    assert report.gradients >= CALLS // 20, summary


def test_the_classifier_sees_a_wrong_value_a_wrong_refusal_and_a_wrong_name(torch) -> None:
    """The classifier itself: a call whose value is changed, a refusal of a valid call
    and a refusal that names another argument all land in class (c)."""
    rng = np.random.default_rng(0)
    call = conv_fuzz.Call(
        0,
        "conv",
        1,
        False,
        {
            "input": rng.standard_normal((2, 3, 6)),
            "weight": rng.standard_normal((4, 3, 3)),
            "bias": None,
        },
        {"stride": 2, "padding": 1},
    )
    assert conv_fuzz.classify(call, torch)[0] == "a"
    good = conv_fuzz.run_torch(call, torch)
    assert good.value is not None
    bad = conv_fuzz.Outcome(value=good.value + 1e-3)
    assert "values differ" in conv_fuzz._mismatch(bad.value, good.value, "output")
    nan = good.value.copy()
    nan[0, 0, 0] = np.nan
    assert "NaN masks differ" in conv_fuzz._mismatch(nan, good.value, "output")

    call.kwargs["stride"] = 0
    call.suspects = ("padding",)  # not what a stride of 0 is about
    kind, why, _ = conv_fuzz.classify(call, torch)
    assert kind == "c" and "names 'stride'" in why
    call.suspects = ("stride",)
    assert conv_fuzz.classify(call, torch)[0] == "b"


@pytest.mark.parametrize("seed", [0, 1])
def test_draws_are_reproducible(seed: int) -> None:
    def draws() -> list[str]:
        rng = np.random.default_rng(seed)
        return [conv_fuzz.draw_call(rng, index).describe() for index in range(50)]

    assert draws() == draws()
