"""The gradient-identities example prints figures that are right to rounding error."""

import re

from ._run import run_example


def _numbers_after(label, text):
    return [float(value) for value in re.findall(label + r"\s*([-+0-9.e]+)", text)]


def test_gradient_identities_hold_to_rounding_error():
    stdout = run_example("gradient_identities.py", "--smoke")

    adjoint_gaps = _numbers_after("relative gap", stdout.split("2. ")[0])
    assert len(adjoint_gaps) == 8  # four padding modes, two dilations
    assert max(adjoint_gaps) < 1e-12
    assert stdout.count("gradcheck True, gradgradcheck True") == 4
    directional = _numbers_after("finite difference: relative gap", stdout)
    assert len(directional) == 4 and max(directional) < 1e-6
    (hvp_error,) = _numbers_after(r"\|_max / \|\.\|_max =", stdout)
    assert hvp_error < 1e-5
    (symmetry,) = _numbers_after(r"<v, Hu> = [-0-9.]+, relative gap", stdout)
    assert symmetry < 1e-12
    (difference,) = _numbers_after(r"max \|grad_x - conv2d\(g, w\)\| =", stdout)
    assert difference == 0.0
