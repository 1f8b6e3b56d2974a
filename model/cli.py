"""``python -m digitlab.model.train`` (also ``digitlab-train``): train a network headless and save it.

Shows a progress bar, one line per epoch (cost, train and test accuracy, seconds) and, with
``--json``, a machine-readable summary at the end.

Nothing is lost, nothing crashes:

- every argument is checked before any work starts, ``--out`` included (its folder must exist and
  take a file); a bad one gives one line on stderr and exit code 2;
- Ctrl+C stops after the current step and still saves what was trained, marked as interrupted in
  the file's metadata. An interrupted or diverged run never replaces an existing ``--out`` file: it
  is saved beside it (``x.interrupted.npz``, ``x.diverged.npz``) and the message says where. Ctrl+C
  before training has begun ends the command quietly (exit code 130), as does a second Ctrl+C;
- when the save still fails at the end (the disk filled up during the run), the network is saved
  to the temporary folder instead and the message says where (exit code 1).

The heavy imports (NumPy, MNIST, tqdm) happen inside ``main``, after its Ctrl+C handler is in place.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

EXIT_INTERRUPTED = 130  # as a shell reports a process ended by Ctrl+C
MNIST_TRAIN = 60_000
MAX_THREADS = 256


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_in(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {value:,}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _out_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name, got an empty one")
    if "\0" in text:
        raise argparse.ArgumentTypeError("a file name cannot hold a NUL character")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    from digitlab.model.config import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_SEED, PRESET_DESCRIPTIONS, PRESETS

    p = _Parser(
        prog="python -m digitlab.model.train",
        description="Train a Digit Lab network on MNIST and save it as a model file.",
        epilog="presets: " + "; ".join(f"{k}: {v}" for k, v in PRESET_DESCRIPTIONS.items()),
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="3b1b")
    p.add_argument("--epochs", type=_int_in(1, MAX_EPOCHS), help="override the preset's number of epochs")
    p.add_argument("--seed", type=_int_in(0, MAX_SEED), help="override the preset's seed")
    p.add_argument("--lr", type=_positive_float, help="override the preset's learning rate")
    p.add_argument("--batch-size", type=_int_in(1, MAX_BATCH_SIZE), help="override the preset's batch size")
    p.add_argument("--limit", type=_int_in(1, MNIST_TRAIN), help="train on the first N training images only")
    p.add_argument("--threads", type=_int_in(1, MAX_THREADS), default=1,
                   help="BLAS threads (default 1: see model/blas.py)")
    p.add_argument("--out", type=_out_path, help="model file to write (.npz)")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    return p


def out_problem(path: Path) -> str | None:
    """Why a model file cannot be written at ``path``, found before training; None if it can.

    The folder must exist and take a new file (a probe file is written and removed), and ``path``
    must not be a folder or anything but a regular file.
    """
    from digitlab.model.npz_io import remove_quietly, write_temp

    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"{path} is a folder; give a file name, e.g. {path / 'model.npz'}"
    if path.exists() and not path.is_file():
        return f"{path} exists and is not a regular file"
    if not folder.is_dir():
        return f"the folder {folder} does not exist" if not folder.exists() else f"{folder} is not a folder"
    try:
        remove_quietly(write_temp(folder, path.name, lambda f: f.write(b"probe"), sync=False))
    except OSError as e:
        return f"cannot write in {folder}: {e.strerror or e}"
    return None


def beside(path: Path, tag: str) -> Path:
    """``x.npz`` -> ``x.<tag>.npz``: where a run that must not replace ``path`` is saved."""
    return path.with_name(f"{path.stem}.{tag}{path.suffix}")


class _CtrlC:
    """Ctrl+C once: stop after the current step. Twice: stop now (KeyboardInterrupt)."""

    def __init__(self) -> None:
        self.pressed = False
        self.previous = signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum: int, frame: object) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def restore(self) -> None:
        signal.signal(signal.SIGINT, self.previous)


def main(argv: list[str] | None = None, *, process: bool = False) -> int:
    """The command; ``process``: it is the whole process (``script``), so a Ctrl+C after the run,
    while the interpreter shuts down, is ignored rather than handed back to Python's handler."""
    ctrl_c = _CtrlC()  # first: a Ctrl+C while NumPy or MNIST load must not print a traceback
    try:
        return _main(argv, ctrl_c)
    except KeyboardInterrupt:
        print("stopped by a second Ctrl+C: nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if process:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing is left to stop
        else:
            ctrl_c.restore()


def script(argv: list[str] | None = None) -> NoReturn:
    """``digitlab-train`` and ``python -m digitlab.model.train``."""
    sys.exit(main(argv, process=True))


def _main(argv: list[str] | None, ctrl_c: _CtrlC) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from digitlab.model.config import PRESETS

    config = PRESETS[args.preset]
    overrides = {"epochs": args.epochs, "seed": args.seed, "learning_rate": args.lr, "batch_size": args.batch_size}
    try:
        config = config.replace(**{k: v for k, v in overrides.items() if v is not None}).validate()
    except ValueError as e:
        parser.error(str(e))
    if args.out is not None:
        from digitlab.model.npz_io import remove_stale_temps, temp_pattern

        problem = out_problem(args.out)
        if problem:
            parser.error(f"argument --out: {problem}")
        remove_stale_temps(args.out.parent, temp_pattern(args.out.name))  # a killed earlier run's

    from tqdm import tqdm

    from digitlab.model.blas import limit_blas_threads
    from digitlab.model.data import load_mnist
    from digitlab.model.train import EpochRecord, Trainer, TrainingDivergedError

    limit_blas_threads(args.threads)
    data = load_mnist()
    train_x, train_y = data.train_x, data.train_y
    if args.limit is not None:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    if ctrl_c.pressed:
        print("interrupted before training began: nothing was trained or saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    net = config.build_network()
    # the next batch is made in a thread while this one trains (the same model, sooner)
    trainer = Trainer(net, config, train_x, train_y, data.test_x, data.test_y, prefetch=True)

    history: list[dict] = []
    started = time.perf_counter()
    error = None
    sizes = "-".join(map(str, config.layer_sizes))
    print(f"training {sizes} {config.activation}/{config.cost} with {config.optimizer}, "
          f"{config.epochs} epochs of {len(train_x)} images{', deskewed' if config.deskew else ''}", file=sys.stderr)
    try:
        with tqdm(total=trainer.total_steps, unit="step", file=sys.stderr, dynamic_ncols=True) as bar:
            for record in trainer.steps():
                if isinstance(record, EpochRecord):
                    history.append(record.figures())
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
                if ctrl_c.pressed:
                    tqdm.write("interrupted: stopping after this step (Ctrl+C again: quit without saving)",
                               file=sys.stderr)
                    break
    except TrainingDivergedError as e:
        error = str(e)
        print(f"error: {e}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    test_cost, test_acc = net.evaluate(data.test_x, data.test_y)
    interrupted = ctrl_c.pressed
    summary = {
        "preset": args.preset,
        "layer_sizes": list(config.layer_sizes),
        "epochs_completed": len(history),
        "steps": trainer.step_count,
        "seconds": round(elapsed, 2),
        "test_cost": test_cost,
        "test_accuracy": test_acc,
        "interrupted": interrupted,
        "error": error,
        "saved_to": None,
    }
    status = 1 if error else 0
    if args.out:
        command = "python -m digitlab.model.train " + " ".join(
            shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        metadata = {"command": command, "test_accuracy": test_acc, "interrupted": interrupted,
                    "train_images": len(train_x)}
        saved, status = _save(net, args.out, interrupted, error, status,
                              hyperparameters=config.to_dict(), history=history, metadata=metadata)
        summary["saved_to"] = None if saved is None else str(saved)
        if saved is not None:
            print(f"saved {saved} (test accuracy {test_acc:.2%})", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=2))
    return status


def _save(net, out: Path, interrupted: bool, error: str | None, status: int, **record) -> tuple[Path | None, int]:
    """Save where nothing good is replaced; returns where it went (None: nowhere) and the exit code."""
    from digitlab.model.store import save

    target = out
    if (interrupted or error) and out.exists():
        target = beside(out, "interrupted" if interrupted else "diverged")
        print(f"{out} is kept as it was: this {'interrupted' if interrupted else 'diverged'} run goes to "
              f"{target}", file=sys.stderr)
    try:
        save(net, target, **record)
        return target, status
    except (OSError, ValueError, TypeError) as e:
        reason = getattr(e, "strerror", None) or e
        print(f"error: could not save {target}: {reason}", file=sys.stderr)
    rescue = Path(tempfile.gettempdir()) / f"digitlab-rescued-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    try:
        save(net, rescue, **record)
    except (OSError, ValueError, TypeError) as e:
        print(f"error: could not save the network anywhere else either ({getattr(e, 'strerror', None) or e})",
              file=sys.stderr)
        return None, 1
    print(f"the trained network was saved to {rescue} instead", file=sys.stderr)
    return rescue, 1


if __name__ == "__main__":
    sys.exit(main())
