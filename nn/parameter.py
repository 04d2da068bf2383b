"""`Parameter`: a leaf Tensor that a Module registers as learnable (as `torch.nn.Parameter`)."""
from __future__ import annotations

import numpy as np

from autodiff import Tensor, get_default_dtype


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered when assigned to a Module attribute.

    Wraps `data`'s array without copying (as PyTorch shares the storage); Python lists and
    floats become the default dtype.
    """

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = np.asarray(data._data)
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = Tensor(data)._data
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Parameter: data must be numeric, got dtype {arr.dtype}")
        super().__init__(arr, requires_grad=False)
        self._data = arr  # Tensor.__init__ copies; keep the caller's storage
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
