"""Process- and thread-wide switches the engine consults on every op."""
from __future__ import annotations

import threading

import numpy as np


class _ThreadState(threading.local):
    """Grad mode and forward-mode tangents are per thread, as in PyTorch."""

    def __init__(self) -> None:
        self.grad_enabled = True  # change only through set_grad_mode, which keeps grad_off_threads true
        self.inference = False  # inside inference_mode()
        self.forward_tangents: dict | None = None  # Tensor -> tangent array while jvp runs


state = _ThreadState()

# how many threads have grad mode off right now: while 0, every thread records, and ops skip the per-thread lookup
# (a thread that ends with grad mode off leaves it above 0 for good, which only costs that lookup)
grad_off_threads = [0]
_grad_mode_lock = threading.Lock()


def set_grad_mode(mode: bool) -> bool:
    """Set this thread's grad mode (recording on or off); returns the mode it replaces."""
    mode = bool(mode)
    prev = state.grad_enabled
    if mode != prev:
        with _grad_mode_lock:
            grad_off_threads[0] += -1 if mode else 1
        state.grad_enabled = mode
    return prev


# how many forward-mode (jvp) contexts are open in any thread: while 0, ops skip the per-thread lookup
forward_mode_users = [0]
_forward_mode_lock = threading.Lock()


def count_forward_mode_user(delta: int) -> None:
    """Open (+1) or close (-1) a jvp context; locked, since `+=` on shared state is not atomic across threads."""
    with _forward_mode_lock:
        forward_mode_users[0] += delta


class _Global:
    anomaly = False  # set by detect_anomaly(); checked once per op and per backward step
    default_dtype = np.dtype(np.float32)


config = _Global()


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed)."""
    return config.default_dtype


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats become; must be a floating dtype."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dt}")
    config.default_dtype = dt
