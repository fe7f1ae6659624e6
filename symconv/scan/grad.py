"""The gradient of a :class:`~symconv.scan.op.Scan`: a second loop, over the steps
in reverse.

For a step ``h_t, y_t = f(x_t, h_{t-1}, w)`` the gradient reaching ``h_t`` is what
the cost gives it directly (``gH[t]``) plus what step ``t + 1`` passes back through
its use of ``h_t``. The backward loop carries that second part as its state
``lam`` (zeros before the last step), and at each step differentiates the step's
graph with the gradients ``gH[t] + lam`` on ``h_t`` and ``gY[t]`` on ``y_t``:

- the part for ``h_{t-1}`` is the next ``lam`` (after the first step: the
  gradient of the initial state);
- the part for ``x_t`` is stacked (the gradient of the sequence);
- the part for ``w`` is added up over the steps (the gradient of a non-sequence).

The backward loop is a Scan itself, so its gradient (a second derivative) is
another loop again.
"""
from ..graph.tensor import TensorVariable
from ..graph.type import TensorType


def scan_grad(op, inputs, outputs, output_grads):
    from ..gradient import grad
    from ..ops.basic import zeros_like
    from ..tensor.indexing import set_subtensor
    from ..tensor.join import concatenate
    from ..tensor.math import add, cast, eq, minimum, switch
    from ..tensor.shapes import shape_padleft
    from .op import Scan

    if op.until:
        raise NotImplementedError(f"{op.name}: no gradient through a loop with until (the "
                                  "number of steps it ran depends on the values)")
    if op.is_stateful:
        raise NotImplementedError(f"{op.name}: no gradient through a loop whose steps draw "
                                  "random numbers")
    n_steps = inputs[0]
    seqs = inputs[1:1 + op.n_seqs]
    inits = inputs[1 + op.n_seqs:1 + op.n_seqs + op.n_states]
    nonseqs = inputs[1 + op.n_seqs + op.n_states:]
    g_states = output_grads[:op.n_states]
    g_nitsots = output_grads[op.n_states:]

    # every state's values step by step: the step's inputs h_{t-1} are read from them
    if all(op.history):
        histories = outputs[:op.n_states]
    else:
        twin = Scan(op.inner_inputs, op.inner_outputs, op.n_seqs, op.n_states, op.n_nonseqs,
                    history=(True,) * op.n_states, truncate_gradient=op.truncate_gradient,
                    mode=op.mode, name=op.name)
        histories = twin(n_steps, *inputs[1:])
        histories = histories if isinstance(histories, list) else [histories]
        histories = histories[:op.n_states]

    def is_float(v):
        return v.type.is_float

    float_states = [j for j in range(op.n_states) if is_float(op.inner_states[j])]
    float_nitsots = [m for m in range(op.n_nitsot) if is_float(op.inner_nitsots[m])]
    float_seqs = [i for i in range(op.n_seqs) if is_float(op.inner_seqs[i])]
    float_nonseqs = [k for k in range(op.n_nonseqs) if is_float(op.inner_nonseqs[k])]

    def placeholder(like, dtype=None, shape=None, name=None):
        return TensorVariable(TensorType(dtype or like.dtype,
                                         like.type.shape if shape is None else shape),
                              name=name)

    # the backward step's inputs
    g_state_now = {j: placeholder(g_states[j], shape=g_states[j].type.shape[1:],
                                  name=f"d_state{j}[t]")
                   for j in float_states if op.history[j]}
    g_nitsot_now = {m: placeholder(g_nitsots[m], shape=g_nitsots[m].type.shape[1:],
                                   name=f"d_output{m}[t]") for m in float_nitsots}
    lam = {j: placeholder(op.inner_states[j], name=f"d_state{j}[t+1]") for j in float_states}
    acc = {k: placeholder(op.inner_nonseqs[k], name=f"d_nonseq{k}") for k in float_nonseqs}

    known = {}
    for j in float_states:
        g = lam[j] if j not in g_state_now else add(lam[j], g_state_now[j])
        _add_known(known, op.inner_new_states[j], g, add)
    for m in float_nitsots:
        _add_known(known, op.inner_nitsots[m], g_nitsot_now[m], add)
    wrt = ([op.inner_seqs[i] for i in float_seqs] + [op.inner_states[j] for j in float_states]
           + [op.inner_nonseqs[k] for k in float_nonseqs])
    if not known or not wrt:
        return [None] * len(inputs)
    step_grads = grad(None, wrt, known_grads=known, disconnected_inputs="ignore")
    g_x = step_grads[:len(float_seqs)]
    g_h = step_grads[len(float_seqs):len(float_seqs) + len(float_states)]
    g_w = step_grads[len(float_seqs) + len(float_states):]

    back_seqs_inner = (list(op.inner_seqs) + list(op.inner_states) + list(g_state_now.values())
                       + list(g_nitsot_now.values()))
    back_states_inner = list(lam.values()) + list(acc.values())
    back_inner = back_seqs_inner + back_states_inner + list(op.inner_nonseqs)
    back_outputs = (list(g_h) + [add(acc[k], g) for k, g in zip(float_nonseqs, g_w)]
                    + list(g_x))
    back_outputs = [cast(g, v.dtype) if g.dtype != v.dtype else g
                    for g, v in zip(back_outputs, back_states_inner + [op.inner_seqs[i]
                                                                       for i in float_seqs])]

    # the backward loop's outer inputs, in reverse step order
    if op.truncate_gradient >= 0:
        n_back = minimum(n_steps, cast(op.truncate_gradient, n_steps.dtype))
    else:
        n_back = n_steps

    def reverse(v):
        return v[:n_steps][::-1]

    previous = [concatenate([shape_padleft(init), hist[:-1]]) for init, hist in zip(inits, histories)]
    back_seqs = ([reverse(s) for s in seqs] + [reverse(p) for p in previous]
                 + [reverse(g_states[j]) for j in g_state_now]
                 + [reverse(g_nitsots[m]) for m in g_nitsot_now])
    back_inits = ([zeros_like(inits[j]) if op.history[j] else cast(g_states[j], inits[j].dtype)
                   for j in float_states]
                  + [zeros_like(nonseqs[k]) for k in float_nonseqs])
    backward = Scan(back_inner, back_outputs, len(back_seqs), len(back_inits), op.n_nonseqs,
                    history=(False,) * len(back_inits), mode=op.mode, name=f"{op.name}_grad")
    results = backward(n_back, *back_seqs, *back_inits, *nonseqs)
    results = results if isinstance(results, list) else [results]
    g_init = results[:len(float_states)]
    g_nonseq = results[len(float_states):len(float_states) + len(float_nonseqs)]
    g_seq_reversed = results[len(float_states) + len(float_nonseqs):]

    in_grads = [None] * len(inputs)
    for i, g in zip(float_seqs, g_seq_reversed):
        full = zeros_like(seqs[i])
        in_grads[1 + i] = set_subtensor(full[n_steps - n_back:n_steps], g[::-1])
    for j, g in zip(float_states, g_init):
        if op.truncate_gradient >= 0:
            # cut off before the first step: the initial state gets nothing
            g = switch(eq(n_back, n_steps), g, zeros_like(g))
        in_grads[1 + op.n_seqs + j] = g
    for k, g in zip(float_nonseqs, g_nonseq):
        in_grads[1 + op.n_seqs + op.n_states + k] = g
    return in_grads


def _add_known(known, var, g, add):
    """Two outputs of a step may be one variable: their gradients add up."""
    known[var] = add(known[var], g) if var in known else g
