"""The benchmark's layer list (issues 3 and 6): transposed convolutions users train.

Each shape is a ``conv_transpose{1,2,3}d`` call: ``input (N, C_in, *L_in)``, weight
``(C_in, C_out/g, *k)``. Effective FLOPs count the multiply-adds a direct transposed
convolution does, ``2 N C_in (C_out/g) prod(k) prod(L_in)`` for the forward and three
times that for forward+backward (grads of input and weight; bias is negligible).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    name: str
    batch: int
    c_in: int
    c_out: int
    size: tuple[int, ...]
    kernel: int
    stride: int
    padding: int
    groups: int = 1
    dilation: int = 1
    dtype: str = "float32"
    group: str = "issue6"  # "dcgan" rows are issue 3's list

    @property
    def rank(self) -> int:
        return len(self.size)

    @property
    def forward_flops(self) -> float:
        taps = self.kernel**self.rank
        return (
            2.0
            * self.batch
            * self.c_in
            * (self.c_out // self.groups)
            * taps
            * math.prod(self.size)
        )


SHAPES = [
    Shape("dcgan 100>512 1x1", 64, 100, 512, (1, 1), 4, 1, 0, group="dcgan"),
    Shape("dcgan 512>256 4x4", 64, 512, 256, (4, 4), 4, 2, 1, group="dcgan"),
    Shape("dcgan 256>128 8x8", 64, 256, 128, (8, 8), 4, 2, 1, group="dcgan"),
    Shape("dcgan 128>64 16x16", 64, 128, 64, (16, 16), 4, 2, 1, group="dcgan"),
    Shape("dcgan 64>3 32x32", 64, 64, 3, (32, 32), 4, 2, 1, group="dcgan"),
    Shape("digits 64>32 7x7", 128, 64, 32, (7, 7), 4, 2, 1),
    Shape("digits 32>1 14x14", 128, 32, 1, (14, 14), 4, 2, 1),
    Shape("1-d 256>128 L256", 16, 256, 128, (256,), 16, 8, 4),
    Shape("3-d 32>16 8^3", 4, 32, 16, (8, 8, 8), 4, 2, 1),
    Shape("groups8 dil2 16x16", 32, 64, 64, (16, 16), 3, 2, 1, groups=8, dilation=2),
    Shape("dcgan 256>128 f64", 64, 256, 128, (8, 8), 4, 2, 1, dtype="float64"),
    Shape("digits 64>32 f64", 128, 64, 32, (7, 7), 4, 2, 1, dtype="float64"),
]
