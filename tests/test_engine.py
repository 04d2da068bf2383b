"""Engine semantics: forks, accumulation, retain/create graph, hooks, grad modes, deep chains, in-place checks."""
from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import autodiff as ad


def t64(x, rg=True):
    return ad.tensor(x, dtype=np.float64, requires_grad=rg)


def test_scalar_tutorial_gates():
    x, y, z = t64(-2.0), t64(5.0), t64(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_max_gate_routes_gradient_to_the_larger_input():
    x, y = t64(3.0), t64(1.0)
    ad.maximum(x, y).backward()
    assert (x.grad.item(), y.grad.item()) == (1.0, 0.0)


def test_fork_accumulates_the_sum_of_contributions():
    x = t64(3.0)
    k = 5
    total = x * 1.0
    for _ in range(k - 1):
        total = total + x * 1.0
    total.backward()
    assert x.grad.item() == k
    y = x * x * x  # x used three times in one expression
    x.grad = None
    y.backward()
    assert x.grad.item() == pytest.approx(27.0)


def test_leaf_gradients_accumulate_across_backward_calls():
    x = t64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_broadcasting_is_undone_by_summing_back():
    a = t64(np.ones((2, 3)))
    b = t64(np.ones(3))
    c = t64(2.0)
    ((a * b) * c).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == ()
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0, 4.0])
    assert c.grad.item() == 6.0


def test_backward_frees_the_graph_and_a_second_backward_says_retain_graph():
    x = t64(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = t64(2.0)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * (np.exp(2) * 3))


def test_create_graph_gives_second_derivatives():
    x = t64(0.7)
    y = ad.tanh(x) * x ** 2
    (g,) = ad.grad(y, x, create_graph=True)
    (h,) = ad.grad(g, x)
    t = np.tanh(0.7)
    expected_g = (1 - t ** 2) * 0.49 + 2 * 0.7 * t
    expected_h = -2 * t * (1 - t ** 2) * 0.49 + 4 * 0.7 * (1 - t ** 2) + 2 * t
    assert g.item() == pytest.approx(expected_g)
    assert h.item() == pytest.approx(expected_h)


@pytest.mark.parametrize("fn, rule, d2", [
    (ad.tanh, "tanh_backward", lambda y: -2 * y * (1 - y * y)),
    (ad.sigmoid, "sigmoid_backward", lambda y: y * (1 - y) * (1 - 2 * y)),
])
def test_tanh_and_sigmoid_record_their_backward_as_one_node(fn, rule, d2):
    x = t64([0.3, -1.2, 2.0])
    y = fn(x)
    (g,) = ad.grad(y.sum(), x, create_graph=True)
    assert g.grad_fn.op.name == rule  # one node, not the three of g * (1 - y * y)
    (h,) = ad.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), d2(y.numpy()), rtol=1e-12)


def test_double_backprop_through_a_gradient_penalty():
    w = t64([0.5, -1.0])
    x = t64([1.0, 2.0], rg=False)
    loss = ad.tanh((w * x).sum())
    (gw,) = ad.grad(loss, w, create_graph=True)
    penalty = (gw * gw).sum()
    penalty.backward()

    def penalty_of(w):
        return (ad.grad(ad.tanh((w * x).sum()), w, create_graph=True)[0] ** 2).sum()
    assert ad.gradcheck(penalty_of, (w.detach().requires_grad_(),))


def test_million_op_chain_backward_and_free_without_recursion():
    x = t64(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing a long graph must not overflow the C stack either
    z = x
    for _ in range(1_000_000):
        z = z * 1.0
    del z
    gc.collect()


def test_tensor_hooks_see_and_can_replace_gradients():
    x = t64([1.0, 2.0])
    seen = []
    h = x.register_hook(lambda g: seen.append(g.data.copy()))
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(seen[0], [20.0, 20.0])
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert len(seen) == 1


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = t64([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.data, 2 * y.data)
    z = x * 2
    (z * z).sum().backward()
    assert z.grad is None


def test_no_grad_records_nothing_and_is_a_decorator():
    x = t64(1.0)
    with ad.no_grad():
        y = x * 2
        with ad.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @ad.no_grad()
    def f(a):
        return a * 2
    assert not f(x).requires_grad
    assert ad.is_grad_enabled()
    with ad.set_grad_enabled(False):
        assert not ad.is_grad_enabled()
    assert ad.is_grad_enabled()


def test_inference_mode_records_nothing_nests_and_decorates_as_pytorch():
    x = t64(1.0)
    assert not ad.is_inference_mode_enabled()
    with ad.inference_mode():
        assert not ad.is_grad_enabled() and ad.is_inference_mode_enabled()
        y = x * 2
        with ad.inference_mode(False):  # PyTorch: recording back on inside
            assert ad.is_grad_enabled() and not ad.is_inference_mode_enabled()
            z = x * 2
        assert not ad.is_grad_enabled() and ad.is_inference_mode_enabled()
    assert ad.is_grad_enabled() and not ad.is_inference_mode_enabled()
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    with ad.no_grad(), ad.inference_mode(False):
        assert ad.is_grad_enabled()

    @ad.inference_mode
    def bare(a):
        assert ad.is_inference_mode_enabled()
        return a * 2

    @ad.inference_mode()
    def called(a):
        return a * 2

    @ad.inference_mode(False)
    def off(a):
        return a * 2

    assert not bare(x).requires_grad and not called(x).requires_grad and off(x).requires_grad
    assert bare.__name__ == "bare"
    with pytest.raises(ZeroDivisionError):  # the mode is restored when the body raises
        with ad.inference_mode():
            raise ZeroDivisionError
    assert ad.is_grad_enabled() and not ad.is_inference_mode_enabled()


def test_grad_mode_is_thread_local():
    results = {}
    ready = threading.Event()
    release = threading.Event()

    def worker():
        results["worker_start"] = ad.is_grad_enabled()
        ready.set()
        release.wait(5)
        results["worker_after"] = ad.is_grad_enabled()

    t = threading.Thread(target=worker)
    with ad.no_grad():
        t.start()
        ready.wait(5)
        results["main"] = ad.is_grad_enabled()
        release.set()
        t.join()
    assert results == {"worker_start": True, "worker_after": True, "main": False}


def test_recording_follows_each_threads_own_grad_mode():
    # ops skip the per-thread lookup only while no thread has grad mode off; check both directions
    from autodiff._state import grad_off_threads

    x = t64([1.0, 2.0])
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def worker_off():
        with ad.no_grad():
            seen["worker_in_no_grad"] = (x * 2).requires_grad
            inside.set()
            done.wait(5)
        seen["worker_after"] = (x * 2).requires_grad

    t = threading.Thread(target=worker_off)
    t.start()
    inside.wait(5)
    seen["main_while_worker_off"] = (ad.tanh(x) * 2 + 1).requires_grad
    done.set()
    t.join()

    def worker_on():
        seen["worker_while_main_off"] = (ad.tanh(x) + 1).requires_grad

    with ad.no_grad():
        t = threading.Thread(target=worker_on)
        t.start()
        t.join()
        seen["main_in_no_grad"] = (x * 2).requires_grad
    ad.set_grad_enabled(False)
    seen["main_set_off"] = (x + 1).requires_grad
    ad.set_grad_enabled(True)
    (x * x).sum().backward()  # backward turns recording off while it runs, and back on
    assert seen == {"worker_in_no_grad": False, "worker_after": True, "main_while_worker_off": True,
                    "worker_while_main_off": True, "main_in_no_grad": False, "main_set_off": False}
    assert not grad_off_threads and (x * 2).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    x = t64([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.data, y.data)


def test_requires_grad_flag_rules():
    x = t64(1.0)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.is_leaf is False and x.is_leaf is True


def test_inplace_change_of_a_saved_value_is_detected_at_backward():
    x = t64([1.0, 2.0])
    y = x.exp()  # exp saves its output
    with ad.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_of_a_saved_output_is_detected_in_every_way_it_can_happen():
    # the output's counter is made only when first needed; each way of making it must reach the saving node
    def changed_through(change):
        x = t64([1.0, 2.0])
        y = x * 1
        y.exp_()  # a recorded in-place op whose rule reads its output (the new buffer)
        change(y)
        with pytest.raises(RuntimeError, match="output of <ExpBackward>.*is at version 2; expected version 1"):
            y.sum().backward()

    def directly(y):
        with ad.no_grad():
            y.add_(1)

    def through_a_view(y):
        v = y[:]
        with ad.no_grad():
            v.mul_(2)

    def through_a_detached_copy(y):
        y.detach().zero_()

    for change in (directly, through_a_view, through_a_detached_copy):
        changed_through(change)

    x = t64([1.0, 2.0])  # the output's stand-in in a create_graph backward shares the output's counter
    y = ad.tanh(x)
    (g,) = ad.grad(y.sum(), x, create_graph=True)
    with ad.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        g.sum().backward()


def test_inplace_change_of_a_saved_input_names_versions():
    w = t64([1.0, 2.0])
    c = ad.tensor([3.0, 4.0], dtype=np.float64)
    y = (w * c).sum()  # mul saves c to compute w's gradient
    c.add_(1.0)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.backward()


def test_inplace_change_of_an_unsaved_value_is_allowed():
    w = t64([1.0, 2.0])
    c = ad.tensor([3.0, 4.0], dtype=np.float64)
    y = (w + c).sum()  # add saves nothing
    c.add_(1.0)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_inplace_on_a_leaf_requiring_grad_is_refused_but_fine_under_no_grad():
    w = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1.0)
    with ad.no_grad():
        w.add_(1.0)
        w -= 0.5
    np.testing.assert_array_equal(w.data, [1.5, 2.5])
    assert w._version == 2


def test_recorded_inplace_ops_and_item_assignment_have_correct_gradients():
    x = t64([1.0, 2.0, 3.0])
    y = x * 1.0
    y += x
    y *= 2
    y[1] = x[0] * 10
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0 + 10.0, 0.0, 4.0])
    assert ad.gradcheck(lambda x: _assign(x), (t64([1.0, 2.0, 3.0]),))


def _assign(x):
    y = x * 1.0
    y[0] = y[2] * y[1]
    y[1:] += x[:2]
    return y


def test_inputs_that_do_not_need_grad_get_no_gradient():
    x = t64(1.0)
    c = ad.tensor(2.0, dtype=np.float64)
    (x * c).backward()
    assert c.grad is None


def test_backward_inputs_argument_limits_accumulation():
    a, b = t64(2.0), t64(3.0)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_grad_returns_without_accumulating_and_handles_unused():
    a, b, u = t64(2.0), t64(3.0), t64(1.0)
    y = a * b
    ga, gb = ad.grad(y, [a, b], retain_graph=True)
    assert (ga.item(), gb.item()) == (3.0, 2.0) and a.grad is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ad.grad(y, [a, u], retain_graph=True)
    g = ad.grad(y, [a, u], allow_unused=True)
    assert g[1] is None


def test_grad_of_a_non_leaf_input():
    x = t64(2.0)
    h = x * x
    y = h * 3
    (gh,) = ad.grad(y, h)
    assert gh.item() == 3.0


def test_graph_buffers_are_released_after_backward():
    x = t64(np.ones(1000))
    y = x.exp()
    ref = weakref.ref(y.grad_fn.ans)
    z = (y * 2).sum()
    del y
    z.backward()
    gc.collect()
    assert ref() is None


def test_gradients_have_their_tensors_dtype():
    x32 = ad.tensor([1.0, 2.0], requires_grad=True)  # float32
    w64 = ad.tensor([1.0, 2.0], dtype=np.float64)
    y = (x32 * w64).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x32.grad.dtype == np.float32


def test_a_node_hook_that_changes_the_dtype_is_cast_back():
    """Rules of exact nodes (a pointwise op on a tensor and Python scalars) pass the gradient's dtype on
    unchecked, so a hook's result is cast to the output's dtype, as a gradient always has its tensor's."""
    x = ad.Tensor(np.array([0.5, -1.0], dtype=np.float32), requires_grad=True)
    y = ad.tanh(x * 2.0)
    y.register_hook(lambda g: g.numpy().astype(np.float64) * 3)
    y.sum().backward()
    assert x.grad.dtype == np.float32
    expected = 3 * 2 * (1 - np.tanh(2 * x.numpy().astype(np.float64)) ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("shape", [(), (1,), (3, 2)])
@pytest.mark.parametrize("expr", [lambda x: x * 2, lambda x: 2 - x, lambda x: 2.0 ** x, lambda x: x ** 3,
                                  lambda x: 1 / x, lambda x: ad.maximum(x, 0.25), lambda x: ad.tanh(x) + 1,
                                  lambda x: x * x, lambda x: x / (x + 1), lambda x: x ** (x * 0.5),
                                  lambda x: ad.maximum(x, 1 - x)])
def test_exact_nodes_give_gradients_of_the_tensors_dtype_and_shape(expr, shape):
    """A pointwise op on a tensor and Python scalars, or on two tensors of one shape and dtype, skips the
    gradient's fit (tape.Node.exact): the gradient must still be float32 for a float32 tensor, of its shape,
    and the float64 one rounded."""
    data = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    x32 = ad.Tensor(data.astype(np.float32), requires_grad=True)
    x64 = ad.Tensor(data, requires_grad=True)
    expr(x32).sum().backward()
    expr(x64).sum().backward()
    assert x32.grad.dtype == np.float32 and x32.grad.shape == shape
    np.testing.assert_allclose(x32.grad.numpy(), x64.grad.numpy(), rtol=1e-5)


def _cube_with_residual(seen: list):
    """x ** 3 whose forward keeps 3 x^2 as a residual; the VJP rule logs the `res` it is given."""
    from autodiff.ops.registry import Op

    def forward(x):
        return x ** 3, (3 * x * x,)

    def vjp(g, ans, x, res=None):
        seen.append(res)
        return g * (3 * x * x if res is None else res[0])

    return Op("cube_with_residual", forward, (vjp,), (lambda t, ans, x: 3 * t * x * x,), residuals=True)


def test_residuals_reach_a_plain_backward_not_a_create_graph_one_and_are_freed_with_the_graph():
    from autodiff.tape import apply, unary

    seen: list = []
    op = _cube_with_residual(seen)
    x = t64([1.0, 2.0])
    y = apply(op, (x,))
    np.testing.assert_array_equal(y.numpy(), [1.0, 8.0])  # the output alone, not (out, res)
    res = y.grad_fn.res
    np.testing.assert_array_equal(res[0], [3.0, 12.0])
    y.sum().backward(retain_graph=True)
    assert seen[-1] is res and y.grad_fn.res is res  # kept for another backward
    (gx,) = ad.grad(y.sum(), x, create_graph=True)
    assert seen[-1] is None  # recomputed from Tensors, so that it is recorded ...
    (gxx,) = ad.grad(gx.sum(), x)
    np.testing.assert_array_equal(gxx.numpy(), [6.0, 12.0])  # ... and second derivatives stay exact
    ref = weakref.ref(res[0])
    del res
    y.sum().backward()
    assert seen[-1] is not None and y.grad_fn.res is None
    seen.clear()  # (the rule's log held the residual too)
    assert ref() is None  # freed with the graph
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 24.0])  # the two plain backwards, accumulated
    with ad.no_grad():
        assert apply(op, (x,)).grad_fn is None
    with pytest.raises(ValueError, match="residuals"):
        unary(op)
