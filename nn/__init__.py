"""nn: layers, losses, initialization, checkpoints and data loading on autodiff (as `torch.nn`).

    import autodiff as ad, nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
"""
from . import data, functional, init, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    ScaledTanh,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d
from .dropout import Dropout
from .linear import Embedding, Flatten, Identity, Linear, Unflatten
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, RemovableHandle
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .parameter import Parameter
from .resample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .serialization import CheckpointError, load, save

__all__ = ["Module", "Parameter", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
           "ParameterDict", "Identity", "Linear", "Flatten", "Unflatten", "Embedding", "Conv2d", "MaxPool2d",
           "AvgPool2d", "AdaptiveAvgPool2d", "Dropout", "Conv1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d",
           "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
           "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm",
           "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softsign", "ScaledTanh", "Softmax",
           "LogSoftmax", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "SiLU", "Mish", "Hardtanh", "ReLU6", "PReLU", "SELU", "CELU", "Hardswish", "Hardsigmoid", "LogSigmoid",
           "SmoothL1Loss", "HuberLoss", "KLDivLoss",
           "functional", "init", "utils", "data", "save", "load", "CheckpointError"]
