"""Optimisers (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta), with parameter groups and
state dicts, and learning-rate schedules ([`minigrad.optim.lr_scheduler`][]).

>>> import minigrad as mg
>>> model = mg.nn.Linear(2, 1)
>>> optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> loss = model(mg.ones(4, 2)).sum()
>>> loss.backward()
>>> optimizer.step()
>>> optimizer.zero_grad()
"""

from minigrad.optim import lr_scheduler
from minigrad.optim.adadelta import Adadelta
from minigrad.optim.adagrad import Adagrad
from minigrad.optim.adam import Adam, AdamW
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.rmsprop import RMSprop
from minigrad.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
