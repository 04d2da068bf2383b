"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode` (thread-local; context managers and
decorators)."""
from __future__ import annotations

import functools
from collections.abc import Callable

from ._state import set_grad_mode, state


def is_grad_enabled() -> bool:
    """Whether ops on tensors that require grad are recorded in this thread."""
    return state.grad_enabled


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside `inference_mode()` (as torch.is_inference_mode_enabled)."""
    return state.inference


class _GradMode:
    """Base: sets grad mode on enter and restores the previous mode on exit.

    `_inference`: what `is_inference_mode_enabled()` says inside (None: left as it is).
    """

    _mode = True
    _inference: bool | None = None

    def __init__(self) -> None:
        self._prev: list[tuple[bool, bool]] = []

    def _switch(self) -> tuple[bool, bool]:
        prev = set_grad_mode(self._mode), state.inference
        if self._inference is not None:
            state.inference = self._inference
        return prev

    @staticmethod
    def _restore(prev: tuple[bool, bool]) -> None:
        set_grad_mode(prev[0])
        state.inference = prev[1]

    def __enter__(self):
        self._prev.append(self._switch())
        return self

    def __exit__(self, *exc) -> None:
        self._restore(self._prev.pop())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = self._switch()
            try:
                return fn(*args, **kwargs)
            finally:
                self._restore(prev)

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
        self._prev.append(self._switch())

    def __enter__(self):
        return self

    def __call__(self, fn: Callable) -> Callable:
        self._restore(self._prev.pop())  # as a decorator it must not change the mode now
        return super().__call__(fn)


class inference_mode(_GradMode):
    """Inference: ops run inside are not recorded, as under `no_grad` (and as torch.inference_mode).

    `inference_mode(False)` turns recording back on, as PyTorch's does. Usable with `with`, as `@inference_mode()`
    and bare as `@inference_mode`. Results are ordinary tensors that do not require grad: there is no separate
    kind of inference tensor here, so using them later under grad is allowed (PyTorch refuses some such uses).
    """

    def __new__(cls, mode: bool | Callable = True):
        if callable(mode):  # @inference_mode, without parentheses: `mode` is the function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._mode = not mode
        self._inference = bool(mode)
