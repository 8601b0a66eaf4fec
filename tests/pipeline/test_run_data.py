"""A run's data: saved once into the run directory, read back as the same records, and
checked against its sources on resume."""

from __future__ import annotations

import json

import pytest

from support.pipelines import write_pipeline
from tuneline.cli.main import main
from tuneline.pipeline.data import RunData
from tuneline.pipeline.load import load_pipeline
from tuneline.track.manifest import write_manifest


@pytest.mark.parametrize("dataset, task", [("chats", "sft"), ("prefs", "preference"), ("prefs", "feedback"),
                                           ("prefs", "prompt"), ("prefs", "sft")])
def test_the_saved_copy_reads_back_as_the_same_records(tmp_path, tiny_lm_dir, quickstart_dir, dataset, task):
    config = load_pipeline(write_pipeline(tmp_path / "p.yaml", tiny_lm_dir, quickstart_dir, []))
    run_dir = tmp_path / "run"
    write_manifest(run_dir, {"data": {}})
    loaded = RunData(config, run_dir).splits(dataset, task)
    again = RunData(config, run_dir).splits(dataset, task)  # a resumed run: from runs/.../data/
    assert again.report.splits["read_from"] == str(run_dir / "data" / f"{dataset}.{task}")
    for split in ("train", "eval"):
        original, saved = getattr(loaded, split), getattr(again, split)
        assert len(saved) == len(original) > 0
        assert [{k: v for k, v in vars(r).items() if k != "source"} for r in saved] == \
               [{k: v for k, v in vars(r).items() if k != "source"} for r in original]


def test_resume_stops_when_a_training_file_changed(tmp_path, tiny_lm_dir, quickstart_dir, capsys):
    pipeline = write_pipeline(tmp_path / "p.yaml", tiny_lm_dir, quickstart_dir,
                              ["{name: sft, type: sft, dataset: chats, max_steps: 1, batch_size: 2, max_length: 64}"])
    assert main(["run", str(pipeline), "--output-dir", str(tmp_path / "runs")]) == 0
    run_dir = next((tmp_path / "runs" / "tiny").iterdir())
    prefs = tmp_path / "p-prefs-train.jsonl"
    prefs.write_text(prefs.read_text() + json.dumps({"prompt": "new", "chosen": "a", "rejected": "b"}) + "\n")
    capsys.readouterr()
    assert main(["run", "--resume", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{prefs}: the training data changed since the run started" in err
    assert "--allow-data-change" in err and "Traceback" not in err
    assert main(["run", "--resume", str(run_dir), "--allow-data-change"]) == 0
    assert "changed since the run started; stages read the run's saved copy" in capsys.readouterr().err
