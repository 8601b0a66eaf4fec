"""Tracking backends: MLflow (default, a local SQLite store, no server) and Weights & Biases.

A tracker mirrors the run directory, which stays the source of truth: parameters from
the resolved config, per-step metrics from each stage's log.jsonl, each stage's final
metrics and artifacts, and, at the end, one registered model version per final artifact
(a stage whose weights no later stage continues), tagged with its pipeline and stage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import time
from pathlib import Path
from typing import Any

from tuneline.errors import ConfigError
from tuneline.io import JsonlLog, atomic_write_json
from tuneline.progress import info

TRACKING_FILE = "tracking.json"  # in the run directory: the backend's run id, so --resume continues it
METRIC_NAMES_FILE = "metric_names.json"  # in the tracked run: each renamed metric's original name
_NOT_MLFLOW = re.compile(r"[^A-Za-z0-9_\-. :/]")


def mlflow_metric_name(name: str) -> str:
    """A metric name MLflow accepts: letters, digits and `_ - . : /` and spaces, as a
    normalised path. Anything else (a class label ending in "?", accents, "//") becomes
    "_", and a short hash of the original keeps two renamed names apart."""
    clean = _NOT_MLFLOW.sub("_", name)
    if posixpath.normpath(clean) != clean or clean.startswith(("/", "..")):
        clean = clean.replace("/", "_")
    if clean == name:
        return name
    return f"{clean}_{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def default_mlflow_uri(run_dir: Path) -> str:
    """sqlite:///<runs folder>/mlflow.db: one store per runs folder, shared by its pipelines."""
    return f"sqlite:///{(Path(run_dir).resolve().parents[1] / 'mlflow.db')}"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} → {'a.b': 1}; lists are kept whole as values."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out.update(flatten(value, name) if isinstance(value, dict) else {name: value})
    return out


def numeric_items(data: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in flatten(data).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def step_metrics(stage_dir: Path) -> list[tuple[int, dict[str, float]]]:
    """(step, numeric values) for each line of a stage's log.jsonl that names a step."""
    rows = []
    for record in JsonlLog(stage_dir / "log.jsonl").records():
        if isinstance(record.get("step"), int):
            rows.append((record["step"], {k: v for k, v in numeric_items(record).items() if k != "step"}))
    return rows


def stage_artifact(stage_dir: Path) -> Path | None:
    for name in ("adapter", "model"):
        if (stage_dir / name).is_dir():
            return stage_dir / name
    return None


def final_stages(config: Any) -> list[str]:
    """Stages whose output no later stage continues with `from:`: the run's final artifacts."""
    continued = {stage.from_ for stage in config.stages if stage.from_}
    return [stage.name for stage in config.stages if stage.name not in continued]


class MlflowTracker:
    def __init__(self, config: Any, run_dir: Path, uri: str | None = None, experiment: str | None = None,
                 log_weights: str = "adapters"):
        from mlflow.tracking import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no alembic chatter on every run
        self.config, self.run_dir = config, Path(run_dir)
        self.uri = uri or default_mlflow_uri(self.run_dir)
        self.log_weights = log_weights
        self.renamed: dict[str, str] = {}  # MLflow name → original, for names MLflow refuses
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        name = experiment or config.name
        found = self.client.get_experiment_by_name(name)
        experiment_id = found.experiment_id if found else self._create_experiment(name)
        saved = self.run_dir / TRACKING_FILE
        previous = json.loads(saved.read_text()) if saved.exists() else {}
        if previous.get("backend") == "mlflow" and previous.get("uri") == self.uri:
            self.run_id = previous["run_id"]  # a resumed run continues its MLflow run
            self.client.update_run(self.run_id, status="RUNNING")
        else:
            run = self.client.create_run(experiment_id, run_name=f"{config.name}/{self.run_dir.name}",
                                         tags={"pipeline": config.name, "run_dir": str(self.run_dir.resolve())})
            self.run_id = run.info.run_id
            atomic_write_json(saved, {"backend": "mlflow", "uri": self.uri, "run_id": self.run_id})
            self._log_params()

    def _create_experiment(self, name: str) -> str:
        location = None
        if self.uri.startswith("sqlite:///"):  # artifacts next to the database, not in the working directory
            location = (Path(self.uri[len("sqlite:///"):]).parent / "mlartifacts").resolve().as_uri()
        return self.client.create_experiment(name, artifact_location=location)

    def _log_params(self) -> None:
        from mlflow.entities import Param

        from tuneline.config.schema import dump_resolved

        resolved = dump_resolved(self.config)
        params = flatten({k: v for k, v in resolved.items() if k != "stages"})
        for stage in resolved.get("stages", []):
            params.update(flatten({k: v for k, v in stage.items() if k != "name"}, prefix=stage["name"]))
        # MLflow caps a value at 6000 characters and a batch at 100 params.
        items = [Param(k, json.dumps(v)[:6000] if not isinstance(v, str) else v[:6000]) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(self.run_id, params=items[start:start + 100])
        self.client.log_artifact(self.run_id, str(self.run_dir / "pipeline.yaml"))

    def log_stage(self, stage_name: str, metrics: dict[str, Any], stage_dir: Path) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        rows = [Metric(self._metric_name(f"{stage_name}/{key}"), value, now, step)
                for step, values in step_metrics(stage_dir) for key, value in values.items()]
        rows += [Metric(self._metric_name(f"{stage_name}/{key}"), value, now, 0)
                 for key, value in numeric_items(metrics).items()]
        for start in range(0, len(rows), 1000):  # MLflow's batch limit
            self.client.log_batch(self.run_id, metrics=rows[start:start + 1000])
        if self.renamed:
            self.client.log_dict(self.run_id, self.renamed, METRIC_NAMES_FILE)
        for name in ("metrics.json", "log.jsonl", "report.html", "samples.jsonl"):
            if (stage_dir / name).is_file():
                self.client.log_artifact(self.run_id, str(stage_dir / name), artifact_path=stage_name)
        artifact = stage_artifact(stage_dir)
        if artifact is not None and (self.log_weights == "all" or
                                     (self.log_weights == "adapters" and artifact.name == "adapter")):
            self.client.log_artifacts(self.run_id, str(artifact), artifact_path=f"{stage_name}/{artifact.name}")

    def _metric_name(self, name: str) -> str:
        clean = mlflow_metric_name(name)
        if clean != name:
            self.renamed[clean] = name
        return clean

    def _register(self, stage_name: str, artifact: Path) -> None:
        from mlflow.exceptions import MlflowException

        name = f"{self.config.name}-{stage_name}"
        try:
            self.client.get_registered_model(name)
        except MlflowException:
            self.client.create_registered_model(name, tags={"pipeline": self.config.name})
        logged = self.log_weights == "all" or (self.log_weights == "adapters" and artifact.name == "adapter")
        # Weights not copied into the store are registered where they lie in the run directory.
        source = f"runs:/{self.run_id}/{stage_name}/{artifact.name}" if logged else artifact.resolve().as_uri()
        self.client.create_model_version(name, source=source, run_id=self.run_id, tags={
            "pipeline": self.config.name, "stage": stage_name, "kind": artifact.name,
            "run_dir": str(self.run_dir.resolve())})

    def close(self) -> None:
        from tuneline.track.manifest import read_manifest

        manifest = read_manifest(self.run_dir)
        states = {s["name"]: s["status"] for s in manifest["stages"]}
        for stage_name in final_stages(self.config):
            artifact = stage_artifact(self.run_dir / stage_name)
            if states.get(stage_name) == "done" and artifact is not None:
                self._register(stage_name, artifact)
        _write_run_report(self.run_dir)
        if (self.run_dir / "report.html").exists():
            self.client.log_artifact(self.run_id, str(self.run_dir / "report.html"))
        self.client.log_artifact(self.run_id, str(self.run_dir / "manifest.json"))
        status = "FINISHED" if all(s == "done" for s in states.values()) else (
            "KILLED" if "interrupted" in states.values() else "FAILED")
        self.client.set_terminated(self.run_id, status=status)


class WandbTracker:
    """Weights & Biases: the same records as MLflow, under `tracking: {backend: wandb, project: ...}`."""

    def __init__(self, config: Any, run_dir: Path, project: str | None = None, entity: str | None = None):
        try:
            import wandb
        except ImportError:
            raise ConfigError("tracking.backend is wandb but the wandb package is not installed",
                              fix="pip install wandb, or use tracking: {backend: mlflow}") from None
        from tuneline.config.schema import dump_resolved

        self.wandb, self.run_dir = wandb, Path(run_dir)
        saved = self.run_dir / TRACKING_FILE
        previous = json.loads(saved.read_text()) if saved.exists() else {}
        self.run = wandb.init(project=project or config.name, entity=entity, name=self.run_dir.name,
                              dir=str(self.run_dir), config=dump_resolved(config),
                              id=previous.get("run_id") if previous.get("backend") == "wandb" else None,
                              resume="allow")
        atomic_write_json(saved, {"backend": "wandb", "run_id": self.run.id})
        self.step_offset = 0  # W&B steps must grow across stages

    def log_stage(self, stage_name: str, metrics: dict[str, Any], stage_dir: Path) -> None:
        last = self.step_offset
        for step, values in step_metrics(stage_dir):
            last = self.step_offset + step
            self.run.log({f"{stage_name}/{k}": v for k, v in values.items()}, step=last)
        self.run.summary.update({f"{stage_name}/{k}": v for k, v in numeric_items(metrics).items()})
        self.step_offset = last + 1
        artifact = stage_artifact(stage_dir)
        if artifact is not None and artifact.name == "adapter":
            logged = self.wandb.Artifact(f"{self.run.project}-{stage_name}", type="model",
                                         metadata={"stage": stage_name})
            logged.add_dir(str(artifact))
            self.run.log_artifact(logged)

    def close(self) -> None:
        _write_run_report(self.run_dir)
        if (self.run_dir / "report.html").exists():
            self.run.save(str(self.run_dir / "report.html"), base_path=str(self.run_dir))
        self.run.finish()


def _write_run_report(run_dir: Path) -> None:
    from tuneline.eval.report import write_run_report

    write_run_report(run_dir, run_dir / "report.html")


class Tolerant:
    """A tracker whose failures warn instead of stopping training: the run directory
    already holds everything, and the tracker can be filled again from it later."""

    def __init__(self, tracker: Any):
        self.tracker = tracker

    def log_stage(self, stage_name: str, metrics: dict[str, Any], stage_dir: Path) -> None:
        try:
            self.tracker.log_stage(stage_name, metrics, stage_dir)
        except Exception as exc:  # noqa: BLE001 — any backend failure (store locked, disk full, network)
            info(f"tracking: could not log stage {stage_name} ({type(exc).__name__}: {exc}); "
                 "the run directory has its results")

    def close(self) -> None:
        try:
            self.tracker.close()
        except Exception as exc:  # noqa: BLE001
            info(f"tracking: could not finish the tracked run ({type(exc).__name__}: {exc})")


def make_tracker(backend: str, config: Any, run_dir: Path):
    options = {k: v for k, v in (config.tracking or {}).items() if k != "backend"}
    if backend == "mlflow":
        unknown = set(options) - {"uri", "experiment", "log_weights"}
        if unknown:
            raise ConfigError(f"unknown tracking option(s) {sorted(unknown)} for mlflow", where="tracking",
                              fix="use uri, experiment, log_weights (adapters|all|none)")
        if options.get("log_weights", "adapters") not in ("adapters", "all", "none"):
            raise ConfigError("tracking.log_weights must be adapters, all or none", where="tracking.log_weights",
                              fix="adapters copies LoRA adapters into the store; all copies full models too")
        try:
            return Tolerant(MlflowTracker(config, run_dir, **options))
        except Exception as exc:  # noqa: BLE001 — a broken store must not stop training
            info(f"tracking: MLflow store {options.get('uri') or default_mlflow_uri(run_dir)} unavailable "
                 f"({type(exc).__name__}: {exc}); continuing without tracking")
            return None
    if backend == "wandb":
        return Tolerant(WandbTracker(config, run_dir, **{k: options[k] for k in ("project", "entity") if k in options}))
    raise ConfigError(f"unknown tracking backend '{backend}'", where="tracking.backend", fix="use mlflow, wandb or none")
