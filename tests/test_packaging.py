"""The install: one top-level name, console scripts that run, assets found from the installed copy."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import distribution
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _scripts() -> dict[str, str]:
    return {ep.name: ep.value for ep in distribution("digitlab").entry_points if ep.group == "console_scripts"}


def test_pyproject_declares_the_installed_console_scripts() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    declared = {line.split("=")[0].strip() for line in section.splitlines() if "=" in line}
    assert declared == set(_scripts()) == {"digitlab", "digitlab-train"}


@pytest.mark.parametrize("name", ["digitlab", "digitlab-train"])
def test_every_console_script_prints_its_usage(name: str) -> None:
    module, func = _scripts()[name].split(":")
    code = f"import sys; from {module} import {func}; sys.exit({func}(['--help']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: {name}" if name == "digitlab" else "usage: ")
    assert "PySide6" not in out.stderr


def test_a_missing_model_file_is_a_usage_error_not_a_traceback() -> None:
    code = "import sys; from digitlab.gui.app import main; sys.exit(main(['/nonexistent/model.npz']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 2
    assert "no such model file" in out.stderr and "Traceback" not in out.stderr


def test_the_package_is_importable_from_anywhere_under_one_name(tmp_path: Path) -> None:
    # a user's own model.py or gui.py in the working folder must not shadow ours
    (tmp_path / "model.py").write_text("raise SystemExit('the user model.py was imported')\n")
    (tmp_path / "gui.py").write_text("raise SystemExit('the user gui.py was imported')\n")
    code = ("from digitlab.model.store import load_default; net = load_default(); "
            "print(net.layer_sizes[0], net.layer_sizes[-1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["784", "10"]


def test_the_wheel_installs_one_top_level_name_and_no_tooling(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("digitlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"digitlab"}
    assert "digitlab/assets/models/default.npz" in names and "digitlab/assets/mnist/t10k-images-idx3-ubyte.gz" in names
    assert not [n for n in names if "bench" in n or "screenshot" in n]
