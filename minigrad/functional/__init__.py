"""The stateless public API (``F.*``): argument checks at the door, then ops.

Importable as ``minigrad.functional`` and ``minigrad.nn.functional``.
"""

from minigrad.functional import activation, conv, dropout, linear, loss, normalization, padding
from minigrad.functional.activation import *  # noqa: F403
from minigrad.functional.conv import *  # noqa: F403
from minigrad.functional.dropout import *  # noqa: F403
from minigrad.functional.linear import *  # noqa: F403
from minigrad.functional.loss import *  # noqa: F403
from minigrad.functional.normalization import *  # noqa: F403
from minigrad.functional.padding import *  # noqa: F403

__all__ = [
    *activation.__all__,
    *conv.__all__,
    *dropout.__all__,
    *linear.__all__,
    *loss.__all__,
    *normalization.__all__,
    *padding.__all__,
]
