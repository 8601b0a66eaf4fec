"""Tracking survives any label or metric name: MLflow refuses "?" and other characters in
metric names (a BANKING77 label is `reverted_card_payment?`), so names are made acceptable
and the originals are kept beside them in the tracked run."""

from __future__ import annotations

import json

from tuneline.config.schema import PipelineConfig
from tuneline.track.backends import METRIC_NAMES_FILE, MlflowTracker, mlflow_metric_name

AWKWARD = ["per_class.reverted_card_payment?.f1", "per_class.card / pin.f1", "per_class.résiliation.f1",
           "per_class.top up.recall", "per_class.a//b.f1"]


def test_names_mlflow_refuses_are_renamed_and_never_merge():
    assert mlflow_metric_name("sft/eval_loss") == "sft/eval_loss"
    renamed = [mlflow_metric_name(f"classify/{n}") for n in AWKWARD]
    assert len(set(renamed)) == len(renamed)
    assert renamed[0].startswith("classify/per_class.reverted_card_payment_.f1_")
    assert mlflow_metric_name("x/label?") != mlflow_metric_name("x/label!")  # both become "label_"


def test_a_stage_with_awkward_metric_names_is_tracked_with_the_originals_beside(tmp_path):
    from mlflow.tracking import MlflowClient

    run_dir = tmp_path / "runs" / "names" / "run1"
    stage_dir = run_dir / "classify"
    stage_dir.mkdir(parents=True)
    (run_dir / "pipeline.yaml").write_text("name: names\n")
    (stage_dir / "log.jsonl").write_text(json.dumps({"step": 1, "loss": 0.5, "accuracy_über": 0.25}) + "\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracker = MlflowTracker(PipelineConfig(name="names"), run_dir, uri=uri)
    tracker.log_stage("classify", {name: 0.5 for name in AWKWARD}, stage_dir)
    client = MlflowClient(tracking_uri=uri)
    logged = client.get_run(tracker.run_id).data.metrics
    assert logged["classify/loss"] == 0.5
    originals = json.loads(open(client.download_artifacts(tracker.run_id, METRIC_NAMES_FILE, str(tmp_path))).read())
    assert sorted(originals.values()) == sorted(["classify/accuracy_über", "classify/per_class.reverted_card_payment?.f1",
                                                 "classify/per_class.résiliation.f1", "classify/per_class.a//b.f1"])
    assert set(originals) <= set(logged)  # every renamed metric is in the run under its MLflow name
    assert logged["classify/per_class.card / pin.f1"] == 0.5  # spaces and single slashes are fine as they are
