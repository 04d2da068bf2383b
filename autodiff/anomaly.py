"""`detect_anomaly()`: a NaN or Inf produced in backward raises, naming the op and where its forward ran."""
from __future__ import annotations

import functools
import os
import sys
import traceback

from ._state import config

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frames() -> list[str]:
    """The call stack outside autodiff itself, innermost last, formatted as traceback lines."""
    frames = []
    f = sys._getframe(1)
    while f is not None:
        if not os.path.abspath(f.f_code.co_filename).startswith(_PACKAGE_DIR):
            frames.append(f)
        f = f.f_back
    summary = traceback.StackSummary.extract((fr, fr.f_lineno) for fr in reversed(frames))
    return summary.format()


class detect_anomaly:
    """Context manager and decorator: record each op's forward call site and check backward for NaN/Inf.

    Slows every op (a stack walk per op); use it to find where a NaN comes from.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev: list[bool] = []

    def __enter__(self):
        self._prev.append(config.anomaly)
        config.anomaly = self.check_nan
        return self

    def __exit__(self, *exc) -> None:
        config.anomaly = self._prev.pop()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def set_detect_anomaly(mode: bool) -> None:
    config.anomaly = bool(mode)


def is_anomaly_enabled() -> bool:
    return config.anomaly
