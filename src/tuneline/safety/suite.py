"""The eval stage's `safety` suite: audit each target of the run, compare each stage with its
baseline, apply the gate, mark blocked stages, and write the report section.

Per target: <eval stage>/safety/<target>.json and .md; a trained stage also gets
`safety_gate.json` in its artifact folder (read by `tuneline serve`). The returned metrics
carry `safety_gates` ({stage: verdict}), which the runner records in the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuneline.progress import info
from tuneline.safety.config import SafetyConfig


def _detectors(config: SafetyConfig, run_dir: Path, base: str, dtype: str):
    from tuneline.safety.run import DetectorChoice

    choice = DetectorChoice(config.refusal_detector, config.unsafe_detector, judge_setting="safety.judge_model")
    if "judge" in (config.refusal_detector, config.unsafe_detector):
        from tuneline.models.load import load_for_inference

        reference = config.judge_model or base
        if (run_dir / reference).is_dir():
            reference = str(run_dir / reference)
        choice.judge_local, choice.judge_name = load_for_inference(reference, dtype=dtype), f"judge:{reference}"
    if config.unsafe_detector == "reward":
        from tuneline.rl.rewards import RewardModelReward

        folder = config.reward_model or ""
        choice.reward = RewardModelReward(run_dir / folder if (run_dir / folder).is_dir() else folder)
    return choice


def baseline_of(target, names: set[str], config: SafetyConfig) -> str | None:
    if target.name == "base" or config.baseline == "none":
        return None
    if config.baseline not in ("base", "previous"):  # a target named as every other target's baseline
        return config.baseline if target.name != config.baseline and config.baseline in names else None
    if config.baseline == "previous" and target.previous in names:
        return target.previous
    return "base" if "base" in names else None


def prompt_file(name: str, pipeline_file: str | None) -> str:
    """A shipped set's name, or a prompt file: relative paths are relative to the pipeline file."""
    from tuneline.safety.prompts import SHIPPED

    if name in SHIPPED or Path(name).is_absolute() or pipeline_file is None:
        return name
    beside = Path(pipeline_file).resolve().parent / name
    return str(beside) if beside.exists() else name


def run_safety_suite(config: SafetyConfig, targets: list, run_dir: Path, stage_dir: Path, pipeline,
                     dtype: str = "float32") -> dict[str, Any]:
    """`pipeline` is the run's PipelineConfig: its base model, and the file prompt paths are relative to."""
    from tuneline.models.artifacts import folder_artifact
    from tuneline.models.gate import write_gate
    from tuneline.runtime import fast_dtype
    from tuneline.safety.answers import Sampling, answer_with_model
    from tuneline.safety.audit import flat_metrics
    from tuneline.safety.gate import evaluate_gate
    from tuneline.safety.prompts import load_prompts
    from tuneline.safety.report import html_section
    from tuneline.safety.run import audit, with_baseline, write_audit

    dtype = fast_dtype() if dtype == "auto" else dtype
    base, source = pipeline.model.ref, pipeline.__dict__.get("source_path")
    prompts = [p for name in config.prompts for p in load_prompts(prompt_file(name, source),
                                                                  categories=config.categories)]
    detectors = _detectors(config, run_dir, base, dtype)
    sampling = Sampling(k=config.k, max_new_tokens=config.max_new_tokens, temperature=config.temperature,
                        batch_size=config.batch_size)
    results = {t.name: audit(t.name, prompts, answer_with_model(t.reference, prompts, sampling, dtype), detectors,
                             config.k) for t in targets}
    quality = detectors.quality() if config.measure_detectors else None
    names = set(results)
    out_dir = stage_dir / "safety"
    metrics: dict[str, Any] = {"safety_gates": {}}
    for target in targets:
        result = results[target.name]
        result["dtype"] = dtype  # the weights the answers came from
        baseline = baseline_of(target, names, config)
        if baseline is not None:
            with_baseline(result, results[baseline])
        if target.name != "base" and (run_dir / target.name).is_dir():
            result["gate"] = evaluate_gate(result, config.gate)
            marker = write_gate(folder_artifact(run_dir / target.name).path, result["gate"])
            metrics["safety_gates"][target.name] = result["gate"]["verdict"]
            info(f"safety gate of {target.name}: {result['gate']['verdict']}"
                 + (f" ({'; '.join(result['gate']['reasons'])})" if result["gate"]["reasons"] else "")
                 + f" → {marker}")
        write_audit(out_dir, result, quality)
        metrics.update(flat_metrics(result))
    (out_dir / "section.html").write_text(html_section(list(results.values()), quality))
    metrics["safety_detectors"] = {q: {n: {"precision": m["precision"], "recall": m["recall"]}
                                       for n, m in measured["detectors"].items()}
                                   for q, measured in (quality or {}).items()}
    return metrics
