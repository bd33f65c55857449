"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: each sets the ``"lr"`` of
its optimiser's parameter groups at every ``step()``, called after
``optimizer.step()``.

>>> import minigrad as mg
>>> model = mg.nn.Linear(2, 1)
>>> optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
>>> scheduler = mg.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
>>> for epoch in range(20):
...     optimizer.step()
...     scheduler.step()
>>> scheduler.get_last_lr()
[0.025]
"""

from minigrad.optim.lr_scheduler.base import LRScheduler
from minigrad.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from minigrad.optim.lr_scheduler.plateau import ReduceLROnPlateau
from minigrad.optim.lr_scheduler.schedules import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    SequentialLR,
    StepLR,
)

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
