"""``python -m benchmarks.retrain``: does "Retrain" teach a style the network misreads, fast, safely?

The issue's targets: with 10 corrected drawings of a style the network misreads, retraining takes
at most 15 s; afterwards at least 9 of the 10 are read right, and MNIST test accuracy drops by at
most 0.5 points.

The style is the continental "1": a one with a long flag, the up-stroke many Europeans start it
with, which a network trained on (American) MNIST reads as a 7. It is drawn synthetically on
MNIST's test-set ones: an anti-aliased stroke from the top of the digit, 7-10 px long, 15-30
degrees below horizontal, 1.3-1.8 px wide (each drawing its own), then the image is normalised
again by ``model.preprocess`` as a canvas drawing is. The first 10 drawings the network misreads
are the user's corrections; the next 50 drawings of the style (misread or not) are held out, to
see whether the network learned the style or only those ten images. MNIST's sevens are watched
too: they are what the flagged ones get confused with.

Both presets are measured (``--preset`` picks one): ``accurate`` is ``assets/models/default.npz`` (or
``--model``; when there is none, a quick one is trained first and the output says so); ``3b1b`` is the
lesson's network (784-16-16-10 sigmoid, quadratic cost, SGD) trained here for ``--lesson-epochs``
epochs (a few seconds each), which before the retraining went on in rounds read "0 -> 0" of its
drawings. For the lesson network the MNIST target is a drop of at most 1 point. BLAS runs on one
thread, as in the app's training worker.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from digitlab.assets import DEFAULT_MODEL
from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESETS
from digitlab.model.data import MNIST, load_mnist
from digitlab.model.network import Network
from digitlab.model.preprocess import preprocess
from digitlab.model.retrain import RetrainConfig, evaluate_before_after, make_retrainer
from digitlab.model.store import ModelFileError, load
from digitlab.model.train import Trainer

TARGET_SECONDS = 15.0
TARGET_RIGHT = 9
TARGET_DROP_POINTS = {"accurate": 0.5, "3b1b": 1.0}
_yy, _xx = np.mgrid[0:28, 0:28].astype(np.float32)


def _stroke(image: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], width: float) -> np.ndarray:
    """``image`` (28, 28) with an anti-aliased straight stroke from p0 to p1 ((x, y) in pixels)."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((_xx - x0) * dx + (_yy - y0) * dy) / max(dx * dx + dy * dy, 1e-6), 0, 1)
    distance = np.hypot(_xx - (x0 + t * dx), _yy - (y0 + t * dy))
    return np.maximum(image, np.clip(width - distance, 0, 1))


def continental_ones(ones: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """MNIST ones (n, 784) given a long flag each, normalised again: (n, 784) float32."""
    out = np.empty((len(ones), 784), dtype=np.float32)
    for i, one in enumerate(ones):
        a = one.reshape(28, 28)
        top = int(np.flatnonzero(a.max(axis=1) > 0.3)[0])
        x_top = float(np.flatnonzero(a[top] > 0.3).mean())
        length, angle = rng.uniform(7, 10), np.deg2rad(rng.uniform(15, 30))
        end = (x_top - length * np.cos(angle), top + length * np.sin(angle))
        out[i] = preprocess(_stroke(a, (x_top, top), end, rng.uniform(1.3, 1.8))).vector
    return out


def quick_network(data: MNIST, epochs: int = 4) -> Network:
    """The "accurate" preset's network, trained for a few epochs only (about 98%)."""
    config = PRESETS["accurate"].replace(epochs=epochs)
    net = config.build_network()
    for _ in Trainer(net, config, data.train_x, data.train_y).steps():
        pass
    return net


def lesson_network(data: MNIST, epochs: int) -> Network:
    """The 3b1b preset's network trained ``epochs`` epochs on MNIST, as the lesson does."""
    config = PRESETS["3b1b"].replace(epochs=epochs)
    net = config.build_network()
    for _ in Trainer(net, config, data.train_x, data.train_y).steps():
        pass
    return net


def run(net: Network, data: MNIST, config: RetrainConfig, style_seed: int = 0, max_drop: float = 0.5) -> dict:
    """Make the style, retrain on 10 misread drawings, and measure everything the targets name."""
    ones = data.test_x[data.test_y == 1]
    style = continental_ones(ones, np.random.default_rng(style_seed))
    misread = np.flatnonzero(net.predict(style) != 1)
    if len(misread) < 10:
        raise RuntimeError(f"the network misreads only {len(misread)} continental ones; need 10")
    chosen = misread[:10]
    held_out = np.setdiff1d(np.arange(len(style)), chosen)[:50]
    samples_x, samples_y = style[chosen], np.ones(10, dtype=np.uint8)

    started = time.perf_counter()
    trainer = make_retrainer(net, samples_x, samples_y, data, config)
    for _ in trainer.steps():
        pass
    seconds = time.perf_counter() - started

    report = evaluate_before_after(net, trainer.net, samples_x, samples_y, data)
    sevens = data.test_x[data.test_y == 7]
    held_before = int((net.predict(style[held_out]) == 1).sum())
    held_after = int((trainer.net.predict(style[held_out]) == 1).sum())
    right_after = round(report.samples_accuracy_after * 10)
    drop = (report.mnist_accuracy_before - report.mnist_accuracy_after) * 100
    return {
        "network": repr(net),
        "style_misread_fraction": round(len(misread) / len(style), 4),
        "retrain_seconds": round(seconds, 2),
        "steps": trainer.step_count,
        "rounds": trainer.rounds,
        "explanation": report.explanation,
        "training_rows_per_epoch": len(trainer.train_x),
        "corrected_right_before": round(report.samples_accuracy_before * 10),
        "corrected_right_after": right_after,
        "held_out_right_before": held_before,
        "held_out_right_after": held_after,
        "held_out_size": len(held_out),
        "mnist_accuracy_before": report.mnist_accuracy_before,
        "mnist_accuracy_after": report.mnist_accuracy_after,
        "mnist_drop_points": round(drop, 3),
        "sevens_accuracy_before": round(float((net.predict(sevens) == 7).mean()), 4),
        "sevens_accuracy_after": round(float((trainer.net.predict(sevens) == 7).mean()), 4),
        "targets_met": {
            "seconds": seconds <= TARGET_SECONDS,
            "corrected_right": right_after >= TARGET_RIGHT,
            "mnist_drop": drop <= max_drop,
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.retrain", description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (default: the shipped one)")
    p.add_argument("--replay-ratio", type=float, default=RetrainConfig.replay_ratio)
    p.add_argument("--copies", type=int, default=RetrainConfig.copies)
    p.add_argument("--epochs", type=int, default=RetrainConfig.epochs)
    p.add_argument("--no-augment", action="store_true", help="copies of the samples undistorted")
    p.add_argument("--seed", type=int, default=0, help="seed of the style and of the retraining")
    p.add_argument("--preset", choices=("both", "accurate", "3b1b"), default="both", help="which network(s)")
    p.add_argument("--lesson-epochs", type=int, default=3, help="epochs the 3b1b network is trained first")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    config = RetrainConfig(replay_ratio=args.replay_ratio, copies=args.copies, epochs=args.epochs,
                           augment=not args.no_augment, seed=args.seed).validate()
    limit_blas_threads(1)
    data = load_mnist()
    results = {}
    for preset in ("accurate", "3b1b") if args.preset == "both" else (args.preset,):
        note, model = None, str(args.model)
        if preset == "3b1b":
            net, model = lesson_network(data, args.lesson_epochs), f"3b1b preset, {args.lesson_epochs} epochs here"
        else:
            try:
                net = load(args.model)
            except ModelFileError as e:
                note = f"no usable model ({e}); trained a quick one (the 'accurate' preset, 4 epochs)"
                print(f"note: {note}", file=sys.stderr, flush=True)
                net, model = quick_network(data), "quick (see note)"
        figures = run(net, data, config, args.seed, TARGET_DROP_POINTS[preset])
        figures["model"], figures["note"] = model, note
        results[preset] = figures
        if not args.json:
            _print(preset, figures)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(all(f["targets_met"].values()) for f in results.values()) else 1


def _print(preset: str, f: dict) -> None:
    ok, mark = f["targets_met"], {True: "ok", False: "MISSED"}
    print(f"== {preset}: network {f['network']} ({f['model']}); the style is misread {f['style_misread_fraction']:.0%}"
          " of the time")
    if f["note"]:
        print(f"note: {f['note']}")
    print(f"retraining: {f['retrain_seconds']:.1f} s, {f['steps']} steps in {f['rounds']} round(s) over"
          f" {f['training_rows_per_epoch']} rows per epoch (target <= {TARGET_SECONDS:.0f} s: {mark[ok['seconds']]})")
    print(f"the 10 corrected drawings read right: {f['corrected_right_before']} -> {f['corrected_right_after']}"
          f" (target >= {TARGET_RIGHT}: {mark[ok['corrected_right']]})")
    print(f"50 held-out drawings of the style read right: {f['held_out_right_before']} -> {f['held_out_right_after']}")
    print(f"MNIST test accuracy: {f['mnist_accuracy_before']:.2%} -> {f['mnist_accuracy_after']:.2%}"
          f" (drop {f['mnist_drop_points']:.2f} points; target <= {TARGET_DROP_POINTS[preset]}: {mark[ok['mnist_drop']]})")
    print(f"MNIST sevens read right: {f['sevens_accuracy_before']:.2%} -> {f['sevens_accuracy_after']:.2%}")
    if f["explanation"]:
        print(f"the report says: {f['explanation']}")


if __name__ == "__main__":
    sys.exit(main())
