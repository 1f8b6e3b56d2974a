"""``python -m benchmarks.model``: how fast the model layer is, in figures from one run.

Reports, with one BLAS thread unless said otherwise:
- training seconds per epoch of 60,000 images for both presets and for 784-128-64-10 ReLU at batch
  64 and 128 (augmentation off, so that the matrix work is what is timed), and the same with two
  BLAS threads; then 1 against 2 threads beside a process that keeps one core busy, which is why
  the app uses one;
- the float32 matrix-multiply peak of this machine (GFLOP/s, 1 and 2 threads) and the fraction of
  the 1-thread peak the trainer reaches, counting the matrix work a step really does: the forward
  product per layer, dC/dw per layer (BP4), and delta @ w for every layer but the first (BP2);
- what augmentation costs per epoch; MNIST load time; the latency of predicting one drawn image;
- what subnormal weights cost: the shipped network's weights as saved (a long run left some
  subnormal) against as loaded (``model.subnormals`` sets them to zero), through a batch's products
  and in a training step.

The machine may set ``OPENBLAS_CORETYPE`` (a slower kernel); run it once as it is and once with
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.model`` to see both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from digitlab.assets import DEFAULT_MODEL
from digitlab.model.augment import random_affine
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.data import load_mnist
from digitlab.model.preprocess import preprocess
from digitlab.model.train import Trainer

NETWORKS: dict[str, TrainConfig] = {
    "3b1b b10": PRESETS["3b1b"],
    "accurate b128": PRESETS["accurate"].replace(augment=False),
    "784-128-64-10 b64": TrainConfig((784, 128, 64, 10), "relu", "cross_entropy", "sgd", 0.05, batch_size=64),
    "784-128-64-10 b128": TrainConfig((784, 128, 64, 10), "relu", "cross_entropy", "sgd", 0.1, batch_size=128),
}


def matmul_peak(threads: int, n: int = 2048, repeats: int = 8) -> float:
    """float32 GFLOP/s of a large square product, best of ``repeats``."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    best = float("inf")
    with threadpool_limits(threads, "blas"):
        a @ b
        for _ in range(repeats):
            t = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def step_flops(sizes: tuple[int, ...], batch: int) -> int:
    """Multiply-adds x 2 of one training step's matrix products."""
    pairs = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    # forward and BP4 for every layer, BP2 for every layer but the first
    return 2 * batch * (2 * sum(pairs) + sum(pairs[1:]))


def epoch_seconds(config: TrainConfig, data, threads: int, fraction: float) -> float:
    """Seconds for one epoch of 60,000 images (timed over ``fraction`` of it, then scaled)."""
    with threadpool_limits(threads, "blas"):
        trainer = Trainer(config.build_network(), config, data.train_x, data.train_y)
        order = np.random.default_rng(0).permutation(len(data.train_x))
        bs = config.batch_size
        for i in range(10):  # warm up
            trainer.step(order[i * bs : (i + 1) * bs])
        n_steps = max(20, int(trainer.steps_per_epoch * fraction))
        t = time.perf_counter()
        for i in range(n_steps):
            j = (i * bs) % (len(order) - bs)
            trainer.step(order[j : j + bs])
        elapsed = time.perf_counter() - t
    return elapsed / n_steps * trainer.steps_per_epoch


def subnormal_cost(data, repeats: int = 5) -> dict:
    """The shipped network's weights as saved and as loaded: subnormal values, and the best time of
    a batch of 128 through its products (z = a @ w.T for every layer, ReLU between)."""
    from digitlab.model.store import load
    from digitlab.model.subnormals import count_subnormals

    loaded = load(DEFAULT_MODEL).weights
    with np.load(DEFAULT_MODEL) as archive:
        saved = [archive[f"weights_{i}"] for i in range(len(loaded))]
    x = data.train_x[:128]

    def best_ms(weights: list[np.ndarray]) -> float:
        best = float("inf")
        with threadpool_limits(1, "blas"):
            for _ in range(repeats):
                t = time.perf_counter()
                a = x
                for w in weights:
                    a = np.maximum(a @ w.T, 0)
                best = min(best, time.perf_counter() - t)
        return best * 1e3

    def step_ms(weights: list[np.ndarray]) -> float:
        """The median of 10 training steps (the accurate preset, no augmentation) from these weights."""
        net = load(DEFAULT_MODEL)
        net.weights = [w.copy() for w in weights]
        trainer = Trainer(net, PRESETS["accurate"].replace(augment=False), data.train_x, data.train_y)
        order = np.random.default_rng(0).permutation(len(data.train_x))
        times = []
        with threadpool_limits(1, "blas"):
            for i in range(12):
                t = time.perf_counter()
                trainer.step(order[i * 128 : (i + 1) * 128])
                times.append(time.perf_counter() - t)
        return float(np.median(times[2:])) * 1e3

    return {"subnormal_weights_saved": count_subnormals(saved), "subnormal_weights_loaded": count_subnormals(loaded),
            "batch_products_ms_saved": best_ms(saved), "batch_products_ms_loaded": best_ms(loaded),
            "training_step_ms_saved": step_ms(saved), "training_step_ms_loaded": step_ms(loaded)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.model", description=__doc__.split("\n\n")[0])
    p.add_argument("--fraction", type=float, default=1.0, help="part of an epoch to time (default: all)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)

    results: dict = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    loads = []
    for _ in range(3):  # the first read may come from a cold disk cache: report the best
        t = time.perf_counter()
        data = load_mnist()
        loads.append(time.perf_counter() - t)
    results["mnist_load_seconds"] = min(loads)
    peak1, peak2 = matmul_peak(1), matmul_peak(2)
    results["matmul_peak_gflops"] = {"1 thread": peak1, "2 threads": peak2}
    results["blas"] = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpool_info() if info.get("user_api") == "blas"
    ]

    for name, config in NETWORKS.items():
        s1 = epoch_seconds(config, data, 1, args.fraction)
        s2 = epoch_seconds(config, data, 2, args.fraction)
        flops = step_flops(config.layer_sizes, config.batch_size) * (60_000 / config.batch_size)
        results[name] = {
            "seconds_per_epoch": s1,
            "seconds_per_epoch_2_threads": s2,
            "gflops": flops / s1 / 1e9,
            "fraction_of_peak": flops / s1 / 1e9 / peak1,
        }

    # the same with another process wanting a core, as when the GUI or anything else is busy
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        config = NETWORKS["784-128-64-10 b128"]
        results["784-128-64-10 b128 with a busy core"] = {
            "seconds_per_epoch": epoch_seconds(config, data, 1, min(args.fraction, 0.5)),
            "seconds_per_epoch_2_threads": epoch_seconds(config, data, 2, min(args.fraction, 0.5)),
        }
    finally:
        busy.kill()

    rng = np.random.default_rng(0)
    with threadpool_limits(1, "blas"):
        t = time.perf_counter()
        for i in range(0, 60_000, 128):
            random_affine(data.train_x[i : i + 128], rng)
        results["augmentation_seconds_per_epoch"] = time.perf_counter() - t

    results["subnormals"] = subnormal_cost(data)

    # one drawn image: a test digit enlarged on a 280x280 canvas, through preprocess and predict

    from digitlab.model.store import load

    model_path = DEFAULT_MODEL
    net = load(model_path)
    canvas = np.kron(data.test_x[0].reshape(28, 28), np.ones((10, 10), dtype=np.float32))
    with threadpool_limits(1, "blas"):
        x = preprocess(canvas).vector
        times_p, times_n = [], []
        for _ in range(300):
            t = time.perf_counter()
            x = preprocess(canvas).vector
            times_p.append(time.perf_counter() - t)
            t = time.perf_counter()
            net.predict_proba(x)
            times_n.append(time.perf_counter() - t)
    results["predict_one_image_us"] = {
        "preprocess_280x280": float(np.median(times_p) * 1e6),
        "forward_default_model": float(np.median(times_n) * 1e6),
    }

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"OPENBLAS_CORETYPE={results['OPENBLAS_CORETYPE']}; BLAS: {results['blas']}")
    print(f"MNIST load: {results['mnist_load_seconds']:.2f} s")
    print(f"float32 matmul peak: {peak1:.0f} GFLOP/s (1 thread), {peak2:.0f} GFLOP/s (2 threads)")
    print(f"{'network':22s} {'s/epoch 1 thr':>14s} {'s/epoch 2 thr':>14s} {'GFLOP/s':>8s} {'of peak':>8s}")
    for name in NETWORKS:
        r = results[name]
        print(f"{name:22s} {r['seconds_per_epoch']:14.2f} {r['seconds_per_epoch_2_threads']:14.2f} "
              f"{r['gflops']:8.1f} {r['fraction_of_peak']:8.0%}")
    r = results["784-128-64-10 b128 with a busy core"]
    print(f"784-128-64-10 b128 beside a process busy on one core: {r['seconds_per_epoch']:.2f} s/epoch "
          f"with 1 BLAS thread, {r['seconds_per_epoch_2_threads']:.2f} s with 2")
    print(f"augmentation: {results['augmentation_seconds_per_epoch']:.2f} s per epoch of 60,000")
    sub = results["subnormals"]
    print(f"the shipped network's weights as saved ({sub['subnormal_weights_saved']:,} subnormal) and as loaded "
          f"({sub['subnormal_weights_loaded']:,}): a batch of 128 through its products "
          f"{sub['batch_products_ms_saved']:.1f} ms saved, {sub['batch_products_ms_loaded']:.2f} ms loaded "
          f"({sub['batch_products_ms_saved'] / sub['batch_products_ms_loaded']:.0f}x); a training step from them "
          f"{sub['training_step_ms_saved']:.1f} ms saved, {sub['training_step_ms_loaded']:.1f} ms loaded "
          f"({sub['training_step_ms_saved'] / sub['training_step_ms_loaded']:.1f}x)")
    pr = results["predict_one_image_us"]
    print(f"one drawn image: preprocess {pr['preprocess_280x280']:.0f} us + forward {pr['forward_default_model']:.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
