"""The stateless public API (``F.*``): argument checks at the door, then ops.

Importable as ``minigrad.functional`` and ``minigrad.nn.functional``.
"""

# Aliased: the star imports below rebind ``dropout`` and ``linear`` to the functions of
# those names, so the submodules' __all__ lists are read through these aliases.
from minigrad.functional import activation as _activation
from minigrad.functional import conv as _conv
from minigrad.functional import dropout as _dropout
from minigrad.functional import linear as _linear
from minigrad.functional import loss as _loss
from minigrad.functional import normalization as _normalization
from minigrad.functional import norms as _norms
from minigrad.functional import padding as _padding
from minigrad.functional import pooling as _pooling
from minigrad.functional import sparse as _sparse
from minigrad.functional import upsampling as _upsampling
from minigrad.functional.activation import *  # noqa: F403
from minigrad.functional.conv import *  # noqa: F403
from minigrad.functional.dropout import *  # noqa: F403
from minigrad.functional.linear import *  # noqa: F403
from minigrad.functional.loss import *  # noqa: F403
from minigrad.functional.normalization import *  # noqa: F403
from minigrad.functional.norms import *  # noqa: F403
from minigrad.functional.padding import *  # noqa: F403
from minigrad.functional.pooling import *  # noqa: F403
from minigrad.functional.sparse import *  # noqa: F403
from minigrad.functional.upsampling import *  # noqa: F403

__all__ = [
    *_activation.__all__,
    *_conv.__all__,
    *_dropout.__all__,
    *_linear.__all__,
    *_loss.__all__,
    *_normalization.__all__,
    *_norms.__all__,
    *_padding.__all__,
    *_pooling.__all__,
    *_sparse.__all__,
    *_upsampling.__all__,
]
