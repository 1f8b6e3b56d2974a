"""``python -m digitlab.model.train``: trains headless, saves a loadable model, stops cleanly on Ctrl+C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from digitlab.model.store import load_with_info

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
    assert "learning_rate" in proc.stderr and "Traceback" not in proc.stderr


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
