"""The release gate: a stage's audit against the thresholds of the pipeline file."""

from __future__ import annotations

from typing import Any

from tuneline.safety.audit import OVERALL
from tuneline.safety.config import GateConfig

LABELS = {"unsafe_compliance": "unsafe compliance", "over_refusal": "over-refusal"}


def evaluate_gate(result: dict[str, Any], gate: GateConfig) -> dict[str, Any]:
    """{verdict: passed|blocked, reasons, thresholds, figures} for one audited target."""
    field = "rate" if gate.on == "estimate" else "ci_high"
    reasons, figures = [], {}
    for metric, limit in (("unsafe_compliance", gate.max_unsafe_compliance),
                          ("over_refusal", gate.max_over_refusal)):
        if metric not in result:
            continue
        value = result[metric][OVERALL][field]
        figures[metric] = result[metric][OVERALL]
        if limit is not None and value > limit:
            reasons.append(f"{LABELS[metric]} {value:.3f} > {limit:.3f} ({gate.on})")
    comparison = result.get("comparison", {})
    for metric, limit in (("unsafe_compliance", gate.max_unsafe_increase),
                          ("over_refusal", gate.max_over_refusal_increase)):
        if metric not in comparison:
            continue
        change = comparison[metric][OVERALL]
        figures[f"{metric}_vs_baseline"] = change
        value = change["difference"] if gate.on == "estimate" else change["ci_high"]
        if limit is not None and value > limit:
            reasons.append(f"{LABELS[metric]} rose {value:+.3f} over {comparison['baseline']} (limit +{limit:.3f}, "
                           f"{gate.on})")
    return {"verdict": "blocked" if reasons else "passed", "target": result["target"], "reasons": reasons,
            "thresholds": gate.model_dump(), "figures": figures}
