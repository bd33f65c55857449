"""The teaching notebooks run top to bottom (at smoke sizes) and compute what they teach.

Each notebook ends in a cell that asserts its facts and prints them as one JSON line;
an ``assert`` failing anywhere in a notebook fails its test here. The kernel is this
interpreter (a kernel spec written to a temporary directory), so the notebooks see the
minigrad being tested, whatever Jupyter's default ``python3`` kernel points at.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ._run import run_example

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
kernelspec = pytest.importorskip("ipykernel.kernelspec")
jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "examples" / "notebooks"
NAMES = ["transposed_convolution", "autograd_and_adjoints", "gan_on_digits"]
KERNEL = "minigrad-tests"
CELL_TIMEOUT = 300  # seconds; a smoke run takes a few


def _read(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory):
    """A kernel spec that runs ``sys.executable`` in smoke mode with the Agg backend."""
    prefix = tmp_path_factory.mktemp("jupyter")
    kernelspec.install(
        kernel_name=KERNEL,
        prefix=str(prefix),
        env={"MINIGRAD_NOTEBOOK_SMOKE": "1", "MPLBACKEND": "Agg"},
    )
    directory = prefix / "share" / "jupyter" / "kernels"
    spec = json.loads((directory / KERNEL / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    return [str(directory)]


def _execute(name, kernel_dirs):
    """Run the notebook in its own directory (as Jupyter does) and return it, executed."""
    notebook = _read(name)
    manager = jupyter_client.KernelManager(
        kernel_name=KERNEL,
        kernel_spec_manager=jupyter_client.kernelspec.KernelSpecManager(kernel_dirs=kernel_dirs),
    )
    client = nbclient.NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails
    return notebook


def _facts(notebook):
    """The JSON line the last code cell prints."""
    last = _code_cells(notebook)[-1]
    text = "".join(
        output.text
        for output in last.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )
    return json.loads(text.strip().splitlines()[-1])


def _check_ran(notebook):
    for cell in _code_cells(notebook):
        assert cell.execution_count is not None, cell.source[:80]
        assert all(output.output_type != "error" for output in cell.outputs), cell.source[:80]


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_has_no_outputs_and_checks_itself(name):
    notebook = _read(name)
    nbformat.validate(notebook)
    cells = _code_cells(notebook)
    assert all(cell.outputs == [] and cell.execution_count is None for cell in cells)
    source = "\n".join(cell.source for cell in cells)
    assert 'os.environ.get("MINIGRAD_NOTEBOOK_SMOKE") == "1"' in source
    # The facts the tests below read are asserted inside the notebook as well.
    assert source.count("assert ") >= 5
    assert "assert " in cells[-1].source and "json.dumps(facts" in cells[-1].source


def test_transposed_convolution_notebook(kernel_dirs):
    notebook = _execute("transposed_convolution", kernel_dirs)
    _check_ran(notebook)
    facts = _facts(notebook)
    # Plain numpy loops (stamps) and the zero-insertion construction against minigrad.
    assert facts["loops_vs_minigrad_1d"] < 1e-12
    assert facts["loops_vs_minigrad_2d"] < 1e-12
    assert facts["stamps_vs_zero_insertion"] < 1e-12
    assert facts["size_formula_geometries"] > 200
    assert facts["adjoint_gap"] < 1e-12
    assert facts["matrix_is_transpose"] is True
    assert facts["overlap_equals_ones_conv_transpose"] is True


def test_autograd_and_adjoints_notebook(kernel_dirs):
    notebook = _execute("autograd_and_adjoints", kernel_dirs)
    _check_ran(notebook)
    facts = _facts(notebook)
    assert facts["backward_vs_by_hand"] < 1e-15
    assert facts["gradcheck_catches_a_wrong_backward"] is True
    assert facts["conv_transpose_gradcheck"] is True
    assert facts["functional_matches_formulas"] is True
    assert facts["adjoint_gap"] < 1e-12
    # Each is the other's gradient, to the bit.
    assert facts["gradient_of_conv_is_conv_transpose"] == 0.0
    assert facts["gradient_of_conv_transpose_is_conv"] == 0.0
    assert facts["double_backward_tape"] == {
        "forward": "ConvTranspose",
        "grad in the input": "Conv",
        "grad in the weight": "ConvWeightGrad",
    }
    assert facts["hvp_vs_finite_difference"] < 1e-6


def test_gan_on_digits_notebook_trains_the_demo_model(kernel_dirs, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")  # examples/dcgan_digits.py imports it
    notebook = _execute("gan_on_digits", kernel_dirs)
    _check_ran(notebook)
    facts = _facts(notebook)
    assert facts["steps"] == 2  # smoke: 128 images, batches of 64, one epoch
    low, high = facts["sample_range"]
    assert 0.0 <= low <= high <= 16.0
    assert facts["sample_spread"] > 1e-3  # fresh noise per sample, not one image
    printed = "".join(
        output.get("text", "") for cell in _code_cells(notebook) for output in cell.outputs
    )
    assert "classifier mean top-class probability" in printed  # the examples' scorer ran
    # The notebook's loop is the demo's: at smoke size both draw the same 1,000 samples.
    run_example("dcgan_digits.py", "--smoke", "--no-score", "--out", str(tmp_path))
    assert facts["sample_sum"] == float(np.load(tmp_path / "samples.npy").sum())
