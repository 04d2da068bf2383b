"""PyTorch idioms of the core package checked against torch: joining and slicing (hstack ... meshgrid, narrow,
repeat_interleave), value queries (isclose, count_nonzero, argwhere, unique, bincount, searchsorted, bucketize),
math compositions (frac, fmod, exp2, hypot, logit, xlogy, var_mean, std_mean, diff), where(cond), nan_to_num,
linspace(steps=)/logspace, reductions' dtype=, det/inverse, finfo/iinfo and the layout attributes (is_contiguous,
stride, element_size, nelement, type). Values, dtypes, shapes and float64 gradients are compared with torch's."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")

from test_torch_parity_ops import _arr, _np_dtype, both  # noqa: E402


def _same(ours, theirs):
    """Our non-differentiable result equals torch's: values, shape and dtype."""
    o, t = np.asarray(ours.numpy()), theirs.numpy()
    assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, o.dtype, t.shape, t.dtype)
    np.testing.assert_array_equal(o, t)
    assert not ours.requires_grad


# ====================================================================== joining and slicing
@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2, 3), (2, 1)], [(2, 3, 1), (2, 2, 1)], [(), ()]])
def test_hstack(shapes):
    both(lambda *xs: ad.hstack(xs), lambda *xs: torch.hstack(xs), *[_arr(s) for s in shapes])


@pytest.mark.parametrize("name, shapes", [("vstack", [(3,), (3,)]), ("vstack", [(2, 3), (1, 3)]),
                                          ("vstack", [(), ()]), ("row_stack", [(2,), (2,)]),
                                          ("dstack", [(3,), (3,)]), ("dstack", [(2, 3), (2, 3)]),
                                          ("dstack", [(2, 3, 1), (2, 3, 2)]), ("column_stack", [(3,), (3, 2)]),
                                          ("column_stack", [(), ()]), ("column_stack", [(2,), (2,), (2, 3)])])
def test_stacks(name, shapes):
    arrays = [_arr(s) for s in shapes]
    both(lambda *xs: getattr(ad, name)(list(xs)), lambda *xs: getattr(torch, name)(list(xs)), *arrays)


def test_stacks_refuse_a_bare_tensor_or_nothing():
    with pytest.raises(TypeError, match="hstack: expected a sequence of tensors, got Tensor"):
        ad.hstack(ad.ones(3))
    with pytest.raises(ValueError, match="vstack: expected a non-empty sequence"):
        ad.vstack([])


@pytest.mark.parametrize("shapes", [[(2, 3), (3,)], [(4, 1), (1, 5), ()], [(2,)]])
def test_broadcast_tensors(shapes):
    both(lambda *xs: ad.broadcast_tensors(*xs), lambda *xs: torch.broadcast_tensors(*xs), *[_arr(s) for s in shapes])


def test_broadcast_tensors_names_the_shapes():
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \[\(2, 3\), \(4,\)\] cannot be broadcast"):
        ad.broadcast_tensors(ad.ones(2, 3), ad.ones(4))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(2,), (3,)], [(2,), (3,), (4,)], [(3,)], [(), (2,)]])
def test_meshgrid(indexing, shapes):
    both(lambda *xs: ad.meshgrid(*xs, indexing=indexing), lambda *xs: torch.meshgrid(*xs, indexing=indexing),
         *[_arr(s) for s in shapes])


def test_meshgrid_takes_a_list_and_refuses_bad_input():
    a, b = ad.meshgrid([ad.arange(2), ad.arange(3)])
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy'"):
        ad.meshgrid(ad.arange(2), indexing="ji")
    with pytest.raises(ValueError, match=r"meshgrid: expected 0-d or 1-d tensors, got shape \(2, 2\)"):
        ad.meshgrid(ad.ones(2, 2))


@pytest.mark.parametrize("dim, start, length", [(0, 0, 1), (1, 1, 2), (-1, -2, 2), (0, 3, 0), (1, 0, 3)])
def test_narrow(dim, start, length):
    a = _arr((3, 3))
    both(lambda x: ad.narrow(x, dim, start, length), lambda x: torch.narrow(x, dim, start, length), a)
    both(lambda x: x.narrow(dim, start, length), lambda x: x.narrow(dim, start, length), a)


def test_narrow_errors_as_torch():
    x = ad.ones(3, 3)
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)"):
        x.narrow(0, 2, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.narrow(2, 0, 1)
    with pytest.raises(IndexError, match="cannot be applied to a 0-dim tensor"):
        ad.narrow(ad.tensor(1.0), 0, 0, 1)


@pytest.mark.parametrize("repeats, dim", [(2, 0), (3, 1), (2, None), (np.array([1, 0, 2]), 1),
                                          (np.array([2]), 0), (0, 0)])
def test_repeat_interleave(repeats, dim):
    reps_t = torch.from_numpy(repeats) if isinstance(repeats, np.ndarray) else repeats
    reps_a = ad.tensor(repeats) if isinstance(repeats, np.ndarray) else repeats
    both(lambda x: x.repeat_interleave(reps_a, dim=dim), lambda x: x.repeat_interleave(reps_t, dim=dim),
         _arr((2, 3)))
    both(lambda x: ad.repeat_interleave(x, reps_a, dim), lambda x: torch.repeat_interleave(x, reps_t, dim),
         _arr((2, 3)))


def test_repeat_interleave_errors():
    x = ad.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"repeats must have the same size as input along dim"):
        x.repeat_interleave(ad.tensor([1, 2]), dim=1)
    with pytest.raises(ValueError, match="repeats can not be negative"):
        x.repeat_interleave(-1)
    with pytest.raises(TypeError, match="repeats must be an int or a 1-d integer tensor"):
        x.repeat_interleave(1.5)


# ====================================================================== value queries (never recorded)
def test_isclose_count_nonzero_argwhere():
    a = np.array([[1.0, 0.0, np.nan], [3.0, 0.0, 4.0]])
    b = a + np.array([[1e-9, 0.0, 0.0], [1e-3, 0.0, 0.0]])
    x, t = ad.tensor(a, requires_grad=True), torch.from_numpy(a)
    for kw in ({}, {"rtol": 1e-2}, {"atol": 1e-2, "equal_nan": True}):
        _same(ad.isclose(x, ad.tensor(b), **kw), torch.isclose(t, torch.from_numpy(b), **kw))
    _same(x.isclose(ad.tensor(b)), t.isclose(torch.from_numpy(b)))
    for dim in (None, 0, 1, (0, 1), -1):
        _same(ad.count_nonzero(x, dim=dim), torch.count_nonzero(t, dim=dim))
    _same(x.count_nonzero(), t.count_nonzero())
    _same(ad.argwhere(x), torch.argwhere(t))
    _same(x.argwhere(), t.argwhere())
    _same(ad.argwhere(ad.tensor(2.0)), torch.argwhere(torch.tensor(2.0)))


@pytest.mark.parametrize("kwargs", [{}, {"return_counts": True}, {"return_inverse": True},
                                    {"return_inverse": True, "return_counts": True}, {"dim": 0},
                                    {"dim": 1, "return_inverse": True, "return_counts": True}])
def test_unique(kwargs):
    a = np.array([[3, 1, 3], [2, 1, 3], [3, 1, 3]])
    ours, theirs = ad.unique(ad.tensor(a), **kwargs), torch.unique(torch.from_numpy(a), **kwargs)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _same(o, t)
    _same(ad.tensor([2.5, -1.0, 2.5]).unique(), torch.tensor([2.5, -1.0, 2.5], dtype=torch.float32).unique())


def test_bincount():
    a = np.array([3, 1, 3, 0, 5])
    w = np.array([0.5, 1.0, 2.0, 0.25, 1.5])
    t = torch.from_numpy(a)
    _same(ad.bincount(ad.tensor(a)), torch.bincount(t))
    _same(ad.bincount(ad.tensor(a), minlength=8), torch.bincount(t, minlength=8))
    _same(ad.tensor(a).bincount(weights=ad.tensor(w)), t.bincount(weights=torch.from_numpy(w)))
    _same(ad.bincount(ad.tensor(a), weights=ad.tensor(w.astype(np.float32))),
          torch.bincount(t, weights=torch.from_numpy(w.astype(np.float32))))
    _same(ad.bincount(ad.tensor(a), weights=ad.tensor(a)), torch.bincount(t, weights=t))
    _same(ad.bincount(ad.tensor(np.zeros(0, dtype=np.int64))), torch.bincount(torch.zeros(0, dtype=torch.int64)))
    with pytest.raises(ValueError, match="bincount: input must be non-negative"):
        ad.bincount(ad.tensor([1, -1]))
    with pytest.raises(ValueError, match="bincount: expected a 1-d integer tensor, got dtype float32"):
        ad.bincount(ad.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"weights should be 1-d and have the same length"):
        ad.bincount(ad.tensor([1, 2]), weights=ad.tensor([1.0]))


@pytest.mark.parametrize("kwargs", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}])
def test_searchsorted_and_bucketize(kwargs):
    seq = np.array([1.0, 2.0, 2.0, 4.0])
    vals = np.array([[2.0, 0.0], [5.0, 1.0]])
    _same(ad.searchsorted(ad.tensor(seq), ad.tensor(vals), **kwargs),
          torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(vals), **kwargs))
    batched = np.array([[1.0, 3.0, 5.0], [0.0, 2.0, 2.0]])
    _same(ad.searchsorted(ad.tensor(batched), ad.tensor(vals), **kwargs),
          torch.searchsorted(torch.from_numpy(batched), torch.from_numpy(vals), **kwargs))
    if "side" not in kwargs:
        _same(ad.bucketize(ad.tensor(vals), ad.tensor(seq), **kwargs),
              torch.bucketize(torch.from_numpy(vals), torch.from_numpy(seq), **kwargs))


def test_searchsorted_with_sorter_and_errors():
    seq, order = np.array([4.0, 1.0, 2.0]), np.array([1, 2, 0])
    _same(ad.searchsorted(ad.tensor(seq), ad.tensor([3.0]), sorter=ad.tensor(order)),
          torch.searchsorted(torch.from_numpy(seq), torch.tensor([3.0], dtype=torch.float64),
                             sorter=torch.from_numpy(order)))
    with pytest.raises(ValueError, match="side and right can't be set to opposites"):
        ad.searchsorted(ad.tensor(seq), ad.tensor([1.0]), right=True, side="left")
    with pytest.raises(ValueError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        ad.bucketize(ad.tensor([1.0]), ad.ones(2, 2))


def test_where_with_the_condition_alone_gives_the_indices():
    a = np.array([[1.0, 0.0], [3.0, 4.0]])
    ours, theirs = ad.where(ad.tensor(a) > 2), torch.where(torch.from_numpy(a) > 2)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs):
        _same(o, t)
    with pytest.raises(TypeError, match="where: give both x and y, or neither"):
        ad.where(ad.tensor(a) > 2, 1.0)


# ====================================================================== math compositions
@pytest.mark.parametrize("name", ["frac", "exp2"])
def test_unary_compositions(name):
    a = _arr((2, 3), -3, 3)
    a[0, 0] = -2.5
    both(getattr(ad, name), getattr(torch, name), a)
    both(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), a)


@pytest.mark.parametrize("shapes", [[(2, 3), (2, 3)], [(2, 3), (3,)], [(), (2,)]])
def test_fmod_and_hypot(shapes):
    x, y = _arr(shapes[0], -4, 4), _arr(shapes[1], 0.7, 2) * np.where(_arr(shapes[1]) > 0, 1, -1)
    both(ad.fmod, torch.fmod, x, y)
    both(lambda a, b: a.fmod(b), lambda a, b: a.fmod(b), x, y)
    both(ad.fmod, torch.fmod, x, 1.5)
    both(ad.hypot, torch.hypot, x, y)
    both(lambda a, b: a.hypot(b), lambda a, b: a.hypot(b), x, y)


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit(eps):
    a = np.array([[0.05, 0.2], [0.6, 0.97]])
    both(lambda x: ad.logit(x, eps), lambda x: torch.logit(x, eps), a)
    both(lambda x: x.logit(eps=eps), lambda x: x.logit(eps=eps), a)


def test_xlogy_is_zero_where_x_is_zero():
    x = np.array([0.0, 0.0, 1.5, 2.0, 0.0, 0.0, 0.0])
    y = np.array([3.0, 0.5, 0.5, 2.0, np.nan, 0.0, -1.0])
    both(ad.xlogy, torch.xlogy, x[:5], y[:5])  # 0 * log(y > 0) and 0 * log(nan) as torch, gradients too
    both(lambda a: ad.xlogy(a, 2.0), lambda a: torch.xlogy(a, 2.0), x)
    both(lambda a, b: a.xlogy(b), lambda a, b: a.xlogy(b), x[2:4], y[2:4])
    both(ad.xlogy, torch.xlogy, x[5:], y[5:], grad=False)  # 0 * log(0) and 0 * log(-1): 0
    xs, ys = ad.tensor(x[5:], requires_grad=True), ad.tensor(y[5:], requires_grad=True)
    ad.xlogy(xs, ys).sum().backward()  # there the gradients are 0 (torch's for y at y == 0 is nan)
    assert np.array_equal(xs.grad.numpy(), [0.0, 0.0]) and np.array_equal(ys.grad.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 1), False)])
def test_var_mean_and_std_mean_with_an_explicit_correction(name, correction, dim, keepdim):
    both(lambda x: getattr(ad, name)(x, dim, correction=correction, keepdim=keepdim),
         lambda x: getattr(torch, name)(x, dim, correction=correction, keepdim=keepdim), _arr((3, 4)))


def test_var_mean_default_follows_our_var():
    x = ad.tensor(_arr((3, 4)))
    v, m = ad.var_mean(x, dim=0)
    np.testing.assert_allclose(v.numpy(), ad.var(x, dim=0).numpy())
    np.testing.assert_allclose(m.numpy(), ad.mean(x, dim=0).numpy())


@pytest.mark.parametrize("n, dim, pre, app", [(1, -1, None, None), (2, 1, None, None), (1, 0, (1, 3), None),
                                              (1, 1, None, (2, 2)), (3, 1, (2, 1), (2, 2)), (0, 0, None, None),
                                              (5, 1, None, None)])
def test_diff(n, dim, pre, app):
    arrays = [_arr((2, 3))] + [_arr(s) for s in (pre, app) if s is not None]

    def call(lib, x, *extra):
        it = iter(extra)
        return lib.diff(x, n=n, dim=dim, prepend=next(it) if pre else None, append=next(it) if app else None)
    both(lambda *xs: call(ad, *xs), lambda *xs: call(torch, *xs), *arrays)


def test_diff_errors():
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        ad.diff(ad.tensor(1.0))
    with pytest.raises(ValueError, match="diff: order must be a non-negative int"):
        ad.diff(ad.ones(3), n=-1)


def test_nan_to_num_replaces_and_masks_the_gradient():
    a = np.array([[1.0, np.nan], [np.inf, -np.inf]])
    for kw in ({}, {"nan": 2.0, "posinf": 9.0}, {"neginf": -7.0}):
        with np.errstate(over="ignore"):  # (the harness's weighted sum of float64's max overflows, as torch's)
            both(lambda x, kw=kw: ad.nan_to_num(x, **kw), lambda x, kw=kw: torch.nan_to_num(x, **kw), a)
    both(lambda x: x.nan_to_num(0.5), lambda x: x.nan_to_num(0.5), a.astype(np.float32))
    ints = ad.tensor([1, 2])
    assert ad.nan_to_num(ints) is ints


# ====================================================================== factories, reductions' dtype=, aliases
def test_linspace_steps_and_logspace():
    for ours, theirs in [(ad.linspace(0, 1, steps=5), torch.linspace(0, 1, steps=5)),
                         (ad.linspace(-1, 1, 3), torch.linspace(-1, 1, 3)),
                         (ad.logspace(0, 2, 3), torch.logspace(0, 2, 3)),
                         (ad.logspace(0, 3, steps=4, base=2.0), torch.logspace(0, 3, steps=4, base=2.0)),
                         (ad.logspace(0, 1, 2, dtype=np.float64), torch.logspace(0, 1, 2, dtype=torch.float64))]:
        assert ours.dtype == _np_dtype(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="linspace: give the number of points once"):
        ad.linspace(0, 1, 3, steps=3)
    with pytest.raises(TypeError, match="logspace: give the number of points once"):
        ad.logspace(0, 1)
    with pytest.raises(ValueError, match="linspace: number of steps must be a non-negative int"):
        ad.linspace(0, 1, steps=-1)


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
@pytest.mark.parametrize("dim", [None, 1])
def test_reductions_take_a_dtype(name, dim):
    a = _arr((2, 3)).astype(np.float32)
    x, t = ad.tensor(a, requires_grad=True), torch.from_numpy(a.copy()).requires_grad_()
    kw = {} if dim is None else {"dim": dim}
    y, u = getattr(x, name)(dtype=ad.float64, **kw), getattr(t, name)(dtype=torch.float64, **kw)
    assert y.dtype == np.float64 == _np_dtype(u.dtype)
    np.testing.assert_allclose(y.numpy(), u.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    u.sum().backward()
    assert x.grad.dtype == np.float32  # the gradient comes back in x's dtype
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert ad.sum(ad.tensor([1, 2]), dtype=ad.float32).dtype == np.float32


def test_det_and_inverse_aliases():
    a = _arr((3, 3)) + 3 * np.eye(3)
    both(ad.det, torch.det, a)
    both(ad.inverse, torch.inverse, a)
    both(lambda x: x.det(), lambda x: x.det(), a)
    both(lambda x: x.inverse(), lambda x: x.inverse(), a)


def test_finfo_and_iinfo():
    assert ad.finfo(ad.float32).eps == torch.finfo(torch.float32).eps
    assert ad.finfo(ad.float64).max == torch.finfo(torch.float64).max
    assert ad.finfo(ad.float32).tiny == torch.finfo(torch.float32).tiny
    assert ad.iinfo(ad.int32).max == torch.iinfo(torch.int32).max
    assert ad.iinfo(ad.int64).min == torch.iinfo(torch.int64).min


# ====================================================================== layout attributes
def test_layout_attributes_match_torch():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x, t = ad.tensor(a), torch.from_numpy(a.copy())
    for view in (lambda v: v, lambda v: v.transpose(0, 2), lambda v: v[:, 1:, ::2], lambda v: v[0]):
        xv, tv = view(x), view(t)
        assert xv.is_contiguous() == tv.is_contiguous()
        assert xv.stride() == tv.stride()
        assert [xv.stride(d) for d in range(xv.ndim)] == [tv.stride(d) for d in range(tv.ndim)]
        assert xv.stride(-1) == tv.stride(-1)
    assert x.element_size() == t.element_size() == 4
    assert ad.tensor([1, 2]).element_size() == torch.tensor([1, 2]).element_size() == 8
    assert x.nelement() == t.nelement() == 24
    with pytest.raises(IndexError, match="stride"):
        x.stride(3)


def test_type_names_and_casts():
    for dtype, tdtype in [(ad.float32, torch.float32), (ad.float64, torch.float64), (ad.int64, torch.int64),
                          (ad.bool_, torch.bool), (ad.uint8, torch.uint8)]:
        assert ad.zeros(2, dtype=dtype).type() == torch.zeros(2, dtype=tdtype).type()
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x.type(ad.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.type(ad.float32) is x
    assert x.type("torch.DoubleTensor").dtype == np.float64
    with pytest.raises(ValueError, match="type\\(\\): unknown tensor type 'torch.Nope'"):
        x.type("torch.Nope")


def test_gradgradcheck_of_compositions():
    rng = np.random.default_rng(3)
    for fn, n in [(ad.hypot, 2), (lambda x: ad.logit(x), 1), (lambda x, y: ad.xlogy(x, y), 2),
                  (lambda x: ad.diff(x, n=2, dim=0), 1), (lambda x: ad.repeat_interleave(x, 2, 0), 1)]:
        args = [ad.tensor(rng.uniform(0.2, 0.8, (3, 2)), requires_grad=True) for _ in range(n)]
        assert ad.gradcheck(fn, args)
        assert ad.gradgradcheck(fn, args)
