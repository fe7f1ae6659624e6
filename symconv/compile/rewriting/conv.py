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
from ...ops.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from ...ops.convpool import ConvPool, ConvPoolGrad
from ...ops.pool import MaxPoolGrad, Pool
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
