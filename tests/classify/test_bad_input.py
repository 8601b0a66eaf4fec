"""Bad input as a new user would give it: each case gets a clear error (exit 2, the file,
line or field, and a fix) or a decision the report states, never a traceback."""

from __future__ import annotations

import json

import pytest

from support.classify import keyword_rows, write_csv
from tuneline.cli.main import main

ROWS = keyword_rows(4, seed=11)


def pipeline(folder, model_dir, train: str, test: str | None, extra: str = "") -> str:
    split = f"eval_path: {test}" if test else "eval_fraction: 0.3"
    text = (f"name: bad-input\nmodel: {model_dir}\nadapter: {{type: full}}\n"
            f"datasets:\n  d: {{path: {train}, {split}}}\n"
            f"stages:\n  - type: classify\n    dataset: d\n    epochs: 1\n    baselines: false\n{extra}")
    (folder / "pipeline.yaml").write_text(text)
    return str(folder / "pipeline.yaml")


def run_cli(config: str, tmp_path, capsys) -> tuple[int, str]:
    code = main(["run", config, "--output-dir", str(tmp_path / "runs")])
    return code, capsys.readouterr().err


def test_test_label_that_training_never_saw(tiny_encoder_dir, tmp_path, capsys):
    write_csv(tmp_path / "train.csv", ROWS)
    write_csv(tmp_path / "test.csv", [("invoice charged", "billing"), ("give my money back", "refund")])
    code, err = run_cli(pipeline(tmp_path, tiny_encoder_dir, "train.csv", "test.csv"), tmp_path, capsys)
    assert code == 2
    assert "test.csv:3" in err and "'refund' is not in the label set" in err and "fix:" in err
    assert "Traceback" not in err


def test_empty_text(tiny_encoder_dir, tmp_path, capsys):
    write_csv(tmp_path / "train.csv", ROWS + [("", "billing")])
    code, err = run_cli(pipeline(tmp_path, tiny_encoder_dir, "train.csv", None), tmp_path, capsys)
    assert code == 2 and "train.csv:" in err and "'text' is empty" in err and "fix:" in err


@pytest.mark.parametrize(("header", "extra", "missing", "field"), [
    (("body", "label"), "", "text", "text_column"),
    (("text", "label"), "    label_column: category\n", "category", "label_column"),
])
def test_csv_without_the_named_column(tiny_encoder_dir, tmp_path, capsys, header, extra, missing, field):
    write_csv(tmp_path / "train.csv", ROWS, header=header)
    code, err = run_cli(pipeline(tmp_path, tiny_encoder_dir, "train.csv", None, extra), tmp_path, capsys)
    assert code == 2
    assert f"train.csv:1: no column '{missing}' in the header" in err and f"set {field}" in err


def test_single_class_dataset(tiny_encoder_dir, tmp_path, capsys):
    write_csv(tmp_path / "train.csv", [(text, "billing") for text, _ in ROWS])
    code, err = run_cli(pipeline(tmp_path, tiny_encoder_dir, "train.csv", None), tmp_path, capsys)
    assert code == 2 and "single class ('billing'" in err and "fix:" in err


def test_held_out_label_missing_from_training_is_left_out_and_reported(tiny_encoder_dir, tmp_path, capsys):
    from tuneline.config.schema import DatasetConfig
    from tuneline.data.load import load_splits

    # one 'refund' row only: find a seed whose hold-out sends it to the eval side alone
    write_csv(tmp_path / "train.csv", ROWS + [("please return my money", "refund")])
    dataset = DatasetConfig(path=str(tmp_path / "train.csv"), eval_fraction=0.3)
    seed = next(seed for seed in range(50)
                if any(r.label == "refund" for r in load_splits(dataset, "classification", seed=seed).eval))
    config = pipeline(tmp_path, tiny_encoder_dir, "train.csv", None, "    early_stopping_patience: null\n")
    (tmp_path / "pipeline.yaml").write_text(f"seed: {seed}\n" + (tmp_path / "pipeline.yaml").read_text())
    code, err = run_cli(config, tmp_path, capsys)
    assert code == 0
    assert "training never saw (refund)" in err
    metrics = json.loads(next((tmp_path / "runs").rglob("metrics.json")).read_text())
    assert metrics["eval_unseen_labels"] == {"refund": 1}
    report = next((tmp_path / "runs").rglob("report.md")).read_text()
    assert "Left out of scoring: 1 held-out examples" in report
