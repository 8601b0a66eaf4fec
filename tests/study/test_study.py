"""`tuneline study` on the tiny model: a grid of methods × seeds from one start run, each cell
an ordinary run directory, one report; a killed study resumes without redoing finished cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.pipelines import write_pipeline
from tuneline.cli.main import main
from tuneline.study.config import grid, load_study
from tuneline.study.run import run_study

JUDGE = '''
def wordy(prompts, answers):
    """The held-out judge of the test: longer answers score higher (none of the methods trains on it)."""
    return [min(len(a.split()), 40) / 40 for a in answers]
'''


def write_study(folder: Path, model_dir: Path, data: Path) -> Path:
    write_pipeline(folder / "start.yaml", model_dir, data, [
        "{type: sft, dataset: chats, max_steps: 2, batch_size: 4}"], adapter="{type: lora, r: 4}", chat_limit=16)
    (folder / "judges.py").write_text(JUDGE)
    (folder / "study.yaml").write_text(f"""
name: tiny-study
start: start.yaml
seeds: [1, 2]
budgets: [1.0e10]
methods:
  prompted: {{prompt: {{system: "Answer in one word."}}}}
  dpo: {{stage: {{type: dpo, from: sft, dataset: prefs, max_steps: 50, batch_size: 2}}}}
evaluation: {{dataset: prefs, judge: judges.py:wordy, max_prompts: 2, max_new_tokens: 6}}
output_dir: {folder / "runs"}
tracking: {{backend: none}}
""")
    return folder / "study.yaml"


def test_the_grid_orders_cells_seed_by_seed(tmp_path, tiny_lm_dir, quickstart_dir):
    config = load_study(write_study(tmp_path, tiny_lm_dir, quickstart_dir))
    assert [(c.method, c.budget, c.seed) for c in grid(config)] == [
        ("prompted", None, 1), ("dpo", 1e10, 1), ("prompted", None, 2), ("dpo", 1e10, 2)]


def test_a_killed_study_resumes_without_redoing_finished_cells(tmp_path, tiny_lm_dir, quickstart_dir):
    study = write_study(tmp_path, tiny_lm_dir, quickstart_dir)
    first = run_study(study, max_cells=3)  # stopped after the 3rd cell, as a kill between cells would
    assert len(first.executed) == 3 and len(first.pending) == 1
    assert main(["study", str(study)]) == 0
    cells = sorted((tmp_path / "runs" / "tiny-study" / "cells").iterdir())
    assert len(cells) == 4 and all((c / "result.json").exists() for c in cells)
    again = run_study(study)  # nothing left: every cell is skipped, the report written again
    assert again.executed == [] and len(again.skipped) == 4

    trained = tmp_path / "runs" / "tiny-study" / "cells" / "dpo__budget=1e+10__seed=2"
    manifest = json.loads((trained / "manifest.json").read_text())
    assert [(s["name"], s["status"]) for s in manifest["stages"]] == [("sft", "done"), ("method", "done")]
    assert "copied_from" in manifest["stages"][0]  # the common start, not trained again
    metrics = json.loads((trained / "method" / "metrics.json").read_text())
    assert metrics["flops_total"] <= 1e10 and metrics["stopped_by_budget"] == "flops"
    start_cost = json.loads((tmp_path / "runs" / "tiny-study" / "start" / "sft" / "metrics.json").read_text())
    assert metrics["flops_cumulative"] == pytest.approx(metrics["flops_total"] + start_cost["flops_total"])

    summary = json.loads((tmp_path / "runs" / "tiny-study" / "report" / "summary.json").read_text())
    rows = {(r["method"], r["budget"]): r for r in summary["rows"]}
    assert set(rows) == {("prompted", None), ("dpo", 1e10)}
    assert rows[("prompted", None)]["flops"] == 0 and rows[("prompted", None)]["seeds"] == [1, 2]
    results = [json.loads((c / "result.json").read_text()) for c in cells]
    dpo_scores = [r["judge_score"] for r in results if r["method"] == "dpo"]
    assert rows[("dpo", 1e10)]["judge_score"] == pytest.approx(sum(dpo_scores) / 2)
    (leader,) = summary["leaders"]
    assert leader["leader"] == max(rows.values(), key=lambda r: r["judge_score"])["method"]
    assert leader["seeds_compared"] == 2
    report = (tmp_path / "runs" / "tiny-study" / "report" / "report.html").read_text()
    assert "leads" in report and "data:image/png;base64" in report
    assert (tmp_path / "runs" / "tiny-study" / "report" / "judge_score.png").stat().st_size > 1000


def test_a_bad_study_file_names_its_line(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    study = write_study(tmp_path, tiny_lm_dir, quickstart_dir)
    study.write_text(study.read_text().replace("budgets: [1.0e10]", "budgets: lots"))
    assert main(["study", str(study)]) == 2
    error = capsys.readouterr().err
    assert "study.yaml:5" in error and "budgets" in error


def test_tpe_asks_each_trial_once_told_the_earlier_trials(tmp_path, tiny_lm_dir, quickstart_dir):
    """Settings come from Optuna's TPE sampler within the axes; a trial's setting is saved
    when asked, so a resumed study gets the same one back and finds its cells."""
    from tuneline.study.search import trial_setting

    study = write_study(tmp_path, tiny_lm_dir, quickstart_dir)
    study.write_text(study.read_text() + "search: {dpo: {learning_rate: [1.0e-5, 1.0e-3], beta: [0.05, 0.1, 0.2]}}\n"
                                         "sampler: tpe\ntrials: 3\n")
    config = load_study(study)
    assert [c.method for c in grid(config)] == ["prompted", "prompted"]  # dpo's cells come trial by trial
    folder = tmp_path / "runs" / "tiny-study"
    first = trial_setting(config, "dpo", 0, [], folder)
    assert 1e-5 <= first["learning_rate"] <= 1e-3 and first["beta"] in (0.05, 0.1, 0.2)
    finished = [{"base_method": "dpo", "setting": first, "judge_score": s} for s in (0.3, 0.5)]  # two seeds
    second = trial_setting(config, "dpo", 1, finished, folder)
    assert second != first and trial_setting(config, "dpo", 1, finished, folder) == second
    assert json.loads((folder / "search" / "dpo.json").read_text()) == [first, second]


def test_a_study_killed_in_the_middle_of_a_cell_resumes_there(tmp_path, tiny_lm_dir, quickstart_dir):
    """`tuneline study` in its own process, SIGKILLed as soon as the second cell's run
    directory appears (the first cell finished, the second under way), then run again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    study = write_study(tmp_path, tiny_lm_dir, quickstart_dir)
    cells = tmp_path / "runs" / "tiny-study" / "cells"
    process = subprocess.Popen([sys.executable, "-m", "tuneline.cli.main", "study", str(study)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 120
    while not (cells / "dpo__budget=1e+10__seed=1").exists() and process.poll() is None:
        assert time.monotonic() < deadline, "the study never reached its second cell"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.parent.name: (p.stat().st_mtime_ns, p.read_text()) for p in cells.glob("*/result.json")}
    assert "prompted__budget=none__seed=1" in finished and "dpo__budget=1e+10__seed=1" not in finished

    assert main(["study", str(study)]) == 0
    after = {p.parent.name: (p.stat().st_mtime_ns, p.read_text()) for p in cells.glob("*/result.json")}
    assert len(after) == 4
    assert all(after[name] == before for name, before in finished.items())  # not run again
    manifest = json.loads((cells / "dpo__budget=1e+10__seed=1" / "manifest.json").read_text())
    assert [(s["name"], s["status"]) for s in manifest["stages"]] == [("sft", "done"), ("method", "done")]

