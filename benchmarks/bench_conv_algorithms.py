"""Chapter 6's two convolutions computed three ways on NumPy, against the GEMM peak.

For each conv layer of CP20-CP40 (1 -> 20 maps on 28x28, 20 -> 40 maps on 12x12,
5x5 filters, valid) and each mini-batch, the forward convolution is timed as:

- ``im2col + GEMM``: symconv's reference kernel (:func:`symconv.ops.conv.conv2d_forward`);
- ``GEMM alone``: its one matrix product, the patch matrix made beforehand;
- ``FFT``: ``numpy.fft.rfft2`` of the images, one complex product per frequency
  over the channels (``np.matmul`` on the stacked frequencies), ``irfft2``, the
  valid part cut out. It multiplies 4-5x fewer numbers than the GEMM;
- ``at GEMM peak``: the GEMM's floating-point operations at the peak of a
  4096x4096 float32 product measured in the same run.

The table says how far from the peak these shapes run, and whether a formulation
with fewer multiplications pays on NumPy (its transforms are passes over memory
that the GEMM does not make). Every time is the median of several turns of at
least ``--seconds`` of back-to-back calls; the FFT's result is checked against
the reference. Run it on a quiet machine: ``python benchmarks/bench_conv_algorithms.py``.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import peers  # noqa: E402
from symconv.ops.conv import conv2d_forward, im2col, output_size, to_chwb  # noqa: E402

LAYERS = [("CP20 (1 -> 20, 28x28)", 1, 20, 28), ("CP40 (20 -> 40, 12x12)", 20, 40, 12)]
KERNEL = 5


def median_time(fn, seconds, rounds):
    """Median over ``rounds`` turns of seconds per call, each turn at least ``seconds``."""
    fn()
    times = []
    for _ in range(rounds):
        n, started = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            if time.perf_counter() - started >= seconds:
                break
        times.append((time.perf_counter() - started) / n)
    return statistics.median(times)


def fft_conv(x, w_hat, side):
    """True (flipped) valid convolution of ``x`` (B, C, side, side) with the filters
    whose ``rfft2`` at ``side`` x ``side`` is ``w_hat`` (F, C, side, side // 2 + 1)."""
    b, c = x.shape[:2]
    f = w_hat.shape[0]
    freqs = side * (side // 2 + 1)
    x_hat = np.fft.rfft2(x).transpose(2, 3, 0, 1).reshape(freqs, b, c)
    w_by_freq = w_hat.transpose(2, 3, 1, 0).reshape(freqs, c, f)
    y_hat = np.matmul(x_hat, w_by_freq).reshape(side, side // 2 + 1, b, f)
    y = np.fft.irfft2(y_hat.transpose(2, 3, 0, 1), s=(side, side))
    return y[:, :, KERNEL - 1:, KERNEL - 1:]   # circular wrap-around lies before this


def rows(batch, seconds, rounds, peak, rng):
    out = []
    for label, c, f, side in LAYERS:
        x = rng.random((batch, c, side, side), dtype=np.float32)
        w = rng.normal(0, 0.1, (f, c, KERNEL, KERNEL)).astype(np.float32)
        oh = output_size(side, KERNEL, 0, 1)
        cols = np.ascontiguousarray(im2col(to_chwb(x), (KERNEL, KERNEL), (1, 1), (oh, oh)))
        wm = np.ascontiguousarray(w[:, :, ::-1, ::-1]).reshape(f, -1)
        product = np.empty((f, cols.shape[1]), np.float32)
        w_hat = np.fft.rfft2(w, s=(side, side))
        want = conv2d_forward(x.astype(np.float64), w.astype(np.float64))
        error = float(np.abs(fft_conv(x, w_hat, side) - want).max() / np.abs(want).max())
        flops = 2 * f * cols.shape[0] * cols.shape[1]
        times = {
            "im2col + GEMM": median_time(lambda: conv2d_forward(x, w), seconds, rounds),
            "GEMM alone": median_time(lambda: np.matmul(wm, cols, out=product), seconds, rounds),
            "FFT": median_time(lambda: fft_conv(x, w_hat, side), seconds, rounds),
        }
        out.append((label, batch, times, flops / peak, error))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[10, 128])
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peak-size", type=int, default=peers.GEMM_SIZE,
                        help="side of the square float32 product that measures the peak")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    load = os.getloadavg()
    peak = peers.gemm_peak(args.peak_size)
    print(f"GEMM peak {peak / 1e9:.1f} GFLOP/s ({args.peak_size}x{args.peak_size} float32); threads: "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    print("| layer | batch | im2col + GEMM (ms) | GEMM alone (ms) | FFT (ms) | at GEMM peak (ms) "
          "| GEMM alone vs peak | FFT vs im2col | FFT rel. error |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for batch in args.batches:
        for label, b, times, at_peak, error in rows(batch, args.seconds, args.rounds, peak, rng):
            ref, gemm, fft = times["im2col + GEMM"], times["GEMM alone"], times["FFT"]
            print(f"| {label} | {b} | {ref * 1e3:.3f} | {gemm * 1e3:.3f} | {fft * 1e3:.3f} | "
                  f"{at_peak * 1e3:.3f} | {gemm / at_peak:.2f}x | {fft / ref:.2f}x | {error:.1e} |")


if __name__ == "__main__":
    main()
