"""The autoencoder example runs in smoke mode, writes its outputs and reports its figures."""

import numpy as np

import minigrad as mg

from ._run import run_example


def test_autoencoder_smoke_run_writes_pictures_checkpoint_and_errors(tmp_path):
    stdout = run_example("autoencoder_digits.py", "--smoke", "--out", str(tmp_path))

    for name in ["reconstructions.png", "losses.png", "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    assert checkpoint["decoder.3.weight"].shape == (32, 16, 4, 4)  # (C_in, C_out, kH, kW)
    lines = {line.split(":")[0].strip(): line for line in stdout.splitlines()}
    held_out = float(lines["held-out reconstruction MSE (pixels/16, 300 digits)"].split()[-1])
    mean_image = float(lines["baseline mean image"].split()[-1])
    assert np.isfinite(held_out) and 0.0 < held_out
    # On pixels in [0, 1] the mean image's error is the pixels' mean variance, about 0.07.
    assert 0.05 < mean_image < 0.1
