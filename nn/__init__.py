"""nn: layers, losses, initialization, checkpoints and data loading on autodiff (as `torch.nn`).

    import autodiff as ad, nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
"""
from . import data, functional, init, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, ScaledTanh, Sigmoid, Softmax, Softplus, Softsign, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d
from .dropout import Dropout
from .linear import Embedding, Flatten, Identity, Linear, Unflatten
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, RemovableHandle
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .serialization import CheckpointError, load, save

__all__ = ["Module", "Parameter", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
           "ParameterDict", "Identity", "Linear", "Flatten", "Unflatten", "Embedding", "Conv2d", "MaxPool2d",
           "AvgPool2d", "AdaptiveAvgPool2d", "Dropout",
           "BatchNorm1d", "BatchNorm2d", "LayerNorm",
           "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softsign", "ScaledTanh", "Softmax",
           "LogSoftmax", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "functional", "init", "utils", "data", "save", "load", "CheckpointError"]
