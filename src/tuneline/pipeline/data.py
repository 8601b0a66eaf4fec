"""A run's datasets: each source file read once, each (dataset, record type) loaded,
validated, split and curated once, and saved into the run directory.

    runs/<name>/<run-id>/data/<dataset>.<task>/{train,eval}.jsonl + report.json

`tuneline validate` (the first thing a run does), every stage and the eval stage ask
`RunData.splits(name, task)`; the first ask loads, the rest reuse it. The saved copies are
canonical JSONL (`format: auto` reads them back into the same records), their sha256 in
the manifest beside the sources' (`data` and `data_files`). A resumed run reads its saved
copies, not the sources, after `check_sources` has found the sources unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tuneline.config.schema import DatasetConfig, PipelineConfig
from tuneline.data.load import DatasetSplits, LoadReport, load_records, load_splits
from tuneline.data.readers import read_rows
from tuneline.errors import DataError, UserError
from tuneline.io import atomic_write_json, file_sha256
from tuneline.track import manifest as mf

DATA_DIR = "data"


class RowCache:
    """`read_rows` that reads each (file, container, split) once and replays it after."""

    def __init__(self):
        self.rows: dict[tuple, list] = {}
        self.reads: dict[str, int] = {}  # path → times its rows were read from the source

    def __call__(self, path: str, container: str, split: str | None = None):
        key = (str(path), container, split)
        if key not in self.rows:
            self.reads[str(path)] = self.reads.get(str(path), 0) + 1
            self.rows[key] = list(read_rows(path, container, split))
        return iter(self.rows[key])


class RunData:
    def __init__(self, config: PipelineConfig, run_dir: Path | None = None, writer: bool = True):
        self.config, self.run_dir, self.writer = config, run_dir, writer
        self.rows = RowCache()
        self._splits: dict[tuple[str, str, str], DatasetSplits] = {}

    def splits(self, name: str, task: str, dataset: DatasetConfig | None = None) -> DatasetSplits:
        """Train and eval records of dataset `name` for `task`; `dataset` when a stage reads
        it with its own column mapping (classify's text and label columns)."""
        dataset = dataset or self.config.datasets[name]
        if dataset.stage is not None:
            if self.run_dir is None:
                raise DataError(f"dataset '{name}' is written by stage '{dataset.stage}' during the run",
                                fix="read it in a stage of the run")
            dataset = dataset.model_copy(update={"path": str(self.run_dir / dataset.stage / dataset.path),
                                                 "stage": None})
        view = json.dumps(dataset.columns, sort_keys=True) if dataset.columns else ""
        key = (name, task, view)
        if key not in self._splits:
            saved = self._saved(name, task, view)
            if saved is not None and (saved / "report.json").exists():
                self._splits[key] = _read_saved(saved, task)
            elif dataset.mix is not None:
                self._splits[key] = self._mixed(name, task, dataset)
                self._save(key)
            else:
                self._splits[key] = load_splits(dataset, task=task, seed=self.config.seed, name=name,
                                                reader=self.rows)
                self._save(key)
        return self._splits[key]

    def _mixed(self, name: str, task: str, dataset: DatasetConfig) -> DatasetSplits:
        """A `mix:` dataset from its parts' splits (data/mix.py)."""
        from tuneline.data.mix import mix_records

        parts = {part: self.splits(part, task) for part in dataset.mix}
        for part, splits in parts.items():
            if not splits.train:
                raise DataError(f"dataset '{part}' has no {task} training records to mix into '{name}'",
                                where=f"datasets.{name}.mix.{part}", fix="check that dataset, or leave it out of the mix")
        train, taken = mix_records({part: splits.train for part, splits in parts.items()}, dataset.mix,
                                   dataset.mix_size, self.config.seed)
        evaluation = [record for splits in parts.values() for record in splits.eval]
        shares = ", ".join(f"{part} {weight:g}" for part, weight in dataset.mix.items())
        report = LoadReport(path=f"mix of {shares}", task=task, container="mix", schema="mix",
                            why="given in the config", use=f"seeded draw (seed {self.config.seed})",
                            rows_read=sum(len(splits.train) for splits in parts.values()), records=len(train),
                            splits={"train": len(train), "eval": len(evaluation), "taken": taken, "dataset": name})
        return DatasetSplits(train=train, eval=evaluation, report=report)

    def attach(self, run_dir: Path) -> None:
        """The run directory now exists: save what validation loaded before it did."""
        self.run_dir = run_dir
        for key in self._splits:
            self._save(key)

    def _saved(self, name: str, task: str, view: str) -> Path | None:
        if self.run_dir is None:
            return None
        suffix = f".{hashlib.sha256(view.encode()).hexdigest()[:8]}" if view else ""
        return self.run_dir / DATA_DIR / f"{name}.{task}{suffix}"

    def _save(self, key: tuple[str, str, str]) -> None:
        from tuneline.data.prepare import write_jsonl

        folder = self._saved(*key)
        if folder is None or not self.writer or (folder / "report.json").exists():
            return
        splits = self._splits[key]
        write_jsonl(folder / "train.jsonl", splits.train)
        write_jsonl(folder / "eval.jsonl", splits.eval)
        atomic_write_json(folder / "report.json", splits.report.to_dict())
        manifest = mf.read_manifest(self.run_dir)
        manifest.setdefault("data_files", {})[folder.name] = {
            split: {"path": str(folder / f"{split}.jsonl"), "records": len(getattr(splits, split)),
                    "sha256": file_sha256(folder / f"{split}.jsonl")} for split in ("train", "eval")}
        mf.write_manifest(self.run_dir, manifest)


def _read_saved(folder: Path, task: str) -> DatasetSplits:
    splits = []
    for split in ("train", "eval"):
        path = folder / f"{split}.jsonl"
        if path.stat().st_size == 0:
            splits.append([])
            continue
        try:
            records, _ = load_records(str(path), format="auto", task=task)
        except DataError as exc:
            raise UserError(f"the run's saved copy of its data cannot be read: {exc.message}", where=str(path),
                            fix="start a new run (`tuneline run PIPELINE`)") from None
        splits.append(records)
    saved = json.loads((folder / "report.json").read_text())
    report = LoadReport(path=saved["path"], task=task, container=saved["container"], schema=saved["format"],
                        why=saved["why"], use=saved["use"], rows_read=saved["rows_read"], records=saved["records"],
                        splits={**saved["splits"], "read_from": str(folder)})
    return DatasetSplits(train=splits[0], eval=splits[1], report=report)


def check_sources(run_dir: Path, allow_change: bool) -> list[str]:
    """On resume: the source files whose sha256 differs from the one the run started with.
    Raises (exit 2, naming the first file) unless `allow_change`; then returns them."""
    manifest = mf.read_manifest(run_dir)
    changed = []
    for entry in manifest.get("data", {}).values():
        path = Path(entry["path"])
        if not path.exists() or file_sha256(path) != entry["sha256"]:
            changed.append(str(path))
    if changed and not allow_change:
        what = "is missing" if not Path(changed[0]).exists() else "changed since the run started"
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise UserError(f"the training data {what}{more}", where=changed[0],
                        fix=f"restore the file, start a new run, or pass --allow-data-change to continue with the "
                            f"copy the run saved in {run_dir / DATA_DIR}")
    return changed
