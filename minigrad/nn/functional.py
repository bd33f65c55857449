"""The functional API under its second import path, ``minigrad.nn.functional``."""

from minigrad.functional import *  # noqa: F403
from minigrad.functional import __all__  # noqa: F401
