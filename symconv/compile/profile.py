"""Profiles: where a compiled function's time goes, node by node and op by op.

``function(..., profile=True)`` gives the function a :class:`Profile`
(``f.profile``), filled by every call; ``print(f.profile)`` shows the table.
"""


class Profile:
    """Per-node time of a function's calls; prints as a table.

    Attributes
    ----------
    calls : int
    times : list of float
        Seconds spent in each node of the schedule, summed over the calls.
    """

    def __init__(self, order, fgraph=None):
        self.order = order
        self.fgraph = fgraph
        self.calls = 0
        self.times = [0.0] * len(order)

    def reset(self):
        """Forget what was recorded (the compiled code keeps writing into ``times``)."""
        self.calls = 0
        self.times[:] = [0.0] * len(self.order)

    def by_node(self):
        """Rows (node label, op, seconds, calls, share of the total), slowest first.

        A node is labelled by its first output's name in ``debugprint(f)`` (``%12``),
        or by its place in the schedule (``#3``) when the graph is not known."""
        total = sum(self.times) or 1.0
        names = {}
        if self.fgraph is not None:
            from ..printing import value_names
            names = value_names(self.fgraph)
        rows = [(f"{names.get(node.outputs[0], f'#{k}')} {node.op}", type(node.op).__name__,
                 t, self.calls, t / total)
                for k, (node, t) in enumerate(zip(self.order, self.times))]
        return sorted(rows, key=lambda r: -r[2])

    def by_op(self):
        """Rows (op class, seconds, calls, share), slowest first; calls counts every node."""
        total = sum(self.times) or 1.0
        acc = {}
        for node, t in zip(self.order, self.times):
            name = type(node.op).__name__
            entry = acc.setdefault(name, [0.0, 0])
            entry[0] += t
            entry[1] += self.calls
        return sorted(((name, t, n, t / total) for name, (t, n) in acc.items()),
                      key=lambda r: -r[1])

    def summary(self, limit=15):
        """The profile as text: totals, then time by op class, then the slowest nodes."""
        total = sum(self.times)
        per_call = total / self.calls if self.calls else 0.0
        lines = [f"profile: {self.calls} call(s), {total * 1e3:.3f} ms in nodes "
                 f"({per_call * 1e3:.4f} ms per call)", "",
                 f"{'op':<28}{'time (ms)':>12}{'calls':>9}{'share':>8}"]
        for name, t, n, share in self.by_op():
            lines.append(f"{name:<28}{t * 1e3:>12.3f}{n:>9}{share:>8.1%}")
        lines += ["", f"{'node':<44}{'time (ms)':>12}{'per call (us)':>15}{'share':>8}"]
        for label, _, t, n, share in self.by_node()[:limit]:
            per = t / n * 1e6 if n else 0.0
            lines.append(f"{label[:43]:<44}{t * 1e3:>12.3f}{per:>15.2f}{share:>8.1%}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()
