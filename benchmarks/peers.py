"""The SGD steps ``bench_step.py`` times, each run in a process of its own.

``python benchmarks/peers.py SPEC`` builds one implementation of one network's
training step (``SPEC`` is JSON: the implementation, the network, the
mini-batch), takes one step to compile and warm it, says it is ready, then
takes turns when asked: ``{"seconds": s}`` on standard input runs back-to-back
steps for at least ``s`` seconds and answers how many it ran and how long they
took. Replies are JSON lines on the process's standard output; whatever the
libraries print goes to standard error.

Every implementation computes network3's step: valid 5x5 convolutions, 2x2 max
pooling, the bias, the activation, fully connected layers, a softmax layer, the
cost (the mean negative log-likelihood of the softmax, plus
``0.5 * lmbda * sum(w**2) / num_batches`` over every layer's weights) and plain
SGD (``p -= eta * g``), in float32. network3 adds the bias after pooling; the
peers do the same. Theano's ``conv2d`` flips the filters and PyTorch's and
XLA's do not, which changes no shape or time. The weights start from network3's
distributions (the peers draw them from :func:`initial_params`, network3's
layers from their own generator), the data are random: no step's time depends
on the values, only on the shapes.

A network is a dict (``bench_step.network`` makes one from a preset):
``convs`` (filters of each ConvPool layer), ``dense`` (units of each fully
connected layer), ``activation``, ``eta``, ``lmbda``, ``dropout`` and
``preset`` (the name in ``symconv.training.presets.PRESETS``).
"""
import json
import os
import sys
import time

# NumPy before symconv: ``import symconv`` sets OPENBLAS_THREAD_TIMEOUT only while
# NumPy is not loaded, and bench_step.py decides that variable for every process.
import numpy as np

N_EXAMPLES = 1280          # data the steps slice (the timing does not depend on the values)
EPOCH = 50_000             # examples per epoch, as network3's training set
GEMM_SIZE = 4096


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((N_EXAMPLES, 784)).astype("float32"), \
        rng.integers(0, 10, N_EXAMPLES).astype("int32")


# --- shapes and FLOPs -----------------------------------------------------------------

def layer_shapes(net):
    """``(kind, n_in, n_out, ...)`` of each layer: ``("conv", maps, filters, side)``
    for a ConvPool layer (``side`` is its input's), ``("dense", n_in, n_out)`` for
    a fully connected or softmax layer."""
    layers, maps, side = [], 1, 28
    for filters in net["convs"]:
        layers.append(("conv", maps, filters, side))
        maps, side = filters, (side - 4) // 2
    n_in = maps * side * side
    for n_out in list(net["dense"]) + [10]:
        layers.append(("dense", n_in, n_out))
        n_in = n_out
    return layers


def product_shapes(net, mb):
    """``(m, k, n)`` of every matrix product in one SGD step, as symconv's kernels
    run them: a convolution is one product over its patch matrix (forward, filter
    gradient, and the input gradient for all but the first layer), a dense layer
    three (forward, weight gradient, input gradient but for the first layer)."""
    shapes = []
    for index, layer in enumerate(layer_shapes(net)):
        if layer[0] == "conv":
            _, maps, filters, side = layer
            ckk, positions = maps * 25, (side - 4) ** 2 * mb
            shapes += [(filters, ckk, positions), (ckk, positions, filters)]
            if index:
                shapes.append((ckk, filters, positions))
        else:
            _, n_in, n_out = layer
            shapes += [(mb, n_in, n_out), (n_in, mb, n_out)]
            if index:
                shapes.append((mb, n_out, n_in))
    return shapes


def step_flops(net, mb):
    """Floating-point operations of one step's matrix products (2 per multiply-add);
    the elementwise work, pooling and softmax are left out, a few percent."""
    return sum(2 * m * k * n for m, k, n in product_shapes(net, mb))


def initial_params(net, seed=0):
    """``[w, b, w, b, ...]`` drawn as network3 draws them, float32: convolution
    filters ``(F, C, 5, 5)`` and dense weights ``(n_in, n_out)`` normal with
    variance 1 / fan-out, biases standard normal, the softmax layer's zeros."""
    rng = np.random.default_rng(seed)
    layers, params = layer_shapes(net), []
    for index, layer in enumerate(layers):
        if layer[0] == "conv":
            _, maps, filters, _ = layer
            shape, fan_out = (filters, maps, 5, 5), filters * 25 / 4   # after 2x2 pooling
        else:
            shape, fan_out = layer[1:], layer[2]
        units = shape[0] if layer[0] == "conv" else shape[1]
        if index == len(layers) - 1:
            w, b = np.zeros(shape), np.zeros(units)
        else:
            w, b = rng.normal(0, np.sqrt(1 / fan_out), shape), rng.normal(0, 1, units)
        params += [w.astype("float32"), b.astype("float32")]
    return params


# --- symconv ------------------------------------------------------------------------

def symconv_step(net, mb, mode):
    """network3's compiled training step, the network built from its preset."""
    import symconv as sc
    import symconv.tensor as T
    from symconv.network3 import Network
    from symconv.training.presets import PRESETS
    try:
        from symconv.training.sgd import training_step
    except ImportError:   # an older checkout (--baseline): the same step, as network3 builds it
        training_step = _network3_step
    images, labels = _data()
    layers = PRESETS[net["preset"]].layers(mb, rng=np.random.RandomState(0))
    model = Network(layers, mb)
    x, y = sc.shared(images), sc.shared(labels)
    cost, _, updates = training_step(model, net["eta"], net["lmbda"], EPOCH // mb)
    i = T.lscalar("i")
    return sc.function([i], cost, updates=updates, mode=mode,
                       givens={model.x: x[i * mb:(i + 1) * mb], model.y: y[i * mb:(i + 1) * mb]})


def _network3_step(net, eta, lmbda, num_batches):
    import symconv as sc
    cost = net.layers[-1].cost(net)
    if lmbda:
        cost = cost + 0.5 * lmbda * sum((layer.w ** 2).sum() for layer in net.layers) / num_batches
    grads = sc.grad(cost, net.params)
    return cost, grads, [(p, p - eta * g) for p, g in zip(net.params, grads)]


def handwritten_step(net, mb, order="theano"):
    """The same network written by hand in Theano's style, without network3: each
    conv layer ``maximum(0, pool(conv) + b)`` (network3's order), or with ``order``
    "pytorch", ``pool(maximum(0, conv + b))`` (the order PyTorch code is written in)."""
    import symconv as sc
    import symconv.tensor as T
    from symconv import nnet
    images, labels = _data()
    params = [sc.shared(p) for p in initial_params(net)]
    x_data, y_data = sc.shared(images), sc.shared(labels)
    x, y, i = T.matrix("x"), T.ivector("y"), T.lscalar("i")
    a, k = x.reshape((mb, 1, 28, 28)), 0
    for kind, n_in, n_out, *side in layer_shapes(net):
        w, b = params[k:k + 2]
        k += 2
        if kind == "conv":
            conv = nnet.conv2d(a, w, input_shape=(mb, n_in, side[0], side[0]),
                               filter_shape=(n_out, n_in, 5, 5))
            bias = b.dimshuffle("x", 0, "x", "x")
            if order == "pytorch":
                a = nnet.pool_2d(T.maximum(0, conv + bias), (2, 2), ignore_border=True)
            else:
                a = T.maximum(0, nnet.pool_2d(conv, (2, 2), ignore_border=True) + bias)
            continue
        z = T.dot(a.reshape((mb, n_in)), w) + b
        a = T.maximum(0, z)       # the softmax layer's z goes to the cost instead
    cost = -T.mean(T.log(nnet.softmax(z))[T.arange(y.shape[0]), y])
    if net["lmbda"]:
        cost = cost + 0.5 * net["lmbda"] * sum((w ** 2).sum() for w in params[0::2]) / (EPOCH // mb)
    grads = sc.grad(cost, params)
    return sc.function([i], cost, updates=[(p, p - net["eta"] * g) for p, g in zip(params, grads)],
                       mode="FAST_RUN",
                       givens={x: x_data[i * mb:(i + 1) * mb], y: y_data[i * mb:(i + 1) * mb]})


def products_step(net, mb):
    """One step's matrix products and nothing else, on as many BLAS threads as
    FAST_RUN's plan gives them: a floor under any implementation that computes them."""
    from symconv.compile.openblas import BLAS, one_thread
    rng = np.random.default_rng(0)
    shapes = product_shapes(net, mb)
    ops = [(rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32),
            np.empty((m, n), np.float32)) for m, k, n in shapes]
    if one_thread(max(2 * m * k * n for m, k, n in shapes)):
        BLAS.set(1)

    def step(i):
        for a, b, out in ops:
            np.matmul(a, b, out=out)
    return step


# --- PyTorch ---------------------------------------------------------------------------

def torch_step(net, mb, compiled, threads):
    """PyTorch's eager mode, or the forward and cost under ``torch.compile`` (inductor;
    AOTAutograd compiles the backward with it); the updates run eagerly in both."""
    import torch
    torch.set_num_threads(threads)
    F = torch.nn.functional
    images, labels = _data()
    xs, ys = torch.from_numpy(images), torch.from_numpy(labels.astype("int64"))
    params = [torch.from_numpy(p).requires_grad_() for p in initial_params(net)]
    act = F.relu if net["activation"] == "relu" else torch.sigmoid
    keep, lmbda, num_batches = 1 - net["dropout"], net["lmbda"], EPOCH // mb

    def cost(x, y, *params):
        a, k = x.view(mb, 1, 28, 28), 0
        for layer in layer_shapes(net):
            w, b = params[k:k + 2]
            k += 2
            if layer[0] == "conv":
                a = act(F.max_pool2d(F.conv2d(a, w), 2) + b.view(1, -1, 1, 1))
                continue
            a = a.reshape(mb, -1)
            if keep < 1:          # network3's dropout: a 0/1 mask, no rescaling in training
                a = a * torch.empty_like(a).bernoulli_(keep)
            a = torch.addmm(b, a, w)
            if k < len(params):
                a = act(a)
        c = F.cross_entropy(a, y)
        if lmbda:
            c = c + 0.5 * lmbda * sum((w ** 2).sum() for w in params[0::2]) / num_batches
        return c
    if compiled:
        cost = torch.compile(cost)

    def step(i):
        c = cost(xs[i * mb:(i + 1) * mb], ys[i * mb:(i + 1) * mb], *params)
        grads = torch.autograd.grad(c, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(net["eta"] * g)
        return c
    return step


# --- JAX ---------------------------------------------------------------------------------

def jax_step(net, mb):
    """The whole step under ``jax.jit`` (XLA's CPU backend), the parameters donated
    so that XLA may update them in place. Steps are dispatched asynchronously;
    :func:`_turn` waits for the last one."""
    import jax
    import jax.numpy as jnp
    from jax import lax
    images, labels = _data()
    xs, ys = jnp.asarray(images), jnp.asarray(labels)
    act = jax.nn.relu if net["activation"] == "relu" else jax.nn.sigmoid
    lmbda, eta, num_batches = net["lmbda"], net["eta"], EPOCH // mb

    def cost(params, x, y):
        a, k = x.reshape(mb, 1, 28, 28), 0
        for layer in layer_shapes(net):
            w, b = params[k:k + 2]
            k += 2
            if layer[0] == "conv":
                a = lax.conv_general_dilated(a, w, (1, 1), "VALID",
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
                a = lax.reduce_window(a, np.float32(-np.inf), lax.max,
                                      (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
                a = act(a + b[None, :, None, None])
                continue
            a = a.reshape(mb, -1) @ w + b
            if k < len(params):
                a = act(a)
        c = -jnp.mean(jax.nn.log_softmax(a)[jnp.arange(mb), y])
        if lmbda:
            c = c + 0.5 * lmbda * sum(jnp.sum(w ** 2) for w in params[0::2]) / num_batches
        return c

    def update(params, xs, ys, i):
        x = lax.dynamic_slice_in_dim(xs, i * mb, mb)
        y = lax.dynamic_slice_in_dim(ys, i * mb, mb)
        c, grads = jax.value_and_grad(cost)(params, x, y)
        return [p - eta * g for p, g in zip(params, grads)], c
    update = jax.jit(update, donate_argnums=0)
    state = {"params": [jnp.asarray(p) for p in initial_params(net)]}

    def step(i):
        state["params"], c = update(state["params"], xs, ys, np.int32(i))
        return c
    step.wait = lambda c: c.block_until_ready()
    return step


# --- PyTensor (the shallow network only) -------------------------------------------------

def pytensor_step(net, mb, one_thread):
    import pytensor
    import pytensor.tensor as pt
    pytensor.config.floatX = "float32"  # so that eta * grad stays float32, as in symconv
    try:
        import numba  # noqa: F401  (the backend the issue's 0.075 ms figure was measured with)
        mode = "NUMBA"
    except ImportError:
        mode = None       # PyTensor's default (C) backend
    images, labels = _data()
    x_data, y_data = pytensor.shared(images), pytensor.shared(labels)
    params = [pytensor.shared(p) for p in initial_params(net)]
    w1, b1, w2, b2 = params
    i = pt.lscalar("i")
    x, y = x_data[i * mb:(i + 1) * mb], y_data[i * mb:(i + 1) * mb]
    p = pt.special.softmax(pt.dot(pt.sigmoid(pt.dot(x, w1) + b1), w2) + b2, axis=-1)
    cost = -pt.mean(pt.log(p)[pt.arange(y.shape[0]), y])
    grads = pytensor.grad(cost, params)
    f = pytensor.function([i], cost, mode=mode,
                          updates=[(q, q - net["eta"] * g) for q, g in zip(params, grads)])
    if one_thread:
        f(0)              # loads the libraries its kernels call
        from symconv.compile.openblas import OpenBLAS, _loaded_openblas
        for path in _loaded_openblas():   # NumPy's, and SciPy's that Numba calls
            OpenBLAS([path]).set(1)

    def step(k):
        return f(k)
    step.label = f"{mode or 'C'} backend"
    return step


BUILDERS = {
    "FAST_COMPILE": lambda net, mb, threads: symconv_step(net, mb, "FAST_COMPILE"),
    "FAST_RUN": lambda net, mb, threads: symconv_step(net, mb, "FAST_RUN"),
    "hand-written": lambda net, mb, threads: handwritten_step(net, mb),
    "hand-written, PyTorch order": lambda net, mb, threads: handwritten_step(net, mb, "pytorch"),
    "products only": lambda net, mb, threads: products_step(net, mb),
    "PyTorch eager": lambda net, mb, threads: torch_step(net, mb, False, threads),
    "torch.compile": lambda net, mb, threads: torch_step(net, mb, True, threads),
    "JAX jit": lambda net, mb, threads: jax_step(net, mb),
    "PyTensor": lambda net, mb, threads: pytensor_step(net, mb, False),
    "PyTensor 1 thr.": lambda net, mb, threads: pytensor_step(net, mb, True),
}


# --- the process ---------------------------------------------------------------------------

def gemm_peak(size=GEMM_SIZE, repeats=3):
    """FLOP/s of the best of ``repeats`` ``size``-cubed float32 ``np.matmul``s."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size), dtype=np.float32), rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)      # wakes the threads, touches the pages
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - started)
    return 2 * size ** 3 / best


def _turn(step, seconds, state):
    """Back-to-back steps for at least ``seconds``, after a short untimed warm-up
    that wakes the thread pools the previous turn's idle time let sleep."""
    wait = getattr(step, "wait", lambda result: None)
    batches, k = N_EXAMPLES // state["mb"], state["done"]
    warm_until = time.perf_counter() + min(0.2, seconds / 5)
    while True:
        wait(step(k % batches))
        k += 1
        if time.perf_counter() >= warm_until:
            break
    n, started = 0, time.perf_counter()
    while True:
        result = step((k + n) % batches)
        n += 1
        if time.perf_counter() - started >= seconds:
            break
    wait(result)
    elapsed = time.perf_counter() - started
    state["done"] = k + n
    return n, elapsed


def _why(exc):
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def main(spec):
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                 # what the libraries print goes to standard error

    def send(**message):
        reply.write(json.dumps(message) + "\n")
    if spec.get("cpus"):          # --threads below the cores: XLA sizes its pool from these
        os.sched_setaffinity(0, spec["cpus"])
    if spec["impl"] == "gemm":
        send(ready=True, flops=gemm_peak())
        return
    try:
        started = time.perf_counter()
        step = BUILDERS[spec["impl"]](spec["net"], spec["mb"], spec["threads"])
        getattr(step, "wait", lambda result: None)(step(0))   # compiles where a peer compiles late
        compile_s = time.perf_counter() - started
    except Exception as exc:      # a peer that cannot run here becomes a row that says why
        send(error=_why(exc))
        return
    sc = sys.modules.get("symconv")
    send(ready=True, compile_s=compile_s, label=getattr(step, "label", None),
         symconv=os.path.dirname(os.path.dirname(sc.__file__)) if sc else None)
    state = {"mb": spec["mb"], "done": 1}
    for line in sys.stdin:
        request = json.loads(line)
        if "seconds" not in request:
            return
        n, elapsed = _turn(step, request["seconds"], state)
        send(steps=n, seconds=elapsed)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
