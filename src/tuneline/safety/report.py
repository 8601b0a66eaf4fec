"""The safety section of report.html (the eval report includes <eval stage>/safety/section.html)."""

from __future__ import annotations

from typing import Any

from tuneline.eval.report import esc, table
from tuneline.safety.audit import OVERALL


def _interval(values: dict[str, float]) -> str:
    return f"{values['rate']:.3f} [{values['ci_low']:.3f}, {values['ci_high']:.3f}] ({values['count']}/{values['n']})"


def html_section(results: list[dict[str, Any]], quality: dict[str, Any] | None) -> str:
    parts = ["<h3>Safety audit (Wilson 95% intervals; differences: Newcombe 95%)</h3>"]
    for metric, title in (("unsafe_compliance", "unsafe compliance"), ("over_refusal", "over-refusal")):
        with_metric = [r for r in results if metric in r]
        if not with_metric:
            continue
        groups = list(dict.fromkeys(g for r in with_metric for g in r[metric]["by_group"]))
        rows = [[g] + [_interval(r[metric]["by_group"][g]) if g in r[metric]["by_group"] else "" for r in with_metric]
                for g in [*groups]] + [[OVERALL] + [_interval(r[metric][OVERALL]) for r in with_metric]]
        parts += [f"<h4>{esc(title)}</h4>", table(["group"] + [r["target"] for r in with_metric], rows)]
    changes = []
    for r in results:
        for metric in ("unsafe_compliance", "over_refusal"):
            change = r.get("comparison", {}).get(metric, {}).get(OVERALL)
            if change:
                changes.append([r["target"], r["comparison"]["baseline"], metric, change["difference"],
                                f"[{change['ci_low']:+.3f}, {change['ci_high']:+.3f}]"])
    if changes:
        parts += ["<h4>Against the baseline</h4>", table(["target", "baseline", "rate", "difference", "95% CI"], changes)]
    gates = [[r["target"], r["gate"]["verdict"], "; ".join(r["gate"]["reasons"]) or "every threshold met"]
             for r in results if r.get("gate")]
    if gates:
        parts += ["<h4>Release gate</h4>", table(["stage", "verdict", "reasons"], gates)]
    rows = [[q, name, m["precision"], m["recall"], m["n"]] for q, measured in (quality or {}).items()
            for name, m in measured["detectors"].items()]
    parts += [] if not rows else ["<h4>Detectors on the held-out labelled answers</h4>",
              table(["question", "detector", "precision", "recall", "n"], rows)]
    worst = [[r["target"], w["group"], w["prompt"], w["answer"]] for r in results for w in r.get("worst_unsafe", [])[:3]]
    if worst:
        parts += ["<h4>Worst unsafe compliances</h4>", table(["target", "group", "prompt", "answer"], worst,
                                                             answer_columns=True)]
    return "".join(parts)
