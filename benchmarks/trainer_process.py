"""``python -m benchmarks.trainer_process``: what sending frames costs the trainer, with no window.

The app's trainer process (``model.train_process``) trains a preset while this process takes its
frames at 30 Hz as the window does (weights and, with ``--changes``, every frame's step changes in
shared memory) and does nothing else; its rounds alternate with rounds of the same training
headless in this process (the child paused meanwhile), as ``benchmarks.gui`` does with the window.
The ratio is the trainer's share of its headless speed when nothing but the frames competes: what
``benchmarks.gui`` loses beyond it is the window's own work.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    from digitlab.model.blas import limit_blas_threads
    from digitlab.model.config import PRESETS
    from digitlab.model.data import load_mnist
    from digitlab.model.train_process import RunRecipe, TrainerProcess, mnist_trainer

    p = argparse.ArgumentParser(prog="python -m benchmarks.trainer_process", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="accurate", choices=sorted(PRESETS))
    p.add_argument("--changes", action="store_true", help="frames carry the step's changes too (the network view)")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--seconds", type=float, default=1.5, help="per round, child and headless each")
    args = p.parse_args(argv)
    limit_blas_threads(1)
    config = PRESETS[args.preset].replace(epochs=1000)
    data = load_mnist()
    process = TrainerProcess(preload_mnist=True)
    process.ensure_started()
    time.sleep(3.0)  # spawned, MNIST loaded
    net = config.build_network()
    process.run(RunRecipe(mnist_trainer, net, dict(net=net, config=config)), record_changes=args.changes)
    headless = mnist_trainer(config.build_network(), config, data)  # as the child builds its run
    steps = headless.steps()
    for _ in range(20):  # warm up
        next(steps)
    seen = {"samples": 0, "frames": 0}

    def take_frames(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            frame = process.take_frame()
            if frame is not None:
                seen["frames"] += 1
                if frame.last_step is not None:
                    seen["samples"] = frame.last_step.samples_seen
            time.sleep(1 / 30)

    try:
        take_frames(2.0)
        ratios, fps = [], []
        for _ in range(args.rounds):
            s0, f0, t0 = seen["samples"], seen["frames"], time.perf_counter()
            take_frames(args.seconds)
            elapsed = time.perf_counter() - t0
            child = (seen["samples"] - s0) / elapsed
            fps.append((seen["frames"] - f0) / elapsed)
            process.pause()
            time.sleep(0.15)  # its step ends
            h0, t1 = headless.samples_seen, time.perf_counter()
            while time.perf_counter() - t1 < args.seconds:
                next(steps)
            ratios.append(child / ((headless.samples_seen - h0) / (time.perf_counter() - t1)))
            process.resume()
            time.sleep(0.1)
            process.take_frame()
    finally:
        process.shutdown()
    what = "weights and changes" if args.changes else "weights"
    print(f"{args.preset}, frames with {what} taken at 30 Hz, no window: "
          f"{np.median(ratios):.0%} of headless (rounds {', '.join(f'{r:.0%}' for r in ratios)}); "
          f"{np.median(fps):.1f} frames/s taken")
    return 0


if __name__ == "__main__":
    sys.exit(main())
