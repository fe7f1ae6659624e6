"""Time one SGD step of chapter 6's networks: FAST_COMPILE, FAST_RUN, PyTorch and PyTensor.

The network of the optimizing-compiler issue, built with ``symconv.network3``
exactly as a user builds it: ConvPool(1->20, 5x5, 2x2 max) -> ConvPool(20->40,
5x5, 2x2 max) -> FullyConnected(640->100) -> Softmax(100->10), ReLU, the
log-likelihood cost with L2 (lmbda 0.1), gradients of every parameter and the
SGD updates, the mini-batch sliced from shared data through ``givens``. It is
timed at mini-batches of 10 and 128, compiled with ``FAST_COMPILE`` (the plain
reference) and ``FAST_RUN`` (every rewrite, generated kernels), and, when
``import torch`` works, against PyTorch's CPU eager mode on the same network
(2 threads, as our OpenBLAS). The shallow network (784->100 sigmoid -> softmax
10) is timed at a mini-batch of 10, with PyTensor too when it is installed:
as it comes, and with every OpenBLAS in its process set to one thread (symconv
runs a plan whose products are all small on one thread, see
``symconv/compile/openblas.py``; this row gives PyTensor the same).

A row "products only" times the step's matrix products alone (the same
shapes, on the same BLAS threads as FAST_RUN): no implementation that computes
them can be faster, so FAST_COMPILE's step over it bounds the speed-up the
compiler can reach over the plain reference on this machine.

Every implementation's process loads OpenBLAS with ``OPENBLAS_THREAD_TIMEOUT=4``
(idle threads sleep at once instead of spinning), as ``import symconv`` asks
when it is imported before NumPy; ``--openblas-timeout default`` keeps
OpenBLAS's own setting for all of them.

Each implementation runs in a process of its own; the processes take turns,
round after round, and the medians are reported, so that load from other
programs falls on all of them alike. Ratios above 1 mean FAST_RUN is faster.

Usage::

    python benchmarks/bench_step.py [--batches 10 128] [--rounds 15] [--seconds 0.2]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symconv as sc  # noqa: E402
import symconv.tensor as T  # noqa: E402
from symconv.network3 import (ConvPoolLayer, FullyConnectedLayer, Network, ReLU,  # noqa: E402
                              SoftmaxLayer, sigmoid)
from symconv.training.sgd import training_step  # noqa: E402

try:
    import torch
    torch.set_num_threads(2)
except ImportError:
    torch = None

try:
    import pytensor
    import pytensor.tensor as pt
    pytensor.config.floatX = "float32"  # so that ETA * grad stays float32, as in symconv
except ImportError:
    pytensor = None

try:
    import numba  # noqa: F401
    PYTENSOR_MODE = "NUMBA"
except ImportError:
    PYTENSOR_MODE = None  # PyTensor's default (C) backend

N_EXAMPLES = 1280          # data the steps slice (the timing does not depend on the values)
EPOCH = 50_000             # examples per epoch, as network3's training set
ETA, LMBDA = 0.03, 0.1


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((N_EXAMPLES, 784)).astype("float32"), \
        rng.integers(0, 10, N_EXAMPLES).astype("int32")


# --- symconv ------------------------------------------------------------------------

def cnn_layers(mb):
    rng = np.random.RandomState(0)
    return [ConvPoolLayer((20, 1, 5, 5), (mb, 1, 28, 28), activation_fn=ReLU, rng=rng),
            ConvPoolLayer((40, 20, 5, 5), (mb, 20, 12, 12), activation_fn=ReLU, rng=rng),
            FullyConnectedLayer(640, 100, ReLU, rng=rng), SoftmaxLayer(100, 10)]


def shallow_layers(mb):
    rng = np.random.RandomState(0)
    return [FullyConnectedLayer(784, 100, sigmoid, rng=rng), SoftmaxLayer(100, 10)]


def symconv_step(layers, mb, mode, lmbda):
    """network3's compiled training step; returns (step(i), compile seconds)."""
    images, labels = _data()
    net = Network(layers(mb), mb)
    x, y = sc.shared(images), sc.shared(labels)
    started = time.perf_counter()
    cost, _, updates = training_step(net, ETA, lmbda, EPOCH // mb)
    i = T.lscalar("i")
    f = sc.function([i], cost, updates=updates, mode=mode,
                    givens={net.x: x[i * mb:(i + 1) * mb], net.y: y[i * mb:(i + 1) * mb]})
    return f, time.perf_counter() - started


# --- PyTorch --------------------------------------------------------------------------

def torch_step(kind, mb, lmbda):
    """The same network and step in PyTorch's eager mode; returns (step(i), 0)."""
    images, labels = _data()
    xs = torch.from_numpy(images)
    ys = torch.from_numpy(labels.astype("int64"))
    g = torch.Generator().manual_seed(0)

    def param(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g) * scale).requires_grad_()
    if kind == "cnn":
        params = [param(20, 1, 5, 5, scale=0.1), param(20), param(40, 20, 5, 5, scale=0.05),
                  param(40), param(100, 640, scale=0.1), param(100), param(10, 100, scale=0.0),
                  param(10, scale=0.0)]
    else:
        params = [param(100, 784, scale=0.1), param(100), param(10, 100, scale=0.0),
                  param(10, scale=0.0)]
    weights = params[0::2]
    F = torch.nn.functional

    def forward(x):
        if kind == "cnn":
            w1, b1, w2, b2, w3, b3, w4, b4 = params
            a = x.view(mb, 1, 28, 28)
            # network3 adds the bias after pooling; a per-channel constant commutes with max
            a = F.relu(F.max_pool2d(F.conv2d(a, w1), 2) + b1.view(1, -1, 1, 1))
            a = F.relu(F.max_pool2d(F.conv2d(a, w2), 2) + b2.view(1, -1, 1, 1))
            a = F.relu(F.linear(a.reshape(mb, 640), w3, b3))
            return F.linear(a, w4, b4)
        w1, b1, w2, b2 = params
        return F.linear(torch.sigmoid(F.linear(x, w1, b1)), w2, b2)

    def step(i):
        x, y = xs[i * mb:(i + 1) * mb], ys[i * mb:(i + 1) * mb]
        cost = F.cross_entropy(forward(x), y)
        if lmbda:
            cost = cost + 0.5 * lmbda * sum((w ** 2).sum() for w in weights) / (EPOCH // mb)
        grads = torch.autograd.grad(cost, params)
        with torch.no_grad():
            for p, gp in zip(params, grads):
                p.sub_(ETA * gp)
        return cost
    return step, 0.0


# --- PyTensor (the shallow network only) -------------------------------------------------

def pytensor_step(mb):
    images, labels = _data()
    x_data = pytensor.shared(images)
    y_data = pytensor.shared(labels)
    rng = np.random.default_rng(0)
    w1 = pytensor.shared((rng.standard_normal((784, 100)) * 0.1).astype("float32"))
    b1 = pytensor.shared(np.zeros(100, "float32"))
    w2 = pytensor.shared(np.zeros((100, 10), "float32"))
    b2 = pytensor.shared(np.zeros(10, "float32"))
    i = pt.lscalar("i")
    x, y = x_data[i * mb:(i + 1) * mb], y_data[i * mb:(i + 1) * mb]
    p = pt.special.softmax(pt.dot(pt.sigmoid(pt.dot(x, w1) + b1), w2) + b2, axis=-1)
    cost = -pt.mean(pt.log(p)[pt.arange(y.shape[0]), y])
    params = [w1, b1, w2, b2]
    grads = pytensor.grad(cost, params)
    started = time.perf_counter()
    # the Numba backend is the one the 0.075 ms figure was measured with
    f = pytensor.function([i], cost, updates=[(q, q - ETA * g) for q, g in zip(params, grads)],
                          mode=PYTENSOR_MODE)
    return f, time.perf_counter() - started


# --- the matrix products alone ------------------------------------------------------------

def product_shapes(kind, mb):
    """``(m, k, n)`` of every matrix product in one SGD step, as symconv's kernels
    run them: each convolution is one product over its patch matrix (forward, filter
    gradient, and input gradient for all but the first layer), each dense layer
    three (forward, weight gradient, input gradient but for the first layer)."""
    if kind == "cnn":
        convs = [(20, 25, 576 * mb, False), (40, 500, 64 * mb, True)]   # F, C kh kw, positions
        dense = [(640, 100, True), (100, 10, True)]
    else:
        convs, dense = [], [(784, 100, False), (100, 10, True)]
    shapes = []
    for f, ckk, positions, grad_input in convs:
        shapes += [(f, ckk, positions), (ckk, positions, f)]
        if grad_input:
            shapes.append((ckk, f, positions))
    for n_in, n_out, grad_input in dense:
        shapes += [(mb, n_in, n_out), (n_in, mb, n_out)]
        if grad_input:
            shapes.append((mb, n_out, n_in))
    return shapes


def products_step(kind, mb):
    """One step's matrix products and nothing else, float32, on as many BLAS threads
    as FAST_RUN's plan gives them: a floor under any implementation that computes
    them (``np.matmul`` runs them at the library's speed)."""
    from symconv.compile.openblas import BLAS, one_thread
    rng = np.random.default_rng(0)
    shapes = product_shapes(kind, mb)
    ops = [(rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32),
            np.empty((m, n), np.float32)) for m, k, n in shapes]
    if one_thread(max(2 * m * k * n for m, k, n in shapes)):
        BLAS.set(1)

    def step(i):
        for a, b, out in ops:
            np.matmul(a, b, out=out)
    return step, 0.0


PRODUCTS = "products only"


# --- timing ---------------------------------------------------------------------------------

def _one_blas_thread():
    """Every OpenBLAS loaded in this process (NumPy's, and SciPy's that Numba calls)
    set to one thread."""
    from symconv.compile.openblas import OpenBLAS, _loaded_openblas
    for path in _loaded_openblas():
        OpenBLAS([path]).set(1)


def _build(impl, kind, mb, lmbda):
    layers = cnn_layers if kind == "cnn" else shallow_layers
    if impl in ("FAST_COMPILE", "FAST_RUN"):
        return symconv_step(layers, mb, impl, lmbda)
    if impl == "PyTorch eager":
        return torch_step(kind, mb, lmbda)
    if impl == PRODUCTS:
        return products_step(kind, mb)
    step, compile_s = pytensor_step(mb)
    if impl == PYTENSOR_ONE_THREAD:
        step(0)                   # loads the libraries its kernels call
        _one_blas_thread()
    return step, compile_s


PYTENSOR_ONE_THREAD = "PyTensor 1 thr."


def _worker(conn, impl, kind, mb, lmbda):
    """One implementation in its own process: run ``n`` steps when asked, report the time."""
    step, compile_s = _build(impl, kind, mb, lmbda)
    batches = N_EXAMPLES // mb
    for k in range(3):            # the first calls build plans and warm caches
        step(k % batches)
    conn.send(compile_s)
    done = 0
    while True:
        n = conn.recv()
        if n is None:
            return
        started = time.perf_counter()
        for k in range(n):
            step((done + k) % batches)
        done += n
        conn.send(time.perf_counter() - started)


def interleaved(impls, kind, mb, lmbda, rounds, seconds):
    """Median seconds per step of each implementation.

    Each implementation runs in a process of its own (so that one library's idle
    threads never compete with another's), and the processes take turns, round
    after round, so that load from other programs falls on all of them alike.
    """
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    workers = {}
    for impl in impls:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, impl, kind, mb, lmbda), daemon=True)
        proc.start()
        workers[impl] = (proc, parent)
    compile_s = {impl: conn.recv() for impl, (_, conn) in workers.items()}

    def measure(impl, n):
        time.sleep(0.3)           # let the previous process's threads stop spinning
        conn = workers[impl][1]
        conn.send(n)
        return conn.recv()
    per_round = {impl: max(1, int(seconds / max(measure(impl, 1), 1e-6))) for impl in impls}
    times = {impl: [] for impl in impls}
    for _ in range(rounds):
        for impl in impls:
            times[impl].append(measure(impl, per_round[impl]) / per_round[impl])
    for proc, conn in workers.values():
        conn.send(None)
        proc.join()
    return {impl: float(np.median(t)) for impl, t in times.items()}, compile_s


def run(config, mb, rounds, seconds):
    kind, _, lmbda = config
    impls = ["FAST_COMPILE", "FAST_RUN", PRODUCTS]
    if torch is not None:
        impls.append("PyTorch eager")
    if pytensor is not None and kind == "shallow":
        impls += ["PyTensor", PYTENSOR_ONE_THREAD]
    return interleaved(impls, kind, mb, lmbda, rounds, seconds)


def _pytensor_label():
    if pytensor is None:
        return "not installed"
    return f"{pytensor.__version__} ({PYTENSOR_MODE or 'C'} backend)"


def table(rows):
    head = (f"{'network':<28}{'batch':>6}  {'implementation':<15}{'step (ms)':>11}"
            f"{'epoch (s)':>11}{'compile (s)':>13}{'FAST_RUN faster by':>20}")
    lines = [head, "-" * len(head)]
    for name, mb, impl, step, compile_s, ratio in rows:
        epoch = step * EPOCH / mb
        ratio_text = "" if ratio is None else f"{ratio:.2f}x"
        lines.append(f"{name:<28}{mb:>6}  {impl:<15}{step * 1e3:>11.3f}{epoch:>11.1f}"
                     f"{compile_s:>13.2f}{ratio_text:>20}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[10, 128],
                        help="mini-batches of the conv net (none: the shallow net only)")
    parser.add_argument("--rounds", type=int, default=15,
                        help="turns each implementation takes; medians are reported")
    parser.add_argument("--seconds", type=float, default=0.2,
                        help="time per implementation per round (roughly)")
    parser.add_argument("--no-shallow", action="store_true")
    parser.add_argument("--openblas-timeout", default="4",
                        help="OPENBLAS_THREAD_TIMEOUT for every implementation's process: 4 "
                             "(idle threads sleep at once), as 'import symconv' sets it when "
                             "NumPy is not loaded yet; 'default' for OpenBLAS's own (spin)")
    args = parser.parse_args(argv)
    # the worker processes start after this and load their OpenBLAS with it
    if args.openblas_timeout == "default":
        os.environ.pop("OPENBLAS_THREAD_TIMEOUT", None)
    else:
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = args.openblas_timeout
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    timeout = os.environ.get("OPENBLAS_THREAD_TIMEOUT", "default")
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={threads}, "
          f"OPENBLAS_THREAD_TIMEOUT={timeout}, "
          f"torch {torch.__version__ + ' (2 threads)' if torch else 'not installed'}, "
          f"pytensor {_pytensor_label()}, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    configs = [(("cnn", cnn_layers, LMBDA), "CP20-CP40-FC100-SM ReLU", mb) for mb in args.batches]
    if not args.no_shallow:
        configs.append((("shallow", shallow_layers, 0.0), "FC100-SM sigmoid", 10))
    rows, ceilings = [], []
    for config, name, mb in configs:
        medians, compile_s = run(config, mb, args.rounds, args.seconds)
        fast = medians["FAST_RUN"]
        for impl, step in medians.items():
            rows.append((name, mb, impl, step, compile_s[impl],
                         None if impl == "FAST_RUN" else step / fast))
        reference = medians["FAST_COMPILE"]
        ceilings.append(f"{name:<28}{mb:>6}  {reference / fast:>17.2f}x"
                        f"{reference / medians[PRODUCTS]:>18.2f}x")
    print(table(rows))
    print("\nepoch = step time x 50,000 / mini-batch; the last column is the other "
          "implementation's step time over FAST_RUN's (above 1: FAST_RUN is faster).")
    print("'products only' runs the step's matrix products and nothing else.\n")
    print(f"{'network':<28}{'batch':>6}  {'FAST_RUN speed-up':>18}{'products ceiling':>19}")
    print("\n".join(ceilings))
    print("speed-up: FAST_COMPILE's step over FAST_RUN's; ceiling: FAST_COMPILE's step over "
          "the products alone,\nthe most any implementation computing those products with "
          "this BLAS could gain on it.")


if __name__ == "__main__":
    main()
