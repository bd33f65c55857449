"""Pictures of transposed convolution and of the tape, drawn by minigrad itself.

Every picture is computed with minigrad's own ops (``conv_transpose1d``/``2d``,
``conv1d``/``2d``, ``autograd.functional.jacobian``, ``nn.init.icnr_``), checked
against a second computation of the same thing, and returned as a matplotlib
``Figure``. Each drawing function has a twin that returns the arrays it draws:

* [`kernel_stamps`][] ([`stamp_decomposition`][]): each input element scales a
  copy of the kernel, and the copies sum to the output;
* [`zero_insertion`][] ([`zero_insertion_steps`][]): the same output from zeros
  inserted between the inputs, padding, and a convolution with the flipped kernel;
* [`convolution_matrices`][] ([`conv_matrices`][]): the matrix of conv_transpose
  is exactly the transpose of conv's;
* [`overlap_map`][] ([`overlap_counts`][]): how many kernel taps land on each
  output position, the source of checkerboard artefacts;
* [`icnr_comparison`][] ([`icnr_outputs`][]): a constant input through a layer
  with its default initialisation and with ``nn.init.icnr_``;
* [`draw_tape`][] ([`minigrad.autograd.to_dot`][]): the tape, rendered by Graphviz.

matplotlib is an optional dependency (``pip install minigrad[viz]``): ``import
minigrad`` never imports it, and this package needs it.
"""

import importlib.util

# Checked before the submodules import it, so that its absence says what to install.
if importlib.util.find_spec("matplotlib") is None:
    raise ImportError(
        "minigrad.viz draws with matplotlib, which is not installed: "
        "pip install minigrad[viz] (or pip install matplotlib)"
    )

from minigrad.viz.icnr import IcnrOutputs, icnr_comparison, icnr_outputs
from minigrad.viz.matrices import ConvMatrices, conv_matrices, convolution_matrices
from minigrad.viz.overlap import overlap_counts, overlap_map
from minigrad.viz.stamps import StampDecomposition, kernel_stamps, stamp_decomposition
from minigrad.viz.tape import draw_tape
from minigrad.viz.zero_insertion import ZeroInsertionSteps, zero_insertion, zero_insertion_steps

__all__ = [
    "ConvMatrices",
    "IcnrOutputs",
    "StampDecomposition",
    "ZeroInsertionSteps",
    "conv_matrices",
    "convolution_matrices",
    "draw_tape",
    "icnr_comparison",
    "icnr_outputs",
    "kernel_stamps",
    "overlap_counts",
    "overlap_map",
    "stamp_decomposition",
    "zero_insertion",
    "zero_insertion_steps",
]
