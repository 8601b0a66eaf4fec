"""tuneline eval / compare / runs on the session's tiny pipeline run."""

from __future__ import annotations

import json
import shutil

import pytest

from tuneline.cli.main import main


@pytest.fixture(scope="module")
def run_copy(pipeline_run, tmp_path_factory):
    """A second run directory (a copy), so commands that write into a run leave the original alone."""
    run_dir, _ = pipeline_run
    copy = tmp_path_factory.mktemp("runs-copy") / "tiny-eval" / "second"
    shutil.copytree(run_dir, copy)
    return copy


def test_runs_list_and_show(pipeline_run, capsys):
    run_dir, _ = pipeline_run
    assert main(["runs", "list", "--output-dir", str(run_dir.parents[1])]) == 0
    listed = capsys.readouterr().out
    assert str(run_dir) in listed and "sft(done) → reward(done) → dpo(done) → eval(done)" in listed
    assert main(["runs", "show", str(run_dir)]) == 0
    shown = capsys.readouterr().out
    assert "chat.path" in shown and "sha256" in shown  # data lineage
    assert "transformers" in shown and "tracking  mlflow run" in shown
    assert "eval_loss=" in shown  # the sft stage's held-out loss as a headline


def test_runs_show_rejects_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["runs", "show", str(tmp_path)]) == 2
    assert "is not a run directory" in capsys.readouterr().err


def test_compare_writes_one_report_with_both_runs(pipeline_run, run_copy, tmp_path, capsys):
    from test_eval_pipeline import decoded_images, parse_report

    run_dir, _ = pipeline_run
    out = tmp_path / "compare.html"
    assert main(["compare", str(run_dir), str(run_copy), "-o", str(out)]) == 0
    report = parse_report(out)
    headline = next(t for t in report.tables if t[0][0] == "stage.metric")
    assert headline[0][1:] == [f"tiny-eval/{run_dir.name}", "tiny-eval/second"]
    sft_loss = next(row for row in headline if row[0] == "sft.eval_loss")
    assert sft_loss[1] == sft_loss[2]  # same run copied: same figures side by side
    assert len(decoded_images(report)) >= 4
    assert "Evaluations" in report.headings


def test_eval_command_on_a_stage_artifact_with_data_files(pipeline_run, eval_assets, tmp_path, capsys):
    run_dir, _ = pipeline_run
    out = tmp_path / "eval-sft"
    code = main(["eval", str(run_dir / "sft"), "--against", str(eval_assets["base"]), "--suite", "loss",
                 "--suite", "generate", "--data", str(eval_assets["conversations"]), "--max-prompts", "2",
                 "--max-new-tokens", "4", "--output", str(out)])
    assert code == 0
    details = json.loads((out / "metrics.json").read_text())["details"]
    assert set(details["targets"]) == {"sft", eval_assets["base"].name}  # a target is named after its folder
    assert details["targets"]["sft"]["loss"]["tokens"] > 0
    assert len((out / "samples.jsonl").read_text().splitlines()) == 4
    assert (out / "report.html").exists() and "metric (held-out)" in capsys.readouterr().out


def test_eval_command_on_a_run_directory(run_copy, capsys):
    assert main(["eval", str(run_copy), "--suite", "loss", "--max-examples", "2"]) == 0
    details = json.loads((run_copy / "eval" / "metrics.json").read_text())["details"]
    assert list(details["targets"]) == ["base", "sft", "dpo"]  # the reward model is a judge, not a target
    assert details["suites"] == ["loss"]


def test_eval_command_with_an_unknown_target_exits_2(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "./no/such/folder", "--suite", "loss"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # no output folder is left behind
