"""The package's layers point down (pyproject's import-linter contracts), and the check
really catches an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def lint(source_root: Path, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], cwd=source_root, text=True,
                          capture_output=True, env={"PYTHONPATH": str(source_root), "PATH": "/usr/bin:/bin"})


def test_the_package_keeps_its_layers():
    result = lint(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    shutil.copytree(ROOT / "src" / "tuneline", tmp_path / "tuneline",
                    ignore=shutil.ignore_patterns("__pycache__"))
    config_files = tmp_path / "tuneline" / "config" / "files.py"
    config_files.write_text(config_files.read_text() + "\n\ndef _stage_types():\n"
                            "    from tuneline.stages import stage_types  # config reaching up to the stages\n\n"
                            "    return stage_types()\n")
    result = lint(tmp_path, ROOT / "pyproject.toml")
    assert result.returncode == 1
    assert "tuneline.config is not allowed to import tuneline.stages" in result.stdout
    assert "tuneline.config.files -> tuneline.stages" in result.stdout
