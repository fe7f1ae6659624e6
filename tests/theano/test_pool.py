"""Follows Theano 1.0's theano/tensor/signal/tests/test_pool.py (TestDownsampleFactorMax):
pool_2d in max, sum and both average modes, with strides, padding and partial
windows, against a NumPy reference written from Theano's, and their gradients."""
import warnings

import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.theano.tensor.signal import downsample, pool

RNG = np.random.RandomState(5)
MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]


def out_size(n, ws, st, pad, ignore_border):
    """Theano's Pool.out_shape along one axis."""
    if ignore_border:
        return (n + 2 * pad - ws) // st + 1
    if st >= ws:
        return (n - 1) // st + 1
    return max(0, (n - 1 - ws + st) // st) + 1


def np_pool(x, ws, ignore_border, st=None, pad=(0, 0), mode="max"):
    """Theano's numpy_max_pool_2d_stride_pad and its average/sum variants."""
    st = st or ws
    h, w = x.shape[-2:]
    oh = out_size(h, ws[0], st[0], pad[0], ignore_border)
    ow = out_size(w, ws[1], st[1], pad[1], ignore_border)
    padded = np.zeros(x.shape[:-2] + (h + 2 * pad[0], w + 2 * pad[1]))
    padded[..., pad[0]:pad[0] + h, pad[1]:pad[1] + w] = x
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * st[0], j * st[1]
            r1, c1 = min(r0 + ws[0], h + 2 * pad[0]), min(c0 + ws[1], w + 2 * pad[1])
            if mode in ("max", "sum", "average_exc_pad"):  # only the input's own values
                r0, c0 = max(r0, pad[0]), max(c0, pad[1])
                r1, c1 = min(r1, h + pad[0]), min(c1, w + pad[1])
            region = padded[..., r0:r1, c0:c1]
            if mode == "max":
                out[..., i, j] = region.max(axis=(-2, -1))
            elif mode == "sum":
                out[..., i, j] = region.sum(axis=(-2, -1))
            else:
                out[..., i, j] = region.mean(axis=(-2, -1))
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,ignore_border", [((1, 1), True), ((2, 2), True), ((3, 2), False),
                                              ((2, 3), False)])
def test_pool_2d(mode, ws, ignore_border):
    # TestDownsampleFactorMax.test_DownsampleFactorMax: every mode, window and border rule
    data = RNG.rand(2, 3, 5, 7)
    x = T.tensor4()
    out = pool.pool_2d(x, ws, ignore_border=ignore_border, mode=mode).eval({x: data})
    np.testing.assert_allclose(out, np_pool(data, ws, ignore_border, mode=mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,st,ignore_border", [((3, 3), (2, 2), True), ((3, 3), (2, 2), False),
                                                 ((2, 2), (3, 3), False), ((3, 2), (1, 1), True),
                                                 ((2, 3), (1, 2), False)])
def test_pool_2d_stride(mode, ws, st, ignore_border):
    # TestDownsampleFactorMax.test_DownsampleFactorMaxStride
    data = RNG.rand(1, 2, 8, 7)
    x = T.tensor4()
    out = pool.pool_2d(x, ws, ignore_border=ignore_border, stride=st, mode=mode).eval({x: data})
    np.testing.assert_allclose(out, np_pool(data, ws, ignore_border, st, mode=mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,st,pad", [((3, 3), (2, 2), (1, 1)), ((4, 3), (2, 1), (2, 1)),
                                       ((2, 2), (2, 2), (1, 0))])
def test_pool_2d_padding(mode, ws, st, pad):
    # TestDownsampleFactorMax.test_DownsampleFactorMaxPaddingStride
    data = RNG.rand(2, 2, 6, 5)
    x = T.tensor4()
    out = pool.pool_2d(x, ws, ignore_border=True, stride=st, pad=pad, mode=mode).eval({x: data})
    np.testing.assert_allclose(out, np_pool(data, ws, True, st, pad, mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,st,pad,ignore_border", [((2, 2), None, (0, 0), False),
                                                     ((3, 2), (2, 1), (0, 0), True),
                                                     ((3, 3), (2, 2), (1, 1), True)])
def test_pool_2d_gradient(mode, ws, st, pad, ignore_border):
    # TestDownsampleFactorMax.test_DownsampleFactorMax_grad, _grad_stride, _grad_padding
    data = RNG.rand(1, 2, 6, 5)  # distinct values: no ties in a max window
    theano.gradient.verify_grad(
        lambda v: pool.pool_2d(v, ws, ignore_border=ignore_border, stride=st, pad=pad,
                               mode=mode), [data])


def test_max_pool_gradient_of_ties_goes_to_each_tie():
    # TestDownsampleFactorMax.test_max_pool_2d_2D_same_size / MaxPoolGrad: a window's
    # gradient goes to every element equal to its maximum
    x = T.tensor4()
    g = T.grad(pool.pool_2d(x, (2, 2), ignore_border=True).sum(), x)
    np.testing.assert_array_equal(g.eval({x: np.ones((1, 1, 2, 2))}), np.ones((1, 1, 2, 2)))


def test_ignore_border_defaults_to_false_with_theanos_warning():
    # pool_2d's docstring: a 5x5 input and 2x2 windows give 2x2 with ignore_border=True, 3x3 else
    x = T.tensor4()
    data = np.arange(25.0).reshape(1, 1, 5, 5)
    with pytest.warns(UserWarning, match="ignore_border"):
        default = pool.pool_2d(x, (2, 2))
    assert default.eval({x: data}).shape == (1, 1, 3, 3)
    assert pool.pool_2d(x, (2, 2), ignore_border=True).eval({x: data}).shape == (1, 1, 2, 2)
    with pytest.warns(UserWarning, match="ignore_border"):
        assert downsample.max_pool_2d(x, (2, 2)).eval({x: data}).shape == (1, 1, 3, 3)


def test_former_parameter_names_warn_and_work():
    # test_pool.py's test_old_pool_interface: ds, st and padding are deprecated names
    data = RNG.rand(1, 1, 6, 6)
    x = T.tensor4()
    with pytest.warns(UserWarning) as caught:
        old = pool.pool_2d(x, ds=(3, 3), st=(2, 2), padding=(1, 1), ignore_border=True)
    said = " ".join(str(w.message) for w in caught)
    for name in ("ds", "st", "padding"):          # each former name warns
        assert f"DEPRECATION: the '{name}'" in said, said
    new = pool.pool_2d(x, ws=(3, 3), stride=(2, 2), pad=(1, 1), ignore_border=True)
    np.testing.assert_array_equal(old.eval({x: data}), new.eval({x: data}))
    with pytest.raises(ValueError), pytest.warns(UserWarning, match="'ds'"):
        pool.pool_2d(x, ws=(2, 2), ds=(3, 3), ignore_border=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pool.pool_2d(x, (2, 2), ignore_border=True)  # no warning when all is explicit


def test_pool_2d_of_a_matrix_and_of_3_dims():
    # TestDownsampleFactorMax.test_DownsampleFactorMax_hessian / pool over the last 2 axes
    data = RNG.rand(4, 6)
    x = T.matrix()
    out = pool.pool_2d(x, (2, 2), ignore_border=True).eval({x: data})
    np.testing.assert_allclose(out, np_pool(data, (2, 2), True))
