"""``python -m digitlab.model.train`` (also ``digitlab-train``): train a network headless and save it.

Shows a progress bar, one line per epoch (cost, train and test accuracy, seconds) and, with
``--json``, a machine-readable summary at the end. Ctrl+C stops after the current step and still
saves what was trained (marked as interrupted in the file's metadata).
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESET_DESCRIPTIONS, PRESETS
from digitlab.model.data import load_mnist
from digitlab.model.store import save
from digitlab.model.train import EpochRecord, Trainer, TrainingDivergedError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m digitlab.model.train",
        description="Train a Digit Lab network on MNIST and save it as a model file.",
        epilog="presets: " + "; ".join(f"{k}: {v}" for k, v in PRESET_DESCRIPTIONS.items()),
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="3b1b")
    p.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    p.add_argument("--seed", type=int, help="override the preset's seed")
    p.add_argument("--lr", type=float, help="override the preset's learning rate")
    p.add_argument("--batch-size", type=int, help="override the preset's batch size")
    p.add_argument("--limit", type=int, help="train on the first N training images only")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1: see model/blas.py)")
    p.add_argument("--out", type=Path, help="model file to write (.npz)")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = PRESETS[args.preset]
    overrides = {"epochs": args.epochs, "seed": args.seed, "learning_rate": args.lr, "batch_size": args.batch_size}
    try:
        config = config.replace(**{k: v for k, v in overrides.items() if v is not None}).validate()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    limit_blas_threads(args.threads)
    data = load_mnist()
    train_x, train_y = data.train_x, data.train_y
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    net = config.build_network()
    trainer = Trainer(net, config, train_x, train_y, data.test_x, data.test_y)

    stop = False

    def on_sigint(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True  # finish the current step, then leave the loop

    previous = signal.signal(signal.SIGINT, on_sigint)
    history: list[dict] = []
    started = time.perf_counter()
    error = None
    sizes = "-".join(map(str, config.layer_sizes))
    print(f"training {sizes} {config.activation}/{config.cost} with {config.optimizer}, "
          f"{config.epochs} epochs of {len(train_x)} images", file=sys.stderr)
    try:
        with tqdm(total=trainer.total_steps, unit="step", file=sys.stderr, dynamic_ncols=True) as bar:
            for record in trainer.steps():
                if isinstance(record, EpochRecord):
                    history.append(record.__dict__.copy())
                    tqdm.write(
                        f"epoch {record.epoch:3d}  cost {record.train_cost:.4f}  "
                        f"train {record.train_accuracy:.2%}  test {record.test_accuracy:.2%}  "
                        f"{record.seconds:.1f} s",
                        file=sys.stderr,
                    )
                else:
                    bar.update(1)
                    if record.step % 50 == 0:
                        bar.set_postfix(cost=f"{record.cost:.4f}")
                if stop:
                    tqdm.write("interrupted: stopping after this step", file=sys.stderr)
                    break
    except TrainingDivergedError as e:
        error = str(e)
        print(f"error: {e}", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - started
    test_cost, test_acc = net.evaluate(data.test_x, data.test_y)
    summary = {
        "preset": args.preset,
        "layer_sizes": list(config.layer_sizes),
        "epochs_completed": len(history),
        "steps": trainer.step_count,
        "seconds": round(elapsed, 2),
        "test_cost": test_cost,
        "test_accuracy": test_acc,
        "interrupted": stop,
        "error": error,
    }
    if args.out:
        command = "python -m digitlab.model.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        try:
            save(net, args.out, hyperparameters=config.to_dict(), history=history,
                 metadata={"command": command, "test_accuracy": test_acc, "interrupted": stop,
                           "train_images": len(train_x)})
        except (OSError, ValueError) as e:
            print(f"error: could not save {args.out}: {e}", file=sys.stderr)
            return 1
        print(f"saved {args.out} (test accuracy {test_acc:.2%})", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=2))
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
