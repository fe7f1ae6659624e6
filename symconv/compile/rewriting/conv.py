"""Convolution rewrites (specialize phase): network3's ConvPoolLayer as fused kernels.

``conv2d -> max pool`` (non-overlapping windows, ignore_border, no padding),
with the ``+ b.dimshuffle('x', 0, 'x', 'x')`` and the activation (ReLU,
sigmoid, tanh) that follow it when nothing else reads the values in between,
becomes one :class:`~symconv.ops.convpool.ConvPool` node; the max-pool
gradient and the two convolution gradients that differentiation built from it
become one :class:`~symconv.ops.convpool.ConvPoolGrad` node. The rewrite only
fires when every use of the intermediate values is one of these, so that none
of them has to be kept. A layer whose input gradient is not wanted (the first
layer, inference) gets the window-major patch order, whose pooling is quicker.
"""
from ...graph.basic import Constant
from ...ops.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from ...ops.convpool import ConvPool, ConvPoolGrad
from ...ops.elemwise import Elemwise
from ...ops.pool import MaxPoolGrad, Pool
from ...ops.reduction import SumTo
from ...ops.shape import DimShuffle
from .registry import node_rewrite
from .utils import activation_of, reads_shape_only, redirect_shape_uses, scalar_name


def _same_conv(a, b):
    return a._props() == b._props()


def _pool_grad_of(client, pool_op, c, p):
    return isinstance(client.op, MaxPoolGrad) and client.op._props() == pool_op._props() \
        and client.inputs[0] is c and client.inputs[1] is p


def _channel_bias(v):
    """``b`` when ``v`` is ``b.dimshuffle('x', 0, 'x', 'x')`` of a vector ``b``."""
    node = v.owner
    if node is not None and isinstance(node.op, DimShuffle) and \
            node.op.pattern == ("x", 0, "x", "x") and node.inputs[0].ndim == 1:
        return node.inputs[0]
    return None


def _gradient_uses(fgraph, grads, x, w, conv):
    """For each max-pool gradient node, the conv-gradient nodes reading its output, or None
    if anything else reads it."""
    found = []
    for gnode in grads:
        uses = {}
        for client, i in fgraph.client_list(gnode.outputs[0]):
            if client == "output" or i != 1:
                return None
            if isinstance(client.op, Conv2dGradWeights) and client.inputs[0] is x and \
                    _same_conv(client.op, conv) and "gw" not in uses:
                uses["gw"] = client
            elif isinstance(client.op, Conv2dGradInputs) and client.inputs[0] is w and \
                    _same_conv(client.op, conv) and "gx" not in uses:
                uses["gx"] = client
            else:
                return None
        found.append((gnode, uses))
    return found


def _bias_and_activation(fgraph, p, forward):
    """``(b, z, act, a)`` for ``a = act(p + b)`` read only as such, else what applies."""
    if len(forward) != 1 or forward[0][0] == "output":
        return None, None, None, None
    add = forward[0][0]
    if scalar_name(add.outputs[0]) != "add":
        return None, None, None, None
    other = add.inputs[1] if add.inputs[0] is p else add.inputs[0]
    b = _channel_bias(other)
    z = add.outputs[0]
    if b is None or other is p or z.type.dtype != p.type.dtype or b.dtype != p.dtype or \
            not p.type.is_compatible(z.type):
        return None, None, None, None
    acts = [(c, activation_of(c, z)) for c, _ in fgraph.client_list(z) if c != "output"]
    acts = [(c, name) for c, name in acts if name is not None]
    if len(acts) != 1:
        return b, z, None, None
    node, name = acts[0]
    return b, z, name, node.outputs[0]


@node_rewrite("specialize", ops=(Pool,), tags=("convpool", "conv"))
def conv_pool(fgraph, node):
    """``conv2d -> max pool [-> + bias -> activation]`` and its gradients -> ConvPool(Grad)."""
    op = node.op
    if op.mode != "max" or not op.ignore_border or op.pad != (0, 0) or op.stride != op.ws:
        return None
    c, p = node.inputs[0], node.outputs[0]
    cnode = c.owner
    if cnode is None or not isinstance(cnode.op, Conv2d):
        return None
    x, w = cnode.inputs
    grads, c_shape_uses = [], []
    for client, i in fgraph.client_list(c):
        if client is node:
            continue
        if reads_shape_only(client, i):
            c_shape_uses.append((client, i))
        elif client == "output" or not _pool_grad_of(client, op, c, p):
            return None
        else:
            grads.append(client)
    if c_shape_uses and not grads:
        return None  # without the gradient, nothing of c's shape is left to read
    p_shape_uses = [(client, i) for client, i in fgraph.client_list(p)
                    if reads_shape_only(client, i)]
    forward = [(client, i) for client, i in fgraph.client_list(p)
               if not (client in grads and i == 1) and (client, i) not in p_shape_uses]
    uses = _gradient_uses(fgraph, grads, x, w, cnode.op)
    if uses is None:
        return None
    b, z, act, a = _bias_and_activation(fgraph, p, forward)
    # window-major patches (quicker pooling) when no input gradient is wanted and
    # nothing reads the convolution's shape (the mask would no longer have it)
    window_major = not c_shape_uses and all("gx" not in found for _, found in uses)
    fused = ConvPool(cnode.op, op.ws, act, bias=b is not None, keep_for_grad=bool(grads),
                     window_major=window_major)
    outs = fused.make_node(x, w, *([b] if b is not None else [])).outputs
    if act is not None:
        replace = {a: outs[0], z: outs[1]}
    elif b is not None:
        replace = {z: outs[0]}
    else:
        replace = {p: outs[0]}
    replace.update(redirect_shape_uses(p_shape_uses, p, outs[0]))
    if grads:
        mask, cols = outs[-2], outs[-1]
        replace.update(redirect_shape_uses(c_shape_uses, c, mask))
        for gnode, found in uses:
            want = tuple(k for k in ("gw", "gx") if k in found)
            if not want:
                continue
            # the pooled gradient may itself be one of the shape uses redirected above
            # (sum_to(g, p) reads p for its shape): read the redirected one, or p
            # would stay alive and be fused again on its own
            gp = replace.get(gnode.inputs[2], gnode.inputs[2])
            results = ConvPoolGrad(cnode.op, op.ws, want, window_major).make_node(
                gp, mask, cols, x, w).outputs
            for k, v in zip(want, results):
                replace[found[k].outputs[0]] = v
    return replace


# --- bias (and activation) before the pooling -------------------------------------------
#
# ``pool(act(conv + b))`` (the order PyTorch and Keras code is written in) and
# ``pool(conv + b)`` compute what ``act(pool(conv) + b)`` computes: max pooling
# commutes with adding a per-filter constant and with a non-decreasing activation
# (in floating point too: rounding is monotone). Their gradients, though, were
# differentiated at full resolution: ``g_z = E(max_pool_grad(a, y, g), a, z)`` with
# ``E`` the activation's derivative, then the filter and input gradients of ``g_z``
# and the bias gradient ``sum(g_z)``. ``E`` is linear in the spread gradient and zero
# where it is zero, and where the spread gradient is not zero (a window's maxima)
# ``a`` and ``z`` equal the pooled values: so ``g_z`` is the spread of ``E(g, y, z_pooled)``,
# which ConvPoolGrad computes from the pooled values, and ``sum(g_z)`` its ``gb``.
# Positions that tie with a window's maximum only after the activation (a ReLU's
# zeros, a saturated sigmoid) get ``E = 0`` there; ties made by rounding alone are
# near ties, where the gradient is ill-defined in either form.

def _elemwise_subgraph(v, leaves, seen):
    """Whether ``v`` is computed from ``leaves`` and constants by elementwise ops only."""
    if v in leaves or isinstance(v, Constant):
        return True
    if v in seen:
        return seen[v]
    node = v.owner
    ok = node is not None and isinstance(node.op, Elemwise) and \
        all(_elemwise_subgraph(i, leaves, seen) for i in node.inputs)
    seen[v] = ok
    return ok


def _zero_constant(v):
    return isinstance(v, Constant) and v.data.size and not v.data.any()


def _linear_in(v, g, free):
    """Whether ``v`` is ``g`` times factors that ``free`` says do not depend on ``g``
    (``mul``, ``neg``, ``true_div`` by a free value, ``switch`` between it and zero):
    zero wherever ``g`` is zero."""
    if v is g:
        return True
    name = scalar_name(v)
    if name is None:
        return False
    ins = v.owner.inputs
    if name == "neg":
        return _linear_in(ins[0], g, free)
    if name == "mul":
        dependent = [i for i in ins if not free(i)]
        return len(dependent) == 1 and _linear_in(dependent[0], g, free)
    if name == "true_div":
        return free(ins[1]) and _linear_in(ins[0], g, free)
    if name == "switch":
        cond, t, f = ins
        return free(cond) and all(_zero_constant(x) or _linear_in(x, g, free) for x in (t, f)) \
            and not (_zero_constant(t) and _zero_constant(f))
    return False


def _clone(v, subst, made):
    """``v`` rebuilt with ``subst``'s variables in place of its leaves (elementwise ops)."""
    if v in subst:
        return subst[v]
    if isinstance(v, Constant):
        return v
    if v not in made:
        node = v.owner
        new = node.op.make_node(*[_clone(i, subst, made) for i in node.inputs])
        made[v] = new.outputs[node.outputs.index(v)]
    return made[v]


def _gradient_chain(fgraph, ga, a, z):
    """``g_z`` and its readers ``{"gw": node, "gx": node, "gb": node}`` for the spread
    gradient ``ga``: ``g_z = E(ga, a, z)`` elementwise (``ga`` itself when ``a`` is
    ``z``), read only by the convolution's gradients and the bias's ``sum_to``; else None."""
    gz = ga
    while True:
        readers = [c for c, _ in fgraph.client_list(gz)]
        if any(c != "output" and isinstance(c.op, (Conv2dGradWeights, Conv2dGradInputs, SumTo))
               for c in readers):
            break
        if len(readers) != 1 or readers[0] == "output" or \
                not isinstance(readers[0].op, Elemwise):
            return None
        gz = readers[0].outputs[0]
    if gz.type != z.type:
        return None
    if gz is not ga:
        seen = {}
        free = lambda v: v is not ga and _elemwise_subgraph(v, {a, z}, seen)  # noqa: E731
        if not _linear_in(gz, ga, free) or not _elemwise_subgraph(gz, {ga, a, z}, {}):
            return None
    return gz


@node_rewrite("specialize", ops=(Pool,), tags=("convpool", "conv"))
def conv_bias_pool(fgraph, node):
    """``pool(act(conv2d + b))`` and ``pool(conv2d + b)`` with their gradients ->
    ConvPool(Grad), as ``act(pool(conv2d) + b)`` (see the comment above)."""
    op = node.op
    if op.mode != "max" or not op.ignore_border or op.pad != (0, 0) or op.stride != op.ws:
        return None
    a, y = node.inputs[0], node.outputs[0]
    act, z = None, a
    if a.owner is not None and scalar_name(a) != "add":
        z = a.owner.inputs[0] if scalar_name(a) in ("sigmoid", "tanh") else next(
            (i for i in a.owner.inputs if not isinstance(i, Constant)), None)
        act = activation_of(a.owner, z) if z is not None else None
        if act is None:
            return None
    if scalar_name(z) != "add" or len(z.owner.inputs) != 2:
        return None
    c, other = z.owner.inputs
    if _channel_bias(other) is None:
        c, other = other, c
    b = _channel_bias(other)
    cnode = c.owner
    if b is None or cnode is None or not isinstance(cnode.op, Conv2d) or \
            b.dtype != c.dtype or z.type != c.type or a.type != z.type:
        return None
    x, w = cnode.inputs
    # every reader of the full-resolution values must be one this rewrite replaces
    grads = [cl for cl, i in fgraph.client_list(a)
             if cl != "output" and _pool_grad_of(cl, op, a, y)]
    chains, shape_readers = [], set()
    for gnode in grads:
        gz = _gradient_chain(fgraph, gnode.outputs[0], a, z)
        if gz is None:
            return None
        readers, same_shape = {}, []

        def classify(v, top):
            for cl, i in fgraph.client_list(v):
                if cl == "output":
                    return False
                if isinstance(cl.op, Conv2dGradWeights) and cl.inputs[0] is x and i == 1 and \
                        _same_conv(cl.op, cnode.op) and "gw" not in readers:
                    readers["gw"] = cl
                elif isinstance(cl.op, Conv2dGradInputs) and cl.inputs[0] is w and i == 1 and \
                        _same_conv(cl.op, cnode.op) and "gx" not in readers:
                    readers["gx"] = cl
                elif top and isinstance(cl.op, SumTo) and i == 0 and cl.inputs[1] is other and \
                        "gb" not in readers:
                    readers["gb"] = cl
                elif top and isinstance(cl.op, SumTo) and i == 0 and cl.inputs[1] is c:
                    # the add's gradient towards the convolution, kept where the shapes
                    # are not known to be equal: the same values
                    same_shape.append(cl)
                    if not classify(cl.outputs[0], False):
                        return False
                else:
                    return False
            return True
        if not classify(gz, True):
            return None
        chains.append((gnode, gz, readers))
        shape_readers.update(same_shape)
    inner = set()
    for gnode, gz, _ in chains:
        stack = [gz]
        while stack:
            v = stack.pop()
            if v.owner is not None and v not in (a, z) and v is not gnode.outputs[0] and \
                    v not in inner and isinstance(v.owner.op, Elemwise):
                inner.add(v)
                stack.extend(v.owner.inputs)
    inner_nodes = {v.owner for v in inner} | {g for g, _, _ in chains}
    replaced = {n for _, _, readers in chains for n in readers.values()} | shape_readers
    for v in inner:
        # a piece of the derivative that something else also reads (merged with a
        # value the user asked for, say) would keep the full-resolution values alive
        if any(cl == "output" or cl not in inner_nodes and cl not in replaced
               for cl, _ in fgraph.client_list(v)):
            return None
    for v, allowed in ((c, {z.owner}), (z, {a.owner} if act else {node}), (a, {node})):
        for cl, i in fgraph.client_list(v):
            if cl == "output":
                return None
            if cl in allowed or cl in inner_nodes or (v is a and cl in grads) or \
                    (v is c and cl in shape_readers):
                continue
            if v is z and act is None and cl in grads:
                continue
            return None     # another reader (a shape, a second use) would keep v alive
    wants = [tuple(k for k in ("gw", "gx", "gb") if k in readers) for _, _, readers in chains]
    window_major = all("gx" not in want for want in wants)
    after = None       # act(pool(conv + b)): the activation after the pooling joins the kernel
    if act is None:
        acts = [(cl, activation_of(cl, y)) for cl, i in fgraph.client_list(y)
                if cl != "output" and not (cl in grads and i == 1)]
        acts = [(cl, name) for cl, name in acts if name is not None]
        if len(acts) == 1:
            after = acts[0]
    fused = ConvPool(cnode.op, op.ws, act or (after and after[1]), bias=True,
                     keep_for_grad=bool(chains), window_major=window_major)
    outs = fused.make_node(x, w, b).outputs
    if after is not None:
        # y is the pre-activation output; what the activation's derivative reads of it
        # (a ReLU's ge(0, y)) reads that
        out, pre = outs[1], outs[1]
        replace = {y: outs[1], after[0].outputs[0]: outs[0]}
    else:
        out, pre = outs[0], outs[1] if act else outs[0]
        replace = {y: out}
    for (gnode, gz, readers), want in zip(chains, wants):
        if not want:
            continue
        gpooled = gnode.inputs[2]
        gp = gpooled if gz is gnode.outputs[0] else \
            _clone(gz, {gnode.outputs[0]: gpooled, a: out, z: pre}, {})
        results = ConvPoolGrad(cnode.op, op.ws, want, window_major).make_node(
            gp, outs[-2], outs[-1], x, w).outputs
        for k, v in zip(want, results):
            if k == "gb":
                # per filter; summed again where one bias value serves every filter
                v = SumTo()(DimShuffle(1, ("x", 0, "x", "x"))(v), other)
            replace[readers[k].outputs[0]] = v
    return replace
