"""Optimizers and learning-rate schedules, with PyTorch's names and update rules (as `torch.optim`).

    import optim
    opt = optim.SGD(params, lr=0.1, momentum=0.9)          # or per-layer rates:
    opt = optim.SGD([{"params": w1, "lr": 0.1}, {"params": w2}], lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(epochs):
        opt.zero_grad(); loss = f(); loss.backward(); opt.step()
        sched.step()

Each step updates the parameters' ndarrays in place (vectorized per parameter, in cache-sized chunks),
keeps their dtype, skips parameters whose `.grad` is None and bumps their version counters.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .optimizer import Optimizer, required
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam",
           "RAdam", "lr_scheduler"]
