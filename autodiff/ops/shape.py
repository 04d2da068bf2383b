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


# ---------------------------------------------------------------- reordering, triangles, diagonals, gathers
def _tri_mask(shape, k, lower):
    """Bool mask of the last two axes: on/below diagonal k (tril) or on/above it (triu)."""
    n, m = shape[-2], shape[-1]
    return np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)


def _diagonal_index(shape, offset, dim1, dim2):
    """Advanced index (one array per axis) that picks np.diagonal(x, offset, dim1, dim2) out of x."""
    rest = [s for k, s in enumerate(shape) if k not in (dim1, dim2)]
    n = max(0, min(shape[dim1] - max(-offset, 0), shape[dim2] - max(offset, 0)))
    grids = np.ix_(*[np.arange(s) for s in rest + [n]])
    it = iter(grids[:-1])
    diag = grids[-1]
    return tuple(diag + max(-offset, 0) if k == dim1 else diag + max(offset, 0) if k == dim2 else next(it)
                 for k in range(len(shape)))


def _gather_index(index, axis):
    """Advanced index picking x[..., index[i, j, ...], ...] (along `axis`) for every position of `index`."""
    grids = list(np.ix_(*[np.arange(s) for s in index.shape]))
    grids[axis] = index
    return tuple(grids)


def _repeat_vjp(g, ans, x, reps):
    """Sum the tiled copies back onto one: split each axis into (copies, size) and sum the copies."""
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    split = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    return g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(x.shape)


FLIP = defop("flip", lambda x, axes: np.flip(x, axes).copy(),
             (lambda g, ans, x, axes: np.flip(g, axes),),
             (lambda t, ans, x, axes: np.flip(t, axes),),
             doc="reverse the order along axes (a copy, as PyTorch)")
ROLL = defop("roll", lambda x, shifts, axes=None: np.roll(x, shifts, axes),
             (lambda g, ans, x, shifts, axes=None: np.roll(g, tuple(-s for s in shifts), axes),),
             (lambda t, ans, x, shifts, axes=None: np.roll(t, shifts, axes),),
             doc="rotate elements along axes (the flattened tensor when axes is None)")
TRIL = defop("tril", lambda x, k=0: np.tril(x, k),
             (lambda g, ans, x, k=0: np.where(_tri_mask(g.shape, k, True), g, 0),),
             (lambda t, ans, x, k=0: np.where(_tri_mask(t.shape, k, True), t, 0),),
             doc="lower triangle (on and below diagonal k) of the last two axes")
TRIU = defop("triu", lambda x, k=0: np.triu(x, k),
             (lambda g, ans, x, k=0: np.where(_tri_mask(g.shape, k, False), g, 0),),
             (lambda t, ans, x, k=0: np.where(_tri_mask(t.shape, k, False), t, 0),),
             doc="upper triangle (on and above diagonal k) of the last two axes")
DIAGONAL = defop("diagonal", lambda x, offset, dim1, dim2: np.diagonal(x, offset, dim1, dim2).copy(),
                 (lambda g, ans, x, offset, dim1, dim2:
                  index_scatter(g, index=_diagonal_index(x.shape, offset, dim1, dim2), shape=x.shape),),
                 (lambda t, ans, x, offset, dim1, dim2: t[_diagonal_index(t.shape, offset, dim1, dim2)],),
                 doc="diagonal `offset` of the planes (dim1, dim2), as a new last axis (a copy)")
REPEAT = defop("repeat", lambda x, reps: np.tile(x, reps),
               (_repeat_vjp,),
               (lambda t, ans, x, reps: np.tile(t, reps),),
               doc="PyTorch's repeat (NumPy's tile): `reps` copies along each axis")
GATHER = defop("gather", lambda x, axis, index: x[_gather_index(index, axis)],
               (lambda g, ans, x, axis, index: index_scatter(g, index=_gather_index(index, axis), shape=x.shape),),
               (lambda t, ans, x, axis, index: t[_gather_index(index, axis)],),
               doc="out[..i..] = x[..index[..i..]..] along axis; repeated indices scatter-add")
MASKED_FILL = defop("masked_fill",
                    lambda x, value, mask: np.where(mask, value, x).astype(np.result_type(x), copy=False),
                    (lambda g, ans, x, value, mask: np.where(mask, 0, g),
                     lambda g, ans, x, value, mask: np.where(mask, g, 0)),
                    (lambda t, ans, x, value, mask: np.where(mask, 0, t),
                     lambda t, ans, x, value, mask: np.where(mask, t, 0)),
                    doc="x with `value` where mask is True (mask broadcasts; value is a scalar)")
