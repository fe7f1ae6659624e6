"""Time one SGD step of chapter 6's networks: symconv, PyTorch, JAX and PyTensor.

The networks are chapter 6's presets (``symconv.training.presets``), built with
``symconv.network3`` as a user builds them: ``relu`` (CP20-CP40-FC100-SM, ReLU,
the log-likelihood cost with L2, lmbda 0.1) at each ``--batches`` mini-batch,
``dropout`` (CP20-CP40-FC1000-FC1000-SM, dropout 0.5) at the same mini-batches,
and ``shallow`` (FC100-SM sigmoid) at 10. Each step computes the cost, the
gradients of every parameter and the SGD updates, the mini-batch sliced from
shared data. The rows:

- symconv: ``FAST_COMPILE`` (the plain reference) and ``FAST_RUN`` (every
  rewrite, generated kernels); "hand-written", the relu network written by hand
  in Theano's style (``nnet.conv2d``, ``pool_2d``, ``T.maximum``) and compiled
  with FAST_RUN ("hand-written, PyTorch order": each conv layer
  ``pool(maximum(0, conv + b))``); with ``--baseline PATH``, FAST_RUN with the symconv of another
  checkout of this repository (labelled with its commit), for a change's before
  and after in one run.
- "products only": the step's matrix products and nothing else, on the BLAS
  threads FAST_RUN's plan uses; FAST_COMPILE's step over it bounds the speed-up
  the compiler can reach over the plain reference with this BLAS.
- "limit": the step's FLOPs (its matrix products, counted from the shapes) at
  the machine's GEMM peak, measured in the same run (a 4096x4096 float32
  ``np.matmul``, best of 3, in a process of its own): no implementation that
  computes those products can take a shorter step.
- peers, when installed: PyTorch eager (with network3's dropout on the dropout
  network), ``torch.compile`` (inductor, compiled before the timing; a machine
  where inductor cannot compile gets a row that says so), JAX ``jit`` (XLA's
  CPU backend), and PyTensor on the shallow network (as installed, and with
  every OpenBLAS in its process on one thread, which is what symconv's plan picks
  for a network whose products are all small). ``peers.py`` holds them.

Fairness. Each implementation runs in a process of its own, so that no two
thread pools spin at once. Processes are built one after another (so that the
compile times do not overlap) and then take turns, round after round, each
turn at least ``--seconds`` of back-to-back steps after a short untimed warm-up
(the rotation starts one implementation later each round), so that load from
other programs falls on all of them alike. Every process gets the same thread
count (``--threads``, by default the cores this process may use) through
``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``torch.set_num_threads``; below the cores, each process is also bound to that
many cores, which is how XLA's pool is sized. Every process loads OpenBLAS with
``OPENBLAS_THREAD_TIMEOUT=4`` (idle threads sleep at once), as ``import
symconv`` asks when it is imported before NumPy; ``--openblas-timeout default``
keeps OpenBLAS's own setting for all of them. ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` pass through as they are set, and are printed.

Usage::

    python benchmarks/bench_step.py [--batches 10 128] [--rounds 7] [--seconds 1]
        [--threads N] [--baseline PATH] [--out FILE]
"""
import argparse
import datetime
import json
import os
import platform
import select
import subprocess
import sys
import tempfile
from importlib import metadata, util

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]

import peers  # noqa: E402

BUILD_TIMEOUT = 1200       # seconds a process may take to build and compile its step
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
FAST, PRODUCTS, LIMIT = "FAST_RUN", "products only", "limit"


def network(preset):
    """A network for ``peers.py``, from the preset of that name."""
    from symconv.training.presets import PRESETS
    p = PRESETS[preset]
    name = f"{p.architecture} {'ReLU' if p.activation == 'relu' else p.activation}"
    if p.dropout:
        name += f", dropout {p.dropout:g}"
    return {"preset": preset, "name": name, "convs": list(p.conv_layers),
            "dense": list(p.fc_layers), "activation": p.activation, "eta": p.eta,
            "lmbda": p.lmbda, "dropout": p.dropout}


def installed(module):
    return util.find_spec(module) is not None


def implementations(preset, baseline):
    """``(label, implementation, symconv checkout)`` of each row a network gets."""
    rows = []
    if preset != "dropout":
        rows.append(("FAST_COMPILE", "FAST_COMPILE", ROOT))
    rows.append((FAST, FAST, ROOT))
    if preset == "relu":
        rows.append(("hand-written", "hand-written", ROOT))
        rows.append(("hand-written, PyTorch order", "hand-written, PyTorch order", ROOT))
    if baseline:
        rows.append((f"{FAST} {baseline[1]}", FAST, baseline[0]))
    rows.append((PRODUCTS, PRODUCTS, ROOT))
    peers_here = [("PyTorch eager", "torch"), ("torch.compile", "torch"), ("JAX jit", "jax")]
    if preset == "dropout":
        peers_here = peers_here[:1]
    elif preset == "shallow":
        peers_here += [("PyTensor", "pytensor"), ("PyTensor 1 thr.", "pytensor")]
    rows += [(label, label, ROOT) for label, module in peers_here if installed(module)]
    return rows


# --- the processes ---------------------------------------------------------------------

class WorkerError(RuntimeError):
    pass


class Worker:
    """One implementation's step in a process of its own (``peers.py``)."""

    def __init__(self, impl, net, mb, args, root=ROOT):
        spec = {"impl": impl, "net": net, "mb": mb, "threads": args.threads, "cpus": args.cpus}
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "peers.py"), json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
            env=worker_env(args, root))
        self.ready = self._read(BUILD_TIMEOUT)
        found = self.ready.get("symconv")
        if found and os.path.realpath(found) != os.path.realpath(root):
            self.close()
            raise WorkerError(f"imported symconv from {found}, not {root}")

    def _read(self, timeout):
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if readable else ""
        if not line:
            self.close()
            self.log.seek(0)
            tail = self.log.read().decode(errors="replace").strip().splitlines()[-3:]
            raise WorkerError("the process " + ("ended" if readable else "timed out")
                              + (": " + " / ".join(tail) if tail else ""))
        message = json.loads(line)
        if "error" in message:
            self.close()
            raise WorkerError(message["error"])
        return message

    def turn(self, seconds):
        """Seconds per step over at least ``seconds`` of back-to-back steps."""
        self.proc.stdin.write(json.dumps({"seconds": seconds}) + "\n")
        self.proc.stdin.flush()
        reply = self._read(seconds * 20 + 120)
        return reply["seconds"] / reply["steps"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("{}\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def worker_env(args, root):
    """The environment every implementation's process starts with: the same
    thread counts, the chosen OpenBLAS timeout, ``root``'s symconv first on the path."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(args.threads)
    if args.openblas_timeout == "default":
        env.pop("OPENBLAS_THREAD_TIMEOUT", None)
    else:
        env["OPENBLAS_THREAD_TIMEOUT"] = args.openblas_timeout
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                  else []))
    return env


def gemm_peak(args):
    worker = Worker("gemm", None, None, args)
    worker.close()
    return worker.ready["flops"]


def measure(net, mb, rows, args):
    """``{label: result}``: each row's step times over the rounds (seconds), its
    compile time, or why it could not run."""
    results, workers = {}, {}
    for label, impl, root in rows:       # one at a time, so that compile times do not overlap
        try:
            workers[label] = Worker(impl, net, mb, args, root)
            results[label] = {"times": [], "compile": workers[label].ready["compile_s"],
                              "detail": workers[label].ready.get("label")}
        except WorkerError as exc:
            results[label] = {"error": str(exc)}
    labels = list(workers)
    try:
        for r in range(args.rounds if labels else 0):
            for label in labels[r % len(labels):] + labels[:r % len(labels)]:
                if label in workers:
                    try:
                        results[label]["times"].append(workers[label].turn(args.seconds))
                    except WorkerError as exc:
                        results[label] = {"error": str(exc)}
                        workers.pop(label)
    finally:
        for worker in workers.values():
            worker.close()
    return results


# --- the report ------------------------------------------------------------------------

def _ms(seconds):
    return f"{seconds * 1e3:.3f}" if seconds < 0.1 else f"{seconds * 1e3:.1f}"


def table(sections, peak):
    """The Markdown table of every row, and the notes for rows that could not run."""
    lines = ["| network | batch | implementation | step (ms) | min–max (ms) | epoch (s) "
             "| compile (s) | vs FAST_RUN | vs limit |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    notes = []
    for net, mb, results in sections:
        limit = peers.step_flops(net, mb) / peak
        fast = np.median(results[FAST]["times"]) if results.get(FAST, {}).get("times") else None
        rows = list(results.items())
        at = next(k for k, (label, _) in enumerate(rows) if label == PRODUCTS) + 1
        rows.insert(at, (LIMIT, {"times": [limit], "compile": None}))
        for label, result in rows:
            detail = f" ({result['detail']})" if result.get("detail") else ""
            start = f"| {net['name']} | {mb} | {label}{detail}"
            if "error" in result:
                lines.append(f"{start} | could not run (see below) | | | | | |")
                notes.append(f"- {label} ({net['name']}, mini-batch {mb}): {result['error']}")
                continue
            t = result["times"]
            step = float(np.median(t))
            spread = f"{_ms(min(t))}–{_ms(max(t))}" if label != LIMIT else ""
            compile_s = "" if result["compile"] is None else f"{result['compile']:.2f}"
            versus = f"{step / fast:.2f}x" if fast else ""
            lines.append(f"{start} | {_ms(step)} | {spread} | {step * peers.EPOCH / mb:.1f} "
                         f"| {compile_s} | {versus} | {step / limit:.2f}x |")
    return lines, notes


def ceilings(sections):
    lines = ["| network | batch | FAST_RUN speed-up | products ceiling |",
             "| --- | ---: | ---: | ---: |"]
    for net, mb, results in sections:
        times = {k: np.median(r["times"]) for k, r in results.items() if r.get("times")}
        if {"FAST_COMPILE", FAST, PRODUCTS} <= set(times):
            lines.append(f"| {net['name']} | {mb} | {times['FAST_COMPILE'] / times[FAST]:.2f}x "
                         f"| {times['FAST_COMPILE'] / times[PRODUCTS]:.2f}x |")
    return lines if len(lines) > 2 else []


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1] for line in f if line.startswith("model name")]
        return models[0].strip()
    except (OSError, IndexError):
        return platform.processor() or platform.machine()


def _numpy_blas():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:         # older NumPy: no dicts
        return "BLAS unknown"


def machine(args):
    env = worker_env(args, ROOT)
    timeout = env.get("OPENBLAS_THREAD_TIMEOUT", "OpenBLAS's default")
    bound = f", each bound to cores {args.cpus}" if args.cpus else ""
    usable = len(os.sched_getaffinity(0))
    return [f"- machine: {_cpu_model()}, {os.cpu_count()} cores ({usable} usable), "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
            f"- libraries: NumPy {np.__version__} ({_numpy_blas()}), PyTorch {_version('torch')}, "
            f"JAX {_version('jax')} (jaxlib {_version('jaxlib')}), PyTensor {_version('pytensor')}",
            f"- threads: {args.threads} in every process ({', '.join(THREAD_VARIABLES)}="
            f"{args.threads}, torch.set_num_threads({args.threads}){bound}); "
            f"OPENBLAS_THREAD_TIMEOUT={timeout}, OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}, OPENBLAS_L2_SIZE="
            f"{os.environ.get('OPENBLAS_L2_SIZE', 'unset')}"]


def report(args, sections, peak, load_start, load_end, command):
    rows, notes = table(sections, peak)
    flops = [f"{net['name']}: {peers.step_flops(net, 1) / 1e6:.1f} MFLOP per example"
             for net in {net["name"]: net for net, _, _ in sections}.values()]
    lines = ["# One SGD step, side by side", "",
             f"`{command}`, {datetime.datetime.now():%Y-%m-%d %H:%M}.", ""]
    lines += machine(args)
    lines += [f"- GEMM peak: {peak / 1e9:.1f} GFLOP/s ({peers.GEMM_SIZE}x{peers.GEMM_SIZE} float32 "
              "np.matmul, best of 3, in a process of its own)",
              f"- step FLOPs (matrix products, forward and backward): {'; '.join(flops) or '-'}",
              f"- load average (1, 5, 15 min): {_load(load_start)} at the start, "
              f"{_load(load_end)} at the end",
              f"- {args.rounds} round{'s' if args.rounds > 1 else ''}; each turn at least "
              f"{args.seconds:g} s of back-to-back steps; the median over the rounds, and the "
              "fastest and slowest round", ""]
    if max(load_start[0], load_end[0]) > 0.5 * len(os.sched_getaffinity(0)):
        lines += ["The machine was busy (see the load average): steps whose threads wait for "
                  "one another (PyTorch's OpenMP above all) slow down most when another program "
                  "holds a core, so these rows are not what a quiet machine gives.", ""]
    lines += rows + [""]
    lines += notes + ([""] if notes else [])
    lines += ["epoch = step x 50,000 / mini-batch. vs FAST_RUN: the step over network3's "
              "FAST_RUN step on the same network and mini-batch (above 1: slower than FAST_RUN); "
              "vs limit: the step over the limit, the step's FLOPs at the GEMM peak. compile: from "
              "building the step to the end of its first call (torch.compile and JAX compile "
              "there).", ""]
    extra = ceilings(sections)
    if extra:
        lines += extra + ["", "speed-up: FAST_COMPILE's step over FAST_RUN's; ceiling: "
                          "FAST_COMPILE's step over the products alone, the most any "
                          "implementation computing those products with this BLAS could gain "
                          "on it."]
    return "\n".join(lines) + "\n"


def _load(load):
    return ", ".join(f"{x:.2f}" for x in load)


def _baseline(path):
    """``(path, label)`` of a ``--baseline`` checkout: its commit, marked if it has changes."""
    path = os.path.abspath(path)
    if not os.path.isfile(os.path.join(path, "symconv", "__init__.py")):
        raise SystemExit(f"--baseline {path}: no symconv package there")
    try:
        sha = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"], check=True,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--", "symconv"],
                               capture_output=True, text=True).stdout.strip()
        return path, sha + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return path, os.path.basename(path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[10, 128],
                        help="mini-batches of the relu and dropout networks "
                             "(none: the shallow network only)")
    parser.add_argument("--rounds", type=int, default=7,
                        help="turns each implementation takes (default 7)")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="the least time of back-to-back steps per turn (default 1)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="threads in every process (default: the cores this process may use)")
    parser.add_argument("--no-shallow", action="store_true")
    parser.add_argument("--no-dropout", action="store_true")
    parser.add_argument("--baseline", metavar="PATH",
                        help="another checkout of this repository: an extra FAST_RUN row with "
                             "its symconv, labelled with its commit")
    parser.add_argument("--out", metavar="FILE", help="also write the report there (Markdown)")
    parser.add_argument("--openblas-timeout", default="4",
                        help="OPENBLAS_THREAD_TIMEOUT for every implementation's process: 4 "
                             "(idle threads sleep at once), as 'import symconv' sets it when "
                             "NumPy is not loaded yet; 'default' for OpenBLAS's own (spin)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.threads < 1:
        parser.error("--rounds, --seconds and --threads must be positive")
    usable = sorted(os.sched_getaffinity(0))
    args.cpus = usable[:args.threads] if args.threads < len(usable) else None
    args.baseline = _baseline(args.baseline) if args.baseline else None
    return args


def main(argv=None):
    args = parse_args(argv)
    command = " ".join(["python benchmarks/bench_step.py"] + list(sys.argv[1:] if argv is None
                                                                  else argv))
    load_start = os.getloadavg()
    configs = [("relu", mb) for mb in args.batches]
    configs += [] if args.no_dropout else [("dropout", mb) for mb in args.batches]
    configs += [] if args.no_shallow else [("shallow", 10)]
    print("\n".join(machine(args)), flush=True)
    peak = gemm_peak(args)
    print(f"GEMM peak {peak / 1e9:.1f} GFLOP/s", flush=True)
    sections = []
    for preset, mb in configs:
        net = network(preset)
        print(f"{net['name']}, mini-batch {mb}: {peers.step_flops(net, mb) / 1e6:.1f} MFLOP "
              "per step ...", flush=True)
        sections.append((net, mb, measure(net, mb, implementations(preset, args.baseline), args)))
    text = report(args, sections, peak, load_start, os.getloadavg(), command)
    print("\n" + text, end="")
    if args.out:
        from symconv.atomic import atomic_open
        with atomic_open(args.out) as f:
            f.write(text)
        print(f"written to {args.out}")


if __name__ == "__main__":
    main()
