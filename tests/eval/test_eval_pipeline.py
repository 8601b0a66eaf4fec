"""A small sft → reward → dpo → eval pipeline on a tiny model: the before/after table, the
report (every embedded image decodes), and MLflow's own client seeing the run."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser

import pytest


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[str] = []
        self.headings: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._in: str | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag in ("h2", "h3"):
            self._in = tag
            self.headings.append("")
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in in ("h2", "h3"):
            self.headings[-1] += data
        elif self._in in ("td", "th"):
            self._row[-1] += data


def parse_report(path) -> _Collect:
    collected = _Collect()
    collected.feed(path.read_text())
    return collected


def decoded_images(report: _Collect):
    from PIL import Image

    images = []
    for src in report.images:
        assert src.startswith("data:image/png;base64,")  # embedded: the file stands alone
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        image.load()  # decodes the pixels, not just the header
        images.append(image)
    return images


def test_eval_stage_prints_before_after_table(pipeline_run):
    run_dir, stdout = pipeline_run
    assert "=== Evaluation: before / after ===" in stdout
    header = next(line for line in stdout.splitlines() if line.startswith("metric (held-out)"))
    assert header.split()[2:5] == ["base", "sft", "dpo"]
    loss_row = next(line for line in stdout.splitlines() if line.startswith("loss.loss "))
    assert len(loss_row.split()) >= 4  # a number for base, sft and dpo
    assert "win rate dpo vs base (reward-model:reward judge, both orders)" in stdout
    assert "win rate dpo vs sft (reward-model:reward judge, both orders)" in stdout  # the stage it continued
    assert "answers that ended with EOS: base" in stdout
    assert "implicit rewards (preference.*): sft against base; dpo against sft" in stdout
    assert "Held-out prompts, base vs dpo:" in stdout


def test_eval_measures_the_held_out_split_the_stages_trained_beside(pipeline_run):
    run_dir, _ = pipeline_run
    details = json.loads((run_dir / "eval" / "metrics.json").read_text())["details"]
    sft_stage = json.loads((run_dir / "sft" / "metrics.json").read_text())
    # Same held-out conversations, same loss function: the sft stage's own before/after figures.
    assert details["targets"]["base"]["loss"]["loss"] == pytest.approx(sft_stage["eval_loss_before"], rel=1e-4)
    assert details["targets"]["sft"]["loss"]["loss"] == pytest.approx(sft_stage["eval_loss"], rel=1e-4)
    dpo_stage = json.loads((run_dir / "dpo" / "metrics.json").read_text())
    assert details["targets"]["dpo"]["preference"]["reward_margin"] == pytest.approx(dpo_stage["reward_margin"],
                                                                                     rel=1e-3, abs=1e-6)
    # the stage against the one it continued (its reference: margins measured from it), then the base
    assert [(w["model_a"], w["model_b"]) for w in details["winrate"]] == [("sft", "base"), ("dpo", "sft"),
                                                                           ("dpo", "base")]
    assert details["targets"]["dpo"]["preference"]["reference"] == "sft"
    for winrate in details["winrate"]:
        assert winrate["judge"] == "reward-model:reward"
        assert winrate["wins"] + winrate["ties"] + winrate["losses"] == winrate["prompts"] == 2
    samples = [json.loads(line) for line in (run_dir / "eval" / "samples.jsonl").read_text().splitlines()]
    assert {s["target"] for s in samples} == {"base", "sft", "dpo"} and len(samples) == 6


def test_report_has_plots_and_tables_and_every_image_decodes(pipeline_run):
    run_dir, _ = pipeline_run
    for path in (run_dir / "eval" / "report.html", run_dir / "report.html"):
        assert "status done" in path.read_text() and "finished None" not in path.read_text()
        report = parse_report(path)
        images = decoded_images(report)
        assert len(images) >= 6 and all(image.width > 100 and image.height > 100 for image in images)
        for heading in ("Stages", "Training curves", "Before / after", "Sample answers"):
            assert heading in report.headings
        assert any(h.startswith("Win rate") for h in report.headings)
        before_after = next(t for t in report.tables if t[0][:4] == ["metric", "base", "sft", "dpo"])
        rows = {row[0]: row[1:] for row in before_after[1:]}
        assert rows["loss.loss"][0] and rows["preference.preference_accuracy"][2]
        winrate = next(t for t in report.tables if t[0][0] == "pair")
        assert [row[0] for row in winrate[1:]] == ["sft vs base", "dpo vs sft", "dpo vs base"]
        assert {row[1] for row in winrate[1:]} == {"reward-model:reward"}
    alts = (run_dir / "report.html").read_text()
    for plot in ("sft loss", "dpo loss", "dpo reward and margin", "held-out preference accuracy"):
        assert f'alt="{plot}"' in alts


def test_mlflow_client_lists_the_run_with_metrics_and_registered_versions(pipeline_run):
    from mlflow.tracking import MlflowClient

    run_dir, _ = pipeline_run
    uri = f"sqlite:///{run_dir.parents[1] / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.get_experiment_by_name("tiny-eval")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params["sft.max_steps"] == "2" and run.data.tags["pipeline"] == "tiny-eval"
    history = client.get_metric_history(run.info.run_id, "sft/loss")
    assert [m.step for m in history] == [1, 2]  # per-step, from the stage's log.jsonl
    assert "eval/dpo/loss.loss" in run.data.metrics and "eval/winrate/dpo_vs_base.win_rate" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "pipeline.yaml", "dpo"} <= artifacts
    [dpo_version] = client.search_model_versions("name='tiny-eval-dpo'")
    assert dpo_version.tags["stage"] == "dpo" and dpo_version.tags["pipeline"] == "tiny-eval"
    assert dpo_version.run_id == run.info.run_id
    [reward_version] = client.search_model_versions("name='tiny-eval-reward'")
    assert reward_version.tags["stage"] == "reward"
    # sft is continued by dpo: an intermediate artifact, not a final one
    assert client.search_model_versions("name='tiny-eval-sft'") == []


def test_tracking_off_and_unknown_backend():
    from types import SimpleNamespace

    from tuneline.errors import ConfigError
    from tuneline.track import open_tracker

    assert open_tracker(SimpleNamespace(tracking={"backend": "none"}), None) is None
    with pytest.raises(ConfigError, match="unknown tracking backend 'mlfow'"):
        open_tracker(SimpleNamespace(tracking={"backend": "mlfow"}, name="x"), None)
