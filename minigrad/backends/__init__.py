"""``mg.backends``: PyTorch's ``torch.backends`` switches, as on a CPU-only machine.

minigrad has one backend, its own CPU kernels, so these are settings that PyTorch
code writes and reads and that change nothing here: ``cudnn`` (``benchmark``,
``deterministic``, ``enabled``, ``allow_tf32``), ``cuda.matmul.allow_tf32``, and the
``is_available()`` / ``is_built()`` questions, all answered False. minigrad's results
are deterministic whatever the flags say.

>>> import minigrad as mg
>>> mg.backends.cudnn.benchmark = True   # accepted; no effect
>>> mg.backends.mps.is_available()
False
"""

from minigrad.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
