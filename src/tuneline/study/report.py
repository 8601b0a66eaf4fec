"""The study's report: per method and budget, the mean over seeds of each quality figure
with its 95% interval (Student t), curves of quality against the FLOPs spent, and a table
per budget saying which method leads and by how much (the mean of the per-seed differences
to the runner-up, with its interval). Written as report.html, PNGs and summary.json in
runs/<study>/report/, and logged to MLflow."""

from __future__ import annotations

import base64
import html
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from tuneline.eval.plots import figure_png
from tuneline.io import atomic_write_json, atomic_write_text

# Two-sided 95% quantiles of Student's t by degrees of freedom (beyond 30: the normal's 1.96).
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
FIGURES = {"judge_score": "held-out judge score", "win_rate_vs_start": "win rate against the start",
           "kl_to_start": "KL to the start (nats per answer)"}


def interval(values: list[float]) -> tuple[float, float]:
    """(mean, half-width of its 95% interval); the half-width is nan for a single value."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, math.nan
    t = T95[len(values) - 2] if len(values) - 1 <= len(T95) else 1.96
    return mean, t * statistics.stdev(values) / math.sqrt(len(values))


def summarise(results: list[dict[str, Any]], budgets: list[float]) -> dict[str, Any]:
    """Aggregate finished cells: rows per (budget, method), and the leader of each budget.
    The prompt arm (no training, no budget) joins every budget's comparison."""
    by_cell: dict[tuple[float | None, str], list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        by_cell[(result["budget"], result["method"])].append(result)
    rows = []
    for (budget, method), cells in sorted(by_cell.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        row: dict[str, Any] = {"budget": budget, "method": method, "seeds": sorted(c["seed"] for c in cells),
                               "flops": statistics.fmean(c.get("flops", 0.0) for c in cells),
                               "flags": sorted({f for c in cells for f in c.get("monitor_flags", [])})}
        for key in (*FIGURES, "answer_length", "steps"):
            values = [c[key] for c in cells if isinstance(c.get(key), (int, float))]
            if values:
                row[key], row[f"{key}_ci"] = interval(values)
        rows.append(row)
    leaders = []
    for budget in budgets:
        contenders = [r for r in rows if r["budget"] in (budget, None) and "judge_score" in r]
        if len(contenders) < 1:
            continue
        ranked = sorted(contenders, key=lambda r: -r["judge_score"])
        leader = {"budget": budget, "leader": ranked[0]["method"], "judge_score": ranked[0]["judge_score"]}
        if len(ranked) > 1:
            first, second = ranked[0], ranked[1]
            scores = {c["seed"]: c["judge_score"] for c in by_cell[(first["budget"], first["method"])]}
            other = {c["seed"]: c["judge_score"] for c in by_cell[(second["budget"], second["method"])]}
            differences = [scores[s] - other[s] for s in sorted(set(scores) & set(other))]
            if differences:
                margin, half = interval(differences)
                leader.update(runner_up=second["method"], margin=margin, margin_ci=half,
                              seeds_compared=len(differences),
                              clear=bool(not math.isnan(half) and margin - half > 0))
        leaders.append(leader)
    return {"rows": rows, "leaders": leaders}


def _fmt(value: Any, half: Any = None) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    text = f"{value:.3g}" if abs(value) >= 1e4 else f"{value:.3f}"
    if isinstance(half, (int, float)) and not math.isnan(half):
        text += f" ± {half:.3f}"
    return text


def _budget(budget: float | None) -> str:
    return "no training" if budget is None else f"{budget:.3g}"


def curve_png(rows: list[dict[str, Any]], key: str, title: str, start: float | None = None) -> bytes | None:
    """Quality against the method stage's FLOPs: a line per method, 95% intervals as error bars;
    the prompt arm (no training FLOPs) as a dashed horizontal line, the start as a dotted one."""

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [r for r in rows if key in r]
    if not points:
        return None
    figure, axes = plt.subplots(figsize=(6.4, 3.6), dpi=90)
    for method in sorted({r["method"] for r in points}):
        mine = sorted((r for r in points if r["method"] == method), key=lambda r: r["flops"])
        errors = [0.0 if math.isnan(r.get(f"{key}_ci", math.nan)) else r[f"{key}_ci"] for r in mine]
        if all(r["budget"] is None for r in mine):
            axes.axhline(mine[0][key], linestyle="--", color="grey", label=f"{method} (no training)")
            continue
        axes.errorbar([r["flops"] for r in mine], [r[key] for r in mine], yerr=errors, marker="o", capsize=3,
                      label=method)
    if start is not None:
        axes.axhline(start, linestyle=":", color="black", label="start")
    axes.set_title(title)
    axes.set_xlabel("FLOPs spent by the method's stage")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7)
    return figure_png(figure)


def leader_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    for lead in summary["leaders"]:
        text = f"budget {lead['budget']:.3g} FLOPs: {lead['leader']} leads (judge score {lead['judge_score']:.3f})"
        if "runner_up" in lead:
            text += (f", ahead of {lead['runner_up']} by {_fmt(lead['margin'], lead['margin_ci'])} over "
                     f"{lead['seeds_compared']} seeds" + ("" if lead["clear"] else " (the interval includes 0)"))
        lines.append(text)
    return lines


def write_report(out_dir: Path, name: str, summary: dict[str, Any], start_cost: float,
                 notes: list[str], start_score: float | None = None) -> Path:
    """report.html with the tables and curves; each curve also as a PNG file beside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = []
    for key, title in FIGURES.items():
        reference = {"judge_score": start_score, "win_rate_vs_start": 0.5}.get(key)
        png = curve_png(summary["rows"], key, title, reference)
        if png is not None:
            (out_dir / f"{key}.png").write_bytes(png)
            images.append((title, base64.b64encode(png).decode()))
    header = ("<tr><th>budget (FLOPs)</th><th>method</th><th>seeds</th><th>FLOPs spent</th><th>steps</th>"
              "<th>judge score</th><th>win rate vs start</th><th>KL to start</th><th>answer tokens</th><th>flags</th></tr>")
    body = "".join(
        f"<tr><td>{_budget(r['budget'])}</td><td>{html.escape(r['method'])}</td>"
        f"<td>{len(r['seeds'])}</td><td>{r['flops']:.3g}</td><td>{_fmt(r.get('steps'))}</td>"
        f"<td>{_fmt(r.get('judge_score'), r.get('judge_score_ci'))}</td>"
        f"<td>{_fmt(r.get('win_rate_vs_start'), r.get('win_rate_vs_start_ci'))}</td>"
        f"<td>{_fmt(r.get('kl_to_start'), r.get('kl_to_start_ci'))}</td><td>{_fmt(r.get('answer_length'))}</td>"
        f"<td>{html.escape(', '.join(r['flags'])) or '–'}</td></tr>" for r in summary["rows"])
    leaders = "".join(f"<li>{html.escape(line)}</li>" for line in leader_lines(summary))
    figures = "".join(f"<h3>{html.escape(t)}</h3><img src='data:image/png;base64,{b}'>" for t, b in images)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>study {html.escape(name)}</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
            "</style></head><body>"
            f"<h1>Study {html.escape(name)}</h1><p>Every method starts from the same start run, which cost "
            f"{start_cost:.3g} FLOPs; the FLOPs below are each method stage's own. Intervals: 95%, Student t over "
            f"seeds. The start's own answers score {_fmt(start_score)} under the judge.</p>"
            f"<h2>Which method leads at each budget</h2><ul>{leaders}</ul>"
            f"<h2>All cells, by budget</h2><table>{header}{body}</table>{figures}"
            + "".join(f"<p>{html.escape(n)}</p>" for n in notes) + "</body></html>")
    atomic_write_text(out_dir / "report.html", page)
    atomic_write_json(out_dir / "summary.json", {**summary, "start_flops": start_cost, "start_judge_score": start_score,
                                                 "notes": notes})
    return out_dir / "report.html"


def log_to_mlflow(tracking: dict[str, Any], name: str, out_dir: Path, summary: dict[str, Any]) -> None:
    """One MLflow run per study (re-used when the report is written again), its figures as metrics."""
    if tracking.get("backend", "mlflow") != "mlflow":
        return
    import json

    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    from tuneline.track.backends import default_mlflow_uri, mlflow_metric_name

    uri = tracking.get("uri") or default_mlflow_uri(out_dir)  # runs/mlflow.db, beside the pipelines
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(f"study-{name}")
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(f"study-{name}")
    saved = out_dir / "mlflow.json"
    run_id = json.loads(saved.read_text())["run_id"] if saved.exists() else None
    if run_id is None:
        run_id = client.create_run(experiment_id, run_name=name, tags={"study": name}).info.run_id
        atomic_write_json(saved, {"run_id": run_id, "uri": uri})
    metrics = []
    for row in summary["rows"]:
        for key in FIGURES:
            if key in row:
                label = mlflow_metric_name(f"{row['method']}/{key}")
                metrics.append(Metric(label, row[key], 0, int(row["flops"])))
    client.log_batch(run_id, metrics=metrics)
    for path in sorted(out_dir.glob("*.png")) + [out_dir / "report.html", out_dir / "summary.json"]:
        client.log_artifact(run_id, str(path))
    client.set_terminated(run_id)
