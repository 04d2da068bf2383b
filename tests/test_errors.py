"""Bad input gets a clear error that names what was wrong, and changes nothing."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


def test_shape_mismatch_names_op_and_both_shapes():
    a, b = ad.ones(2, 3), ad.ones(4)
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(2, 3\)"):
        a @ a


def test_backward_on_non_scalar_without_gradient():
    x = ad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_gradient_of_wrong_shape():
    x = ad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of \(2,\)"):
        (x * 2).backward(np.ones(2))


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        ad.tensor([1, 2], requires_grad=True)
    t = ad.tensor([1, 2])
    with pytest.raises(RuntimeError, match="int64"):
        t.requires_grad_()
    assert not t.requires_grad


def test_non_numeric_data():
    with pytest.raises(TypeError, match="numeric"):
        ad.tensor(["a", "b"])
    with pytest.raises(TypeError, match="numeric"):
        ad.tensor({"a": 1})
    with pytest.raises(TypeError):
        ad.tensor([[1, 2], [3]])


def test_grad_wrt_tensor_that_does_not_require_grad():
    x = ad.ones(2, requires_grad=True)
    c = ad.ones(2)
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*does not require grad"):
        ad.grad((x * c).sum(), [x, c])


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ad.ones(()).backward()


def test_bad_axis_and_reshape_and_index():
    x = ad.ones(2, 3)
    with pytest.raises(ValueError, match=r"Dimension out of range .*but got 2"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        x.reshape(4)
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        x[5]


def test_inplace_with_broadcast_that_would_change_shape():
    x = ad.ones(3)
    before = x.data.copy()
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(ad.ones(2, 3))
    np.testing.assert_array_equal(x.data, before)


def test_stack_and_concatenate_errors_name_shapes():
    with pytest.raises(ValueError, match=r"stack: .*\(2,\) and \(3,\)"):
        ad.stack([ad.ones(2), ad.ones(3)])
    with pytest.raises(ValueError, match=r"concatenate: shapes \(2, 2\) and \(2, 3\) differ outside axis 0"):
        ad.concatenate([ad.ones(2, 2), ad.ones(2, 3)])


def test_a_hook_that_changes_the_gradients_shape_is_refused():
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.sum())  # a scalar for a (2,) output: the rules below it would broadcast it
    with pytest.raises(RuntimeError, match=r"changed the gradient's shape from \(2,\) to \(\)"):
        y.sum().backward()
    x.register_hook(lambda g: np.zeros((3,)))
    with pytest.raises(RuntimeError, match=r"on a leaf changed the gradient's shape from \(2,\) to \(3,\)"):
        (x * 2).sum().backward()
