"""Forward and backward time of the network ops on network3's shapes.

For mini-batches of 10 and 128: the convolutions 1->20 (5x5 on 28x28) and
20->40 (5x5 on 12x12) with their two gradients, and 2x2 max pooling of
20x24x24 and 40x8x8 with its gradient. Each symconv op (its ``perform``, with
its run-time checks) is timed side by side with a loop-based reference (a
Python loop over output positions, NumPy over the batch and channels) and,
when ``import torch`` works, with PyTorch on the same shapes, with as many
threads as our OpenBLAS (``--threads``, 2 by default). Ratios above 1 mean
symconv is faster.

Inputs are laid out as network3's own pipeline hands them to each op: the
images in NCHW order, everything after the first convolution as the previous
symconv op returns it.

Timings are medians of calls interleaved between the implementations, so that
load from other processes falls on all of them alike. Two BLAS threads on a
2-core machine are slowed down badly when another process holds a core (a call
waits for its descheduled half), so the load average is printed too; with
``--threads 1`` the comparison is steadier on a busy machine.

Usage::

    python benchmarks/bench_ops.py [--batches 10 128] [--seconds 0.4] [--threads 2]
"""
import argparse
import os
import sys
import time


def _threads(argv):
    """The --threads value, read before NumPy loads OpenBLAS (which reads it once)."""
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "2"


THREADS = _threads(sys.argv[1:])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symconv.tensor as T  # noqa: E402
from symconv import nnet  # noqa: E402
from symconv.ops.conv import Conv2dGradInputs, Conv2dGradWeights  # noqa: E402
from symconv.ops.pool import MaxPoolGrad  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(int(THREADS))
except ImportError:
    torch = None

CONVS = [("conv 1->20 5x5 on 28x28", 1, 28, 20), ("conv 20->40 5x5 on 12x12", 20, 12, 40)]
POOLS = [("max pool 2x2 of 20x24x24", 20, 24), ("max pool 2x2 of 40x8x8", 40, 8)]


# --- the loop-based reference: a Python loop over output positions ---------------------------

def loop_conv(x, w):
    f, c, kh, kw = w.shape
    oh, ow = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    kernel = w[:, :, ::-1, ::-1]
    y = np.empty((x.shape[0], f, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i:i + kh, j:j + kw]
            y[:, :, i, j] = np.tensordot(window, kernel, ([1, 2, 3], [1, 2, 3]))
    return y


def loop_conv_grad_weights(x, gy, kh, kw):
    gk = np.zeros((gy.shape[1], x.shape[1], kh, kw), dtype=x.dtype)
    for i in range(gy.shape[2]):
        for j in range(gy.shape[3]):
            gk += np.tensordot(gy[:, :, i, j], x[:, :, i:i + kh, j:j + kw], ([0], [0]))
    return gk[:, :, ::-1, ::-1]


def loop_conv_grad_inputs(w, gy, h, wd):
    kernel = w[:, :, ::-1, ::-1]
    kh, kw = w.shape[2:]
    gx = np.zeros((gy.shape[0], w.shape[1], h, wd), dtype=w.dtype)
    for i in range(gy.shape[2]):
        for j in range(gy.shape[3]):
            gx[:, :, i:i + kh, j:j + kw] += np.tensordot(gy[:, :, i, j], kernel, ([1], [0]))
    return gx


def loop_max_pool(x):
    oh, ow = x.shape[2] // 2, x.shape[3] // 2
    y = np.empty(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(2, 3))
    return y


def loop_max_pool_grad(x, y, gy):
    gx = np.zeros_like(x)
    for i in range(y.shape[2]):
        for j in range(y.shape[3]):
            window = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
            mask = window == y[:, :, i, j, None, None]
            gx[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2] = mask * gy[:, :, i, j, None, None]
    return gx


# --- timing ------------------------------------------------------------------------------------

def median_times(candidates, seconds, rounds=3):
    """Median seconds per call of each callable.

    NumPy's callables are interleaved call by call. PyTorch runs in blocks of
    its own, separated by pauses: its OpenMP threads and OpenBLAS's threads
    spin for a while after each call, and two pools spinning on 2 cores would
    slow each other down.
    """
    numpy_side = {k: fn for k, fn in candidates.items() if k != "torch"}
    samples = {name: [] for name in candidates}
    block = seconds / rounds
    for _ in range(rounds):
        _pause()
        for fn in numpy_side.values():
            fn()  # warm up (allocations, thread pools)
        deadline = time.perf_counter() + block * len(numpy_side)
        count = 0
        while count < 3 or (time.perf_counter() < deadline and count < 200):
            for name, fn in numpy_side.items():
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
            count += 1
        if "torch" in candidates:
            _pause()
            samples["torch"].extend(_block_times(candidates["torch"], block))
    return {name: float(np.median(s)) for name, s in samples.items()}


def _block_times(fn, seconds):
    fn()
    times, deadline = [], time.perf_counter() + seconds
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 200):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _pause():
    """Let the other library's spinning worker threads go to sleep."""
    time.sleep(0.05)


def perform_of(variable):
    """A callable running the op that computes ``variable`` on given values."""
    node = variable.owner
    return lambda *values: node.op.perform(node, list(values))[0]


# --- the cases ---------------------------------------------------------------------------------

def conv_cases(batch, rng):
    """(name, {implementation: callable}) for each convolution and gradient."""
    cases = []
    for label, c, size, f in CONVS:
        cases.extend(_conv_case(batch, rng, label, c, size, f))
    return cases


def _conv_case(batch, rng, label, c, size, f):
    x_in = rng.standard_normal((batch, c, size, size), dtype=np.float32)
    w = rng.standard_normal((f, c, 5, 5), dtype=np.float32)
    if c > 1:  # the second convolution reads the first pooling's output
        x_in = _as_pipeline_output(x_in)
    kernel, image = np.array([5, 5]), np.array([size, size])
    xs, ws, gys = T.ftensor4("x"), T.ftensor4("w"), T.ftensor4("gy")
    forward = perform_of(nnet.conv2d(xs, ws, filter_shape=w.shape, input_shape=x_in.shape))
    grad_w = perform_of(Conv2dGradWeights(filter_shape=w.shape)(xs, gys, kernel))
    grad_x = perform_of(Conv2dGradInputs(filter_shape=w.shape)(ws, gys, image))
    out = forward(x_in, w)
    gy = _as_pipeline_output(rng.standard_normal(out.shape, dtype=np.float32))
    _check(out, loop_conv(x_in, w), label)
    _check(grad_w(x_in, gy, kernel), loop_conv_grad_weights(x_in, gy, 5, 5), label)
    _check(grad_x(w, gy, image), loop_conv_grad_inputs(w, gy, size, size), label)
    fwd = {"ours": lambda: forward(x_in, w), "loop": lambda: loop_conv(x_in, w)}
    gw = {"ours": lambda: grad_w(x_in, gy, kernel),
          "loop": lambda: loop_conv_grad_weights(x_in, gy, 5, 5)}
    gx = {"ours": lambda: grad_x(w, gy, image),
          "loop": lambda: loop_conv_grad_inputs(w, gy, size, size)}
    if torch is not None:
        tx, tw = torch.from_numpy(np.ascontiguousarray(x_in)), torch.from_numpy(w)
        tg = torch.from_numpy(np.ascontiguousarray(gy))
        backward = torch.ops.aten.convolution_backward
        args = (tg, tx, tw, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
        fwd["torch"] = lambda: F.conv2d(tx, tw)
        gw["torch"] = lambda: backward(*args, [False, True, False])
        gx["torch"] = lambda: backward(*args, [True, False, False])
    return [(f"{label} fwd", fwd), (f"{label} grad weights", gw), (f"{label} grad inputs", gx)]


def pool_cases(batch, rng):
    """(name, {implementation: callable}) for each pooling and its gradient."""
    cases = []
    for label, c, size in POOLS:
        cases.extend(_pool_case(batch, rng, label, c, size))
    return cases


def _pool_case(batch, rng, label, c, size):
    x_in = _as_pipeline_output(rng.standard_normal((batch, c, size, size), dtype=np.float32))
    xs, ys, gys = T.ftensor4("x"), T.ftensor4("y"), T.ftensor4("gy")
    forward = perform_of(nnet.max_pool_2d(xs, ds=(2, 2), ignore_border=True))
    backward = perform_of(MaxPoolGrad((2, 2))(xs, ys, gys))
    out = forward(x_in)
    gy = _as_pipeline_output(rng.standard_normal(out.shape, dtype=np.float32))
    _check(out, loop_max_pool(x_in), label)
    _check(backward(x_in, out, gy), loop_max_pool_grad(x_in, out, gy), label)
    fwd = {"ours": lambda: forward(x_in), "loop": lambda: loop_max_pool(x_in)}
    bwd = {"ours": lambda: backward(x_in, out, gy),
           "loop": lambda: loop_max_pool_grad(x_in, out, gy)}
    if torch is not None:
        tx = torch.from_numpy(np.ascontiguousarray(x_in))
        _, indices = F.max_pool2d_with_indices(tx, 2)
        tg = torch.from_numpy(np.ascontiguousarray(gy))
        fwd["torch"] = lambda: F.max_pool2d_with_indices(tx, 2)
        bwd["torch"] = lambda: torch.ops.aten.max_pool2d_with_indices_backward(
            tg, tx, [2, 2], [2, 2], [0, 0], [1, 1], False, indices)
    return [(f"{label} fwd", fwd), (f"{label} grad", bwd)]


def _as_pipeline_output(a):
    """``a`` in the memory order symconv's conv and pool ops return (channels, rows,
    cols, batch), seen with the NCHW shape."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _check(got, want, label):
    if not np.allclose(got, want, rtol=1e-3, atol=1e-3):
        raise AssertionError(f"{label}: symconv and the loop reference disagree")


# --- the table ---------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[10, 128])
    parser.add_argument("--seconds", type=float, default=0.4,
                        help="approximate timing budget per implementation and op")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of OpenBLAS and of PyTorch (read at start-up)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    has_torch = torch is not None
    header = f"{'batch':>5}  {'op':<40} {'symconv ms':>10} {'loop ms':>9} {'loop/ours':>9}"
    if has_torch:
        header += f" {'torch ms':>9} {'torch/ours':>10}"
    print(f"threads: {THREADS} (OpenBLAS and PyTorch); load average before: {_load()}")
    print(header)
    print("-" * len(header))
    for batch in args.batches:
        totals = {"ours": 0.0, "loop": 0.0, "torch": 0.0}
        for name, fns in conv_cases(batch, rng) + pool_cases(batch, rng):
            times = median_times(fns, args.seconds)
            # network3 never needs the gradient of its input images
            if not name.startswith(CONVS[0][0] + " grad inputs"):
                for key, t in times.items():
                    totals[key] += t
            print(_row(batch, name, times, has_torch))
        print(_row(batch, "network3's ops, one step (no image grad)", totals, has_torch))
        print()
    print(f"load average after: {_load()}")
    if not has_torch:
        print("(PyTorch is not installed: pip install '.[bench]' to compare)")


def _load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _row(batch, name, times, has_torch):
    ours, loop = times["ours"] * 1e3, times["loop"] * 1e3
    line = f"{batch:>5}  {name:<40} {ours:>10.3f} {loop:>9.2f} {loop / ours:>8.1f}x"
    if has_torch:
        line += f" {times['torch'] * 1e3:>9.3f} {times['torch'] * 1e3 / ours:>9.2f}x"
    return line


if __name__ == "__main__":
    main()
