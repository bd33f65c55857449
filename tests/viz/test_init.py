"""minigrad.viz is optional: ``import minigrad`` leaves matplotlib alone, and without
matplotlib ``import minigrad.viz`` says what to install."""

from __future__ import annotations

import subprocess
import sys

from minigrad import viz


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_importing_minigrad_does_not_import_matplotlib():
    done = _run("import sys, minigrad, minigrad.nn; print('matplotlib' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_without_matplotlib_the_error_names_the_extra():
    # A None entry in sys.modules makes Python treat the package as absent.
    done = _run(
        "import sys; sys.modules['matplotlib'] = None\n"
        "import minigrad\n"
        "try:\n"
        "    import minigrad.viz\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert done.returncode == 0, done.stderr
    assert "pip install minigrad[viz]" in done.stdout


def test_every_public_name_is_exported():
    for name in viz.__all__:
        assert getattr(viz, name).__module__.startswith("minigrad.viz")
