"""Every differentiable op, registered in `OPS` (see `registry`)."""
from . import conv, elementwise, linalg, reductions, shape  # noqa: F401  (registers the ops)
from .registry import OPS, Op, defop

__all__ = ["OPS", "Op", "defop"]
