"""Shape ops (views where NumPy gives views), joining, padding and indexing."""
from __future__ import annotations

import numpy as np

from .common import on_tensor_use
from .registry import defop


def _is_basic_index(index) -> bool:
    """True when NumPy indexing with `index` is basic (a view, no repeated elements)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) for i in items)


def _index_scatter_np(g, index, shape):
    """Zeros of `shape` with g added at `index` (repeated indices add up)."""
    out = np.zeros(shape, dtype=np.result_type(g))
    if _is_basic_index(index) or (isinstance(index, np.ndarray) and index.dtype == bool):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _index_put_np(x, v, index):
    out = np.array(x, copy=True)
    out[index] = v
    return out


index_scatter = on_tensor_use("index_scatter", _index_scatter_np)
index_put = on_tensor_use("index_put", _index_put_np)


RESHAPE = defop("reshape", lambda x, shape: np.reshape(x, shape),
                (lambda g, ans, x, shape: g.reshape(x.shape),),
                (lambda t, ans, x, shape: np.reshape(t, shape),), is_view=True,
                doc="reshape (also view, flatten, squeeze, unsqueeze)")
PERMUTE = defop("permute", lambda x, axes: np.transpose(x, axes),
                (lambda g, ans, x, axes: np.transpose(g, tuple(np.argsort(axes))),),
                (lambda t, ans, x, axes: np.transpose(t, axes),), is_view=True,
                doc="permute axes (also transpose, swapaxes, .T)")
BROADCAST_TO = defop("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
                     (lambda g, ans, x, shape: g,),
                     (lambda t, ans, x, shape: np.broadcast_to(t, shape),), is_view=True,
                     doc="broadcast (also expand); the engine sums the gradient back")
GETITEM = defop("getitem", lambda x, index: x[index],
                (lambda g, ans, x, index: index_scatter(g, index=index, shape=x.shape),),
                (lambda t, ans, x, index: t[index],), is_view=True,
                doc="t[index]: basic and advanced indexing; repeated indices scatter-add")
INDEX_SCATTER = defop("index_scatter", _index_scatter_np,
                      (lambda g, ans, x, index, shape: g[index],),
                      (lambda t, ans, x, index, shape: index_scatter(t, index=index, shape=shape),),
                      doc="getitem's backward: zeros with x added at index")
INDEX_PUT = defop("index_put", _index_put_np,
                  (lambda g, ans, x, v, index: index_put(g, g[index] * 0, index=index),
                   lambda g, ans, x, v, index: g[index]),
                  (lambda t, ans, x, v, index: index_put(t, t[index] * 0, index=index),
                   lambda t, ans, x, v, index: index_scatter(np.broadcast_to(t, ans[index].shape), index=index,
                                                            shape=ans.shape)),
                  doc="x with x[index] = v (item assignment)")
CONCATENATE = defop(
    "concatenate", lambda *xs, axis=0, sizes=(): np.concatenate(xs, axis=axis),
    lambda i, g, ans, *xs, axis=0, sizes=(): g[(slice(None),) * axis + (slice(sum(sizes[:i]), sum(sizes[:i + 1])),)],
    lambda i, t, ans, *xs, axis=0, sizes=(): _place(t, i, ans.shape, axis, sizes),
    doc="join along an existing axis (also cat)")
STACK = defop("stack", lambda *xs, axis=0: np.stack(xs, axis=axis),
              lambda i, g, ans, *xs, axis=0: g[(slice(None),) * axis + (i,)],
              lambda i, t, ans, *xs, axis=0: np.expand_dims(t, axis) * _onehot_along(i, ans.shape, axis, t),
              doc="join along a new axis")
PAD = defop("pad", lambda x, pad_width, value=0: np.pad(x, pad_width, constant_values=value),
            (lambda g, ans, x, pad_width, value=0:
             g[tuple(slice(lo, g.shape[k] - hi) for k, (lo, hi) in enumerate(pad_width))],),
            (lambda t, ans, x, pad_width, value=0: np.pad(t, pad_width),),
            doc="constant padding; NumPy's pad_width, one (before, after) pair per axis")


def _place(t, i, shape, axis, sizes):
    """Tangent of input i of concatenate, placed in a zero tensor of the output's shape."""
    before, after = sum(sizes[:i]), sum(sizes[i + 1:])
    width = [(0, 0)] * len(shape)
    width[axis] = (before, after)
    return np.pad(t, width)


def _onehot_along(i, shape, axis, like):
    sel = np.zeros(shape[axis], dtype=np.result_type(like))
    sel[i] = 1
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return sel.reshape(view)
