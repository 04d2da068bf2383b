"""PyTorch idioms of the core package, checked against torch: devices and `Tensor.to`, factories and samplers,
the small tensor methods (expand_as, movedim, masked_select, lerp ...), max/min with a tensor `other`, the scatter
family (out of place and in place), and the `ad.autograd` namespace. Values, dtypes, shapes and float64 gradients
are compared with torch's; error messages are matched."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")

# the harness of test_torch_parity_ops: outputs, dtypes and float64 gradients compared with torch's
from test_torch_parity_ops import _arr, _np_dtype, both  # noqa: E402


# ====================================================================== 1. devices and Tensor.to
def test_to_returns_self_when_nothing_changes():
    x = ad.randn(2, 3)
    t = torch.randn(2, 3)
    for args, kwargs in [((np.float32,), {}), (("cpu",), {}), ((ad.device("cpu"),), {}), ((x,), {}),
                         (("cpu", np.float32), {}), ((), {"dtype": np.float32}), ((), {"device": "cpu"}),
                         ((), {"device": "cpu", "dtype": np.float32, "non_blocking": True})]:
        targs = tuple(torch.float32 if a is np.float32 else t if a is x else str(a) if isinstance(a, ad.device)
                      else a for a in args)
        tkw = {k: torch.float32 if v is np.float32 else v for k, v in kwargs.items()}
        assert t.to(*targs, **tkw) is t
        assert x.to(*args, **kwargs) is x, (args, kwargs)
    assert x.cpu() is x and t.cpu() is t
    y = x.to(copy=True)
    assert y is not x and y.dtype == x.dtype and np.array_equal(y.numpy(), x.numpy())
    assert not np.shares_memory(y.numpy(), x.numpy())


@pytest.mark.parametrize("form", ["dtype", "device_dtype", "other", "kw", "positional_copy"])
def test_to_casts_differentiably(form):
    def call(x, lib):
        f64 = np.float64 if lib is ad else torch.float64
        return {"dtype": lambda: x.to(f64),
                "device_dtype": lambda: x.to("cpu", f64),
                "other": lambda: x.to(lib.zeros(1, dtype=f64)),
                "kw": lambda: x.to(device="cpu", dtype=f64, copy=False),
                "positional_copy": lambda: x.to(f64, False, True)}[form]()
    a = _arr((2, 3)).astype(np.float32)
    x, t = ad.tensor(a, requires_grad=True), torch.from_numpy(a.copy()).requires_grad_()
    y, u = call(x, ad), call(t, torch)
    assert y.dtype == np.float64 == _np_dtype(u.dtype) and y.requires_grad
    w = _arr((2, 3))
    (y * ad.tensor(w)).sum().backward()
    (u * torch.from_numpy(w)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert x.to(np.int64).dtype == np.int64 and x.to(ad.int64).tolist() == t.to(torch.int64).tolist()


def test_device_attributes_and_refusals():
    x = ad.ones(2)
    assert x.device == ad.device("cpu") and str(x.device) == str(torch.ones(2).device) == "cpu"
    assert x.is_cuda is False and x.is_cpu is True
    with pytest.raises(RuntimeError, match="Tensor.cuda: autodiff computes with NumPy on the CPU only; device 'cuda'"):
        x.cuda()
    with pytest.raises(RuntimeError, match="Tensor.cuda: .*device 'cuda:1'"):
        x.cuda(1)
    with pytest.raises(RuntimeError, match="Tensor.to: .*device 'cuda'"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="Tensor.to: .*device 'cuda:0'"):
        x.to(ad.device("cuda", 0), np.float64)
    with pytest.raises(RuntimeError, match="Tensor.to: .*device 'mps'"):
        x.to(device="mps")
    with pytest.raises(RuntimeError, match="device type at start of device string: float32"):  # (as torch)
        x.to("float32")
    with pytest.raises(TypeError, match="Tensor.to\\(\\) received an invalid combination of arguments"):
        x.to([1])
    with pytest.raises(TypeError, match="dtype must be a data type"):
        x.to(dtype="cpu")


FACTORIES = {
    "tensor": lambda d: ad.tensor([1.0], device=d), "zeros": lambda d: ad.zeros(2, device=d),
    "ones": lambda d: ad.ones(2, device=d), "full": lambda d: ad.full((2,), 1.0, device=d),
    "empty": lambda d: ad.empty(2, device=d), "arange": lambda d: ad.arange(3, device=d),
    "linspace": lambda d: ad.linspace(0, 1, 3, device=d), "eye": lambda d: ad.eye(2, device=d),
    "randn": lambda d: ad.randn(2, device=d), "rand": lambda d: ad.rand(2, device=d),
    "randint": lambda d: ad.randint(0, 3, (2,), device=d), "randperm": lambda d: ad.randperm(3, device=d),
    "zeros_like": lambda d: ad.zeros_like(ad.ones(2), device=d),
    "ones_like": lambda d: ad.ones_like(ad.ones(2), device=d),
    "empty_like": lambda d: ad.empty_like(ad.ones(2), device=d),
    "full_like": lambda d: ad.full_like(ad.ones(2), 3.0, device=d),
    "randn_like": lambda d: ad.randn_like(ad.ones(2), device=d),
    "rand_like": lambda d: ad.rand_like(ad.ones(2), device=d),
    "randint_like": lambda d: ad.randint_like(ad.ones(2), 5, device=d),
    "as_tensor": lambda d: ad.as_tensor([1.0], device=d),
    "Tensor.new_zeros": lambda d: ad.ones(2).new_zeros(3, device=d),
    "Tensor.new_ones": lambda d: ad.ones(2).new_ones(3, device=d),
    "Tensor.new_full": lambda d: ad.ones(2).new_full(3, 2.0, device=d),
    "Tensor.new_empty": lambda d: ad.ones(2).new_empty(3, device=d),
    "Tensor.new_tensor": lambda d: ad.ones(2).new_tensor([1, 2], device=d),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_take_device(name):
    make = FACTORIES[name]
    assert isinstance(make("cpu"), ad.Tensor) and isinstance(make(ad.device("cpu")), ad.Tensor)
    assert isinstance(make(None), ad.Tensor)
    with pytest.raises(RuntimeError, match=f"^{name}: autodiff computes with NumPy on the CPU only; device 'cuda'"):
        make("cuda")


# ====================================================================== 2. factories and samplers
def test_like_factories_match_torch():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x, t = ad.tensor(a), torch.from_numpy(a)
    i, ti = ad.tensor([1, 2]), torch.tensor([1, 2])
    pairs = [(ad.empty(2, 3), torch.empty(2, 3)), (ad.empty((2, 3), dtype=ad.float64), torch.empty(2, 3).double()),
             (ad.empty_like(x), torch.empty_like(t)), (ad.empty_like(i), torch.empty_like(ti)),
             (ad.full_like(x, 2.5), torch.full_like(t, 2.5)), (ad.full_like(i, 2.7), torch.full_like(ti, 2.7)),
             (ad.full_like(i, 2.5, dtype=ad.float64), torch.full_like(ti, 2.5, dtype=torch.float64)),
             (ad.randn_like(x), torch.randn_like(t)), (ad.rand_like(x), torch.rand_like(t)),
             (ad.randint_like(x, 5), torch.randint_like(t, 5)),
             (ad.randint_like(i, 3, 5), torch.randint_like(ti, 3, 5)),
             (ad.randn_like(i, dtype=ad.float64), torch.randn_like(ti, dtype=torch.float64))]
    for k, (o, u) in enumerate(pairs):
        assert o.shape == tuple(u.shape) and o.dtype == _np_dtype(u.dtype), k
    assert np.all(ad.empty(2, 3).numpy() == 0)  # (zero-filled, so runs are reproducible)
    assert ad.full_like(i, 2.7).tolist() == torch.full_like(ti, 2.7).tolist() == [2, 2]
    r = ad.randint_like(ad.zeros(1000), 3, 5).numpy()
    assert set(np.unique(r)) == {3.0, 4.0}
    assert ad.randn_like(x, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="randn_like: expected a floating-point dtype, got int64"):
        ad.randn_like(i)
    with pytest.raises(TypeError, match="rand_like: expected a floating-point dtype, got int64"):
        ad.rand_like(i)


def test_as_tensor_shares_memory_as_torch():
    a = np.ones(3)
    x, t = ad.as_tensor(a), torch.as_tensor(a)
    a[0] = 5.0
    assert x.dtype == np.float64 and x.tolist() == t.tolist() == [5.0, 1.0, 1.0]
    b = np.ones(3)
    y, u = ad.as_tensor(b, dtype=ad.float32), torch.as_tensor(b, dtype=torch.float32)
    b[0] = 5.0
    assert y.dtype == np.float32 and y.tolist() == u.tolist() == [1.0, 1.0, 1.0]
    assert ad.as_tensor([1, 2]).dtype == np.int64 and ad.as_tensor([1.0, 2]).dtype == np.float32
    z = ad.tensor([1.0, 2.0], requires_grad=True)
    assert ad.as_tensor(z) is z
    c = ad.as_tensor(z, dtype=ad.float64)
    assert c.dtype == np.float64 and c.requires_grad
    c.sum().backward()
    assert z.grad.tolist() == [1.0, 1.0]


def test_seeded_samplers_repeat_and_generator():
    def draw(**kw):
        return [ad.randn_like(ad.zeros(3), **kw), ad.rand_like(ad.zeros(3), **kw), ad.randperm(6, **kw),
                ad.randint_like(ad.zeros(3), 9, **kw), ad.bernoulli(ad.full((5,), 0.5), **kw),
                ad.multinomial(ad.tensor([0.2, 0.3, 0.5]), 2, **kw),
                ad.multinomial(ad.tensor([0.2, 0.3, 0.5]), 4, replacement=True, **kw)]
    ad.manual_seed(3)
    first = draw()
    ad.manual_seed(3)
    again = draw()
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    for a, b, c, d in zip(first, again, draw(generator=g1), draw(generator=g2)):
        assert a.tolist() == b.tolist() and c.tolist() == d.tolist()
    assert any(a.tolist() != c.tolist() for a, c in zip(first, draw(generator=np.random.default_rng(8))))


def test_randint_forms_and_randperm():
    assert ad.randint(10, (3,)).shape == tuple(torch.randint(10, (3,)).shape) == (3,)
    assert ad.randint(10, (3,)).dtype == np.int64
    r = ad.randint(3, 10, (2000,)).numpy()
    assert r.min() == 3 and r.max() == 9
    assert ad.randint(0, 5, size=(2, 2), dtype=ad.int32).dtype == np.int32
    assert ad.randint(5, size=(4,)).numpy().max() < 5
    p = ad.randperm(50)
    assert p.dtype == np.int64 == _np_dtype(torch.randperm(3).dtype) and sorted(p.tolist()) == list(range(50))
    assert ad.randperm(0).shape == (0,)
    with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
        ad.randint(5, 5, (2,))


def test_bernoulli():
    p = ad.tensor([0.0, 1.0, 0.0, 1.0], dtype=ad.float64)
    out = ad.bernoulli(p)
    assert out.tolist() == [0.0, 1.0, 0.0, 1.0] and out.dtype == np.float64 == _np_dtype(
        torch.bernoulli(torch.zeros(2, dtype=torch.float64)).dtype)
    ad.manual_seed(0)
    many = ad.bernoulli(ad.full((20000,), 0.3)).numpy()
    assert set(np.unique(many)) == {0.0, 1.0} and abs(many.mean() - 0.3) < 0.02
    assert ad.bernoulli(ad.zeros(4), 1.0).tolist() == [1.0] * 4 and ad.zeros(3).bernoulli(0.0).tolist() == [0.0] * 3
    x = ad.tensor([0.5, 0.5], requires_grad=True)
    assert not ad.bernoulli(x).requires_grad  # a sample: nothing flows back through it
    with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1"):
        ad.bernoulli(ad.tensor([1.5]))
    with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1 to be true, but got only NaN"):
        ad.bernoulli(ad.tensor([float("nan")]))
    with pytest.raises(TypeError, match="bernoulli: expected a floating-point tensor"):
        ad.bernoulli(ad.tensor([1, 0]))


def test_multinomial():
    ad.manual_seed(1)
    w = ad.tensor([[0.0, 1.0, 3.0, 0.0], [2.0, 0.0, 0.0, 2.0]])
    out = ad.multinomial(w, 5000, replacement=True)
    assert out.shape == (2, 5000) and out.dtype == np.int64
    counts = np.stack([np.bincount(r, minlength=4) for r in out.numpy()])
    assert counts[0, 0] == counts[0, 3] == counts[1, 1] == counts[1, 2] == 0  # zero weight: never drawn
    assert abs(counts[0, 2] / 5000 - 0.75) < 0.03 and abs(counts[1, 0] / 5000 - 0.5) < 0.03
    for _ in range(20):
        row = ad.multinomial(ad.tensor([1.0, 2.0, 3.0, 4.0]), 4).tolist()
        assert sorted(row) == [0, 1, 2, 3]
        assert sorted(ad.multinomial(ad.tensor([0.0, 1.0, 0.0]), 2).tolist()[:1]) == [1]  # positives first
    first = np.array([ad.multinomial(ad.tensor([1.0, 9.0]), 1).item() for _ in range(400)])
    assert 0.8 < first.mean() < 0.97  # the heavier category first, about 90% of the time
    assert ad.tensor([0.2, 0.8]).multinomial(3, replacement=True).shape == (3,)
    errors = [(lambda: ad.multinomial(ad.tensor([0.2, 0.8]), 3), "cannot sample n_sample > prob_dist.size\\(-1\\)"),
              (lambda: ad.multinomial(ad.tensor([-1.0, 1.0]), 1), "contains either `inf`, `nan` or element < 0"),
              (lambda: ad.multinomial(ad.tensor([1.0, float("nan")]), 1), "`inf`, `nan` or element < 0"),
              (lambda: ad.multinomial(ad.tensor([0.0, 0.0]), 1, True), "sum of probabilities <= 0"),
              (lambda: ad.multinomial(ad.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
              (lambda: ad.multinomial(ad.tensor([1, 2]), 1), "only supports floating-point dtypes"),
              (lambda: ad.multinomial(ad.ones(3), 0), "cannot sample n_sample <= 0 samples")]
    for fn, msg in errors:
        with pytest.raises(RuntimeError, match=msg):
            fn()


def test_numel_and_empty_shapes():
    x = ad.zeros(2, 3, 4)
    assert ad.numel(x) == x.numel() == torch.numel(torch.zeros(2, 3, 4)) == 24
    assert ad.numel(ad.tensor(1.0)) == 1 and ad.numel(ad.zeros(0, 3)) == 0


# ====================================================================== 3. tensor methods
def test_expand_view_reshape_as():
    both(lambda y, x: y.expand_as(x), lambda y, x: y.expand_as(x), _arr((1, 3)), _arr((4, 3)))
    both(lambda y, x: y.view_as(x), lambda y, x: y.view_as(x), _arr((6,)), _arr((2, 3)))
    both(lambda y, x: y.reshape_as(x), lambda y, x: y.reshape_as(x), _arr((2, 3)), _arr((3, 2)))
    with pytest.raises(ValueError, match="broadcast_to: cannot broadcast a tensor of shape \\(2, 3\\)"):
        ad.ones(2, 3).expand_as(ad.ones(4, 3))


def test_comparison_methods_equal_half():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, t = ad.tensor(a), torch.from_numpy(a)
    for name in ("eq", "ne", "gt", "lt", "ge", "le"):
        for other in (2.0, x.flip(0)):
            o = getattr(x, name)(other)
            u = getattr(t, name)(other if isinstance(other, float) else t.flip(0))
            assert o.dtype == np.bool_ and o.tolist() == u.tolist(), name
            assert getattr(ad, name)(x, 2.0).tolist() == getattr(torch, name)(t, 2.0).tolist()
    assert x.equal(x.clone()) is True and ad.equal(x, x + 1) is False
    assert ad.equal(ad.tensor([1, 2]), ad.tensor([1.0, 2.0])) is torch.equal(torch.tensor([1, 2]),
                                                                            torch.tensor([1.0, 2.0])) is True
    assert ad.equal(x, x.reshape(1, 4)) is False and ad.equal(ad.tensor([np.nan]), ad.tensor([np.nan])) is False
    h = x.half()
    assert h.dtype == np.float16 == _np_dtype(t.half().dtype) and h.tolist() == a.tolist()


@pytest.mark.parametrize("a", [np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([0, 3, 0, 5]), np.array(3.0),
                               np.array(0.0), np.zeros((2, 0))])
def test_nonzero(a):
    o, u = ad.tensor(a).nonzero(), torch.from_numpy(a).nonzero()
    assert o.shape == tuple(u.shape) and o.dtype == np.int64 and o.tolist() == u.tolist()
    ot, ut = ad.nonzero(ad.tensor(a), as_tuple=True), torch.nonzero(torch.from_numpy(a), as_tuple=True)
    assert len(ot) == len(ut) and all(p.tolist() == q.tolist() and p.dtype == np.int64 for p, q in zip(ot, ut))


def test_movedim_and_unflatten():
    a = _arr((2, 3, 4))
    for src, dst in [(0, 1), (0, -1), ((0, 1), (2, 0)), ([2], [0]), ((0, 1, 2), (2, 1, 0))]:
        both(lambda x, s=src, d=dst: x.movedim(s, d), lambda x, s=src, d=dst: x.movedim(s, d), a)
        assert ad.movedim(ad.tensor(a), src, dst).shape == tuple(torch.movedim(torch.from_numpy(a), src, dst).shape)
    with pytest.raises(RuntimeError, match="movedim: Invalid source or destination dims"):
        ad.ones(2, 3).movedim((0,), (0, 1))
    with pytest.raises(RuntimeError, match="movedim: dim 0 appears multiple times"):
        ad.ones(2, 3).movedim((0, 0), (0, 1))
    with pytest.raises(IndexError, match="movedim: Dimension out of range"):
        ad.ones(2, 3).movedim(2, 0)
    for dim, sizes in [(1, (2, 2)), (-1, (-1, 2)), (0, (3, 1)), (1, (1, 4, 1))]:
        both(lambda x, d=dim, s=sizes: x.unflatten(d, s), lambda x, d=dim, s=sizes: x.unflatten(d, s),
             _arr((3, 4)))
    with pytest.raises(RuntimeError, match="unflatten: Provided sizes \\[3, -1\\] don't multiply up to the size "
                                           "of dim 0 \\(2\\)"):
        ad.ones(2).unflatten(0, (3, -1))
    with pytest.raises(RuntimeError, match="don't multiply up"):
        ad.ones(4).unflatten(0, (-1, -1))


def test_masked_select():
    a = _arr((3, 4))
    m = a > 0
    both(lambda x: x.masked_select(ad.tensor(m)), lambda x: x.masked_select(torch.from_numpy(m)), a)
    both(lambda x: ad.masked_select(x, ad.tensor(m[0])), lambda x: torch.masked_select(x, torch.from_numpy(m[0])),
         a)  # the mask broadcasts
    both(lambda x: ad.masked_select(x, ad.tensor(m)), lambda x: torch.masked_select(x, torch.from_numpy(m)),
         a[0])  # so does the tensor (its gradient sums back)
    both(lambda x: x.masked_select(ad.tensor(True)), lambda x: x.masked_select(torch.tensor(True)), np.array(2.0))
    with pytest.raises(RuntimeError, match="masked_select: expected a bool tensor for mask, got dtype int64"):
        ad.ones(2).masked_select(ad.tensor([1, 0]))
    with pytest.raises(RuntimeError, match="the mask of shape \\(3,\\) does not broadcast with the tensor of shape"):
        ad.ones(2).masked_select(ad.tensor([True, False, True]))


def test_lerp():
    s, e, w = _arr((2, 3)), _arr((2, 3)), _arr((2, 3), 0, 1)
    both(lambda a, b, c: a.lerp(b, c), lambda a, b, c: a.lerp(b, c), s, e, w)
    both(lambda a, b: ad.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3), s, e)
    both(lambda a, b, c: ad.lerp(a, b, c), lambda a, b, c: torch.lerp(a, b, c), s, e[0], w[:, :1])
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.lerp(ad.zeros(2, 2), 0.5).tolist() == [[0.5, 1.0], [1.5, 2.0]]
    assert x.lerp(ad.zeros(2, 2), 0.5).dtype == np.float32
    y = x.clone()
    assert y.lerp_(ad.zeros(2, 2), 0.5) is y and y.tolist() == [[0.5, 1.0], [1.5, 2.0]]
    with pytest.raises(RuntimeError, match="lerp: expected dtype float32 for `end` but got dtype int64"):
        x.lerp(ad.tensor([1, 2]), 0.5)


# ====================================================================== 4. max/min with a tensor other
def test_max_min_with_other_tensor():
    a, b = _arr((2, 3)), _arr((2, 3))
    both(lambda x, y: ad.max(x, y), lambda x, y: torch.max(x, y), a, b)
    both(lambda x, y: ad.min(x, y), lambda x, y: torch.min(x, y), a, b)
    both(lambda x, y: x.max(y), lambda x, y: x.max(y), a, b[0])  # broadcasting
    both(lambda x, y: x.min(y), lambda x, y: x.min(y), a, b[:, :1])
    both(lambda x: ad.max(x, ad.tensor(0.5)), lambda x: torch.max(x, torch.tensor(0.5, dtype=torch.float64)), a)
    ties = np.array([1.0, 2.0])
    both(lambda x, y: ad.max(x, y), lambda x, y: torch.max(x, y), ties, ties.copy())  # ties share evenly
    assert ad.tensor([1, 5]).max(ad.tensor([1.5, 0.0])).tolist() == [1.5, 5.0]
    # a dim keeps the documented NumPy-side meaning: values only
    x = ad.tensor(a)
    assert isinstance(x.max(1), ad.Tensor) and x.max(1).tolist() == a.max(1).tolist()
    assert ad.min(x, dim=0, keepdim=True).shape == (1, 3)


# ====================================================================== 5. scatter / scatter_add / index_add
SCATTER_CASES = [  # (self shape, dim, index, src shape)
    ((3, 4), 0, [[2, 0, 1, 2], [0, 1, 2, 1]], (2, 4)),
    ((3, 4), 1, [[3, 0], [1, 2], [0, 1]], (3, 2)),
    ((3, 4), -1, [[3], [0]], (2, 1)),
    ((2, 3, 2), 1, np.array([[[2, 0], [0, 1]], [[1, 2], [2, 0]]]), (2, 2, 2)),
    ((5,), 0, [4, 0, 2], (3,)),
]


@pytest.mark.parametrize("case", SCATTER_CASES)
def test_scatter_matches_torch(case):
    shape, dim, index, sshape = case
    i = np.asarray(index)
    both(lambda x, s: (x * 1).scatter(dim, ad.tensor(i), s), lambda x, s: (x * 1).scatter(dim, torch.from_numpy(i), s),
         _arr(shape), _arr(sshape))
    both(lambda x: ad.scatter(x, dim, ad.tensor(i), 2.5), lambda x: torch.scatter(x, dim, torch.from_numpy(i), 2.5),
         _arr(shape))
    both(lambda x: x.scatter(dim, ad.tensor(i), value=-1.0), lambda x: x.scatter(dim, torch.from_numpy(i), value=-1.0),
         _arr(shape))


def test_scatter_src_larger_than_index_and_int_tensors():
    x, t = ad.zeros(2, 3), torch.zeros(2, 3)
    s = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    assert (x.scatter(1, ad.tensor([[0, 2]]), ad.tensor(s)).tolist()
            == t.scatter(1, torch.tensor([[0, 2]]), torch.from_numpy(s)).tolist())
    assert ad.zeros(2, 3).scatter_(1, ad.tensor([[0], [2]]), 1.0).tolist() == [[1, 0, 0], [0, 0, 1]]
    n, tn = ad.zeros(4, dtype=ad.int64), torch.zeros(4, dtype=torch.int64)
    assert (n.scatter(0, ad.tensor([1, 3]), 7).tolist() == tn.scatter(0, torch.tensor([1, 3]), 7).tolist())
    assert (n.scatter_add(0, ad.tensor([1, 1]), ad.tensor([2, 3])).tolist()
            == tn.scatter_add(0, torch.tensor([1, 1]), torch.tensor([2, 3])).tolist() == [0, 5, 0, 0])


@pytest.mark.parametrize("case", SCATTER_CASES + [((3,), 0, [0, 0, 2, 0], (4,))])
def test_scatter_add_matches_torch(case):
    shape, dim, index, sshape = case
    i = np.asarray(index)
    both(lambda x, s: x.scatter_add(dim, ad.tensor(i), s),
         lambda x, s: x.scatter_add(dim, torch.from_numpy(i), s), _arr(shape), _arr(sshape))


@pytest.mark.parametrize("shape,dim,index", [((3,), 0, [0, 0, 2]), ((4, 3), 0, [3, 1, 3]),
                                             ((2, 4, 3), 1, [0, 3, 3, 1, 0]), ((2, 3), -1, [2])])
def test_index_add_matches_torch(shape, dim, index):
    i = np.asarray(index)
    sshape = list(shape)
    sshape[dim] = len(index)
    both(lambda x, s: x.index_add(dim, ad.tensor(i), s), lambda x, s: x.index_add(dim, torch.from_numpy(i), s),
         _arr(shape), _arr(tuple(sshape)))
    both(lambda x, s: ad.index_add(x, dim, ad.tensor(i), s, alpha=-2.0),
         lambda x, s: torch.index_add(x, dim, torch.from_numpy(i), s, alpha=-2.0), _arr(shape), _arr(tuple(sshape)))


def test_scatter_family_in_place():
    ref = torch.zeros(3).index_add_(0, torch.tensor([0, 0]), torch.tensor([1.0, 2.0])).tolist()
    z = ad.zeros(3)
    assert z.index_add_(0, ad.tensor([0, 0]), ad.tensor([1.0, 2.0])) is z and z.tolist() == ref and z._version == 1
    ref = torch.zeros(3).scatter_add_(0, torch.tensor([0, 0]), torch.tensor([1.0, 2.0])).tolist()
    assert ad.zeros(3).scatter_add_(0, ad.tensor([0, 0]), ad.tensor([1.0, 2.0])).tolist() == ref
    # through autograd: a non-leaf changed in place, gradients as torch's
    a, s = _arr((2, 3)), _arr((2, 3))
    i = np.array([[1, 0, 1], [0, 1, 0]])
    for method in ("scatter_", "scatter_add_"):
        def run(lib, x, src, m=method):
            y = x * 2
            getattr(y, m)(0, lib.tensor(i) if lib is ad else torch.from_numpy(i), src)
            return y
        both(lambda x, src: run(ad, x, src), lambda x, src: run(torch, x, src), a, s)
    both(lambda x, src: (x * 1).index_add_(1, ad.tensor([2, 2]), src),
         lambda x, src: (x * 1).index_add_(1, torch.tensor([2, 2]), src), a, s[:, :2])


def test_scatter_in_place_keeps_autograd_honest():
    a = ad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b  # saves b
    b.scatter_(0, ad.tensor([0]), 5.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; expected version 0"):
        c.sum().backward()
    for call in (lambda t: t.scatter_(0, ad.tensor([0]), 5.0),
                 lambda t: t.scatter_add_(0, ad.tensor([0]), ad.tensor([1.0])),
                 lambda t: t.index_add_(0, ad.tensor([0]), ad.tensor([1.0]))):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            call(a)
    assert a.tolist() == [1.0, 2.0]
    with ad.no_grad():
        a.scatter_(0, ad.tensor([1]), 7.0)
    assert a.tolist() == [1.0, 7.0] and a._version == 1 and a.requires_grad


def test_scatter_errors():
    x = ad.zeros(2, 3)
    cases = [
        (lambda: ad.zeros(3).scatter(0, ad.tensor([[0]]), 1.0),
         RuntimeError, "scatter\\(\\): Index tensor must have the same number of dimensions as self tensor"),
        (lambda: ad.zeros(3).scatter(0, ad.tensor([5]), 1.0),
         RuntimeError, "scatter\\(\\): index 5 is out of bounds for dimension 0 with size 3"),
        (lambda: ad.zeros(3).scatter(0, ad.tensor([-1]), 1.0), RuntimeError, "index -1 is out of bounds"),
        (lambda: ad.zeros(3).scatter(0, ad.tensor([1.0]), 1.0),
         RuntimeError, "scatter\\(\\): Expected dtype int32/int64 for index, got float32"),
        (lambda: x.scatter(1, ad.tensor([[0, 1], [0, 1], [1, 1]]), 1.0),
         RuntimeError, "Expected index \\[3, 2\\] to be no larger than self \\[2, 3\\] apart from dimension 1"),
        (lambda: x.scatter(1, ad.tensor([[0, 1, 1, 1]]), ad.ones(2, 3)),
         RuntimeError, "Expected index \\[1, 4\\] to be no larger than self \\[2, 3\\] apart from dimension 1 "
                       "and to be no larger size than src \\[2, 3\\]"),
        (lambda: x.scatter(1, ad.tensor([[0]]), ad.ones(2, 3, dtype=ad.float64)),
         RuntimeError, "Expected self.dtype to be equal to src.dtype"),
        (lambda: x.scatter(1, ad.tensor([[0]]), ad.ones(3)),
         RuntimeError, "Index tensor must have the same number of dimensions as src tensor"),
        (lambda: x.scatter(2, ad.tensor([[0]]), 1.0), IndexError, "scatter: Dimension out of range"),
        (lambda: x.scatter(0, ad.tensor([[0]]), 1.0, reduce="add"), NotImplementedError,
         "scatter: reduce='add' is not supported; use scatter_add"),
        (lambda: x.scatter(0, ad.tensor([[0]])), TypeError, "missing argument 'src'"),
        (lambda: x.scatter(0, ad.tensor([[0]]), "a"), TypeError, "src must be a Tensor or a number"),
        (lambda: ad.zeros(3).scatter_add(0, ad.tensor([0, 1]), 1.0),
         TypeError, "scatter_add\\(\\): argument 'src' must be Tensor, not float"),
        (lambda: ad.zeros(3).index_add(0, ad.tensor([0, 5]), ad.ones(2)),
         IndexError, "index_add_\\(\\): index 5 is out of range for dimension 0 with size 3"),
        (lambda: ad.zeros(3).index_add(0, ad.tensor([0, 1]), ad.ones(3)),
         RuntimeError, "Number of indices \\(2\\) should be equal to source.size\\(dim\\): \\(3\\), for dim: 0"),
        (lambda: ad.zeros(3, 2).index_add(0, ad.tensor([0, 1]), ad.ones(2, 3)),
         RuntimeError, "source tensor shape must match self tensor shape, excluding the specified dimension"),
        (lambda: ad.zeros(3).index_add(0, ad.tensor([[0, 1]]), ad.ones(2)),
         IndexError, "Index is supposed to be a vector"),
        (lambda: ad.zeros(3).index_add(0, ad.tensor([0]), ad.ones(1, dtype=ad.float64)),
         RuntimeError, "self \\(float32\\) and source \\(float64\\) must have the same scalar type"),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            fn()
    y = ad.zeros(3)
    with pytest.raises(RuntimeError, match="out of bounds"):
        y.scatter_(0, ad.tensor([7]), 1.0)
    assert y.tolist() == [0.0, 0.0, 0.0] and y._version == 0  # nothing half-changed


# ====================================================================== extras: atleast_nd, cdist
def test_atleast_and_cdist():
    for fn in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for shape in ((), (3,), (2, 3), (2, 3, 4)):
            both(getattr(ad, fn), getattr(torch, fn), _arr(shape))
    for p in (2.0, 1.0, 3.0):
        both(lambda x, y, p=p: ad.cdist(x, y, p), lambda x, y, p=p: torch.cdist(x, y, p), _arr((4, 3)), _arr((5, 3)))
    both(lambda x, y: ad.cdist(x, y), lambda x, y: torch.cdist(x, y), _arr((2, 4, 3)), _arr((2, 2, 3)))
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns"):
        ad.cdist(ad.ones(2, 3), ad.ones(2, 4))


# ====================================================================== 6. ad.autograd as torch.autograd
def test_autograd_namespace():
    for name in ("grad", "backward", "functional", "gradcheck", "gradgradcheck", "detect_anomaly",
                 "set_detect_anomaly", "Function"):
        assert hasattr(torch.autograd, name) and hasattr(ad.autograd, name), name
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert ad.autograd.functional.jacobian(lambda a: a * 2, x).shape == (2, 2, 2, 2)
    assert ad.autograd.gradcheck(lambda a: (a * a).sum(), (ad.randn(3, dtype=ad.float64, requires_grad=True),))
    assert ad.autograd.gradgradcheck(lambda a: (a ** 3).sum(), (ad.randn(3, dtype=ad.float64, requires_grad=True),))
    (g,) = ad.autograd.grad((x ** 3).sum(), x, create_graph=True)
    ad.autograd.backward(g.sum())
    assert x.grad.tolist() == [[6.0, 12.0], [18.0, 24.0]]
    assert not ad.is_anomaly_enabled()
    with ad.autograd.set_detect_anomaly(True):
        assert ad.is_anomaly_enabled()
        with ad.autograd.set_detect_anomaly(False):
            assert not ad.is_anomaly_enabled()
        assert ad.is_anomaly_enabled()
    assert not ad.is_anomaly_enabled()
    ad.autograd.set_detect_anomaly(True)
    try:
        assert ad.is_anomaly_enabled()
    finally:
        ad.set_detect_anomaly(False)
    assert not ad.is_anomaly_enabled()
    with ad.autograd.detect_anomaly():
        y = ad.tensor(-1.0, requires_grad=True)
        with pytest.raises(RuntimeError, match="sqrt"), np.errstate(invalid="ignore"):
            ad.sqrt(y).backward()
