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

# one entry per thread with grad mode off right now: while empty, every thread records, and ops skip the per-thread
# lookup. (list.append and list.pop are atomic, so no lock; a thread that ends with grad mode off leaves its entry
# for good, which only costs that lookup)
grad_off_threads: list = []


def set_grad_mode(mode: bool) -> bool:
    """Set this thread's grad mode (recording on or off); returns the mode it replaces."""
    mode = bool(mode)
    prev = state.grad_enabled
    if mode != prev:
        if mode:
            grad_off_threads.pop()
        else:
            grad_off_threads.append(None)
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
