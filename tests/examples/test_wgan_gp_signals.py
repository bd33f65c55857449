"""The WGAN-GP example runs in smoke mode (double backward through conv) and writes its outputs."""

import minigrad as mg

from ._run import run_example


def test_wgan_gp_smoke_run_writes_pictures_checkpoint_and_figures(tmp_path):
    stdout = run_example("wgan_gp_signals.py", "--smoke", "--out", str(tmp_path))

    for name in ["signals.png", "spectra.png", "curves.png", "checkpoint.npz"]:
        assert (tmp_path / name).stat().st_size > 0, name
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    assert sorted(checkpoint) == ["critic", "generator"]
    assert checkpoint["generator"]["0.weight"].shape == (16, 64, 8)  # ConvTranspose1d layout
    assert "critic input-gradient norm: first step" in stdout
    start, end = (
        float(part.split()[-1])
        for part in stdout.split("mean power spectrum distance to the real one:")[1]
        .splitlines()[0]
        .split(",")
    )
    assert start > 0 and end > 0
