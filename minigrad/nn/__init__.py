"""Layers, initialisers and the functional API, PyTorch-style.

>>> import minigrad as mg
>>> model = mg.nn.Sequential(mg.nn.Linear(4, 8), mg.nn.ReLU(), mg.nn.Linear(8, 1))
>>> model(mg.randn(2, 4)).shape
(2, 1)
"""

from minigrad.nn import functional, init, parallel
from minigrad.nn.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from minigrad.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from minigrad.nn.dropout import Dropout
from minigrad.nn.flatten import Flatten, Unflatten
from minigrad.nn.linear import Identity, Linear
from minigrad.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss
from minigrad.nn.module import Module, ModuleList, Parameter, Sequential, StateDictError
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from minigrad.nn.parallel import DataParallel

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "CrossEntropyLoss",
    "DataParallel",
    "Dropout",
    "Flatten",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "StateDictError",
    "Tanh",
    "Unflatten",
    "functional",
    "init",
    "parallel",
]
