"""NumPy references the tests compare symconv's ops with: written from the
definitions (loops over window offsets, explicit sums), never from symconv's own
kernels, and shared by every test that needs them."""
import math

import numpy as np


def padding_of(border_mode, kh, kw):
    if border_mode == "valid":
        return 0, 0
    if border_mode == "full":
        return kh - 1, kw - 1
    if border_mode == "half":
        return kh // 2, kw // 2
    if isinstance(border_mode, int):
        return border_mode, border_mode
    return border_mode


def padded(x, ph, pw):
    b, c, h, w = x.shape
    out = np.zeros((b, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def out_size(n, k, s, p, ignore_border):
    if ignore_border:
        return (n + 2 * p - k) // s + 1
    return (n + s - 1) // s if s >= k else max(0, (n - 1 - k + s) // s) + 1


def window_bounds(i, k, s, p, n):
    """The window's range in input coordinates, clipped to the input, and its length
    clipped to the padded input."""
    start = i * s - p
    inside_padded = min(start + k, n + p) - max(start, -p)
    return max(start, 0), min(start + k, n), inside_padded


def reference_conv2d(x, w, border_mode="valid", stride=(1, 1), flip=True):
    """One output value at a time: the definition of the convolution."""
    b, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    ph, pw = padding_of(border_mode, kh, kw)
    xp = padded(x, ph, pw)
    kernel = w[:, :, ::-1, ::-1] if flip else w
    oh = (h + 2 * ph - kh) // stride[0] + 1
    ow = (wd + 2 * pw - kw) // stride[1] + 1
    y = np.zeros((b, f, oh, ow), dtype=np.result_type(x, w))
    for n in range(b):
        for k in range(f):
            for i in range(oh):
                for j in range(ow):
                    r, s = i * stride[0], j * stride[1]
                    y[n, k, i, j] = np.sum(xp[n, :, r:r + kh, s:s + kw] * kernel[k])
    return y


def reference_grads(x, w, gy, border_mode="valid", stride=(1, 1), flip=True):
    """Gradients of sum(gy * conv(x, w)) by scattering each output's gradient."""
    f, c, kh, kw = w.shape
    ph, pw = padding_of(border_mode, kh, kw)
    xp = padded(x, ph, pw)
    kernel = w[:, :, ::-1, ::-1] if flip else w
    gxp, gk = np.zeros_like(xp), np.zeros_like(w)
    for n, k, i, j in np.ndindex(gy.shape):
        r, s = i * stride[0], j * stride[1]
        gxp[n, :, r:r + kh, s:s + kw] += gy[n, k, i, j] * kernel[k]
        gk[k] += gy[n, k, i, j] * xp[n, :, r:r + kh, s:s + kw]
    gw = gk[:, :, ::-1, ::-1] if flip else gk
    return gxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]], gw


def reference_pool(x, ws, stride, pad, ignore_border, mode):
    stride = stride or ws
    h, w = x.shape[-2:]
    oh = out_size(h, ws[0], stride[0], pad[0], ignore_border)
    ow = out_size(w, ws[1], stride[1], pad[1], ignore_border)
    out = np.zeros(x.shape[:-2] + (oh, ow), dtype=x.dtype)
    for lead in np.ndindex(x.shape[:-2]):
        for i in range(oh):
            r0, r1, rows_padded = window_bounds(i, ws[0], stride[0], pad[0], h)
            for j in range(ow):
                c0, c1, cols_padded = window_bounds(j, ws[1], stride[1], pad[1], w)
                window = x[lead][r0:r1, c0:c1]
                out[lead + (i, j)] = {
                    "max": lambda: window.max(),
                    "sum": lambda: window.sum(),
                    "l2": lambda: np.sqrt((window ** 2).sum()),
                    "average_exc_pad": lambda: window.mean(),
                    "average_inc_pad": lambda: window.sum() / (rows_padded * cols_padded),
                }[mode]()
    return out


def reference_max_pool_grad(x, gy, ws, stride, pad, ignore_border):
    """Every value equal to its window's maximum receives that window's gradient."""
    stride = stride or ws
    y = reference_pool(x, ws, stride, pad, ignore_border, "max")
    gx = np.zeros_like(x)
    h, w = x.shape[-2:]
    for lead in np.ndindex(x.shape[:-2]):
        for i, j in np.ndindex(y.shape[-2:]):
            r0, r1, _ = window_bounds(i, ws[0], stride[0], pad[0], h)
            c0, c1, _ = window_bounds(j, ws[1], stride[1], pad[1], w)
            window = x[lead][r0:r1, c0:c1]
            gx[lead][r0:r1, c0:c1] += (window == y[lead + (i, j)]) * gy[lead + (i, j)]
    return gx


def reference_softmax(x):
    """Row by row, value by value, with math.exp on shifted values."""
    x2 = np.atleast_2d(x)
    out = np.zeros_like(x2)
    for i, row in enumerate(x2):
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        out[i] = [e / total for e in exps]
    return out.reshape(x.shape)


def reference_log_softmax(x):
    x2 = np.atleast_2d(x)
    out = np.zeros_like(x2)
    for i, row in enumerate(x2):
        top = max(row)
        log_total = math.log(sum(math.exp(v - top) for v in row))
        out[i] = [v - top - log_total for v in row]
    return out.reshape(x.shape)


def reference_crossentropy(p, target):
    if target.ndim == 1:
        return np.array([-math.log(p[i, t]) for i, t in enumerate(target)], dtype=p.dtype)
    return np.array([-sum(t * math.log(q) for q, t in zip(row, trow))
                     for row, trow in zip(p, target)], dtype=p.dtype)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))
