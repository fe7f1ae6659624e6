"""benchmarks/bench_step.py: its options and the FLOPs it counts (nothing here is timed)."""
import os

import pytest

from tests.helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_step")


def test_the_defaults_take_turns_of_a_second_on_every_core(bench):
    args = bench.parse_args([])
    assert args.seconds >= 1 and args.rounds >= 5 and args.batches == [10, 128]
    assert args.threads == len(os.sched_getaffinity(0)) and args.cpus is None
    assert args.baseline is None and args.out is None and args.openblas_timeout == "4"


def test_threads_below_the_cores_bind_every_process_to_that_many(bench):
    args = bench.parse_args(["--threads", "1", "--seconds", "0.2", "--rounds", "1"])
    assert args.threads == 1 and args.seconds == 0.2
    assert args.cpus == ([min(os.sched_getaffinity(0))]
                         if len(os.sched_getaffinity(0)) > 1 else None)
    env = bench.worker_env(args, "/somewhere")
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == "/somewhere"


def test_a_baseline_that_is_no_checkout_is_refused(bench, tmp_path):
    with pytest.raises(SystemExit, match="no symconv package"):
        bench.parse_args(["--baseline", str(tmp_path)])


def test_the_relu_network_counts_9_2_mflop_per_example(bench):
    relu = bench.network("relu")
    assert relu["convs"] == [20, 40] and relu["dense"] == [100] and relu["lmbda"] == 0.1
    assert bench.peers.step_flops(relu, 1) == 9_222_000
    assert bench.peers.step_flops(relu, 128) == 128 * 9_222_000
    # 2 products per layer, and the input gradient of all but the first
    assert len(bench.peers.product_shapes(relu, 10)) == 4 * 3 - 1


def test_the_dropout_network_is_the_presets(bench):
    net = bench.network("dropout")
    assert net["dense"] == [1000, 1000] and net["dropout"] == 0.5 and net["lmbda"] == 0.0
    assert net["name"] == "CP20-CP40-FC1000-FC1000-SM ReLU, dropout 0.5"
    shapes = [w.shape for w in bench.peers.initial_params(net)[0::2]]
    assert shapes == [(20, 1, 5, 5), (40, 20, 5, 5), (640, 1000), (1000, 1000), (1000, 10)]


def test_both_hand_written_orders_compile_to_network3s_kernels(bench):
    from collections import Counter
    net = bench.network("relu")
    steps = {name: bench.peers.BUILDERS[name](net, 4, 1)
             for name in ("FAST_RUN", "hand-written", "hand-written, PyTorch order")}
    kinds = {name: Counter(type(n.op).__name__ for n in f.fgraph.nodes
                           if type(n.op).__name__.startswith(("ConvPool", "Conv2d", "Pool")))
             for name, f in steps.items()}
    assert kinds["FAST_RUN"] == Counter(ConvPool=2, ConvPoolGrad=2)
    assert kinds["hand-written"] == kinds["hand-written, PyTorch order"] == kinds["FAST_RUN"]
    for f in steps.values():
        assert 0 < float(f(0)) < 10      # one step runs: the cost of random labels, ~2.3
