"""Optimisers: SGD, Adam and AdamW, with parameter groups and state dicts.

>>> import minigrad as mg
>>> model = mg.nn.Linear(2, 1)
>>> optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> loss = model(mg.ones(4, 2)).sum()
>>> loss.backward()
>>> optimizer.step()
>>> optimizer.zero_grad()
"""

from minigrad.optim.adam import Adam, AdamW
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]
