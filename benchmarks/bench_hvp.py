"""Hessian-vector product vs gradient for f(x) = sum(tanh(W2 tanh(W1 x))), x and hidden of size 256, float64.

Times, per call: the gradient (forward + backward, `ad.grad` / `torch.autograd.grad`) and the HVP
(`autodiff.functional.hvp` / `torch.autograd.functional.hvp`), for autodiff, hand-written NumPy (the
gradient and Pearlmutter's R-op worked out by hand: the floor) and PyTorch (one thread). Reports
HVP/gradient for each, and our gradient (and HVP) time over torch's. All results are cross-checked.
A third figure, "2grad", is the HVP written directly as grad((grad(f, x, create_graph=True) * v).sum(), x):
the double backward without the functional wrapper (torch's functional.hvp uses a slower
double-backward trick, so it is the fairer view of the engine's own second-order cost).

    python benchmarks/bench_hvp.py          # ~10 s
"""
from __future__ import annotations

import argparse

import _common as C
import numpy as np

N = 256


def numpy_impls(W1, W2):
    def grad(x):
        h1 = np.tanh(W1 @ x)
        h2 = np.tanh(W2 @ h1)
        d2 = 1.0 - h2 * h2
        gh1 = W2.T @ d2
        d1 = 1.0 - h1 * h1
        return W1.T @ (gh1 * d1)

    def hvp(x, v):  # forward-over-reverse by hand (R-op on the gradient's computation)
        h1 = np.tanh(W1 @ x)
        h2 = np.tanh(W2 @ h1)
        d1 = 1.0 - h1 * h1
        d2 = 1.0 - h2 * h2
        gh1 = W2.T @ d2
        r_h1 = d1 * (W1 @ v)
        r_h2 = d2 * (W2 @ r_h1)
        r_gh1 = W2.T @ (-2.0 * h2 * r_h2)
        r_ga1 = r_gh1 * d1 + gh1 * (-2.0 * h1 * r_h1)
        return W1.T @ r_ga1

    return grad, hvp


def ours_impls(W1, W2):
    import autodiff as ad
    from autodiff.functional import hvp as ad_hvp

    w1, w2 = ad.Tensor(W1), ad.Tensor(W2)

    def f(x):
        return ad.tanh(w2 @ ad.tanh(w1 @ x)).sum()

    def grad(x):
        return ad.grad(f(x), x)[0]

    def hvp(x, v):
        return ad_hvp(f, x, v)[1]

    def grad2(x, v):
        g = ad.grad(f(x), x, create_graph=True)[0]
        return ad.grad((g * v).sum(), x)[0]

    return grad, hvp, grad2


def torch_impls(torch, W1, W2):
    w1, w2 = torch.from_numpy(W1), torch.from_numpy(W2)

    def f(x):
        return torch.tanh(w2 @ torch.tanh(w1 @ x)).sum()

    def grad(x):
        return torch.autograd.grad(f(x), x)[0]

    def hvp(x, v):
        return torch.autograd.functional.hvp(f, x, v)[1]

    def grad2(x, v):
        g = torch.autograd.grad(f(x), x, create_graph=True)[0]
        return torch.autograd.grad((g * v).sum(), x)[0]

    return grad, hvp, grad2


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=15, help="timed samples per figure (default 15)")
    p.add_argument("--min-time", type=float, default=0.05, help="seconds per sample, calls batched (default 0.05)")
    args = p.parse_args()

    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((N, N)) / np.sqrt(N)
    W2 = rng.standard_normal((N, N)) / np.sqrt(N)
    x0 = rng.standard_normal(N)
    v0 = rng.standard_normal(N)

    torch = C.load_torch()
    C.header(f"HVP: f(x) = sum(tanh(W2 tanh(W1 x))), n = {N}, float64; grad = forward + backward")
    print(f"   median of {args.repeat} interleaved rounds (one sample of each figure per round), calls batched to "
          f">= {args.min_time * 1e3:.0f} ms per sample")

    import autodiff as ad
    np_grad, np_hvp = numpy_impls(W1, W2)
    ad_grad, ad_hvp, ad_grad2 = ours_impls(W1, W2)
    xa, va = ad.Tensor(x0, requires_grad=True), ad.Tensor(v0)
    impls = {"numpy": (lambda: np_grad(x0), lambda: np_hvp(x0, v0), None),
             "autodiff": (lambda: ad_grad(xa), lambda: ad_hvp(xa, va), lambda: ad_grad2(xa, va))}
    if torch is not None:
        t_grad, t_hvp, t_grad2 = torch_impls(torch, W1, W2)
        xt, vt = torch.from_numpy(x0.copy()).requires_grad_(), torch.from_numpy(v0.copy())
        impls["torch"] = (lambda: t_grad(xt), lambda: t_hvp(xt, vt), lambda: t_grad2(xt, vt))

    # cross-check every result against the hand-written NumPy before timing anything
    g_ref, h_ref = np_grad(x0), np_hvp(x0, v0)
    def close(r, ref, rtol):
        r = np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)
        return np.allclose(r, ref, rtol=rtol, atol=rtol * 1e-2)

    for name, (g, h, h2) in impls.items():
        if not (close(g(), g_ref, 1e-10) and close(h(), h_ref, 1e-8) and (h2 is None or close(h2(), h_ref, 1e-8))):
            raise SystemExit(f"{name}: gradient or HVP disagrees with the hand-written NumPy")

    C.freeze_heap()
    figures = {f"{name} {k}": fn for name, fns in impls.items() for k, fn in enumerate(fns) if fn is not None}
    timed = C.time_calls(figures, args.repeat, min_time=args.min_time)
    us, mins = {}, {}
    for name, fns in impls.items():
        ts = [timed.get(f"{name} {k}") for k in range(len(fns))]
        us[name] = [None if t is None else t.median * 1e6 for t in ts]
        mins[name] = [None if t is None else t.min * 1e6 for t in ts]
    tg = us.get("torch", [None] * 3)
    rows = []
    for name, (g, h, h2) in us.items():
        rows.append([name, g, mins[name][0], h, mins[name][1], h2, _x(h / g), _x(C.ratio(h2, g)),
                     _x(C.ratio(g, tg[0])), _x(C.ratio(h, tg[1])), _x(C.ratio(h2, tg[2])), _x(g / us["numpy"][0])])
    print()
    C.table(rows, ["impl", "grad us", "min", "hvp us", "min", "2grad us", "hvp/grad", "2grad/grad",
                   "grad/torch", "hvp/torch", "2grad/torch", "grad/numpy"])
    print()
    o = us["autodiff"]
    s = f"ours hvp/grad {_x(o[1] / o[0])} (2grad {_x(o[2] / o[0])})"
    if "torch" in us:
        t = us["torch"]
        s += (f", torch hvp/grad {_x(t[1] / t[0])} (2grad {_x(t[2] / t[0])}); ours/torch grad {_x(o[0] / t[0])}, "
              f"hvp {_x(o[1] / t[1])}, 2grad {_x(o[2] / t[2])}")
    s += f"; numpy hvp/grad {_x(us['numpy'][1] / us['numpy'][0])}"
    print("SUMMARY hvp: " + s)


def _x(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


if __name__ == "__main__":
    main()
