"""Standard benchmarks through lm-evaluation-harness (`lm-eval`, 0.4.x), on a model already
in memory (its HFLM wrapper accepts a loaded transformers/PEFT model).

Local task files work: `include_path` adds a folder of task YAMLs (a task whose
`dataset_path` is `json`/`csv`/`parquet` with local `data_files` runs offline). A relative
`data_files` path is read beside its YAML file when the file is there, for a task named directly
or inside a named group (the harness alone reads it from the working directory, so the same task
broke when run from another folder). Before
running, every task's dataset is checked: when the hub is needed but disabled
(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE) or unreachable and the dataset is not cached, the
error names those tasks instead of letting the harness hang in download retries.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from tuneline.errors import ConfigError, UserError

LOCAL_BUILDERS = {"json", "csv", "parquet", "text", "arrow", "pandas", "webdataset", "imagefolder", "audiofolder"}


def task_manager(tasks: list[str], include_path: str | None = None):
    """A TaskManager that knows `tasks`; the builtin index (slow: ~20 s, 14k tasks) only if needed."""
    from lm_eval.tasks import TaskManager

    if include_path is not None:
        if not Path(include_path).is_dir():
            raise ConfigError(f"lm_eval include_path '{include_path}' is not a folder",
                              fix="point it to a folder of lm-eval task YAML files")
        local = TaskManager(include_path=str(include_path), include_defaults=False)
        if all(name in local.task_index for name in tasks):
            return local
    return TaskManager(include_path=str(include_path) if include_path else None)


def leaf_task_configs(manager, name: str) -> dict[str, dict[str, Any]]:
    """{task name: its config (includes resolved)} for a task, group or tag."""
    from lm_eval.tasks._index import Kind

    entry = manager.task_index.get(name)
    if entry is None:
        return {}
    if entry.kind == Kind.TAG:
        return {k: v for member in sorted(entry.tags) for k, v in leaf_task_configs(manager, member).items()}
    if entry.kind == Kind.GROUP:
        members = (entry.cfg or {}).get("task", [])
        out: dict[str, dict[str, Any]] = {}
        for member in members if isinstance(members, list) else [members]:
            if isinstance(member, str):
                out.update(leaf_task_configs(manager, member))
            elif isinstance(member, dict) and "task" in member:
                out[str(member["task"])] = member
        return out
    config = dict(entry.cfg or {})
    if entry.yaml_path is not None:
        try:
            from lm_eval.tasks._yaml_loader import load_yaml

            config = load_yaml(entry.yaml_path, resolve_func=False)
        except Exception:  # noqa: BLE001 — an unreadable YAML is reported by the harness itself
            pass
    return {name: config}


def _beside(value, folder: Path):
    """`data_files` (a path, a list, or {split: either}) with each relative path that names a file
    in `folder` made absolute; other paths as they are."""
    if isinstance(value, dict):
        return {key: _beside(item, folder) for key, item in value.items()}
    if isinstance(value, list):
        return [_beside(item, folder) for item in value]
    if isinstance(value, str) and not Path(value).expanduser().is_absolute() and (folder / value).exists():
        return str((folder / value).resolve())
    return value


def _local_task(manager, name: str) -> dict | None:
    """A local task's config with the relative `data_files` beside its YAML made absolute; None when
    nothing needs it (not a task file, or no such path)."""
    from lm_eval.tasks._index import Kind
    from lm_eval.tasks._yaml_loader import load_yaml

    entry = manager.task_index.get(name)
    if entry is None or entry.kind != Kind.TASK or entry.yaml_path is None:
        return None
    config = load_yaml(entry.yaml_path)
    files = (config.get("dataset_kwargs") or {}).get("data_files")
    resolved = _beside(files, Path(entry.yaml_path).parent) if files is not None else None
    if resolved == files:
        return None
    return config | {"task": name, "dataset_kwargs": config["dataset_kwargs"] | {"data_files": resolved}}


def _spec(manager, name: str):
    """The harness's spec for a task or group name: the name itself; where a local task reads
    relative `data_files`, its resolved config; for a group with such members, the group built
    with those members resolved (members of a nested group stay as they are)."""
    from lm_eval.tasks._index import Kind

    entry = manager.task_index.get(name)
    if entry is not None and entry.kind == Kind.GROUP:
        config = dict(entry.cfg or {})
        members = config.get("task", [])
        members = members if isinstance(members, list) else [members]
        resolved = [(_local_task(manager, m) or m) if isinstance(m, str) else m for m in members]
        # a group given as a dict hands its own fields (aggregate_metric_list, ...) to every member
        # as task overrides (lm-eval 0.4.13, the pinned version), so the group is built here and
        # passed as an object; a harness without that builder gets the name, as before
        build = getattr(getattr(manager, "_factory", None), "_build_group", None)
        if resolved == members or build is None:
            return name
        return build(name, config | {"task": resolved}, None, manager._index)
    return _local_task(manager, name) or name


def task_specs(manager, tasks: list[str]) -> list:
    """The task list for the harness: each name, or where a local task file's `data_files` name
    files beside it, its config (or its group's) with those paths absolute."""
    return [_spec(manager, name) for name in tasks]


def needs_hub(config: dict[str, Any]) -> str | None:
    """The hub dataset a task downloads, or None when its data is local or cached."""
    dataset = config.get("dataset_path")
    if not dataset or dataset in LOCAL_BUILDERS or Path(str(dataset)).expanduser().exists():
        return None
    cache = Path(os.environ.get("HF_HUB_CACHE", Path(os.environ.get("HF_HOME", Path.home() / ".cache" /
                                                                    "huggingface")) / "hub"))
    if (cache / f"datasets--{str(dataset).replace('/', '--')}").exists():
        return None
    return str(dataset)


def hub_reachable(timeout: float = 3.0) -> bool:
    offline = any(os.environ.get(v, "0").lower() not in ("0", "", "false")
                  for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"))
    if offline:
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def check_tasks_available(manager, tasks: list[str]) -> None:
    """UserError naming unknown tasks, or tasks whose data needs the (unreachable) hub."""
    unknown = [t for t in tasks if t not in manager.task_index]
    if unknown:
        raise ConfigError(f"unknown lm-eval task(s): {', '.join(unknown)}",
                          fix="check the names (lm-eval --tasks list), or set include_path to your task YAML folder")
    hub = {task: dataset for name in tasks for task, config in leaf_task_configs(manager, name).items()
           if (dataset := needs_hub(config))}
    if hub and not hub_reachable():
        listed = "; ".join(f"{task} (dataset {dataset})" for task, dataset in sorted(hub.items()))
        raise UserError(f"these lm-eval tasks need the Hugging Face hub, which is offline or unreachable here: "
                        f"{listed}", where="lm-eval",
                        fix="run them where the hub is reachable, download their datasets into the HF cache first, "
                            "or write a local task YAML (dataset_path: json, dataset_kwargs: {data_files: ...})")


def run_lm_eval(model, tokenizer, tasks: list[str], include_path: str | None = None, limit: int | float | None = None,
                num_fewshot: int | None = None, batch_size: int = 8, apply_chat_template: bool = False
                ) -> dict[str, float]:
    """Benchmark scores as {'<task>.<metric>': value} (lm-eval's metric names, e.g. acc,none)."""
    import lm_eval
    from lm_eval.models.huggingface import HFLM

    if not tasks:
        raise ConfigError("the lm-eval suite needs tasks", where="lm_eval.tasks", fix="e.g. lm_eval: {tasks: [arc_easy]}")
    manager = task_manager(tasks, include_path)
    check_tasks_available(manager, tasks)
    wrapped = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size,
                   device=str(next(model.parameters()).device))
    output = lm_eval.simple_evaluate(model=wrapped, tasks=task_specs(manager, tasks), limit=limit, num_fewshot=num_fewshot,
                                     task_manager=manager, log_samples=False, bootstrap_iters=0,
                                     apply_chat_template=apply_chat_template, verbosity="WARNING")
    scores: dict[str, float] = {}
    for task, values in (output or {}).get("results", {}).items():
        for metric, value in values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and "stderr" not in metric:
                scores[f"{task}.{metric.replace(',none', '')}"] = float(value)
    return scores
