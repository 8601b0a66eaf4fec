"""Bad input, tried as a new user would: each case gives a short error naming the place
and the fix, exit code 2, and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuneline.cli.main import main

CONVERSATION = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}


def write_pipeline(folder: Path, model: str, stage_lines: str = "", data_lines: int = 20) -> Path:
    data = folder / "chats.jsonl"
    data.write_text("".join(json.dumps(CONVERSATION) + "\n" for _ in range(data_lines)))
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text(
        "name: bad-input\n"
        f"model: {model}\n"
        "datasets:\n"
        "  chats:\n"
        "    path: chats.jsonl\n"
        "stages:\n"
        "  - type: sft\n"
        "    dataset: chats\n"
        f"{stage_lines}"
    )
    return pipeline


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "validate"])
def test_misspelt_key_names_line_and_suggests_the_key(tmp_path, tiny_lm_dir, capsys, command):
    pipeline = write_pipeline(tmp_path, str(tiny_lm_dir), "    learnign_rate: 1.0e-4\n")
    code, err = run_cli([command, str(pipeline)], capsys)
    assert code == 2
    assert f"{pipeline}:9" in err and "learnign_rate" in err and "did you mean 'learning_rate'" in err
    assert "Traceback" not in err


def test_wrong_type_names_line_and_field(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, str(tiny_lm_dir), "    batch_size: four\n")
    code, err = run_cli(["validate", str(pipeline)], capsys)
    assert code == 2
    assert f"{pipeline}:9" in err and "batch_size" in err and "integer" in err


def test_missing_dataset_file_is_named(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, str(tiny_lm_dir))
    (tmp_path / "chats.jsonl").unlink()
    code, err = run_cli(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")], capsys)
    assert code == 2
    assert "chats.jsonl" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("manifest.json"))


def test_broken_jsonl_line_17_is_named(tmp_path, tiny_lm_dir, capsys):
    pipeline = write_pipeline(tmp_path, str(tiny_lm_dir))
    lines = (tmp_path / "chats.jsonl").read_text().splitlines()
    lines[16] = '{"messages": [{"role": "user", "content": "Hi"'  # line 17, cut short
    (tmp_path / "chats.jsonl").write_text("\n".join(lines) + "\n")
    code, err = run_cli(["validate", str(pipeline)], capsys)
    assert code == 2
    assert "chats.jsonl:17" in err


def test_unknown_builtin_lists_the_builtins(tmp_path, capsys):
    pipeline = write_pipeline(tmp_path, "builtin:smollm3-9000b")
    code, err = run_cli(["validate", str(pipeline)], capsys)
    assert code == 2
    assert "builtin:smollm3-9000b" in err and "builtin:smollm2-135m-instruct" in err


def test_hub_id_offline_says_so_and_names_builtins(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pipeline = write_pipeline(tmp_path, "someorg/some-model-7b")
    code, err = run_cli(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")], capsys)
    assert code == 2
    assert "someorg/some-model-7b" in err and "builtin:smollm2-135m-instruct" in err


def test_real_process_exits_2_without_traceback(tmp_path, tiny_lm_dir):
    pipeline = write_pipeline(tmp_path, str(tiny_lm_dir), "    epochs: -1\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "tuneline.cli.main", "validate", str(pipeline)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2
    assert f"{pipeline}:9" in result.stderr and "epochs" in result.stderr
    assert "Traceback" not in result.stderr
