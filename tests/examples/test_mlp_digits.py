"""The MLP example runs end to end and learns: a smoke run of a few epochs."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mlp_digits.py"


def test_mlp_digits_learns_in_a_few_epochs():
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "5"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    accuracy = float(run.stdout.split("held-out accuracy on 297 digits:")[1].split()[0])
    first, last = (
        float(part.split()[-1].rstrip(","))
        for part in run.stdout.split("training loss:")[1].split("\n")[0].split(",")
    )
    assert last < first / 2
    assert accuracy > 0.85
