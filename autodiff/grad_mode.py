"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled` (thread-local; context managers and decorators)."""
from __future__ import annotations

import functools
from collections.abc import Callable

from ._state import state


def is_grad_enabled() -> bool:
    """Whether ops on tensors that require grad are recorded in this thread."""
    return state.grad_enabled


class _GradMode:
    """Base: sets grad mode on enter and restores the previous mode on exit."""

    _mode = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self):
        self._prev.append(state.grad_enabled)
        state.grad_enabled = self._mode
        return self

    def __exit__(self, *exc) -> None:
        state.grad_enabled = self._prev.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.grad_enabled
            state.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.grad_enabled = prev

        return wrapper


class no_grad(_GradMode):
    """Ops run inside are not recorded (inference, optimizer updates)."""

    _mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a `no_grad` region."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Set grad mode to `mode`; takes effect at once, and restores on exit when used with `with`."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = bool(mode)
        self._prev.append(state.grad_enabled)
        state.grad_enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn: Callable) -> Callable:
        state.grad_enabled = self._prev.pop()  # as a decorator it must not change the mode now
        return super().__call__(fn)
