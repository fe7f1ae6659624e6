"""benchmarks/bench_conv_algorithms.py: the FFT convolution it times computes the same
valid, flipped convolution as symconv's kernel (nothing here is timed)."""

import numpy as np
import pytest

from symconv.ops.conv import conv2d_forward
from tests.helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_conv_algorithms")


@pytest.mark.parametrize("batch,channels,filters,side", [(3, 1, 4, 28), (2, 5, 3, 12), (1, 2, 2, 9)])
def test_fft_convolution_equals_the_reference(bench, batch, channels, filters, side):
    rng = np.random.default_rng(side)
    x = rng.random((batch, channels, side, side))
    w = rng.normal(size=(filters, channels, bench.KERNEL, bench.KERNEL))
    got = bench.fft_conv(x, np.fft.rfft2(w, s=(side, side)), side)
    want = conv2d_forward(x, w)
    assert got.shape == want.shape == (batch, filters, side - 4, side - 4)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_the_table_has_a_row_per_layer_and_batch(bench, capsys):
    bench.main(["--batches", "2", "--seconds", "0.001", "--rounds", "1", "--peak-size", "128"])
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith("| CP")]
    assert [r.split(" | ")[1] for r in rows] == ["2", "2"]
    assert all(float(r.split(" | ")[-1].strip(" |")) < 1e-5 for r in rows)   # FFT error
