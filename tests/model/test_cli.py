"""``python -m digitlab.model.train``: trains headless, saves a loadable model, stops cleanly on Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digitlab.model import cli
from digitlab.model import train as train_module
from digitlab.model.network import Network
from digitlab.model.store import load_with_info, save

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_trains_and_saves_a_model(tmp_path) -> None:
    out = tmp_path / "m.npz"
    proc = subprocess.run(
        [sys.executable, "-m", "model.train", "--preset", "3b1b", "--epochs", "2", "--limit", "3000",
         "--out", str(out), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["epochs_completed"] == 2 and summary["test_accuracy"] > 0.5
    assert "epoch   2" in proc.stderr  # one line per epoch
    net, info = load_with_info(out)
    assert net.layer_sizes == (784, 16, 16, 10)
    assert len(info.history) == 2 and "--epochs 2" in info.metadata["command"]


def test_bad_hyperparameters_are_reported_without_a_traceback(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "model.train", "--lr", "-1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--lr" in proc.stderr and "Traceback" not in proc.stderr


def test_ctrl_c_stops_after_the_current_step_and_still_saves(tmp_path) -> None:
    out = tmp_path / "interrupted.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "model.train", "--preset", "3b1b", "--epochs", "500", "--out", str(out), "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 60
        while "step" not in proc.stderr.readline() and time.time() < deadline:
            pass  # wait until training has begun (the progress bar is on stderr)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert json.loads(stdout)["interrupted"] is True
    assert "Traceback" not in stderr
    _, info = load_with_info(out)
    assert info.metadata["interrupted"] is True


# ------------------------------------------------------------------------- issue #10: nothing lost

QUICK = ["--epochs", "1", "--limit", "200", "--batch-size", "50"]


@pytest.mark.parametrize("args", [
    ["--seed", "-1"], ["--seed", "3000000000"], ["--limit", "0"], ["--limit", "-5"], ["--limit", "x"],
    ["--threads", "0"], ["--threads", "-1"], ["--out", ""], ["--out", "/nonexistent/x.npz"], ["--epochs", "0"],
    ["--epochs", "2147483648"], ["--batch-size", "0"], ["--batch-size", "9999999999"], ["--lr", "nan"],
    ["--lr", "inf"], ["--lr", "0"], ["--preset", "nope"], ["--bogus"], ["--epochs"], ["extra"],
])
def test_every_bad_argument_gives_one_line_and_exit_code_2(args: list[str], capsys, tmp_path: Path) -> None:
    # case 8: --seed -1 ended in a NumPy traceback, --limit 0 trained on everything, --threads 0 was accepted
    with pytest.raises(SystemExit) as caught:
        cli.main(args)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error" in err and "Traceback" not in err, err


def test_a_folder_or_an_unwritable_folder_as_out_is_refused_before_training(tmp_path: Path, capsys, monkeypatch) -> None:
    # case 1: the whole run trained, then failed to save
    with pytest.raises(SystemExit) as caught:
        cli.main(["--out", str(tmp_path)])
    assert caught.value.code == 2 and "is a folder" in capsys.readouterr().err
    real_open = os.open

    def refusing_open(path, flags, *args):  # an unwritable folder (faked: tests may run as root)
        if str(path).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(train_module.Trainer, "steps", lambda self: pytest.fail("trained before checking --out"))
    with pytest.raises(SystemExit) as caught:
        cli.main(["--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "cannot write in" in err and "Permission denied" in err
    assert ".tmp" not in err
    assert os.listdir(tmp_path) == []


def test_a_save_that_fails_after_training_keeps_the_network_elsewhere(tmp_path: Path, capsys, monkeypatch) -> None:
    # case 1: the disk fills up during the run: the trained network must not be lost
    out = tmp_path / "x.npz"
    real_save = save

    def full_disk(net, path, **kw):
        if Path(path) == out:
            raise OSError(28, "No space left on device", str(path))
        real_save(net, path, **kw)

    monkeypatch.setattr("digitlab.model.store.save", full_disk)
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path / "rescue"))
    (tmp_path / "rescue").mkdir()
    assert cli.main([*QUICK, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and ".tmp" not in err
    rescued = list((tmp_path / "rescue").glob("digitlab-rescued-*.npz"))
    assert len(rescued) == 1 and f"saved to {rescued[0]} instead" in err
    assert load_with_info(rescued[0])[0].layer_sizes == (784, 16, 16, 10)


def _ctrl_c_at_step(monkeypatch, n: int) -> None:
    real_step = train_module.Trainer.step

    def step(self, idx, epoch=1, batch=None):
        record = real_step(self, idx, epoch, batch)
        if record.step == n:
            signal.raise_signal(signal.SIGINT)  # the user presses Ctrl+C
        return record

    monkeypatch.setattr(train_module.Trainer, "step", step)


def test_ctrl_c_never_replaces_a_good_file(tmp_path: Path, capsys, monkeypatch) -> None:
    # case 2: an interrupted run replaced a 95% model with a 42% one
    out = tmp_path / "x.npz"
    good = Network([784, 10], seed=3)
    save(good, out, metadata={"note": "the good one"})
    before = out.read_bytes()
    _ctrl_c_at_step(monkeypatch, 2)
    assert cli.main([*QUICK, "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert out.read_bytes() == before
    beside = tmp_path / "x.interrupted.npz"
    assert f"goes to {beside}" in captured.err and f"saved {beside}" in captured.err
    _, info = load_with_info(beside)
    assert info.metadata["interrupted"] is True
    assert json.loads(captured.out)["saved_to"] == str(beside)


def test_a_completed_run_replaces_the_file_as_asked(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.npz"
    save(Network([784, 10], seed=3), out)
    assert cli.main([*QUICK, "--out", str(out)]) == 0
    assert load_with_info(out)[0].layer_sizes == (784, 16, 16, 10)
    assert sorted(os.listdir(tmp_path)) == ["x.npz"]


@pytest.mark.parametrize("delay", [0.4, 0.7])
def test_ctrl_c_while_starting_ends_quietly(delay: float) -> None:
    # case 8: Ctrl+C in the first 0.4 s printed a traceback (Python's own start-up, ~0.1 s before any
    # Digit Lab code runs, is out of reach)
    with subprocess.Popen([sys.executable, "-m", "digitlab.model.train", *QUICK], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    assert proc.returncode in (0, cli.EXIT_INTERRUPTED), stderr
